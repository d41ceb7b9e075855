//! Zakat al-mal: the inputs from the context or the message (with the figures of the exchange
//! that asked for a missing one), the calculation, and the reply in the user's language.

use std::str::FromStr;

use hijraah_domain::calculators::zakat::{NisabBasis, ZakatError, ZakatInput, zakat_al_mal};
use hijraah_domain::understanding::money::Currency;
use hijraah_domain::understanding::zakat::{self as reading, ZakatReading};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::texts::{self, Language};
use super::{AgentAnswer, AgentRequest, Topic, Verse, continued};

/// The calculator fields read from the message, as the endpoint's JSON.
fn as_fields(reading: &ZakatReading) -> Map<String, Value> {
    let mut fields: Map<String, Value> = reading
        .amounts
        .iter()
        .map(|(field, value)| ((*field).to_owned(), Value::String(value.normalize().to_string())))
        .collect();
    if let Some(basis) = reading.nisab_basis {
        fields.insert("nisab_basis".into(), json!(basis));
    }
    if let Some(standard) = reading.nisab_standard {
        fields.insert("nisab_standard".into(), json!(standard));
    }
    if let Some(hawl) = reading.hawl_complete {
        fields.insert("hawl_complete".into(), json!(hawl));
    }
    fields
}

fn currency_of(value: &Value) -> Option<Currency> {
    Some(Currency {
        display: value.get("display")?.as_str()?.to_owned(),
        prefix: value.get("prefix")?.as_bool()?,
    })
}

/// The calculator's inputs and where they came from.
struct Inputs {
    fields: Map<String, Value>,
    /// The gold is jewellery that is worn (scholars differ on it).
    jewellery: bool,
    read_from: &'static str,
    currency: Option<Currency>,
    /// Each value read from text, with the words it came from.
    evidence: Vec<(String, String)>,
    /// Income named as a rate, left out of the calculation.
    income: Vec<Decimal>,
}

