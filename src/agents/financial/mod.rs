//! The financial services agent: zakat al-mal, zakat al-fitr and who receives zakat, from the
//! structured `context` (the zakat endpoint's fields) or from the message as people write it
//! (read by `hijraah_domain::understanding`). It asks for what is missing instead of assuming,
//! never looks prices up, completes a calculation when the next message gives the figure it
//! asked for, records every input and parameter it used in its metadata, and quotes Qur'an 9:60
//! from the knowledge index when the index has it (citing it only then).

mod fitr;
pub(crate) mod texts;
mod zakat;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::{Agent, AgentAnswer, AgentError, AgentRequest, RouteScore};
use crate::knowledge::KnowledgeService;

const KEYWORDS: &[&str] = &[
    "zakat",
    "zakah",
    "zakaat",
    "zakath",
    "nisab",
    "fitrana",
    "fitra",
    "الزكاة",
    "زكاة",
    "زكاه",
    "الزكاه",
    "النصاب",
    // «كم نصاب الذهب؟»: the nisab named in construct, without the article.
    "نصاب",
    "زكاتي",
];

/// What the agent was asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Topic {
    ZakatAlMal,
    ZakatAlFitr,
    Recipients,
    /// Whether zakat is due on the home, the car, personal belongings.
    PersonalAssets,
}

impl Topic {
    fn name(self) -> &'static str {
        match self {
            Topic::ZakatAlMal => "zakat_al_mal",
            Topic::ZakatAlFitr => "zakat_al_fitr",
            Topic::Recipients => "recipients",
            Topic::PersonalAssets => "personal_assets",
        }
    }
}

/// The quote of Qur'an 9:60 from the index, when it is there.
pub(crate) struct Verse {
    pub id: String,
    pub reference: String,
    pub text_en: Option<String>,
    pub text_ar: Option<String>,
    pub edition: Option<String>,
    pub edition_name: Option<String>,
    pub revision: Option<u64>,
}

pub struct FinancialAgent {
    agent_id: String,
    knowledge: Arc<KnowledgeService>,
}

/// The previous exchange's reply of this agent when it asked for a missing figure.
/// The previous financial reply this message continues: one that asked for a figure ("90 dollars
/// a gram"), or a calculation whose figures a short follow-up only changes ("what about with
/// silver at 1.1 a gram?", "and for 6 people?"). A new question with its own wealth starts afresh.
fn continued(request: &AgentRequest) -> Option<&Value> {
    let previous = request.previous_reply("financial_services")?;
    match previous["kind"].as_str() {
        Some("needs_input") => Some(previous),
        Some("calculation") if only_changes_figures(request, previous) => Some(previous),
        // "I forgot, I also owe 3,000", "and 30 grams of gold": figures added to the calculation.
        Some("calculation")
            if request.follow_up().is_some()
                && previous["topic"] == Topic::ZakatAlMal.name()
                && !request.reading().zakat.is_empty() =>
        {
            Some(previous)
        }
        _ => None,
    }
}

/// Whether a short message gives only figures of the calculation before: a price, the nisab's
/// basis, the persons or the sa', and no wealth of its own.
fn only_changes_figures(request: &AgentRequest, previous: &Value) -> bool {
    if request.content.split_whitespace().count() > 14 {
        return false;
    }
    let reading = &request.reading().zakat;
    if reading.has_wealth() {
        return false;
    }
    if previous["topic"] == Topic::ZakatAlFitr.name() {
        let fitr = &request.reading().fitr;
        return fitr.persons.is_some()
            || fitr.staple_price_per_kg.is_some()
            || fitr.price_per_sa.is_some()
            || fitr.sa_kg.is_some();
    }
    previous["topic"] == Topic::ZakatAlMal.name()
        && (reading.amounts.contains_key("gold_price_per_gram")
            || reading.amounts.contains_key("silver_price_per_gram")
            || reading.unnamed_price_per_gram.is_some()
            || reading.nisab_basis.is_some()
            || reading.nisab_standard.is_some())
}

