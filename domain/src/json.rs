//! Reading values as JSON writes them, for every input the API takes.

use serde_json::Value;

/// A whole number as JSON may write it, `3` or `3.0` (JSON Schema's `integer` takes both), up to
/// 2^53 (beyond it a float is no longer exact).
pub fn whole_number(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|float| float.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(float))
            .map(|float| float as u64)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_whole_number_may_carry_a_fraction_of_zero_and_nothing_else() {
        assert_eq!(whole_number(&json!(3)), Some(3));
        assert_eq!(whole_number(&json!(3.0)), Some(3));
        assert_eq!(whole_number(&json!(2.5)), None);
        assert_eq!(whole_number(&json!(-1.0)), None);
        assert_eq!(whole_number(&json!("3")), None);
    }
}
