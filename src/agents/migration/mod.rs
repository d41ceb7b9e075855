//! The migration agent: guidance for Muslims settling in a new country, from resources we wrote
//! (`guide.json`: finding a mosque and halal food, community organisations, documents, a
//! first-weeks plan, a few country notes), and each user's settling-in checklist, whose
//! progress is recorded as `ChecklistItemMarked` events on `checklist-{user}`.

use std::sync::LazyLock;

use futures_util::future::BoxFuture;
use hijraah_domain::events::ChecklistItemMarked;
use hijraah_domain::{Event, EventMetadata, NewEvent};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::PgPool;

use super::routing::{Keyword, kw, matches, score_keywords};
use super::{Agent, AgentAnswer, AgentError, AgentRequest, RouteScore};
use crate::community::gazetteer;
use crate::store::{Checkpoint, EventStore, ExpectedVersion, StoreError};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Resource {
    pub id: String,
    pub title: String,
    pub topic: String,
    /// ISO 3166 codes it applies to; empty: everywhere.
    pub countries: Vec<String>,
    pub summary: String,
    pub steps: Vec<String>,
    pub keywords: Vec<String>,
    /// The same in Arabic, where written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_ar: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary_ar: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps_ar: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub item_id: String,
    pub title: String,
    pub week: u32,
    pub resource: String,
}

#[derive(Debug, Deserialize)]
pub struct Guide {
    pub resources: Vec<Resource>,
    pub checklist: Vec<ChecklistItem>,
}

pub static GUIDE: LazyLock<Guide> = LazyLock::new(|| {
    serde_json::from_str(include_str!("guide.json")).unwrap_or_else(|error| {
        // The file is ours and checked by a unit test; an empty guide is the only safe fallback.
        tracing::error!(%error, "the migration guide does not parse");
        Guide {
            resources: Vec::new(),
            checklist: Vec::new(),
        }
    })
});

fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| w.len() > 1)
        .map(str::to_owned)
        .collect()
}

/// Words that say nothing of what a newcomer needs: left out when a question's words are
/// compared with a resource's own.
const PLAIN_WORDS: &[&str] = &[
    "the", "and", "for", "how", "what", "where", "when", "can", "could", "should", "would", "with", "without", "you",
    "your", "our", "we", "are", "was", "were", "have", "has", "had", "just", "into", "from", "this", "that", "there",
    "their", "they", "them", "about", "any", "some", "need", "want", "get", "do", "does", "my", "me", "its", "it's",
    "i'm", "we're", "who", "which", "will", "first", "new", "near", "one", "all", "more",
];

/// A word as compared: lower case, a plural's "s" dropped ("banks", "doctors").
fn stem(word: &str) -> String {
    let word = word.to_lowercase();
    match word.strip_suffix('s') {
        Some(stem) if stem.chars().count() > 3 && !stem.ends_with('s') => stem.to_owned(),
        _ => word,
    }
}

/// The words worth comparing in a text: not plain words, not one or two letters.
fn content_words(text: &str) -> std::collections::HashSet<String> {
    words(text)
        .into_iter()
        .filter(|word| word.chars().count() > 2 && !PLAIN_WORDS.contains(&word.as_str()))
        .map(|word| stem(&word))
        .collect()
}

/// Each resource's own words (summary and steps, in both languages), for telling apart the
/// resources a question's keywords tie ("a bank account without riba": documents, or banking?).
static RESOURCE_WORDS: LazyLock<Vec<std::collections::HashSet<String>>> = LazyLock::new(|| {
    GUIDE
        .resources
        .iter()
        .map(|resource| {
            let mut text = format!("{} {}", resource.summary, resource.steps.join(" "));
            if let Some(summary) = &resource.summary_ar {
                text.push(' ');
                text.push_str(summary);
            }
            text.push(' ');
            text.push_str(&resource.steps_ar.join(" "));
            content_words(&text)
        })
        .collect()
});

