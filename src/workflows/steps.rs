//! What each step kind does when a worker executes it: agents through the registry, the exact
//! calculators, the knowledge index, and the built-in actions on Hijraah's own data. A step's
//! output is JSON, recorded in `StepCompleted` and never computed again.
//!
//! Actions that write events (a checklist seeded, a verdict recorded) give them an id derived
//! from the run and the step, so an attempt executed again after a crash appends nothing new.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use hijraah_domain::calculators::{qibla, zakat};
use hijraah_domain::events::{AnswerReviewed, ChecklistSeeded};
use hijraah_domain::workflow::definition::{Action, Calculator, StepKind};
use hijraah_domain::{Event, EventMetadata, NewEvent};
use hijraah_projections::queries;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::agents::registry::{CallOutcome, Registry};
use crate::agents::{AgentRequest, language};
use crate::community::{self, gazetteer, prayer};
use crate::knowledge::{KnowledgeService, import};
use crate::privacy::{Vault, seal_event};
use crate::store::{EventStore, ExpectedVersion};
use hijraah_domain::knowledge::KnowledgeDocument;

/// What steps reach.
pub struct StepContext {
    pub store: EventStore,
    pub pool: sqlx::PgPool,
    pub vault: Vault,
    pub registry: Arc<Registry>,
    pub knowledge: Arc<KnowledgeService>,
}

/// The run a step belongs to, as a step sees it.
pub struct Running<'a> {
    pub run_id: Uuid,
    pub step_id: &'a str,
    pub started_by: &'a str,
    pub now: DateTime<Utc>,
}

/// Executes a rendered step. `Err` is a failure the retry policy handles.
pub async fn execute(context: &StepContext, running: &Running<'_>, step: &StepKind) -> Result<Value, String> {
    match step {
        StepKind::Agent {
            agent_type,
            content,
            context: agent_context,
        } => call_agent(context, running, agent_type, content, agent_context).await,
        StepKind::Calculator { calculator, input } => calculate(*calculator, input, running.now),
        StepKind::KnowledgeSearch {
            query,
            ids,
            limit,
            source,
        } => search(context, query, ids, *limit, source.clone()).await,
        StepKind::Action { action, input } => act(context, running, *action, input).await,
        other => Err(format!("a {} step is not executed", other.name())),
    }
}

async fn call_agent(
    context: &StepContext,
    running: &Running<'_>,
    agent_type: &str,
    content: &str,
    agent_context: &Value,
) -> Result<Value, String> {
    if content.trim().is_empty() {
        return Err("the agent's request is empty".into());
    }
    let Some(registered) = context
        .registry
        .agents()
        .into_iter()
        .find(|registered| registered.agent.agent_type() == agent_type)
    else {
        return Err(format!("no `{agent_type}` agent is registered"));
    };
    if !registered.try_call() {
        return Err(format!("the `{agent_type}` agent's circuit is open"));
    }
    let request = AgentRequest {
        // The same id for every attempt of this step, so an agent can tell a retry.
        message_id: Uuid::new_v5(&running.run_id, running.step_id.as_bytes()),
        conversation_id: running.run_id,
        user_id: running.started_by.to_owned(),
        content: content.to_owned(),
        language: language::detect(content).to_owned(),
        context: agent_context.clone(),
        role: hijraah_domain::user::Role::User,
        available_agent_types: context.registry.agent_types(),
        asked_at: running.now,
        previous: None,
        answered: Vec::new(),
        intent_by_meaning: None,
        read: Default::default(),
    };
    let started = Instant::now();
    let result = registered.agent.handle(&request).await;
    match result {
        Ok(answer) => {
            registered.record(started.elapsed(), CallOutcome::Succeeded);
            Ok(json!({
                "agent_id": registered.agent.agent_id(),
                "agent_type": agent_type,
                "content": answer.content,
                "confidence": answer.confidence,
                "metadata": answer.metadata,
            }))
        }
        Err(error) => {
            let message = error.to_string();
            registered.record(started.elapsed(), CallOutcome::Failed(&message));
            Err(format!("the `{agent_type}` agent failed: {message}"))
        }
    }
}

fn object(input: &Value, what: &str) -> Result<Map<String, Value>, String> {
    match input {
        Value::Object(fields) => Ok(fields.clone()),
        Value::Null => Ok(Map::new()),
        _ => Err(format!("the {what} input must be a JSON object")),
    }
}

