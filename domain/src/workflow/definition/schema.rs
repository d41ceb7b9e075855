//! Input and signal schemas: the fields a workflow takes, in the contract's short form
//! (`"decimal"`, `"string?"`) or the long one, and the check of a JSON object against them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// A JSON type a field may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    String,
    Number,
    /// An exact amount: a decimal string (`"1250.50"`) or a JSON number.
    Decimal,
    Integer,
    Boolean,
    Object,
    Array,
}

/// One field of an input or signal schema: a type name (`"decimal"`, `"string?"`: a trailing `?`
/// marks it optional), or an object with the type and more rules.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, try_from = "FieldSpec")]
pub struct Field {
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default = "yes")]
    pub required: bool,
    /// The only values a string may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

fn yes() -> bool {
    true
}

/// Written back in the short form (`"decimal"`, `"string?"`) when that says it all.
impl Serialize for Field {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let kind = serde_json::to_value(self.kind)
            .ok()
            .and_then(|kind| kind.as_str().map(str::to_owned))
            .unwrap_or_default();
        if self.values.is_none() && self.max_length.is_none() && self.description.is_empty() {
            return serializer.serialize_str(&format!("{kind}{}", if self.required { "" } else { "?" }));
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", &kind)?;
        map.serialize_entry("required", &self.required)?;
        if let Some(values) = &self.values {
            map.serialize_entry("values", values)?;
        }
        if let Some(max_length) = self.max_length {
            map.serialize_entry("max_length", &max_length)?;
        }
        if !self.description.is_empty() {
            map.serialize_entry("description", &self.description)?;
        }
        map.end()
    }
}

/// A field as written: the short form or the long one.
#[derive(Deserialize)]
#[serde(untagged)]
enum FieldSpec {
    Short(String),
    Long(LongField),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LongField {
    #[serde(rename = "type")]
    kind: FieldType,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default)]
    values: Option<Vec<String>>,
    #[serde(default)]
    max_length: Option<usize>,
    #[serde(default)]
    description: String,
}

impl TryFrom<FieldSpec> for Field {
    type Error = String;

    fn try_from(spec: FieldSpec) -> Result<Self, Self::Error> {
        match spec {
            FieldSpec::Short(text) => {
                let (name, required) = match text.strip_suffix('?') {
                    Some(name) => (name, false),
                    None => (text.as_str(), true),
                };
                let kind: FieldType = serde_json::from_value(Value::String(name.trim().to_owned())).map_err(|_| {
                    format!("`{text}` is not a field type: string, number, decimal, integer, boolean, object or array, with ? when optional")
                })?;
                Ok(Field {
                    kind,
                    required,
                    values: None,
                    max_length: None,
                    description: String::new(),
                })
            }
            FieldSpec::Long(long) => Ok(Field {
                kind: long.kind,
                required: long.required,
                values: long.values,
                max_length: long.max_length,
                description: long.description,
            }),
        }
    }
}

/// Why an input or a signal's payload does not fit its schema.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);
/// `12`, `-3.5`, `1250.50`: what a decimal amount looks like as text.
fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.len() <= 30
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.chars().all(|c| c.is_ascii_digit())
}

/// Checks a JSON object against a schema: unknown fields refused, required ones present, types
/// and allowed values respected.
pub fn check_against(schema: &BTreeMap<String, Field>, value: &Value, what: &str) -> Result<(), InputError> {
    let empty = serde_json::Map::new();
    let fields = match value {
        Value::Object(fields) => fields,
        Value::Null => &empty,
        _ => return Err(InputError(format!("the {what} must be a JSON object"))),
    };
    if let Some(unknown) = fields.keys().find(|name| !schema.contains_key(*name)) {
        let known: Vec<&str> = schema.keys().map(String::as_str).collect();
        return Err(InputError(format!(
            "the {what} has no field `{unknown}` (it takes: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )));
    }
    for (name, field) in schema {
        let Some(given) = fields.get(name).filter(|value| !value.is_null()) else {
            if field.required {
                return Err(InputError(format!("the {what} needs `{name}`")));
            }
            continue;
        };
        let fits = match field.kind {
            FieldType::String => given.is_string(),
            FieldType::Number => given.is_number(),
            FieldType::Decimal => match given {
                Value::Number(number) => number.as_f64().is_some_and(f64::is_finite),
                Value::String(text) => is_decimal(text),
                _ => false,
            },
            FieldType::Integer => given.is_i64() || given.is_u64(),
            FieldType::Boolean => given.is_boolean(),
            FieldType::Object => given.is_object(),
            FieldType::Array => given.is_array(),
        };
        if !fits {
            return Err(InputError(format!(
                "`{name}` of the {what} must be of type {}",
                serde_json::to_value(field.kind)
                    .ok()
                    .and_then(|kind| kind.as_str().map(str::to_owned))
                    .unwrap_or_default()
            )));
        }
        if let Value::String(text) = given {
            if let Some(values) = &field.values
                && !values.contains(text)
            {
                return Err(InputError(format!(
                    "`{name}` of the {what} is one of: {}",
                    values.join(", ")
                )));
            }
            if let Some(max) = field.max_length
                && text.chars().count() > max
            {
                return Err(InputError(format!(
                    "`{name}` of the {what} is at most {max} characters"
                )));
            }
        }
    }
    Ok(())
}
