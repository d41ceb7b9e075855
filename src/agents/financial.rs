//! The financial services agent: zakat, from the structured `context` (the zakat endpoint's
//! fields) or from plain text ("I have $12,000 in savings and 100 grams of gold, gold is $75 a
//! gram"). It asks for what is missing instead of assuming, never looks prices up, records every
//! input and parameter it used in its metadata, and cites Qur'an 9:60 from the knowledge index
//! when the index has it.

use std::str::FromStr;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use hijraah_domain::calculators::zakat::{ZakatError, ZakatInput, zakat_al_mal};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Agent, AgentAnswer, AgentError, AgentRequest, RouteScore};
use crate::knowledge::KnowledgeService;

const KEYWORDS: &[&str] = &["zakat", "zakah", "zakaat", "nisab", "الزكاة", "زكاة", "زكاه", "النصاب"];

/// Amounts read from a sentence: numbers and the words around them.
fn read_amounts(text: &str) -> serde_json::Map<String, Value> {
    let lower = text.to_lowercase().replace(',', "");
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut found = serde_json::Map::new();
    for (index, word) in words.iter().enumerate() {
        let number: String = word.trim_matches(|c: char| !c.is_ascii_digit() && c != '.').to_owned();
        let Ok(value) = Decimal::from_str(number.trim_end_matches('.')) else {
            continue;
        };
        let before = words[index.saturating_sub(4)..index].join(" ");
        let window = |n: usize| words[(index + 1).min(words.len())..(index + 1 + n).min(words.len())].join(" ");
        // What a number is comes from the words right after it: three for "grams of gold", two
        // for "in debts", so "$5000 and 2000 in debts" keeps the 5000 as cash.
        let after = window(3);
        let next_two = window(2);
        let per_gram = after.starts_with("a gram")
            || after.starts_with("per gram")
            || after.starts_with("/g")
            || word.ends_with("/g");
        let grams = after.starts_with("gram")
            || after.starts_with("g ")
            || after == "g"
            || word.ends_with('g') && !word.ends_with("/g");
        let field = if per_gram && before.contains("gold") {
            "gold_price_per_gram"
        } else if per_gram && before.contains("silver") {
            "silver_price_per_gram"
        } else if grams && after.contains("gold") {
            "gold_grams"
        } else if grams && after.contains("silver") {
            "silver_grams"
        } else if next_two.contains("debt") || before.ends_with("debts of") || before.ends_with("owe") {
            "debts_due"
        } else if next_two.contains("inventory") {
            "business_inventory"
        } else if after.contains("owed to me") || next_two.contains("receivable") {
            "receivables"
        } else if next_two.contains("share") || next_two.contains("stock") {
            "stocks_trading_value"
        } else if word.starts_with('$')
            || word.starts_with('£')
            || word.starts_with('€')
            || after.contains("saving")
            || next_two.contains("cash")
            || next_two.contains("bank")
        {
            "cash"
        } else {
            continue;
        };
        let total = found
            .get(field)
            .and_then(Value::as_str)
            .and_then(|t| Decimal::from_str(t).ok())
            .unwrap_or_default()
            + value;
        found.insert(field.to_owned(), Value::String(total.to_string()));
    }
    if lower.contains("silver nisab") || lower.contains("nisab of silver") {
        found.insert("nisab_basis".into(), json!("silver"));
    }
    found
}

pub struct FinancialAgent {
    agent_id: String,
    knowledge: Arc<KnowledgeService>,
}

impl FinancialAgent {
    pub fn new(agent_id: impl Into<String>, knowledge: Arc<KnowledgeService>) -> Self {
        Self {
            agent_id: agent_id.into(),
            knowledge,
        }
    }

    /// Qur'an 9:60 (who receives zakat), quoted from the index if it is there.
    async fn recipients_verse(&self) -> Option<(String, String, String)> {
        let hit = self.knowledge.get("quran:9:60".to_owned()).await.ok()??;
        Some((hit.id, hit.reference, hit.text_en?))
    }

