//! Checking a chat case's replies as `../shared/eval/README.md` describes: the agents that
//! answered, the strings the answers hold, the texts cited and not cited. Shared by the test that
//! runs the development sets (`eval.rs`) and by `benches/eval_http.rs`, which runs them against a
//! server with the real model (`#[path]`-included there).

use std::collections::HashSet;

use serde_json::Value;

/// The README's normalisation: Arabic-Indic digits to ASCII, the Arabic decimal separator to
/// `.`, thousands separators between digits removed, lowercase.
fn normalise(text: &str) -> String {
    let mapped: Vec<char> = text
        .chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{066B}' => '.',
            other => other,
        })
        .collect();
    let mut out = String::new();
    for (index, c) in mapped.iter().enumerate() {
        let separator = matches!(c, ',' | '\u{066C}' | '\'' | '\u{2009}' | '\u{202F}' | '\u{00A0}');
        let between_digits =
            index > 0 && mapped[index - 1].is_ascii_digit() && mapped.get(index + 1).is_some_and(char::is_ascii_digit);
        if separator && between_digits {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    out
}

pub fn verse_of(id: &str) -> String {
    if id.starts_with("quran:") {
        id.split(':').take(3).collect::<Vec<_>>().join(":")
    } else {
        id.to_owned()
    }
}

/// The failed checks of one case.
pub fn check(case: &Value, replies: &[Value], corpus: &HashSet<String>) -> Vec<String> {
    let expect = &case["expect"];
    let mut failures = Vec::new();
    let types: Vec<&str> = replies.iter().filter_map(|r| r["agent_type"].as_str()).collect();
    let wanted: Vec<&str> = expect["agents"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for agent in &wanted {
        if !types.contains(agent) {
            failures.push(format!("no {agent} reply (got {types:?})"));
        }
    }
    for agent in expect["not_agents"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if types.contains(&agent) {
            failures.push(format!("a {agent} reply, which should not be there"));
        }
    }
    let texts: Vec<String> = replies
        .iter()
        .filter(|reply| wanted.is_empty() || wanted.contains(&reply["agent_type"].as_str().unwrap_or_default()))
        .map(|reply| normalise(reply["response"].as_str().unwrap_or_default()))
        .collect();
    for needle in expect["contains_all"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !texts.iter().any(|text| text.contains(&normalise(needle))) {
            failures.push(format!("no reply contains `{needle}`"));
        }
    }
    if let Some(any) = expect["contains_any"].as_array() {
        let found = any
            .iter()
            .filter_map(Value::as_str)
            .any(|needle| texts.iter().any(|text| text.contains(&normalise(needle))));
        if !found {
            failures.push(format!("no reply contains any of {any:?}"));
        }
    }
    let cited: Vec<String> = replies
        .iter()
        .flat_map(|reply| reply["metadata"]["citations"].as_array().cloned().unwrap_or_default())
        .filter_map(|citation| citation["id"].as_str().map(str::to_owned))
        .collect();
    if let Some(any) = expect["citations_any"].as_array() {
        let acceptable: Vec<String> = any.iter().filter_map(Value::as_str).map(verse_of).collect();
        if !cited.iter().any(|id| acceptable.contains(&verse_of(id))) {
            failures.push(format!("cited {cited:?}, none of {acceptable:?}"));
        }
    }
    for id in expect["citations_none"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if cited.iter().any(|cited| verse_of(cited) == verse_of(id)) {
            failures.push(format!("cites `{id}`, which does not answer the question"));
        }
    }
    if let Some(most) = expect["max_citations"].as_u64()
        && cited.len() as u64 > most
    {
        failures.push(format!("{} citations, at most {most} wanted", cited.len()));
    }
    for id in &cited {
        if !corpus.contains(id) {
            failures.push(format!("cites `{id}`, which is not in the corpus"));
        }
    }
    // No empty promise: the user interface names only agents whose replies are here.
    if let Some(ui) = replies.iter().find(|reply| reply["agent_type"] == "user_interface") {
        for promised in ui["metadata"]["answered_by"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let present = replies.iter().any(|reply| {
                reply["agent_type"] == promised && !reply["response"].as_str().unwrap_or_default().trim().is_empty()
            });
            if !present {
                failures.push(format!(
                    "the user interface promised a {promised} reply that is not there"
                ));
            }
        }
        if ui["response"].as_str().unwrap_or_default().contains("below") && types.len() < 2 {
            failures.push("the user interface says another agent answers below, and none does".to_owned());
        }
    }
    failures
}

#[test]
fn the_normalisation_is_the_readmes() {
    assert_eq!(normalise("Your zakat is $12,000.00"), "your zakat is $12000.00");
    assert_eq!(normalise("٣٢٥٫٠٠"), "325.00");
    assert_eq!(normalise("1, 2"), "1, 2");
}
