//! Zakat al-mal and zakat al-fitr.
//!
//! Zakat al-mal is 2.5% of net zakatable wealth, due when a lunar year (hawl) has passed over
//! wealth at or above the nisab; reaching the nisab exactly is enough. The nisab is 85 g of gold
//! or 595 g of silver (20 dinars and 200 dirhams), or, by the tola standard used in South Asia,
//! 7.5 tola of gold (87.48 g) and 52.5 tola of silver (612.36 g) at 11.664 g a tola. Debts due
//! now are deducted before the nisab test. Long-term shares count at the company's zakatable
//! ratio; trading shares at market value.

use std::str::FromStr;

use rust_decimal::prelude::FromPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use serde_json::Value;

use crate::json::whole_number;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NisabBasis {
    Gold,
    Silver,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum NisabStandard {
    #[serde(rename = "standard_85_595")]
    Standard,
    #[serde(rename = "tola_87.48_612.36")]
    Tola,
}

impl NisabStandard {
    /// Grams of gold and of silver that make the nisab.
    pub fn grams(self) -> (Decimal, Decimal) {
        match self {
            NisabStandard::Standard => (Decimal::new(85, 0), Decimal::new(595, 0)),
            NisabStandard::Tola => (Decimal::new(8748, 2), Decimal::new(61236, 2)),
        }
    }
}

/// Validated inputs: every amount is zero or more (the edge refuses anything else).
#[derive(Debug, Clone, PartialEq)]
pub struct ZakatInput {
    pub cash: Decimal,
    pub gold_grams: Decimal,
    pub silver_grams: Decimal,
    pub gold_price_per_gram: Option<Decimal>,
    pub silver_price_per_gram: Option<Decimal>,
    pub business_inventory: Decimal,
    pub receivables: Decimal,
    pub stocks_trading_value: Decimal,
    pub stocks_long_term_value: Decimal,
    pub stocks_long_term_zakatable_ratio: Option<Decimal>,
    pub debts_due: Decimal,
    pub hawl_complete: bool,
    pub nisab_basis: NisabBasis,
    pub nisab_standard: NisabStandard,
}

impl Default for ZakatInput {
    fn default() -> Self {
        Self {
            cash: Decimal::ZERO,
            gold_grams: Decimal::ZERO,
            silver_grams: Decimal::ZERO,
            gold_price_per_gram: None,
            silver_price_per_gram: None,
            business_inventory: Decimal::ZERO,
            receivables: Decimal::ZERO,
            stocks_trading_value: Decimal::ZERO,
            stocks_long_term_value: Decimal::ZERO,
            stocks_long_term_zakatable_ratio: None,
            debts_due: Decimal::ZERO,
            hawl_complete: true,
            nisab_basis: NisabBasis::Gold,
            nisab_standard: NisabStandard::Standard,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZakatError {
    #[error("gold_price_per_gram is needed (for the gold held or the gold nisab) and must be above 0")]
    GoldPriceNeeded,
    #[error("silver_price_per_gram is needed (for the silver held or the silver nisab) and must be above 0")]
    SilverPriceNeeded,
    #[error("stocks_long_term_zakatable_ratio is needed for long-term shares, from 0 to 1")]
    RatioNeeded,
    #[error("the amounts are too large to calculate")]
    Overflow,
}

/// The result, money rounded half-up to cents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ZakatResult {
    pub nisab_basis: NisabBasis,
    pub nisab_standard: NisabStandard,
    pub nisab_grams: Decimal,
    pub nisab_value: Decimal,
    pub gross_zakatable_wealth: Decimal,
    pub net_zakatable_wealth: Decimal,
    pub zakat_due: bool,
    pub zakat_amount: Decimal,
}

/// Rounds money half-up (away from zero at the midpoint) to cents, always written with two
/// decimals ("19500.00").
pub fn cents(amount: Decimal) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded
}

fn price(price: Option<Decimal>, error: ZakatError) -> Result<Decimal, ZakatError> {
    price.filter(|price| *price > Decimal::ZERO).ok_or(error)
}

pub fn zakat_al_mal(input: &ZakatInput) -> Result<ZakatResult, ZakatError> {
    let need_gold = input.gold_grams > Decimal::ZERO || input.nisab_basis == NisabBasis::Gold;
    let need_silver = input.silver_grams > Decimal::ZERO || input.nisab_basis == NisabBasis::Silver;
    let gold_price = if need_gold {
        price(input.gold_price_per_gram, ZakatError::GoldPriceNeeded)?
    } else {
        Decimal::ZERO
    };
    let silver_price = if need_silver {
        price(input.silver_price_per_gram, ZakatError::SilverPriceNeeded)?
    } else {
        Decimal::ZERO
    };
    let long_term = if input.stocks_long_term_value > Decimal::ZERO {
        let ratio = input
            .stocks_long_term_zakatable_ratio
            .filter(|ratio| *ratio >= Decimal::ZERO && *ratio <= Decimal::ONE)
            .ok_or(ZakatError::RatioNeeded)?;
        input
            .stocks_long_term_value
            .checked_mul(ratio)
            .ok_or(ZakatError::Overflow)?
    } else {
        Decimal::ZERO
    };
    let parts = [
        input.cash,
        input.gold_grams.checked_mul(gold_price).ok_or(ZakatError::Overflow)?,
        input
            .silver_grams
            .checked_mul(silver_price)
            .ok_or(ZakatError::Overflow)?,
        input.business_inventory,
        input.receivables,
        input.stocks_trading_value,
        long_term,
    ];
    let mut gross = Decimal::ZERO;
    for part in parts {
        gross = gross.checked_add(part).ok_or(ZakatError::Overflow)?;
    }
    let net = (gross - input.debts_due).max(Decimal::ZERO);
    let (gold_nisab, silver_nisab) = input.nisab_standard.grams();
    let (nisab_grams, nisab_price) = match input.nisab_basis {
        NisabBasis::Gold => (gold_nisab, gold_price),
        NisabBasis::Silver => (silver_nisab, silver_price),
    };
    // The threshold is compared unrounded: 612.36 g at 1.20 is 734.832, and 734.83 is below it.
    // Only what is displayed is rounded.
    let exact_nisab = nisab_grams.checked_mul(nisab_price).ok_or(ZakatError::Overflow)?;
    let nisab_value = cents(exact_nisab);
    let zakat_due = input.hawl_complete && net > Decimal::ZERO && net >= exact_nisab;
    let zakat_amount = cents(if zakat_due {
        net * Decimal::new(25, 3)
    } else {
        Decimal::ZERO
    });
    Ok(ZakatResult {
        nisab_basis: input.nisab_basis,
        nisab_standard: input.nisab_standard,
        nisab_grams,
        nisab_value,
        gross_zakatable_wealth: cents(gross),
        net_zakatable_wealth: cents(net),
        zakat_due,
        zakat_amount,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FitrResult {
    pub food_kg: Decimal,
    pub zakat_amount: Decimal,
}

/// Zakat al-fitr: one sa' of staple food per person, or its price.
pub fn zakat_al_fitr(persons: u32, sa_kg: Decimal, staple_price_per_kg: Decimal) -> Result<FitrResult, ZakatError> {
    let food_kg = Decimal::from(persons).checked_mul(sa_kg).ok_or(ZakatError::Overflow)?;
    let amount = food_kg.checked_mul(staple_price_per_kg).ok_or(ZakatError::Overflow)?;
    Ok(FitrResult {
        food_kg: food_kg.normalize(),
        zakat_amount: cents(amount),
    })
}

/// A bad input, in words for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl InputError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// The largest amount we accept: far beyond any fortune, far below decimal overflow.
/// Zakat al-fitr's inputs from JSON: `persons` (1 to 10000), `sa_kg` and `staple_price_per_kg`
/// (above 0); unknown fields are refused.
pub fn fitr_input(body: &serde_json::Map<String, Value>) -> Result<(u32, Decimal, Decimal), InputError> {
    if let Some(unknown) = body
        .keys()
        .find(|key| !["persons", "sa_kg", "staple_price_per_kg"].contains(&key.as_str()))
    {
        return Err(InputError(format!("unknown field `{unknown}`")));
    }
    let persons = body
        .get("persons")
        .and_then(whole_number)
        .filter(|persons| (1..=10_000).contains(persons))
        .ok_or_else(|| InputError("persons must be a whole number from 1 to 10000".into()))?;
    let sa_kg = amount(body, "sa_kg")?.filter(|kg| *kg > Decimal::ZERO).ok_or_else(|| {
        InputError("sa_kg (the weight of one sa' of the staple, in kg) must be given and above 0".into())
    })?;
    let price = amount(body, "staple_price_per_kg")?
        .filter(|price| *price > Decimal::ZERO)
        .ok_or_else(|| InputError("staple_price_per_kg must be given and above 0".into()))?;
    Ok((persons as u32, sa_kg, price))
}

pub fn max_amount() -> Decimal {
    Decimal::new(1_000_000_000_000_000, 0)
}

/// An amount given as a decimal string or a JSON number; absent is `None`.
pub fn amount(body: &serde_json::Map<String, Value>, field: &str) -> Result<Option<Decimal>, InputError> {
    let parsed = match body.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => Decimal::from_str(text.trim()).ok(),
        Some(Value::Number(number)) => {
            let text = number.to_string();
            Decimal::from_str(&text)
                .or_else(|_| Decimal::from_scientific(&text))
                .ok()
                // Beyond 28 decimal places (5e-324): the nearest decimal, which may be 0.
                .or_else(|| number.as_f64().and_then(Decimal::from_f64))
        }
        Some(_) => None,
    };
    let value = parsed.ok_or_else(|| InputError::new(format!("{field} must be a decimal number, like \"1250.50\"")))?;
    if value < Decimal::ZERO {
        return Err(InputError::new(format!("{field} must not be negative")));
    }
    if value > max_amount() {
        return Err(InputError::new(format!("{field} is too large")));
    }
    Ok(Some(value))
}

const ZAKAT_FIELDS: [&str; 14] = [
    "cash",
    "gold_grams",
    "silver_grams",
    "gold_price_per_gram",
    "silver_price_per_gram",
    "business_inventory",
    "receivables",
    "stocks_trading_value",
    "stocks_long_term_value",
    "stocks_long_term_zakatable_ratio",
    "debts_due",
    "hawl_complete",
    "nisab_basis",
    "nisab_standard",
];

impl ZakatInput {
    /// The fields of the zakat endpoint's body.
    pub const FIELDS: [&str; 14] = ZAKAT_FIELDS;

    /// Reads the endpoint's JSON (amounts as decimal strings or numbers; absent means 0), refusing
    /// negative amounts, unknown fields and unknown options.
    pub fn from_json(body: &serde_json::Map<String, Value>) -> Result<ZakatInput, InputError> {
        if let Some(unknown) = body.keys().find(|key| !ZAKAT_FIELDS.contains(&key.as_str())) {
            return Err(InputError::new(format!("unknown field `{unknown}`")));
        }
        let zero = |field: &str| amount(body, field).map(|value| value.unwrap_or(Decimal::ZERO));
        let hawl_complete = match body.get("hawl_complete") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(complete)) => *complete,
            Some(_) => return Err(InputError::new("hawl_complete must be true or false")),
        };
        let nisab_basis = match body.get("nisab_basis").and_then(Value::as_str) {
            None if body.get("nisab_basis").is_none_or(Value::is_null) => NisabBasis::Gold,
            Some("gold") => NisabBasis::Gold,
            Some("silver") => NisabBasis::Silver,
            _ => return Err(InputError::new("nisab_basis must be gold or silver")),
        };
        let nisab_standard = match body.get("nisab_standard").and_then(Value::as_str) {
            None if body.get("nisab_standard").is_none_or(Value::is_null) => NisabStandard::Standard,
            Some("standard_85_595") => NisabStandard::Standard,
            Some("tola_87.48_612.36") => NisabStandard::Tola,
            _ => {
                return Err(InputError::new(
                    "nisab_standard must be standard_85_595 or tola_87.48_612.36",
                ));
            }
        };
        let ratio = amount(body, "stocks_long_term_zakatable_ratio")?;
        if ratio.is_some_and(|ratio| ratio > Decimal::ONE) {
            return Err(InputError::new("stocks_long_term_zakatable_ratio must be from 0 to 1"));
        }
        Ok(ZakatInput {
            cash: zero("cash")?,
            gold_grams: zero("gold_grams")?,
            silver_grams: zero("silver_grams")?,
            gold_price_per_gram: amount(body, "gold_price_per_gram")?,
            silver_price_per_gram: amount(body, "silver_price_per_gram")?,
            business_inventory: zero("business_inventory")?,
            receivables: zero("receivables")?,
            stocks_trading_value: zero("stocks_trading_value")?,
            stocks_long_term_value: zero("stocks_long_term_value")?,
            stocks_long_term_zakatable_ratio: ratio,
            debts_due: zero("debts_due")?,
            hawl_complete,
            nisab_basis,
            nisab_standard,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn a_whole_number_may_be_written_with_a_fraction_of_zero() {
        let body = |persons: Value| {
            serde_json::json!({"persons": persons, "sa_kg": "2.04", "staple_price_per_kg": "3"})
                .as_object()
                .unwrap()
                .clone()
        };
        assert_eq!(fitr_input(&body(serde_json::json!(3.0))).unwrap().0, 3);
        assert!(fitr_input(&body(serde_json::json!(2.5))).is_err(), "half a person");
        assert!(fitr_input(&body(serde_json::json!(-1.0))).is_err());
    }

    #[test]
    fn a_number_finer_than_a_decimal_holds_is_its_nearest_decimal() {
        let body = |number: f64| serde_json::json!({ "cash": number }).as_object().unwrap().clone();
        assert_eq!(amount(&body(5e-324), "cash").unwrap(), Some(Decimal::ZERO));
        let tiny = amount(&body(1.5e-27), "cash").unwrap().unwrap();
        assert!(
            tiny > Decimal::ZERO && tiny < d("0.000000000000000000000000002"),
            "{tiny}"
        );
        assert_eq!(amount(&body(1250.5), "cash").unwrap(), Some(d("1250.5")));
    }

    /// The worked example of the issue: $12,000 savings and 100 g of gold at $75 a gram, gold
    /// nisab: 12,000 + 7,500 = 19,500 ≥ 85 × 75 = 6,375, so 2.5% = 487.50.
    #[test]
    fn savings_and_gold_above_the_gold_nisab() {
        let input = ZakatInput {
            cash: d("12000"),
            gold_grams: d("100"),
            gold_price_per_gram: Some(d("75")),
            ..Default::default()
        };
        let result = zakat_al_mal(&input).unwrap();
        assert_eq!(result.nisab_grams, d("85"));
        assert_eq!(result.nisab_value, d("6375.00"));
        assert_eq!(result.gross_zakatable_wealth, d("19500.00"));
        assert!(result.zakat_due);
        assert_eq!(result.zakat_amount, d("487.50"));
        assert_eq!(
            result.gross_zakatable_wealth.to_string(),
            "19500.00",
            "money is written with cents"
        );
    }

    #[test]
    fn reaching_the_nisab_exactly_is_enough_and_a_cent_less_is_not() {
        let at = ZakatInput {
            cash: d("6375"),
            gold_price_per_gram: Some(d("75")),
            ..Default::default()
        };
        let result = zakat_al_mal(&at).unwrap();
        assert!(result.zakat_due);
        assert_eq!(result.zakat_amount, d("159.38"), "159.375 rounds half-up");
        let below = ZakatInput {
            cash: d("6374.99"),
            ..at
        };
        assert!(!zakat_al_mal(&below).unwrap().zakat_due);
        assert_eq!(zakat_al_mal(&below).unwrap().zakat_amount, Decimal::ZERO);
    }

    /// The nisab is compared before rounding: 612.36 g × 1.20 = 734.832, which 734.83 does not
    /// reach, though the nisab is displayed as 734.83.
    #[test]
    fn the_nisab_is_compared_unrounded() {
        let input = ZakatInput {
            cash: d("734.83"),
            silver_price_per_gram: Some(d("1.20")),
            nisab_basis: NisabBasis::Silver,
            nisab_standard: NisabStandard::Tola,
            ..Default::default()
        };
        let result = zakat_al_mal(&input).unwrap();
        assert_eq!(result.nisab_value, d("734.83"));
        assert!(!result.zakat_due, "734.83 is below 734.832");
        let reaching = ZakatInput {
            cash: d("734.84"),
            ..input
        };
        assert!(zakat_al_mal(&reaching).unwrap().zakat_due);
    }

    #[test]
    fn debts_due_are_deducted_before_the_nisab_test() {
        let input = ZakatInput {
            cash: d("10000"),
            debts_due: d("5000"),
            silver_price_per_gram: Some(d("1")),
            nisab_basis: NisabBasis::Silver,
            ..Default::default()
        };
        let result = zakat_al_mal(&input).unwrap();
        assert_eq!(result.nisab_value, d("595.00"));
        assert_eq!(result.net_zakatable_wealth, d("5000.00"));
        assert_eq!(result.zakat_amount, d("125.00"));
        let in_debt = ZakatInput {
            debts_due: d("20000"),
            ..input
        };
        let result = zakat_al_mal(&in_debt).unwrap();
        assert_eq!(result.net_zakatable_wealth, Decimal::ZERO);
        assert!(!result.zakat_due);
    }

    #[test]
    fn every_kind_of_wealth_counts_and_long_term_shares_at_their_ratio() {
        let input = ZakatInput {
            cash: d("1000"),
            silver_grams: d("100"),
            silver_price_per_gram: Some(d("0.80")),
            gold_price_per_gram: Some(d("60")),
            business_inventory: d("2000"),
            receivables: d("500"),
            stocks_trading_value: d("3000"),
            stocks_long_term_value: d("10000"),
            stocks_long_term_zakatable_ratio: Some(d("0.3")),
            ..Default::default()
        };
        // 1000 + 80 + 2000 + 500 + 3000 + 3000 = 9580; gold nisab 85 × 60 = 5100.
        let result = zakat_al_mal(&input).unwrap();
        assert_eq!(result.gross_zakatable_wealth, d("9580.00"));
        assert_eq!(result.zakat_amount, d("239.50"));
    }

    #[test]
    fn the_tola_standard_and_an_incomplete_hawl() {
        let input = ZakatInput {
            cash: d("10000"),
            gold_price_per_gram: Some(d("100")),
            nisab_standard: NisabStandard::Tola,
            ..Default::default()
        };
        let result = zakat_al_mal(&input).unwrap();
        assert_eq!(result.nisab_grams, d("87.48"));
        assert_eq!(result.nisab_value, d("8748.00"));
        assert!(result.zakat_due);
        let early = ZakatInput {
            hawl_complete: false,
            ..input
        };
        assert!(
            !zakat_al_mal(&early).unwrap().zakat_due,
            "nothing is due before a lunar year has passed"
        );
    }

    #[test]
    fn a_price_the_calculation_needs_must_be_given() {
        let no_gold_price = ZakatInput {
            cash: d("1"),
            ..Default::default()
        };
        assert_eq!(zakat_al_mal(&no_gold_price), Err(ZakatError::GoldPriceNeeded));
        let silver_held = ZakatInput {
            silver_grams: d("1"),
            gold_price_per_gram: Some(d("1")),
            ..Default::default()
        };
        assert_eq!(zakat_al_mal(&silver_held), Err(ZakatError::SilverPriceNeeded));
        let shares = ZakatInput {
            stocks_long_term_value: d("1"),
            gold_price_per_gram: Some(d("1")),
            ..Default::default()
        };
        assert_eq!(zakat_al_mal(&shares), Err(ZakatError::RatioNeeded));
    }

    #[test]
    fn zakat_al_fitr_is_persons_times_a_sa_times_the_price() {
        let result = zakat_al_fitr(5, d("2.5"), d("1.99")).unwrap();
        assert_eq!(result.food_kg, d("12.5"));
        assert_eq!(result.zakat_amount, d("24.88"), "24.875 rounds half-up");
    }
}