    async fn answer(&self, request: &AgentRequest) -> Result<AgentAnswer, AgentError> {
        let (mut inputs, read_from) = match request
            .context
            .get("zakat")
            .or(Some(&request.context))
            .and_then(Value::as_object)
        {
            // A context for other agents (a place, a date) is no zakat input: read the text then.
            Some(context) if context.keys().any(|k| ZakatInput::FIELDS.contains(&k.as_str())) => {
                (context.clone(), "context")
            }
            _ => (read_amounts(&request.content), "text"),
        };
        let mut citations = Vec::new();
        let mut verse_text = String::new();
        if let Some((id, reference, text)) = self.recipients_verse().await {
            verse_text = format!("\n\nWho receives zakat: \"{text}\" ({reference})");
            citations.push(json!({"id": id, "reference": reference}));
        }
        let method = "Zakat is 2.5% of your net zakatable wealth (cash, gold and silver at today's price, business \
                      inventory, money owed to you, shares) after deducting debts due now, if it is at or above the \
                      nisab, 85 g of gold or 595 g of silver, and a lunar year has passed over it.";
        if inputs.is_empty() {
            return Ok(AgentAnswer {
                content: format!(
                    "{method} Tell me your amounts (cash, grams of gold and silver, and other assets), today's price \
                     per gram of gold (or silver), and your debts due now, and I will calculate it.{verse_text}"
                ),
                confidence: 0.85,
                metadata: json!({"kind": "method", "citations": citations, "needs": ["amounts", "gold_price_per_gram"]}),
            });
        }
        // Keep only the calculator's own fields from a free-form context.
        inputs.retain(|key, _| ZakatInput::FIELDS.contains(&key.as_str()));
        let input = match ZakatInput::from_json(&inputs) {
            Ok(input) => input,
            Err(error) => {
                return Ok(AgentAnswer {
                    content: format!("I could not use your figures: {}. Please send them again.", error.0),
                    confidence: 0.5,
                    metadata: json!({"kind": "invalid_input", "inputs": inputs, "read_from": read_from, "citations": []}),
                });
            }
        };
        let result = match zakat_al_mal(&input) {
            Ok(result) => result,
            Err(needed @ (ZakatError::GoldPriceNeeded | ZakatError::SilverPriceNeeded | ZakatError::RatioNeeded)) => {
                return Ok(AgentAnswer {
                    content: format!(
                        "To calculate your zakat I need one more figure: {needed}. I do not look prices up or \
                         assume them; please give today's price where you live."
                    ),
                    confidence: 0.6,
                    metadata: json!({"kind": "needs_input", "inputs": inputs, "read_from": read_from, "citations": citations}),
                });
            }
            Err(other) => return Err(AgentError::Failed(other.to_string())),
        };
        let basis = match input.nisab_basis {
            hijraah_domain::calculators::zakat::NisabBasis::Gold => "gold",
            hijraah_domain::calculators::zakat::NisabBasis::Silver => "silver",
        };
        let verdict = if result.zakat_due {
            format!(
                "Your zakat is {} (2.5% of {}).",
                result.zakat_amount, result.net_zakatable_wealth
            )
        } else if !input.hawl_complete {
            "No zakat is due yet: a lunar year has not passed over this wealth.".to_owned()
        } else {
            format!(
                "No zakat is due: your net zakatable wealth {} is below the nisab of {}.",
                result.net_zakatable_wealth, result.nisab_value
            )
        };
        let content = format!(
            "{verdict} Net zakatable wealth: {} (gross {} less debts due). Nisab: {} g of {basis} at the price you gave, \
             {}. {method}{verse_text}",
            result.net_zakatable_wealth, result.gross_zakatable_wealth, result.nisab_grams, result.nisab_value
        );
        Ok(AgentAnswer {
            content,
            confidence: if read_from == "context" { 0.95 } else { 0.85 },
            metadata: json!({
                "kind": "calculation",
                "read_from": read_from,
                "inputs": inputs,
                "parameters": {"nisab_basis": basis, "nisab_standard": result.nisab_standard, "rate": "0.025",
                               "prices": "as given by the user, not looked up"},
                "result": result,
                "citations": citations,
            }),
        })
    }
}

impl Agent for FinancialAgent {
    fn agent_id(&self) -> &str {
        &self.agent_id
    }

    fn agent_type(&self) -> &str {
        "financial_services"
    }

    fn score(&self, request: &AgentRequest) -> RouteScore {
        let lower = request.content.to_lowercase();
        let matched: Vec<String> = KEYWORDS
            .iter()
            .filter(|k| lower.contains(*k))
            .map(|k| format!("keyword `{k}`"))
            .collect();
        if matched.is_empty() && request.context.get("zakat").is_none() {
            return RouteScore {
                score: 0.0,
                reasons: vec![],
            };
        }
        RouteScore {
            score: 0.9,
            reasons: matched,
        }
    }

    fn handle<'a>(&'a self, request: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(self.answer(request))
    }
}

#[cfg(test)]
mod tests {
    use super::read_amounts;
    use serde_json::json;

    #[test]
    fn amounts_are_read_from_a_plain_sentence() {
        let read = read_amounts("I have $12,000 in savings and 100 grams of gold, gold is $75 a gram");
        assert_eq!(read.get("cash"), Some(&json!("12000")));
        assert_eq!(read.get("gold_grams"), Some(&json!("100")));
        assert_eq!(read.get("gold_price_per_gram"), Some(&json!("75")));
        let debts = read_amounts("savings of $5000 and 2000 in debts, silver is 0.8 per gram, 300 grams of silver");
        assert_eq!(debts.get("debts_due"), Some(&json!("2000")));
        assert_eq!(debts.get("silver_price_per_gram"), Some(&json!("0.8")));
        assert_eq!(debts.get("silver_grams"), Some(&json!("300")));
        assert!(read_amounts("How do I calculate Zakat?").is_empty());
    }
}
