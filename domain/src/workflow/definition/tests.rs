use serde_json::json;

use super::*;

fn definition(steps: Value) -> Result<Definition, DefinitionError> {
    Definition::from_json(json!({
        "name": "demo",
        "input": {"city": {"type": "string", "required": true}},
        "steps": steps,
    }))
}

#[test]
fn spans_read_the_units_people_write() {
    assert_eq!(Span::parse("250ms"), Some(Span(Duration::from_millis(250))));
    assert_eq!(Span::parse("7d"), Some(Span(Duration::from_secs(7 * 86_400))));
    assert_eq!(Span::parse("2 h"), Some(Span(Duration::from_secs(7_200))));
    assert_eq!(Span::parse("soon"), None);
    assert_eq!(Span(Duration::from_secs(120)).to_string(), "2m");
}

#[test]
fn a_valid_definition_loads_and_bad_ones_say_why() {
    assert!(
        definition(json!([
            {"id": "place", "kind": "action", "action": "locate", "input": {"name": "${input.city}"}},
            {"id": "qibla", "kind": "calculator", "calculator": "qibla",
             "input": {"latitude": "${steps.place.output.latitude}", "longitude": "${steps.place.output.longitude}"}}
        ]))
        .is_ok()
    );
    let unknown_kind = definition(json!([{"id": "x", "kind": "teleport"}])).unwrap_err();
    assert!(
        matches!(unknown_kind, DefinitionError::Malformed(ref m) if m.contains("teleport")),
        "{unknown_kind}"
    );
    let backwards = definition(json!([
        {"id": "a", "kind": "knowledge_search", "query": "patience"},
        {"id": "b", "kind": "branch", "if": {"path": "input.city", "is": "present"}, "then": "a"}
    ]))
    .unwrap_err();
    assert_eq!(
        backwards,
        DefinitionError::Cycle {
            from: "b".into(),
            to: "a".into()
        }
    );
    let itself = definition(json!([
        {"id": "a", "kind": "branch", "if": {"path": "input.city", "is": "present"}, "then": "a"}
    ]))
    .unwrap_err();
    assert!(matches!(itself, DefinitionError::Cycle { .. }));
    let later = definition(json!([
        {"id": "a", "kind": "knowledge_search", "query": "${steps.b.output}"},
        {"id": "b", "kind": "sleep", "duration": "1s"}
    ]))
    .unwrap_err();
    assert!(later.to_string().contains("steps.b.output"), "{later}");
    let undeclared =
        definition(json!([{"id": "a", "kind": "knowledge_search", "query": "${input.town}"}])).unwrap_err();
    assert!(undeclared.to_string().contains("input.town"), "{undeclared}");
    let forever = definition(json!([{"id": "a", "kind": "sleep", "duration": "1000d"}])).unwrap_err();
    assert!(forever.to_string().contains("400d"), "{forever}");
}

#[test]
fn the_contracts_example_loads_with_its_loop_through_a_wait() {
    let example = Definition::from_json(json!({"name": "hawl_reminder", "description": "...",
     "input": {"cash": "decimal", "gold_price_per_gram": "decimal", "note": "string?"},
     "steps": [
       {"id": "compute", "kind": "calculator", "calculator": "zakat",
        "input": {"cash": "${input.cash}", "gold_price_per_gram": "${input.gold_price_per_gram}"},
        "retry": {"attempts": 3, "backoff_ms": 200}, "timeout_ms": 5000},
       {"id": "pause", "kind": "sleep", "duration_ms": 2000},
       {"id": "ask", "kind": "agent", "agent_type": "knowledge", "content": "zakat ${steps.compute.output.zakat_amount}"},
       {"id": "verdict", "kind": "wait_signal", "signal": "verdict", "timeout_ms": 600000},
       {"id": "due", "kind": "branch", "if": "${steps.compute.output.zakat_due}", "then": "ask", "else": "end"}
     ]}))
    .unwrap();
    assert_eq!(example.steps[0].retry.backoff, Span(Duration::from_millis(200)));
    assert_eq!(example.steps[0].timeout(), Duration::from_secs(5));
    assert!(example.input["cash"].required && !example.input["note"].required);
    assert_eq!(example.input["cash"].kind, FieldType::Decimal);
    // Written back in the contract's terms.
    let written = serde_json::to_value(&example).unwrap();
    assert_eq!(written["steps"][1]["duration_ms"], json!(2000));
    assert_eq!(written["steps"][3]["timeout_ms"], json!(600000));
    assert_eq!(
        written["input"],
        json!({"cash": "decimal", "gold_price_per_gram": "decimal", "note": "string?"})
    );
    assert_eq!(
        Definition::from_json(written).unwrap(),
        example,
        "what is written reads back the same"
    );
    assert!(
        check_against(
            &example.input,
            &json!({"cash": "100.50", "gold_price_per_gram": 80}),
            "input"
        )
        .is_ok()
    );
    let wrong = check_against(
        &example.input,
        &json!({"cash": "lots", "gold_price_per_gram": 80}),
        "input",
    );
    assert!(wrong.unwrap_err().0.contains("decimal"));
    let bad_type = Definition::from_json(json!({"name": "x", "input": {"a": "money"}, "steps": [
        {"id": "s", "kind": "sleep", "duration_ms": 1}]}))
    .unwrap_err();
    assert!(bad_type.to_string().contains("money"), "{bad_type}");
}

#[test]
fn inputs_are_checked_against_their_schema() {
    let schema: BTreeMap<String, Field> = serde_json::from_value(json!({
        "verdict": {"type": "string", "required": true, "values": ["approve", "reject"]},
        "note": {"type": "string", "required": false, "max_length": 5}
    }))
    .unwrap();
    assert!(check_against(&schema, &json!({"verdict": "approve"}), "payload").is_ok());
    for (bad, says) in [
        (json!({}), "needs `verdict`"),
        (json!({"verdict": "maybe"}), "one of"),
        (json!({"verdict": 1}), "type string"),
        (json!({"verdict": "reject", "note": "too long"}), "at most 5"),
        (json!({"verdict": "reject", "extra": 1}), "no field `extra`"),
        (json!([1]), "JSON object"),
    ] {
        let error = check_against(&schema, &bad, "payload").unwrap_err();
        assert!(error.0.contains(says), "{bad}: {error}");
    }
}

#[test]
fn retries_back_off_twice_as_long_each_time_and_stop() {
    let policy = RetryPolicy {
        attempts: 3,
        backoff: Span(Duration::from_millis(100)),
    };
    assert_eq!(policy.wait_after(1), Some(Duration::from_millis(100)));
    assert_eq!(policy.wait_after(2), Some(Duration::from_millis(200)));
    assert_eq!(policy.wait_after(3), None);
}