/// The inputs: the context's fields, or the message's figures on top of those the previous
/// exchange had read when it asked for one more.
fn inputs(request: &AgentRequest) -> Inputs {
    let context = request
        .context
        .get("zakat")
        .or(Some(&request.context))
        .and_then(Value::as_object)
        .filter(|context| context.keys().any(|key| ZakatInput::FIELDS.contains(&key.as_str())));
    if let Some(context) = context {
        let mut fields = context.clone();
        fields.retain(|key, _| ZakatInput::FIELDS.contains(&key.as_str()));
        return Inputs {
            fields,
            jewellery: false,
            read_from: "context",
            currency: None,
            evidence: Vec::new(),
            income: Vec::new(),
        };
    }
    let read = reading::read(&request.content);
    let mut fields = as_fields(&read);
    let mut currency = read.currency.clone();
    let mut evidence: Vec<(String, String)> = read
        .evidence
        .iter()
        .map(|(field, phrase)| ((*field).to_owned(), phrase.clone()))
        .collect();
    let mut read_from = "text";
    if let Some(previous) = continued(request).filter(|previous| previous["topic"] == Topic::ZakatAlMal.name()) {
        // The figures of the message that asked, then this message's on top of them.
        // A figure restated replaces the earlier one; the others are kept.
        let mut merged = previous["inputs"].as_object().cloned().unwrap_or_default();
        // The price of one metal alone, after a calculation on the other ("what about with
        // silver at 1.1 a gram?"), asks for the nisab by that metal.
        let gold = fields.contains_key("gold_price_per_gram");
        let silver = fields.contains_key("silver_price_per_gram");
        if previous["kind"] == "calculation" && !fields.contains_key("nisab_basis") && gold != silver {
            merged.insert("nisab_basis".into(), json!(if silver { "silver" } else { "gold" }));
        }
        // "I also have…", "another 2,000": added to the figure given before; otherwise a figure
        // given again replaces it ("actually it's 12,000"). Prices are never summed.
        let adding = hijraah_domain::understanding::follow_up::adds(&request.content);
        for (key, value) in fields {
            let summed = (adding && !key.ends_with("price_per_gram") && !key.starts_with("nisab"))
                .then(|| Some(decimal(&merged, &key)? + decimal_of(&value)?))
                .flatten();
            match summed {
                Some(total) => merged.insert(key, Value::String(total.normalize().to_string())),
                None => merged.insert(key, value),
            };
        }
        // "90 dollars a gram": the price the previous reply asked for.
        if let Some(price) = read.unnamed_price_per_gram {
            // After a calculation, "and at 100 a gram?" is the price of the metal it used.
            let recalculated = previous["kind"] == "calculation";
            let used = match previous["parameters"]["nisab_basis"].as_str() {
                Some("silver") => "silver_price_per_gram",
                _ => "gold_price_per_gram",
            };
            let asked = previous["needs"]
                .as_array()
                .and_then(|needs| needs.iter().find_map(Value::as_str))
                .unwrap_or(used);
            if asked.ends_with("price_per_gram") && (recalculated || !merged.contains_key(asked)) {
                merged.insert(asked.to_owned(), Value::String(price.to_string()));
                evidence.push((asked.to_owned(), format!("{price} a gram")));
            }
        }
        fields = merged;
        read_from = "text and the previous message";
        if currency.is_none() {
            currency = currency_of(&previous["currency"]);
        }
    } else if let Some(price) = read.unnamed_price_per_gram
        && !fields.contains_key("gold_price_per_gram")
        && !fields.contains_key("silver_price_per_gram")
    {
        // A price per gram with no metal named, in a zakat question: gold's, as the nisab is.
        let field = if read.nisab_basis == Some("silver") {
            "silver_price_per_gram"
        } else {
            "gold_price_per_gram"
        };
        fields.insert(field.to_owned(), Value::String(price.to_string()));
        evidence.push((field.to_owned(), format!("{price} a gram")));
    }
    // Silver's price alone, and no gold to value ("I have 9,000 saved; silver is 1.1 a gram"):
    // the nisab by silver, the metal the user priced, rather than asking for gold's price only
    // to choose the nisab. The reply names the nisab it used; gold's price in a follow-up
    // recalculates by gold.
    let priced_silver_only =
        fields.contains_key("silver_price_per_gram") && !fields.contains_key("gold_price_per_gram");
    let holds_gold = decimal(&fields, "gold_grams").is_some_and(|grams| grams > Decimal::ZERO);
    if priced_silver_only && !holds_gold && !fields.contains_key("nisab_basis") {
        fields.insert("nisab_basis".into(), json!("silver"));
        evidence.push(("nisab_basis".into(), "only silver's price was given".into()));
    }
    Inputs {
        fields,
        jewellery: read.jewellery,
        read_from,
        currency,
        evidence,
        income: read.income.iter().map(|(amount, _)| *amount).collect(),
    }
}

fn money(currency: &Option<Currency>, amount: Decimal) -> String {
    match currency {
        Some(currency) => currency.format(amount),
        None => amount.to_string(),
    }
}

/// The nisab at each metal's price the user gave, by the calculator (85 g of gold, 595 g of
/// silver, or the tola standard when asked for): a sentence for the reply, and the figures.
fn nisab_at_prices(
    fields: &Map<String, Value>,
    language: Language,
    currency: &Option<Currency>,
) -> Vec<(String, Value)> {
    let mut nisab = Vec::new();
    for (key, basis) in [("gold_price_per_gram", "gold"), ("silver_price_per_gram", "silver")] {
        let Some(price) = decimal(fields, key) else {
            continue;
        };
        let mut priced = fields.clone();
        priced.insert("nisab_basis".into(), json!(basis));
        let Ok(input) = ZakatInput::from_json(&priced) else {
            continue;
        };
        let Ok(result) = zakat_al_mal(&input) else {
            continue;
        };
        let value = result.nisab_value;
        let (value, grams, price) = (
            texts::shown(&money(currency, value), value),
            result.nisab_grams.normalize(),
            money(currency, price),
        );
        let sentence = match (language, basis) {
            (Language::English, _) => {
                format!("At {price} a gram of {basis}, the nisab by {basis} is {value} ({grams} g of {basis}). ")
            }
            (Language::Arabic, "gold") => {
                format!("بسعر {price} لغرام الذهب، نصاب الذهب {value} ({grams} غرامًا من الذهب). ")
            }
            (Language::Arabic, _) => {
                format!("بسعر {price} لغرام الفضة، نصاب الفضة {value} ({grams} غرامًا من الفضة). ")
            }
        };
        nisab.push((
            sentence,
            json!({"basis": basis, "grams": result.nisab_grams, "value": result.nisab_value}),
        ));
    }
    nisab
}

