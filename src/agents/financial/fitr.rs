//! Zakat al-fitr: persons, the staple's price per kilogram and the sa' from the message (or the
//! previous exchange that asked for one of them), the calculation, and the reply.

use std::str::FromStr;

use hijraah_domain::calculators::zakat::zakat_al_fitr;
use hijraah_domain::understanding::money::Currency;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::texts::{self, Language};
use super::{AgentAnswer, AgentRequest, Topic, continued};

/// One sa' of staple food, taken as 2.5 kg unless the user states another.
pub(super) fn default_sa_kg() -> Decimal {
    Decimal::new(25, 1)
}

fn decimal(value: &Value) -> Option<Decimal> {
    value.as_str().and_then(|text| Decimal::from_str(text).ok())
}

pub(super) fn answer(request: &AgentRequest) -> AgentAnswer {
    let language = Language::of(request);
    let read = &request.reading().fitr;
    let previous = continued(request).filter(|previous| previous["topic"] == Topic::ZakatAlFitr.name());
    let earlier = |key: &str| previous.map(|previous| &previous["inputs"][key]);
    let persons = read.persons.or_else(|| {
        earlier("persons")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    });
    let sa_kg = read.sa_kg.or_else(|| earlier("sa_kg").and_then(decimal));
    // A price per sa' is the price per kilogram times the sa' (the default one unless stated).
    let per_sa = read
        .price_per_sa
        .and_then(|price| price.checked_div(sa_kg.unwrap_or_else(default_sa_kg)))
        .map(|price| price.normalize());
    let price = read
        .staple_price_per_kg
        .or(per_sa)
        .or_else(|| earlier("staple_price_per_kg").and_then(decimal));
    // The staple named before stays with its price: "actually we are 5" is still rice.
    let staple: Option<String> = read.staple.clone().or_else(|| {
        (read.staple_price_per_kg.is_none() && per_sa.is_none())
            .then(|| earlier("staple").and_then(Value::as_str).map(str::to_owned))
            .flatten()
    });
    let currency: Option<Currency> = read.currency.clone().or_else(|| {
        let stored = earlier("currency")?;
        Some(Currency {
            display: stored.get("display")?.as_str()?.to_owned(),
            prefix: stored.get("prefix")?.as_bool()?,
        })
    });
    let inputs = json!({
        "persons": persons,
        "staple_price_per_kg": price.map(|p| p.to_string()),
        "sa_kg": sa_kg.map(|s| s.to_string()),
        "staple": staple,
        "persons_from": read.persons_from,
        "currency": currency.as_ref().map(|c| json!({"display": c.display, "prefix": c.prefix})),
    });
    let (Some(persons), Some(price)) = (persons, price) else {
        let mut needs = Vec::new();
        if persons.is_none() {
            needs.push("persons");
        }
        if price.is_none() {
            needs.push("staple_price_per_kg");
        }
        return AgentAnswer {
            content: texts::fitr_ask(language, &needs),
            confidence: 0.7,
            metadata: json!({"kind": "needs_input", "topic": Topic::ZakatAlFitr.name(), "needs": needs,
                             "inputs": inputs, "citations": []}),
        };
    };
    let sa = sa_kg.unwrap_or_else(default_sa_kg);
    match zakat_al_fitr(persons, sa, price) {
        Ok(result) => AgentAnswer {
            content: texts::fitr_result(
                language,
                persons,
                read.persons_from.as_deref(),
                sa,
                sa_kg.is_some(),
                price,
                &result,
                staple.as_deref(),
                |amount| match &currency {
                    Some(currency) => currency.format(amount),
                    None => amount.to_string(),
                },
            ),
            confidence: 0.9,
            metadata: json!({
                "kind": "calculation",
                "topic": Topic::ZakatAlFitr.name(),
                "inputs": inputs,
                "parameters": {"persons": persons, "sa_kg": sa.to_string(), "staple_price_per_kg": price.to_string(),
                               "sa_source": if sa_kg.is_some() { "stated by the user" } else { "default: 2.5 kg" }},
                "result": {"food_kg": result.food_kg, "zakat_amount": result.zakat_amount},
                "citations": [],
            }),
        },
        Err(error) => AgentAnswer {
            content: texts::unusable(language, &error.to_string()),
            confidence: 0.4,
            metadata: json!({"kind": "invalid_input", "topic": Topic::ZakatAlFitr.name(), "inputs": inputs, "citations": []}),
        },
    }
}