fn calculate(calculator: Calculator, input: &Value, now: DateTime<Utc>) -> Result<Value, String> {
    let fields = object(input, "calculator's")?;
    let to_json = |value: Result<Value, serde_json::Error>| value.map_err(|error| error.to_string());
    match calculator {
        Calculator::Zakat => {
            let input = zakat::ZakatInput::from_json(&fields).map_err(|error| error.0)?;
            to_json(serde_json::to_value(
                zakat::zakat_al_mal(&input).map_err(|error| error.to_string())?,
            ))
        }
        Calculator::ZakatAlFitr => {
            let (persons, sa_kg, price) = zakat::fitr_input(&fields).map_err(|error| error.0)?;
            let result = zakat::zakat_al_fitr(persons, sa_kg, price).map_err(|error| error.to_string())?;
            let mut value = to_json(serde_json::to_value(result))?;
            value["persons"] = json!(persons);
            Ok(value)
        }
        Calculator::Qibla => {
            let coordinate = |name: &str| {
                fields
                    .get(name)
                    .and_then(Value::as_f64)
                    .ok_or_else(|| format!("{name} must be a number"))
            };
            let (latitude, longitude) = (coordinate("latitude")?, coordinate("longitude")?);
            let bearing = qibla::checked_bearing(latitude, longitude)?;
            Ok(json!({"bearing_degrees": bearing, "latitude": latitude, "longitude": longitude}))
        }
        Calculator::PrayerTimes => {
            let mut parameters = BTreeMap::new();
            for (name, value) in &fields {
                let text = match value {
                    Value::Null => continue,
                    Value::String(text) => text.clone(),
                    Value::Number(number) => number.to_string(),
                    other => return Err(format!("prayer time parameter `{name}` cannot be {other}")),
                };
                parameters.insert(name.clone(), text);
            }
            let request = prayer::parse(&parameters, now)?;
            let answer = prayer::answer(&request).map_err(|error| error.to_string())?;
            to_json(serde_json::to_value(answer))
        }
        Calculator::Hijri => hijri(&fields, now),
    }
}

/// The Hijri date of `date` (default today, UTC), or of the day `add_hijri_years` Hijri years
/// later (the next hawl: the same Hijri day a lunar year on).
fn hijri(fields: &Map<String, Value>, now: DateTime<Utc>) -> Result<Value, String> {
    if let Some(unknown) = fields
        .keys()
        .find(|key| !["date", "add_hijri_years"].contains(&key.as_str()))
    {
        return Err(format!(
            "unknown Hijri input `{unknown}` (it takes date and add_hijri_years)"
        ));
    }
    let date = match fields.get("date") {
        None | Some(Value::Null) => now.date_naive(),
        Some(Value::String(text)) => community::parse_date("date", text)?,
        Some(_) => return Err("date must be a YYYY-MM-DD string".into()),
    };
    let years = match fields.get("add_hijri_years") {
        None | Some(Value::Null) => 0,
        Some(value) => value
            .as_i64()
            .filter(|years| (0..=10).contains(years))
            .ok_or("add_hijri_years must be a whole number from 0 to 10")?,
    };
    let today = community::hijri_of(date).map_err(|error| error.to_string())?;
    if years == 0 {
        return serde_json::to_value(today).map_err(|error| error.to_string());
    }
    let hijri = today.hijri;
    // A day the later year's month lacks (the 30th of a 29-day month) becomes its last day.
    let later = (0..2)
        .map(|back| community::gregorian_of(hijri.year + years as i32, hijri.month, hijri.day - back))
        .find_map(Result::ok)
        .ok_or_else(|| "that Hijri date is outside the calendar's range".to_owned())?;
    // Sanity: a Hijri year is 354 or 355 days; anything else is a calendar error, not an answer.
    let days = (chrono::NaiveDate::parse_from_str(&later.gregorian, "%Y-%m-%d").map_err(|error| error.to_string())?
        - date)
        .num_days();
    if years == 1 && !(353..=356).contains(&days) {
        return Err(format!("the next Hijri year came out {days} days long"));
    }
    serde_json::to_value(later).map_err(|error| error.to_string())
}