fn citations(verse: Option<&Verse>) -> Value {
    json!(
        verse
            .map(|v| vec![json!({"id": v.id, "reference": v.reference, "edition": v.edition, "edition_name": v.edition_name, "revision": v.revision})])
            .unwrap_or_default()
    )
}

fn decimal(fields: &Map<String, Value>, key: &str) -> Option<Decimal> {
    decimal_of(fields.get(key)?)
}

fn decimal_of(value: &Value) -> Option<Decimal> {
    match value {
        Value::String(text) => Decimal::from_str(text).ok(),
        Value::Number(number) => Decimal::from_str(&number.to_string()).ok(),
        _ => None,
    }
}

pub(super) fn answer(request: &AgentRequest, verse: Option<&Verse>) -> AgentAnswer {
    let language = Language::of(request);
    let Inputs {
        fields,
        jewellery,
        read_from,
        currency,
        evidence,
        income,
    } = inputs(request);
    let currency_json = currency
        .as_ref()
        .map(|c| json!({"display": c.display, "prefix": c.prefix}))
        .unwrap_or(Value::Null);
    if fields.is_empty()
        || !fields
            .keys()
            .any(|key| !key.ends_with("price_per_gram") && !key.starts_with("nisab") && key != "hawl_complete")
    {
        // Nothing to calculate with: explain the method and ask for the figures. A price given
        // alone already answers what the nisab is at that price ("how much is the nisab if
        // silver is 0.9 a gram?"): say it first.
        let mut needs = vec!["amounts"];
        if !fields.contains_key("gold_price_per_gram") {
            needs.push("gold_price_per_gram");
        }
        let nisab = nisab_at_prices(&fields, language, &currency);
        let livestock = request.reading().zakat.livestock;
        return AgentAnswer {
            content: format!(
                "{}{}{} {}{}",
                if livestock { texts::livestock(language) } else { "" },
                nisab.iter().map(|(sentence, _)| sentence.as_str()).collect::<String>(),
                texts::method(language),
                texts::ask_amounts(language),
                texts::verse_quote(language, verse)
            ),
            confidence: 0.85,
            metadata: json!({"kind": "needs_input", "topic": Topic::ZakatAlMal.name(), "needs": needs,
                             "livestock_not_computed": livestock,
                             "inputs": fields, "currency": currency_json, "citations": citations(verse),
                             "nisab": nisab.iter().map(|(_, value)| value).collect::<Vec<_>>()}),
        };
    }
    let input = match ZakatInput::from_json(&fields) {
        Ok(input) => input,
        Err(error) => {
            return AgentAnswer {
                content: texts::unusable(language, &error.0),
                confidence: 0.5,
                metadata: json!({"kind": "invalid_input", "topic": Topic::ZakatAlMal.name(), "inputs": fields,
                                 "read_from": read_from, "citations": []}),
            };
        }
    };
    let result = match zakat_al_mal(&input) {
        Ok(result) => result,
        Err(needed @ (ZakatError::GoldPriceNeeded | ZakatError::SilverPriceNeeded | ZakatError::RatioNeeded)) => {
            let field = match needed {
                ZakatError::GoldPriceNeeded => "gold_price_per_gram",
                ZakatError::SilverPriceNeeded => "silver_price_per_gram",
                _ => "stocks_long_term_zakatable_ratio",
            };
            return AgentAnswer {
                content: format!(
                    "{}{}",
                    texts::ask_for(language, field, &fields),
                    texts::verse_quote(language, verse)
                ),
                confidence: 0.6,
                metadata: json!({"kind": "needs_input", "topic": Topic::ZakatAlMal.name(), "needs": [field],
                                 "inputs": fields, "read_from": read_from, "currency": currency_json,
                                 "evidence": evidence, "citations": citations(verse)}),
            };
        }
        Err(other) => {
            return AgentAnswer {
                content: texts::unusable(language, &other.to_string()),
                confidence: 0.4,
                metadata: json!({"kind": "invalid_input", "topic": Topic::ZakatAlMal.name(), "inputs": fields, "citations": []}),
            };
        }
    };
    let basis = match input.nisab_basis {
        NisabBasis::Gold => "gold",
        NisabBasis::Silver => "silver",
    };
    let price = match input.nisab_basis {
        NisabBasis::Gold => decimal(&fields, "gold_price_per_gram"),
        NisabBasis::Silver => decimal(&fields, "silver_price_per_gram"),
    };
    let verdict = texts::verdict(language, &result, &input, basis, price, |amount| {
        money(&currency, amount)
    });
    // Worn gold jewellery: the Hanafi school counts it, the other schools do not; show both.
    let without_jewellery = if jewellery && input.gold_grams > Decimal::ZERO {
        let without = ZakatInput {
            gold_grams: Decimal::ZERO,
            ..input.clone()
        };
        zakat_al_mal(&without).ok()
    } else {
        None
    };
    let jewellery_note = without_jewellery
        .as_ref()
        .map(|other| texts::jewellery_note(language, other, |amount| money(&currency, amount)))
        .unwrap_or_default();
    let income_note = texts::income_note(language, &income, |amount| money(&currency, amount));
    let content = format!(
        "{verdict}{jewellery_note}{income_note} {}{}",
        texts::method(language),
        texts::verse_quote(language, verse)
    );
    AgentAnswer {
        content,
        confidence: if read_from == "context" { 0.95 } else { 0.9 },
        metadata: json!({
            "kind": "calculation",
            "topic": Topic::ZakatAlMal.name(),
            "read_from": read_from,
            "inputs": fields,
            "evidence": evidence,
            "income_left_out": income.iter().map(Decimal::to_string).collect::<Vec<_>>(),
            "currency": currency_json,
            "parameters": {"nisab_basis": basis, "nisab_standard": result.nisab_standard, "rate": "0.025",
                           "hawl_complete": input.hawl_complete,
                           "prices": "as given by the user, not looked up"},
            "result": result,
            "without_worn_jewellery": without_jewellery,
            "citations": citations(verse),
        }),
    }
}

