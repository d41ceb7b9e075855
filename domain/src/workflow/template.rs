//! Templates in step inputs: `${input.city}`, `${steps.compute.output.zakat_due}`,
//! `${run.started_by}`, `${now}`, `${today}`, with fallbacks (`${steps.ask.output.payload | input.assets}`)
//! and literals (`${steps.verdict.output.payload.verdict | 'timed_out'}`). A string that is one
//! template becomes the value it names, of whatever JSON type; templates inside longer text are
//! written into it.

use serde_json::Value;

const OPEN: &str = "${";
const CLOSE: &str = "}";

/// One `{{…}}`: alternatives, the first that is present wins.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    pub alternatives: Vec<Alternative>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Alternative {
    Path(String),
    Literal(Value),
}

impl Expression {
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.alternatives.iter().filter_map(|alternative| match alternative {
            Alternative::Path(path) => Some(path.as_str()),
            Alternative::Literal(_) => None,
        })
    }

    fn evaluate(&self, scope: &Value) -> Value {
        for alternative in &self.alternatives {
            match alternative {
                Alternative::Path(path) => {
                    if let Some(value) = lookup(scope, path).filter(|value| !value.is_null()) {
                        return value.clone();
                    }
                }
                Alternative::Literal(value) => return value.clone(),
            }
        }
        Value::Null
    }
}

fn parse_expression(inner: &str) -> Result<Expression, String> {
    let mut alternatives = Vec::new();
    for part in inner.split('|') {
        let part = part.trim();
        if part.is_empty() {
            return Err(format!("`${{{inner}}}` has an empty alternative"));
        }
        let alternative = if let Some(text) = part.strip_prefix('\'').and_then(|rest| rest.strip_suffix('\'')) {
            Alternative::Literal(Value::String(text.to_owned()))
        } else if let Ok(literal @ (Value::Number(_) | Value::Bool(_) | Value::Null)) = serde_json::from_str(part) {
            Alternative::Literal(literal)
        } else if part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            && !part.starts_with('.')
            && !part.ends_with('.')
            && !part.contains("..")
        {
            Alternative::Path(part.to_owned())
        } else {
            return Err(format!(
                "`{part}` is neither a path like input.city nor a literal like 'text'"
            ));
        };
        alternatives.push(alternative);
    }
    Ok(Expression { alternatives })
}

/// The templates in `text`, in order; an unclosed `${` is an error.
pub fn expressions(text: &str) -> Result<Vec<Expression>, String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        let end = after
            .find(CLOSE)
            .ok_or_else(|| format!("`{text}` opens a template with ${{ but does not close it"))?;
        found.push(parse_expression(&after[..end])?);
        rest = &after[end + CLOSE.len()..];
    }
    Ok(found)
}

/// The value at a dot path (`steps.compute.output.zakat_due`, `steps.hits.output.0.id`).
pub fn lookup<'a>(scope: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(scope, |value, key| match value {
        Value::Object(fields) => fields.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|index| items.get(index)),
        _ => None,
    })
}

fn render_text(text: &str, scope: &Value) -> Value {
    let trimmed = text.trim();
    if let Some(inner) = trimmed.strip_prefix(OPEN).and_then(|rest| rest.strip_suffix(CLOSE))
        && !inner.contains(OPEN)
        && !inner.contains(CLOSE)
        && let Ok(expression) = parse_expression(inner)
    {
        return expression.evaluate(scope);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        let Some(end) = after.find(CLOSE) else {
            out.push_str(&rest[start..]);
            return Value::String(out);
        };
        match parse_expression(&after[..end]).map(|expression| expression.evaluate(scope)) {
            Ok(Value::String(value)) => out.push_str(&value),
            Ok(Value::Null) | Err(_) => {}
            Ok(other) => out.push_str(&other.to_string()),
        }
        rest = &after[end + CLOSE.len()..];
    }
    out.push_str(rest);
    Value::String(out)
}

/// A value with its templates filled from `scope`.
pub fn render(value: &Value, scope: &Value) -> Value {
    match value {
        Value::String(text) if text.contains(OPEN) => render_text(text, scope),
        Value::Array(items) => Value::Array(items.iter().map(|item| render(item, scope)).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, item)| (key.clone(), render(item, scope)))
                // A field whose template named nothing is left out, as if not given.
                .filter(|(_, item)| !item.is_null())
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn scope() -> Value {
        json!({
            "input": {"city": "Leeds", "assets": null, "amount": 12},
            "steps": {"ask": {"output": {"payload": {"cash": "900"}}}, "hits": {"output": [{"id": "quran:9:60"}]}},
            "run": {"id": "r1", "started_by": "alice"}
        })
    }

    #[test]
    fn a_whole_template_keeps_the_type_and_text_is_filled_in() {
        let scope = scope();
        assert_eq!(render(&json!("${input.amount}"), &scope), json!(12));
        assert_eq!(
            render(&json!("${ steps.ask.output.payload | input.assets }"), &scope),
            json!({"cash": "900"})
        );
        assert_eq!(render(&json!("${input.assets | 'none'}"), &scope), json!("none"));
        assert_eq!(
            render(&json!("Prayer times in ${input.city}, ${input.amount}"), &scope),
            json!("Prayer times in Leeds, 12")
        );
        assert_eq!(render(&json!("${steps.hits.output.0.id}"), &scope), json!("quran:9:60"));
        assert_eq!(
            render(&json!({"a": "${input.nothing}", "b": 1}), &scope),
            json!({"b": 1})
        );
    }

    #[test]
    fn expressions_are_parsed_or_refused() {
        let found = expressions("${input.a | steps.b.output | 'x'} and ${run.id}").unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].paths().collect::<Vec<_>>(), ["input.a", "steps.b.output"]);
        assert!(expressions("${input.a").is_err());
        assert!(expressions("${ drop table }").is_err());
        assert!(expressions("${input..a}").is_err());
    }
}