async fn search(
    context: &StepContext,
    query: &str,
    ids: &[String],
    limit: Option<usize>,
    source: Option<String>,
) -> Result<Value, String> {
    if !ids.is_empty() {
        let mut hits = Vec::new();
        let mut missing = Vec::new();
        for id in ids {
            match context
                .knowledge
                .get(id.clone())
                .await
                .map_err(|error| error.to_string())?
            {
                Some(hit) => hits.push(hit),
                None => missing.push(id.clone()),
            }
        }
        return Ok(json!({"hits": hits, "missing": missing}));
    }
    let results = context
        .knowledge
        .search(hijraah_index::SearchRequest {
            query: query.to_owned(),
            source,
            collection: None,
            lang: None,
            limit: limit.unwrap_or(5),
            surah: None,
        })
        .await
        .map_err(|error| error.to_string())?;
    serde_json::to_value(results).map_err(|error| error.to_string())
}

async fn act(context: &StepContext, running: &Running<'_>, action: Action, input: &Value) -> Result<Value, String> {
    let fields = object(input, "action's")?;
    let text = |name: &str| {
        fields
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty())
    };
    match action {
        Action::Locate => {
            let name = text("name").ok_or("locate needs a place `name`")?;
            let city = gazetteer::by_name(name).ok_or_else(|| format!("no place called `{name}` is known"))?;
            Ok(json!({
                "name": city.name,
                "country": city.country,
                "country_code": city.country_code,
                "latitude": city.latitude,
                "longitude": city.longitude,
                "timezone": city.timezone,
                "method": city.customary_method.map(|method| method.name()),
            }))
        }
        Action::NearestMosques => {
            let coordinate = |name: &str| {
                fields
                    .get(name)
                    .and_then(Value::as_f64)
                    .filter(|value| value.is_finite())
            };
            let (Some(latitude), Some(longitude)) = (coordinate("latitude"), coordinate("longitude")) else {
                return Err("nearest_mosques needs latitude and longitude".into());
            };
            let radius_km = coordinate("radius_km").unwrap_or(25.0).clamp(0.1, 500.0);
            let limit = fields.get("limit").and_then(Value::as_i64).unwrap_or(5).clamp(1, 50);
            let near = queries::Near {
                latitude,
                longitude,
                radius_km,
            };
            let mosques = queries::mosques(&context.pool, Some(near), limit)
                .await
                .map_err(|error| error.to_string())?;
            Ok(json!({"mosques": mosques, "radius_km": radius_km}))
        }
        Action::SeedChecklist => {
            let country = text("country")
                .filter(|code| code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic()))
                .ok_or("seed_checklist needs a two-letter `country` code")?
                .to_ascii_uppercase();
            let user_id = running.started_by;
            let event = Event::ChecklistSeeded(ChecklistSeeded {
                user_id: user_id.to_owned(),
                country: country.clone(),
                run_id: Some(running.run_id),
            });
            let appended = append_once(
                context,
                running,
                &crate::agents::migration::checklist_stream(user_id),
                &event,
                None,
            )
            .await?;
            let checklist = crate::agents::migration::checklist_size();
            Ok(json!({"user_id": user_id, "country": country, "items": checklist, "position": appended}))
        }
        Action::FindMessage => {
            let id = text("message_id").ok_or("find_message needs a `message_id`")?;
            let message_id = Uuid::parse_str(id).map_err(|_| format!("`{id}` is not a message id"))?;
            let reply = queries::reply(&context.pool, message_id)
                .await
                .map_err(|error| error.to_string())?
                .ok_or_else(|| format!("no agent reply {message_id}"))?;
            // Only the reply's owner may ask for its review (the run's starter).
            if reply.owner != running.started_by {
                return Err(format!("reply {message_id} is not in one of your conversations"));
            }
            serde_json::to_value(reply).map_err(|error| error.to_string())
        }
        Action::RecordReview => {
            let message_id = text("message_id")
                .and_then(|id| Uuid::parse_str(id).ok())
                .ok_or("record_review needs a `message_id`")?;
            let conversation_id = text("conversation_id")
                .and_then(|id| Uuid::parse_str(id).ok())
                .ok_or("record_review needs a `conversation_id`")?;
            let owner = text("owner").ok_or("record_review needs the reply's `owner`")?;
            let verdict = text("verdict").unwrap_or("timed_out");
            let verdict = match verdict {
                "approve" | "approved" => "approved",
                "correct" | "corrected" => "corrected",
                "reject" | "rejected" => "rejected",
                "timed_out" => "timed_out",
                other => return Err(format!("`{other}` is not a verdict (approve, correct or reject)")),
            };
            let event = Event::AnswerReviewed(AnswerReviewed {
                message_id,
                conversation_id,
                verdict: verdict.to_owned(),
                note: text("note").unwrap_or_default().to_owned(),
                reviewer: text("reviewer").unwrap_or_default().to_owned(),
                run_id: running.run_id,
            });
            let stream = format!("conversation-{conversation_id}");
            let position = append_once(context, running, &stream, &event, Some(owner)).await?;
            Ok(json!({"message_id": message_id, "verdict": verdict, "position": position}))
        }
        Action::ProposeCorrection => {
            let id = text("document_id").ok_or("propose_correction needs a `document_id`")?;
            let field = text("field").ok_or("propose_correction needs a `field`")?;
            let proposed = text("proposed").ok_or("propose_correction needs the `proposed` wording")?;
            if !KnowledgeDocument::CORRECTABLE.contains(&field) {
                return Err(format!("`{field}` is not a field a correction may change"));
            }
            let (document, revision) = import::own_document(&context.store, id)
                .await
                .map_err(|error| error.to_string())?
                .ok_or_else(|| format!("no text `{id}` (or it was retracted)"))?;
            Ok(json!({
                "document_id": id,
                "field": field,
                "current": document.field(field),
                "proposed": proposed,
                "revision": revision,
            }))
        }
        Action::ApplyCorrection => {
            let id = text("document_id").ok_or("apply_correction needs a `document_id`")?;
            let field = text("field").ok_or("apply_correction needs a `field`")?;
            let proposed = text("proposed").ok_or("apply_correction needs the `proposed` wording")?;
            let current = text("current");
            let verdict = match text("verdict").unwrap_or("timed_out") {
                "approve" | "approved" => "approved",
                "reject" | "rejected" => return Ok(json!({"verdict": "rejected", "applied": false})),
                "timed_out" => return Ok(json!({"verdict": "timed_out", "applied": false})),
                other => return Err(format!("`{other}` is not a verdict (approve or reject)")),
            };
            let reviewer = text("reviewer").unwrap_or_default();
            let reason = match (text("reason"), text("note")) {
                (Some(reason), Some(note)) => format!("{reason} (approved: {note})"),
                (Some(reason), None) => reason.to_owned(),
                (None, note) => note.unwrap_or_default().to_owned(),
            };
            let Some((mut document, version)) = import::own_document(&context.store, id)
                .await
                .map_err(|error| error.to_string())?
            else {
                return Ok(json!({"verdict": verdict, "applied": false,
                                 "why": "the text was retracted after the proposal"}));
            };
            let now = document.field(field).map(str::trim).filter(|now| !now.is_empty());
            if now == Some(proposed) {
                // Already so: this correction applied by an earlier attempt, or the same
                // wording reached the text another way.
                return Ok(json!({"verdict": verdict, "applied": true, "revision": version}));
            }
            if now != current {
                return Ok(json!({"verdict": verdict, "applied": false,
                                 "why": "the text changed after the proposal; propose again against its current wording"}));
            }
            document.set_field(field, proposed.to_owned());
            let event_id = Uuid::new_v5(&running.run_id, format!("action:{}", running.step_id).as_bytes());
            import::record_correction(
                &context.store,
                document,
                version,
                running.started_by,
                reviewer,
                &reason,
                event_id,
            )
            .await
            .map_err(|error| error.to_string())?;
            Ok(json!({"verdict": verdict, "applied": true, "revision": version + 1}))
        }
    }
}

/// Appends an action's event with an id fixed by the run and step: executed again, it finds the
/// first append and writes nothing. Sealed for `subject` when it has personal fields.
async fn append_once(
    context: &StepContext,
    running: &Running<'_>,
    stream: &str,
    event: &Event,
    subject: Option<&str>,
) -> Result<i64, String> {
    let mut new_event = NewEvent::new(event, EventMetadata::by(running.started_by, None));
    new_event.event_id = Uuid::new_v5(&running.run_id, format!("action:{}", running.step_id).as_bytes());
    new_event.metadata.causation_id = Some(running.run_id);
    if let Some(subject) = subject {
        let key = context
            .vault
            .key_for_writing(subject)
            .await
            .map_err(|error| error.to_string())?;
        seal_event(&mut new_event, &key, subject);
    }
    match context.store.append(stream, ExpectedVersion::Any, &[new_event]).await {
        Ok(appended) => Ok(appended.first_position),
        Err(error) => Err(error.to_string()),
    }
}
