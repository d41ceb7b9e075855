//! Calculators: zakat al-mal, zakat al-fitr and the qibla (any authenticated role). Inputs become
//! validated values here, so the calculators never see a negative amount or an unknown option.

use std::str::FromStr;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use hijraah_domain::calculators::qibla;
use hijraah_domain::calculators::zakat::{
    NisabBasis, NisabStandard, ZakatError, ZakatInput, ZakatResult, zakat_al_fitr, zakat_al_mal,
};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::error::ApiError;
use super::extract::{AppJson, AppQuery, Auth};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/finance/zakat", post(zakat))
        .route("/finance/zakat-al-fitr", post(zakat_fitr))
        .route("/community/qibla", get(qibla_bearing))
}

/// The largest amount we accept: far beyond any fortune, far below decimal overflow.
fn max_amount() -> Decimal {
    Decimal::new(1_000_000_000_000_000, 0)
}

/// An amount given as a decimal string or a JSON number; absent is `None`.
fn amount(body: &serde_json::Map<String, Value>, field: &str) -> Result<Option<Decimal>, ApiError> {
    let parsed = match body.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => Decimal::from_str(text.trim()).ok(),
        Some(Value::Number(number)) => {
            let text = number.to_string();
            Decimal::from_str(&text)
                .or_else(|_| Decimal::from_scientific(&text))
                .ok()
        }
        Some(_) => None,
    };
    let value =
        parsed.ok_or_else(|| ApiError::invalid(format!("{field} must be a decimal number, like \"1250.50\"")))?;
    if value < Decimal::ZERO {
        return Err(ApiError::invalid(format!("{field} must not be negative")));
    }
    if value > max_amount() {
        return Err(ApiError::invalid(format!("{field} is too large")));
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

fn zakat_input(body: &serde_json::Map<String, Value>) -> Result<ZakatInput, ApiError> {
    if let Some(unknown) = body.keys().find(|key| !ZAKAT_FIELDS.contains(&key.as_str())) {
        return Err(ApiError::invalid(format!("unknown field `{unknown}`")));
    }
    let zero = |field: &str| amount(body, field).map(|value| value.unwrap_or(Decimal::ZERO));
    let hawl_complete = match body.get("hawl_complete") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(complete)) => *complete,
        Some(_) => return Err(ApiError::invalid("hawl_complete must be true or false")),
    };
    let nisab_basis = match body.get("nisab_basis").and_then(Value::as_str) {
        None if body.get("nisab_basis").is_none_or(Value::is_null) => NisabBasis::Gold,
        Some("gold") => NisabBasis::Gold,
        Some("silver") => NisabBasis::Silver,
        _ => return Err(ApiError::invalid("nisab_basis must be gold or silver")),
    };
    let nisab_standard = match body.get("nisab_standard").and_then(Value::as_str) {
        None if body.get("nisab_standard").is_none_or(Value::is_null) => NisabStandard::Standard,
        Some("standard_85_595") => NisabStandard::Standard,
        Some("tola_87.48_612.36") => NisabStandard::Tola,
        _ => {
            return Err(ApiError::invalid(
                "nisab_standard must be standard_85_595 or tola_87.48_612.36",
            ));
        }
    };
    let ratio = amount(body, "stocks_long_term_zakatable_ratio")?;
    if ratio.is_some_and(|ratio| ratio > Decimal::ONE) {
        return Err(ApiError::invalid(
            "stocks_long_term_zakatable_ratio must be from 0 to 1",
        ));
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

impl From<ZakatError> for ApiError {
    fn from(error: ZakatError) -> Self {
        ApiError::invalid(error.to_string())
    }
}

async fn zakat(_auth: Auth, AppJson(body): AppJson<Value>) -> Result<Json<ZakatResult>, ApiError> {
    let body = body
        .as_object()
        .ok_or_else(|| ApiError::invalid("send a JSON object of amounts"))?;
    Ok(Json(zakat_al_mal(&zakat_input(body)?)?))
}

async fn zakat_fitr(_auth: Auth, AppJson(body): AppJson<Value>) -> Result<Json<Value>, ApiError> {
    let body = body
        .as_object()
        .ok_or_else(|| ApiError::invalid("send a JSON object"))?;
    if let Some(unknown) = body
        .keys()
        .find(|key| !["persons", "sa_kg", "staple_price_per_kg"].contains(&key.as_str()))
    {
        return Err(ApiError::invalid(format!("unknown field `{unknown}`")));
    }
    let persons = body
        .get("persons")
        .and_then(Value::as_u64)
        .filter(|persons| (1..=10_000).contains(persons))
        .ok_or_else(|| ApiError::invalid("persons must be a whole number from 1 to 10000"))?;
    let sa_kg = amount(body, "sa_kg")?.filter(|kg| *kg > Decimal::ZERO).ok_or_else(|| {
        ApiError::invalid("sa_kg (the weight of one sa' of the staple, in kg) must be given and above 0")
    })?;
    let price = amount(body, "staple_price_per_kg")?
        .filter(|price| *price > Decimal::ZERO)
        .ok_or_else(|| ApiError::invalid("staple_price_per_kg must be given and above 0"))?;
    let result = zakat_al_fitr(persons as u32, sa_kg, price)?;
    Ok(Json(
        json!({"food_kg": result.food_kg, "zakat_amount": result.zakat_amount, "persons": persons}),
    ))
}

#[derive(Debug, Deserialize)]
struct Place {
    latitude: f64,
    longitude: f64,
}

async fn qibla_bearing(
    State(_state): State<AppState>,
    _auth: Auth,
    AppQuery(place): AppQuery<Place>,
) -> Result<Json<Value>, ApiError> {
    if !place.latitude.is_finite() || !(-90.0..=90.0).contains(&place.latitude) {
        return Err(ApiError::invalid("latitude must be from -90 to 90"));
    }
    if !place.longitude.is_finite() || !(-180.0..=180.0).contains(&place.longitude) {
        return Err(ApiError::invalid("longitude must be from -180 to 180"));
    }
    let bearing = (qibla::bearing(place.latitude, place.longitude) * 100.0).round() / 100.0;
    Ok(Json(
        json!({"bearing_degrees": bearing, "latitude": place.latitude, "longitude": place.longitude}),
    ))
}