/// Who may receive zakat: the eight categories of Qur'an 9:60.
pub(super) fn recipients(request: &AgentRequest, verse: Option<&Verse>) -> AgentAnswer {
    let language = Language::of(request);
    AgentAnswer {
        content: texts::recipients(language, verse),
        confidence: if verse.is_some() { 0.9 } else { 0.7 },
        metadata: json!({"kind": "recipients", "topic": Topic::Recipients.name(), "citations": citations(verse),
                         "source": verse.map(|v| v.id.clone())}),
    }
}

/// "Is zakat due on my house / car?": asked about personal belongings, with no figures given.
pub(super) fn asks_about_personal_assets(message: &str) -> bool {
    let lower = message.to_lowercase();
    let belongings = [
        "house",
        "home",
        "flat",
        "apartment",
        "car",
        "furniture",
        "clothes",
        "residence",
        "منزل",
        "بيت",
        "سيارة",
        "مسكن",
    ];
    belongings
        .iter()
        .any(|word| hijraah_domain::understanding::text::contains_word(&lower, word))
        && !reading::read(message).has_wealth()
}

/// Zakat and personal belongings: the agreed rule, and where the answer changes.
pub(super) fn personal_assets(request: &AgentRequest) -> AgentAnswer {
    let language = Language::of(request);
    AgentAnswer {
        content: texts::personal_assets(language).to_owned(),
        confidence: 0.85,
        metadata: json!({"kind": "rule", "topic": Topic::PersonalAssets.name(), "citations": []}),
    }
}