/// How telling a keyword is: one that few resources list ("riba") counts more than one that
/// many do ("bank").
static KEYWORD_WEIGHTS: LazyLock<std::collections::HashMap<String, f64>> = LazyLock::new(|| {
    let total = GUIDE.resources.len() as f64;
    let mut listed: std::collections::HashMap<String, f64> = std::collections::HashMap::new();
    for resource in &GUIDE.resources {
        for keyword in &resource.keywords {
            *listed.entry(keyword.to_lowercase()).or_default() += 1.0;
        }
    }
    listed
        .into_iter()
        .map(|(keyword, resources)| (keyword, (1.0 + total / resources).ln()))
        .collect()
});

/// How many of the question's words a resource's own text has, leaving out `except` (a country
/// note's names for its country, which say where, not what).
fn own_words_shared(resource: &Resource, question: &std::collections::HashSet<String>, except: &[String]) -> usize {
    let Some(at) = GUIDE.resources.iter().position(|r| r.id == resource.id) else {
        return 0;
    };
    question
        .iter()
        .filter(|word| RESOURCE_WORDS[at].contains(*word) && !except.iter().any(|name| name == *word))
        .count()
}

/// Resources matching `query` best first, optionally limited to a topic, and to a country's
/// notes plus the general ones. A keyword counts by how few resources list it, twice a title
/// word; the resource's own words that the question shares break ties between resources that
/// the same keywords found.
pub fn search(query: &str, topic: Option<&str>, country: Option<&str>) -> Vec<(f64, &'static Resource)> {
    let lower = query.to_lowercase();
    let query_words = words(query);
    let question = content_words(query);
    let mut found: Vec<(f64, &'static Resource)> = GUIDE
        .resources
        .iter()
        .filter(|r| topic.is_none_or(|t| r.topic == t))
        .filter(|r| {
            country.is_none_or(|c| r.countries.is_empty() || r.countries.iter().any(|rc| rc.eq_ignore_ascii_case(c)))
        })
        .filter_map(|resource| {
            let keyword_hits: f64 = resource
                .keywords
                .iter()
                .filter(|k| matches(&lower, k))
                .map(|k| KEYWORD_WEIGHTS.get(&k.to_lowercase()).copied().unwrap_or(1.0))
                .sum();
            let title_hits = words(&resource.title)
                .iter()
                .filter(|w| query_words.contains(w))
                .count() as f64;
            let matched = keyword_hits + title_hits;
            if !query.trim().is_empty() && matched <= 0.0 {
                return None;
            }
            let shared = own_words_shared(resource, &question, &[]) as f64;
            Some((keyword_hits * 2.0 + title_hits + 0.5 * shared, resource))
        })
        .collect();
    found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
    found
}

/// Whether a country's note answers the question better than the first general resource: it
/// shares at least two of the question's words beyond the country's names, and no fewer than
/// that resource ("how do I register with a doctor in the UK?": the note's GP step).
fn note_answers_first(note: &Resource, first: Option<&Resource>, query: &str) -> bool {
    let question = content_words(query);
    let names: Vec<String> = note.keywords.iter().map(|k| stem(k)).collect();
    let note_shares = own_words_shared(note, &question, &names);
    note_shares >= 2 && first.is_none_or(|first| note_shares >= own_words_shared(first, &question, &[]))
}

/// The country a text names, as the code of our country notes.
fn country_in(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    GUIDE
        .resources
        .iter()
        .filter(|r| r.topic == "country")
        .find(|r| r.keywords.iter().any(|k| matches(&lower, k)))
        .and_then(|r| r.countries.first())
        .map(String::as_str)
}

/// The country the answer is for: the context's, else the one the user goes to, named or by a
/// city, and never the one they come from ("moving from Germany to Sweden": Sweden); else a
/// country the guide's own words name ("anmeldung") that is not where they come from.
fn destination_of(request: &AgentRequest) -> Option<String> {
    if let Some(country) = request.context.get("country").and_then(Value::as_str) {
        return Some(country.to_uppercase());
    }
    let places = &request.reading().places;
    places.destination_country().map(str::to_owned).or_else(|| {
        country_in(&request.content)
            .filter(|code| !places.origin_countries().any(|origin| origin == *code))
            .map(str::to_owned)
    })
}

/// Words of moving one's home, in any tense.
const MOVING: &[&str] = &[
    "moving",
    "moved",
    "relocating",
    "relocate",
    "relocated",
    "emigrating",
    "emigrate",
    "immigrating",
    "going to live",
    "coming to live",
];

/// A move between places named, however it is worded ("moving from Germany to Sweden", "we are
/// relocating our family to Toronto"): a word of moving, and a place named as where it goes to or
/// comes from, as the reading found them ("the imam moved the khutbah, in Berlin" is no move).
fn moves_between_places(request: &AgentRequest) -> bool {
    names_a_place_as(request, &[gazetteer::Role::From, gazetteer::Role::To]) && says_any(request, MOVING)
}

/// Whether the reading found a city or a country named in one of `roles`.
fn names_a_place_as(request: &AgentRequest, roles: &[gazetteer::Role]) -> bool {
    let places = &request.reading().places;
    places.cities.iter().any(|named| roles.contains(&named.role))
        || places.countries.iter().any(|named| roles.contains(&named.role))
}

/// Whether the message says one of `words`, as whole words.
fn says_any(request: &AgentRequest, words: &[&str]) -> bool {
    hijraah_domain::understanding::text::contains_any_word(&request.content.to_lowercase(), words)
}

/// What one goes to a place to do when one goes to stay there: study, work, live.
const STAYING: &[&str] = &[
    "study",
    "studying",
    "studies",
    "university",
    "to work",
    "for work",
    "a job",
    "to live",
    "for good",
    "للدراسة",
    "للدراسه",
    "للعمل",
    "للعيش",
    "للإقامة",
    "للاقامة",
    "للاستقرار",
];

/// Going to a place to stay there, however the going is worded ("I'm going to Germany to study",
/// «أنا مسافر إلى ألمانيا للدراسة»): a place the reading found as where one goes, and what one
/// goes there to do. A trip ("travelling to Rome for the weekend") names no stay.
fn goes_to_stay(request: &AgentRequest) -> bool {
    names_a_place_as(request, &[gazetteer::Role::To]) && says_any(request, STAYING)
}

/// How many items the settling-in checklist has.
pub fn checklist_size() -> usize {
    GUIDE.checklist.len()
}

pub fn checklist_stream(user_id: &str) -> String {
    format!("checklist-{user_id}")
}

#[derive(Debug, thiserror::Error)]
pub enum ChecklistError {
    #[error("no checklist item `{0}`")]
    UnknownItem(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records that a user did (or undid) an item.
pub async fn mark(
    store: &EventStore,
    user_id: &str,
    item_id: &str,
    done: bool,
    actor: &str,
    correlation_id: Option<&str>,
) -> Result<Checkpoint, ChecklistError> {
    if !GUIDE.checklist.iter().any(|item| item.item_id == item_id) {
        return Err(ChecklistError::UnknownItem(item_id.to_owned()));
    }
    let event = Event::ChecklistItemMarked(ChecklistItemMarked {
        user_id: user_id.to_owned(),
        item_id: item_id.to_owned(),
        done,
    });
    let metadata = EventMetadata::by(actor, correlation_id);
    let appended = store
        .append(
            &checklist_stream(user_id),
            ExpectedVersion::Any,
            &[NewEvent::new(&event, metadata)],
        )
        .await?;
    Ok(appended.last)
}

/// One item of a user's checklist, with their mark.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChecklistEntry {
    pub item_id: String,
    pub title: String,
    pub week: u32,
    /// The guide resource that helps with it.
    pub resource: String,
    pub done: bool,
    /// When the user last marked it (null: never).
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A user's settling-in checklist with their progress.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Checklist {
    pub user_id: String,
    /// The ISO 3166 code of the country the checklist was set up for (the relocation
    /// onboarding workflow), if it was.
    pub destination: Option<String>,
    pub done: usize,
    pub total: usize,
    pub items: Vec<ChecklistEntry>,
}

/// A user's checklist with their progress from the `checklists` read model.
pub async fn checklist(pool: &PgPool, user_id: &str) -> Result<Checklist, sqlx::Error> {
    let marks = hijraah_projections::queries::checklist_marks(pool, user_id).await?;
    let destination = hijraah_projections::queries::checklist_destination(pool, user_id).await?;
    let items: Vec<ChecklistEntry> = GUIDE
        .checklist
        .iter()
        .map(|item| {
            let mark = marks.iter().find(|mark| mark.item_id == item.item_id);
            ChecklistEntry {
                item_id: item.item_id.clone(),
                title: item.title.clone(),
                week: item.week,
                resource: item.resource.clone(),
                done: mark.is_some_and(|mark| mark.done),
                updated_at: mark.map(|mark| mark.updated_at),
            }
        })
        .collect();
    Ok(Checklist {
        user_id: user_id.to_owned(),
        destination,
        done: items.iter().filter(|item| item.done).count(),
        total: items.len(),
        items,
    })
}

const KEYWORDS: &[Keyword] = &[
    kw("moving to", 0.7),
    kw("moved to", 0.7),
    kw("move to", 0.6),
    kw("relocat", 0.7),
    kw("settle", 0.7),
    kw("settling", 0.7),
    kw("new country", 0.9),
    kw("new city", 0.6),
    kw("immigra", 0.9),
    kw("emigra", 0.8),
    kw("migrat", 0.8),
    kw("refugee", 0.8),
    kw("asylum", 0.8),
    kw("newcomer", 0.8),
    kw("just arrived", 0.8),
    kw("just moved", 0.8),
    kw("halal food", 0.8),
    kw("halal", 0.6),
    kw("documents", 0.5),
    kw("residence permit", 0.8),
    // Banking in a new country, and without interest: the guide's banking resource.
    kw("bank account", 0.6),
    kw("islamic bank", 0.6),
    kw("islamic mortgage", 0.6),
    kw("halal mortgage", 0.6),
    kw("حساب بنكي", 0.6),
    kw("حساب مصرفي", 0.6),
    kw("visa", 0.5),
    kw("checklist", 0.7),
    kw("first weeks", 0.8),
    kw("community organisation", 0.8),
    kw("community organization", 0.8),
    kw("islamic school", 0.7),
    kw("muslim community", 0.6),
    kw("job in", 0.4),
    kw("الهجرة", 0.6),
    kw("هجرة", 0.6),
    kw("لاجئ", 0.8),
    kw("لجوء", 0.8),
    kw("حلال", 0.6),
    kw("منتقل", 0.8),
    // "To move" and "to emigrate" as people write them: I, we, you, and with the future prefix.
    kw("انتقل", 0.7),
    kw("أنتقل", 0.7),
    kw("سأنتقل", 0.7),
    kw("سانتقل", 0.7),
    kw("ننتقل", 0.7),
    kw("سننتقل", 0.7),
    kw("تنتقل", 0.7),
    kw("أهاجر", 0.7),
    kw("اهاجر", 0.7),
    kw("نهاجر", 0.7),
    kw("سنهاجر", 0.7),
    kw("الانتقال", 0.7),
    kw("مهاجر", 0.8),
    kw("الاستقرار", 0.7),
    kw("بلد جديد", 0.9),
    kw("للدراسة في", 0.6),
    kw("الإقامة", 0.5),
];

/// The keywords that name halal food, which the guide helps a newcomer find.
const HALAL: &[&str] = &["halal food", "halal", "حلال"];

/// Whether the message asks if something is permitted ("is it halal to eat crab?", «هل أكل
/// السلطعون حلال؟», "is gelatin haram") rather than where to find halal food: a question for the
/// texts, which this agent's halal-food guide does not answer. Words of finding or settling
/// ("where", "buy", "restaurant", "moved to") keep it ours.
fn asks_if_permitted(content: &str) -> bool {
    let lower = content.to_lowercase();
    let permitted = ["halal", "haram", "حلال", "حرام"]
        .iter()
        .any(|word| matches(&lower, word));
    let asked = lower.contains('?')
        || lower.contains('؟')
        || ["is ", "are ", "can ", "هل "]
            .iter()
            .any(|start| lower.trim_start().starts_with(start));
    const FINDING: &[&str] = &[
        "where",
        "find",
        "buy",
        "shop",
        "store",
        "restaurant",
        "butcher",
        "near",
        "certif",
        "groceries",
        "supermarket",
        "أين",
        "اين",
        "أجد",
        "اجد",
        "أشتري",
        "اشتري",
        "مطعم",
        "محل",
        "متجر",
        "ملحمة",
    ];
    let finding = FINDING.iter().any(|word| matches(&lower, word))
        || KEYWORDS
            .iter()
            .any(|k| !HALAL.contains(&k.text) && matches(&lower, k.text));
    permitted && asked && !finding
}

pub struct MigrationAgent {
    agent_id: String,
    pool: PgPool,
}

impl MigrationAgent {
    pub fn new(agent_id: impl Into<String>, pool: PgPool) -> Self {
        Self {
            agent_id: agent_id.into(),
            pool,
        }
    }

    async fn answer(&self, request: &AgentRequest) -> Result<AgentAnswer, AgentError> {
        let lower = request.content.to_lowercase();
        let country = destination_of(request);
        let mut sections = Vec::new();
        let mut metadata = json!({"citations": [], "country": country});
        if matches(&lower, "checklist") || matches(&lower, "progress") {
            let checklist = checklist(&self.pool, &request.user_id)
                .await
                .map_err(|error| AgentError::Failed(format!("cannot read the checklist: {error}")))?;
            let open: Vec<String> = checklist
                .items
                .iter()
                .filter(|item| !item.done)
                .map(|item| format!("- week {}: {} (`{}`)", item.week, item.title, item.item_id))
                .collect();
            sections.push(format!(
                "Your settling-in checklist: {} of {} done.{}{}",
                checklist.done,
                checklist.total,
                if open.is_empty() { "" } else { " Still to do:\n" },
                open.join("\n")
            ));
            metadata["checklist"] = json!({"done": checklist.done, "total": checklist.total});
        }
        let mut found: Vec<&Resource> = search(&request.content, None, country.as_deref())
            .into_iter()
            .filter(|(_, resource)| resource.topic != "country")
            .take(2)
            .map(|(_, resource)| resource)
            .collect();
        if found.is_empty() && sections.is_empty() {
            found = GUIDE.resources.iter().filter(|r| r.id == "first-weeks-plan").collect();
        }
        let arabic = request.in_arabic();
        let mut no_note_for = None;
        if let Some(code) = &country {
            match GUIDE.resources.iter().find(|r| r.countries.iter().any(|c| c == code)) {
                Some(note) if note_answers_first(note, found.first().copied(), &request.content) => {
                    found.insert(0, note);
                }
                Some(note) => found.push(note),
                // Said, not papered over with another country's rules.
                None => no_note_for = Some(gazetteer::country_name(code).unwrap_or(code.as_str()).to_owned()),
            }
        }
        if let Some(name) = &no_note_for {
            sections.push(if arabic {
                format!(
                    "ليست عندي بعدُ ملاحظات خاصة بهذا البلد ({name})، فما يلي خطة عامة. للتسجيل والإقامة والتأمين \
                     الصحي هناك اتبع المواقع الحكومية الرسمية للبلد، واسأل المسجد المحلي عمّن يساعد القادمين الجدد."
                )
            } else {
                format!(
                    "I have no notes specific to {name} yet, so what follows is the general plan. For registration, \
                     residence and health cover there, follow {name}'s official government sites, and ask the local \
                     mosque who helps newcomers."
                )
            });
            metadata["country_notes"] = json!(false);
        }
        for resource in &found {
            // Arabic where the guide has it; the country notes are in English only.
            let (title, summary, steps) = match (&resource.title_ar, &resource.summary_ar, arabic) {
                (Some(title), Some(summary), true) if !resource.steps_ar.is_empty() => {
                    (title, summary, &resource.steps_ar)
                }
                _ => (&resource.title, &resource.summary, &resource.steps),
            };
            let steps: Vec<String> = steps.iter().map(|step| format!("- {step}")).collect();
            sections.push(format!("{title}\n{summary}\n{}", steps.join("\n")));
        }
        metadata["resources"] = json!(found.iter().map(|r| r.id.as_str()).collect::<Vec<_>>());
        sections.push(if arabic {
            "يمكنك تعليم ما أنجزته في قائمة مهام الاستقرار (PUT /api/v1/users/{you}/checklist/{item})، واسألني عن قائمتك متى شئت."
                .to_owned()
        } else {
            "You can tick items off your settling-in checklist as you go (PUT /api/v1/users/{you}/checklist/{item}), \
             and ask me for your checklist any time."
                .to_owned()
        });
        Ok(AgentAnswer {
            content: sections.join("\n\n"),
            confidence: if found.is_empty() { 0.6 } else { 0.85 },
            metadata,
        })
    }
}

impl Agent for MigrationAgent {
    fn agent_id(&self) -> &str {
        &self.agent_id
    }

    fn agent_type(&self) -> &str {
        "migration"
    }

    fn score(&self, request: &AgentRequest) -> RouteScore {
        let scored = if asks_if_permitted(&request.content) {
            let keywords: Vec<Keyword> = KEYWORDS.iter().filter(|k| !HALAL.contains(&k.text)).copied().collect();
            score_keywords(&request.content, &keywords)
        } else {
            score_keywords(&request.content, KEYWORDS)
        };
        if moves_between_places(request) {
            scored.with(0.7, "a move, with a place it goes to or comes from")
        } else if goes_to_stay(request) {
            scored.with(0.7, "going to a place to study, work or live there")
        } else {
            scored
        }
    }

    fn handle<'a>(&'a self, request: &'a AgentRequest) -> BoxFuture<'a, Result<AgentAnswer, AgentError>> {
        Box::pin(self.answer(request))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guide_parses_and_every_checklist_item_points_to_a_resource() {
        assert!(GUIDE.resources.len() >= 6);
        let mut ids: Vec<&str> = GUIDE.checklist.iter().map(|item| item.item_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), GUIDE.checklist.len(), "checklist ids are unique");
        for item in &GUIDE.checklist {
            assert!(
                GUIDE.resources.iter().any(|r| r.id == item.resource),
                "{}",
                item.item_id
            );
        }
    }

    fn request(content: &str) -> AgentRequest {
        AgentRequest::first_message(content)
    }

    #[tokio::test]
    async fn a_move_is_for_where_it_goes_not_where_it_comes_from() {
        let destination = |content: &str| destination_of(&request(content));
        assert_eq!(
            destination("I'm moving from Germany to Sweden next month").as_deref(),
            Some("SE")
        );
        assert_eq!(
            destination("We are moving from London to Berlin").as_deref(),
            Some("DE")
        );
        assert_eq!(destination("أنا من مصر وسأنتقل إلى ألمانيا").as_deref(), Some("DE"));
        assert_eq!(destination("how do I do my anmeldung?").as_deref(), Some("DE"));
        // Where the user comes from is not where the answer is for, by name or by the guide's
        // words.
        assert_eq!(destination("I come from Egypt, what documents do I need?"), None);
        assert_eq!(destination("I am moving from London, what should I pack?"), None);

        // However the move is worded, it is the migration agent's.
        let agent = MigrationAgent::new(
            "migration-1",
            sqlx::postgres::PgPoolOptions::new()
                .connect_lazy("postgres://unused@127.0.0.1:1/unused")
                .unwrap(),
        );
        let scored = |content: &str| agent.score(&request(content)).score;
        assert!(scored("I'm moving from Germany to Sweden next month, what should I do first?") >= 0.7);
        assert!(scored("we are relocating our family to Toronto") >= 0.7);
        // A place without a move, or a move without a place, is not.
        assert_eq!(scored("what is the weather in Berlin?"), 0.0);
        assert_eq!(scored("the imam moved the khutbah earlier"), 0.0);
        assert_eq!(scored("the imam moved the khutbah earlier in Berlin"), 0.0);
        // Going somewhere to study, work or live there is a move too, in either language; a
        // trip is not.
        assert!(scored("أنا مسافر إلى ألمانيا للدراسة، ماذا أحتاج؟") >= 0.7);
        assert!(scored("I'm going to Canada to study, what do I need?") >= 0.7);
        assert_eq!(scored("I'm travelling to Rome for the weekend"), 0.0);
    }

    #[test]
    fn a_question_whether_something_is_halal_is_not_a_search_for_halal_food() {
        let scored = |message: &str| score_keywords(message, KEYWORDS).score > 0.0 && !asks_if_permitted(message);
        for ruling in [
            "is it halal to eat crab?",
            "Is shrimp halal or haram",
            "هل أكل السلطعون حلال؟",
            "is gelatin haram?",
        ] {
            assert!(asks_if_permitted(ruling), "{ruling}");
            assert!(!scored(ruling), "{ruling}");
        }
        for finding in [
            "where can I buy halal meat?",
            "I just moved to Germany, how do I find halal food and a mosque?",
            "is there a halal restaurant near the station?",
            "أين أجد لحماً حلالاً في برلين؟",
            "halal food in Vienna",
        ] {
            assert!(!asks_if_permitted(finding), "{finding}");
            assert!(scored(finding), "{finding}");
        }
    }

    #[test]
    fn search_finds_the_resource_a_newcomer_needs() {
        let best = |query: &str| search(query, None, None).first().map(|(_, r)| r.id.clone());
        assert_eq!(best("where can I buy halal meat?").as_deref(), Some("halal-food"));
        assert_eq!(
            best("what documents do I need, passport and visa").as_deref(),
            Some("documents-checklist")
        );
        assert_eq!(best("is there a mosque for jumuah").as_deref(), Some("find-a-mosque"));
        assert_eq!(country_in("I am moving to Germany next month"), Some("DE"));
        assert_eq!(country_in("we are moving to Stockholm"), Some("SE"));
        assert!(search("quantum chromodynamics", None, None).is_empty());
        // "bank" names both the documents and banking; "riba" only banking.
        assert_eq!(
            best("how do I open a bank account without riba in Canada?").as_deref(),
            Some("housing-and-money")
        );
        assert_eq!(
            best("which documents do I need to open a bank account?").as_deref(),
            Some("documents-checklist")
        );
        // A student's own study is not their children's schooling.
        for student in [
            "I'm going to Canada to study, what do I need?",
            "أنا مسافر إلى ألمانيا للدراسة، ماذا أحتاج؟",
        ] {
            let found: Vec<String> = search(student, None, None)
                .into_iter()
                .map(|(_, r)| r.id.clone())
                .collect();
            assert!(
                !found.contains(&"schools-and-children".to_owned()),
                "{student}: {found:?}"
            );
            assert!(
                found.contains(&"documents-checklist".to_owned()),
                "{student}: {found:?}"
            );
        }
        assert_eq!(
            best("how do I find an islamic school for my kids?").as_deref(),
            Some("schools-and-children")
        );
    }

    #[test]
    fn a_country_note_comes_first_when_it_answers_the_question() {
        let note = |code: &str| {
            GUIDE
                .resources
                .iter()
                .find(|r| r.countries.iter().any(|c| c == code))
                .expect("a note")
        };
        let first = |query: &str| {
            search(query, None, None)
                .into_iter()
                .map(|(_, r)| r)
                .find(|r| r.topic != "country")
        };
        let doctor = "We just moved to the UK, how do I register with a doctor?";
        assert!(note_answers_first(note("GB"), first(doctor), doctor));
        let mosque = "I'm moving to Germany, how do I find a mosque near me?";
        assert!(!note_answers_first(note("DE"), first(mosque), mosque));
    }
}