fn mentions_zakat(lower: &str) -> Option<&'static str> {
    KEYWORDS.iter().find(|keyword| lower.contains(*keyword)).copied()
}

impl FinancialAgent {
    pub fn new(agent_id: impl Into<String>, knowledge: Arc<KnowledgeService>) -> Self {
        Self {
            agent_id: agent_id.into(),
            knowledge,
        }
    }

    async fn recipients_verse(&self) -> Option<Verse> {
        let hit = self.knowledge.get("quran:9:60".to_owned()).await.ok()??;
        // A curator may have withheld the edition it is in.
        let editions = self.knowledge.editions().get().await.ok()?;
        let edition = hit.edition.as_ref().and_then(|edition| editions.get(edition));
        if edition.is_some_and(|edition| !edition.quotable) {
            return None;
        }
        let edition_name = edition.map(|edition| edition.edition.name.clone());
        Some(Verse {
            id: hit.id,
            reference: hit.reference,
            text_en: hit.text_en,
            text_ar: hit.text_ar,
            edition: hit.edition,
            edition_name,
            revision: hit.revision,
        })
    }

    fn topic(request: &AgentRequest) -> Topic {
        if request.reading().asks_zakat_recipients {
            return Topic::Recipients;
        }
        if request.reading().asks_zakat_al_fitr {
            return Topic::ZakatAlFitr;
        }
        if zakat::asks_about_personal_assets(&request.content) {
            return Topic::PersonalAssets;
        }
        let lower = request.content.to_lowercase();
        if mentions_zakat(&lower).is_none()
            && let Some(previous) = continued(request)
            && previous["topic"] == Topic::ZakatAlFitr.name()
        {
            return Topic::ZakatAlFitr;
        }
        Topic::ZakatAlMal
    }

    async fn answer(&self, request: &AgentRequest) -> Result<AgentAnswer, AgentError> {
        let verse = self.recipients_verse().await;
        let mut answer = match Self::topic(request) {
            Topic::Recipients => zakat::recipients(request, verse.as_ref()),
            Topic::ZakatAlFitr => fitr::answer(request),
            Topic::ZakatAlMal => zakat::answer(request, verse.as_ref()),
            Topic::PersonalAssets => zakat::personal_assets(request),
        };
        // Only a text that is in the index is cited.
        if answer.metadata.get("citations").is_none() {
            answer.metadata["citations"] = json!([]);
        }
        Ok(answer)
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
        let read = request.reading();
        let mut reasons = Vec::new();
        if let Some(keyword) = mentions_zakat(&request.content.to_lowercase()) {
            reasons.push(format!("keyword `{keyword}`"));
        }
        if read.asks_zakat_al_fitr {
            reasons.push("asks about zakat al-fitr".to_owned());
        }
        if request.context.get("zakat").is_some() {
            reasons.push("context carries zakat inputs".to_owned());
        }
        if reasons.is_empty() {
            // Wealth and a gold or silver price with no word for zakat ("18k in savings, gold is
            // 95 a gram, what do we owe?") is a zakat calculation.
            let reading = &read.zakat;
            let priced = reading.amounts.contains_key("gold_price_per_gram")
                || reading.amounts.contains_key("silver_price_per_gram")
                || reading.unnamed_price_per_gram.is_some();
            if reading.has_wealth() && priced {
                reasons.push("gives wealth and a gold or silver price: a zakat calculation".to_owned());
            }
        }
        if reasons.is_empty()
            && let Some(previous) = continued(request)
        {
            // A follow-up that gives the figure asked for ("90 dollars a gram").
            let (reading, fitr) = (&read.zakat, &read.fitr);
            let gives_figures = !reading.is_empty() || fitr.persons.is_some() || fitr.staple_price_per_kg.is_some();
            if gives_figures {
                reasons.push(format!(
                    "gives the figures asked for in the previous exchange ({})",
                    previous["needs"]
                ));
            }
        }
        RouteScore {
            score: if reasons.is_empty() { 0.0 } else { 0.9 },
            reasons,
        }
    }

    fn handle<'a>(&'a self, request: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(self.answer(request))
    }
}
