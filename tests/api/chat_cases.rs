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

/// The checks a case's `expect` may name (the README's list).
const CHECKS: &[&str] = &[
    "agents",
    "not_agents",
    "contains_all",
    "contains_any",
    "citations_any",
    "citations_none",
    "max_citations",
    "no_invented_citations",
    "no_empty_promise",
];

/// The failed checks of one case.
pub fn check(case: &Value, replies: &[Value], corpus: &HashSet<String>) -> Vec<String> {
    let expect = &case["expect"];
    let mut failures = Vec::new();
    // A check this function does not know would pass unread: a misspelt key fails the case.
    for key in expect.as_object().into_iter().flat_map(|checks| checks.keys()) {
        if !CHECKS.contains(&key.as_str()) {
            failures.push(format!("unknown check `{key}`"));
        }
    }
    let types: Vec<&str> = replies.iter().filter_map(|r| r["agent_type"].as_str()).collect();
    let wanted: Vec<&str> = expect["agents"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for agent in &wanted {
        let answered = replies.iter().any(|reply| {
            reply["agent_type"] == *agent && !reply["response"].as_str().unwrap_or_default().trim().is_empty()
        });
        if !answered {
            failures.push(format!("no {agent} reply (got {types:?})"));
        }
    }
    // The user interface always replies, so naming it means more: that it answered itself, and
    // did not hand the message to an agent the case does not name.
    if wanted.contains(&"user_interface")
        && let Some(ui) = replies.iter().find(|reply| reply["agent_type"] == "user_interface")
    {
        for handed in ui["metadata"]["answered_by"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !wanted.contains(&handed) {
                failures.push(format!("the user interface handed the message to {handed}"));
            }
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
    // The README: both are always true. A case may not turn them off by leaving them out, and
    // one that says `false` is taken at its word.
    if expect["no_invented_citations"].as_bool().unwrap_or(true) {
        for id in &cited {
            if !corpus.contains(id) {
                failures.push(format!("cites `{id}`, which is not in the corpus"));
            }
        }
    }
    // No empty promise: the user interface names only agents whose replies are here.
    if expect["no_empty_promise"].as_bool().unwrap_or(true)
        && let Some(ui) = replies.iter().find(|reply| reply["agent_type"] == "user_interface")
    {
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

#[cfg(test)]
mod checks {
    use serde_json::json;

    use super::*;

    fn corpus() -> HashSet<String> {
        ["quran:2:255", "quran:2:255:en"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    fn greeting_case() -> Value {
        json!({"id": "greeting", "content": "salam", "expect": {
            "agents": ["user_interface"], "not_agents": ["knowledge"],
            "no_invented_citations": true, "no_empty_promise": true}})
    }

    fn ui(text: &str, answered_by: &[&str]) -> Value {
        json!({"agent_type": "user_interface", "response": text,
               "metadata": {"answered_by": answered_by, "citations": []}})
    }

    #[test]
    fn a_citation_outside_the_corpus_fails_the_case() {
        let case = json!({"expect": {"agents": ["knowledge"], "no_invented_citations": true}});
        let quoting = |id: &str| {
            vec![json!({"agent_type": "knowledge", "response": "…", "metadata": {"citations": [{"id": id}]}})]
        };
        assert!(check(&case, &quoting("quran:2:255:en"), &corpus()).is_empty());
        let failures = check(&case, &quoting("quran:2:999"), &corpus());
        assert_eq!(failures, ["cites `quran:2:999`, which is not in the corpus"]);
    }

    #[test]
    fn naming_the_user_interface_means_it_answered_itself() {
        assert!(check(&greeting_case(), &[ui("Wa alaikum as-salam", &[])], &corpus()).is_empty());
        // Handing the message on, or saying nothing, is not answering it.
        let handed = check(
            &greeting_case(),
            &[ui("Our agent answers below.", &["financial_services"])],
            &corpus(),
        );
        assert!(
            handed
                .iter()
                .any(|f| f.contains("handed the message to financial_services")),
            "{handed:?}"
        );
        let silent = check(&greeting_case(), &[ui("  ", &[])], &corpus());
        assert!(
            silent.iter().any(|f| f.starts_with("no user_interface reply")),
            "{silent:?}"
        );
    }

    #[test]
    fn a_misspelt_check_fails_instead_of_passing_unread() {
        let case = json!({"expect": {"agents": ["user_interface"], "citation_any": ["quran:2:255"]}});
        assert_eq!(
            check(&case, &[ui("hello", &[])], &corpus()),
            ["unknown check `citation_any`"]
        );
    }

    #[test]
    fn an_empty_promise_fails_the_case() {
        let case = json!({"expect": {"agents": [], "no_empty_promise": true}});
        let failures = check(
            &case,
            &[ui("The financial agent answers below.", &["financial_services"])],
            &corpus(),
        );
        assert!(
            failures
                .iter()
                .any(|f| f.contains("promised a financial_services reply")),
            "{failures:?}"
        );
    }
}
