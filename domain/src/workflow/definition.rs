//! Workflow definitions as data: a name and version, an input schema, and steps, each an agent
//! call, a calculator, a knowledge search, a wait for a signal, a sleep, a branch, or a built-in
//! action, with its input mapped by templates from the run's input and earlier outputs, a retry
//! policy and a timeout. Validated when loaded: a definition that could loop, names a step or
//! field that does not exist, or asks for unbounded time is refused with the reason.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::template;

mod schema;
mod validate;

pub use schema::{Field, FieldType, InputError, check_against};

/// A span of time, written `250ms`, `30s`, `5m`, `2h` or `7d` (or a number of milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span(pub Duration);

impl Span {
    pub fn parse(text: &str) -> Option<Span> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number.parse().ok()?;
        let millis = match unit.trim() {
            "ms" => 1,
            "" | "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return None,
        };
        number.checked_mul(millis).map(|ms| Span(Duration::from_millis(ms)))
    }

    pub fn millis(self) -> u64 {
        u64::try_from(self.0.as_millis()).unwrap_or(u64::MAX)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.millis();
        for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
            if ms > 0 && ms.is_multiple_of(size) {
                return write!(f, "{}{unit}", ms / size);
            }
        }
        write!(f, "{ms}ms")
    }
}

/// Written as a number of milliseconds (the contract's `*_ms` fields).
impl Serialize for Span {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.millis())
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Number(number) => number
                .as_u64()
                .map(|ms| Span(Duration::from_millis(ms)))
                .ok_or_else(|| serde::de::Error::custom("a duration in milliseconds is a whole number")),
            Value::String(text) => Span::parse(&text).ok_or_else(|| {
                serde::de::Error::custom(format!("`{text}` is not a duration like 250ms, 30s, 5m, 2h or 7d"))
            }),
            _ => Err(serde::de::Error::custom(
                "a duration is a string like 30s or a number of milliseconds",
            )),
        }
    }
}

/// What a calculator step computes (the same engines as the API's endpoints).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Calculator {
    Zakat,
    ZakatAlFitr,
    PrayerTimes,
    Qibla,
    Hijri,
}

/// Built-in actions on Hijraah's own data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A place by name (the gazetteer) → name, coordinates, time zone, country.
    Locate,
    /// The nearest mosques of the read model to a place.
    NearestMosques,
    /// Sets up the user's settling-in checklist for a destination country.
    SeedChecklist,
    /// Finds an agent's reply by message id (and checks whose conversation it is).
    FindMessage,
    /// Records a curator's verdict on a reply (`AnswerReviewed`).
    RecordReview,
    /// Reads the text a correction is proposed for: its current wording of the field, and its
    /// revision.
    ProposeCorrection,
    /// Applies an approved correction as a revision naming who proposed and who approved it;
    /// records nothing when rejected, or when the text changed since the proposal.
    ApplyCorrection,
}

/// A branch's test of one value of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// A template path: `input.x`, `steps.id.output.y`.
    pub path: String,
    pub is: Test,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// A branch's test: a template whose value is truthy (`"${steps.compute.output.zakat_due}"`:
/// not null, false, 0, "", [] or {}), or a [`Condition`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Guard {
    Template(String),
    Condition(Condition),
}

impl Guard {
    pub fn holds(&self, scope: &Value) -> bool {
        match self {
            Guard::Condition(condition) => condition.holds(scope),
            Guard::Template(text) => match template::render(&Value::String(text.clone()), scope) {
                Value::Null => false,
                Value::Bool(value) => value,
                Value::Number(number) => number.as_f64().is_some_and(|value| value != 0.0),
                Value::String(text) => !text.is_empty() && text != "false",
                Value::Array(items) => !items.is_empty(),
                Value::Object(fields) => !fields.is_empty(),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    /// Present and not null.
    Present,
    Absent,
    True,
    False,
    /// Null, `""`, `[]` or `{}`.
    Empty,
    NotEmpty,
    Equal,
}

impl Condition {
    pub fn holds(&self, scope: &Value) -> bool {
        let value = template::lookup(scope, &self.path);
        let empty = match value {
            None | Some(Value::Null) => true,
            Some(Value::String(text)) => text.is_empty(),
            Some(Value::Array(items)) => items.is_empty(),
            Some(Value::Object(fields)) => fields.is_empty(),
            Some(_) => false,
        };
        match self.is {
            Test::Present => !matches!(value, None | Some(Value::Null)),
            Test::Absent => matches!(value, None | Some(Value::Null)),
            Test::True => value == Some(&Value::Bool(true)),
            Test::False => value == Some(&Value::Bool(false)),
            Test::Empty => empty,
            Test::NotEmpty => !empty,
            Test::Equal => value == self.value.as_ref(),
        }
    }
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepKind {
    /// Asks an agent (built-in or custom) by type; `content` and `context` are templates.
    Agent {
        agent_type: String,
        content: String,
        #[serde(default, skip_serializing_if = "Value::is_null")]
        context: Value,
    },
    Calculator {
        calculator: Calculator,
        /// A template: the calculator's input, as its endpoint takes it.
        input: Value,
    },
    /// A search (`query`, a template), or the texts of given ids (`ids`, e.g. `quran:9:60`):
    /// exactly one of them.
    KnowledgeSearch {
        #[serde(default, skip_serializing_if = "String::is_empty")]
        query: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        ids: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<String>,
    },
    /// Waits for a signal of this name; after the step's `timeout` (required) it goes on
    /// without one.
    WaitSignal {
        signal: String,
        /// The signal's payload schema (empty: any payload).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        payload: BTreeMap<String, Field>,
        /// Roles that may send it besides the run's owner (when given, only these roles may).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        from_roles: Vec<String>,
    },
    /// Sleeps for a `duration`, or `until` an instant or date (a template).
    Sleep {
        #[serde(
            default,
            rename = "duration_ms",
            alias = "duration",
            skip_serializing_if = "Option::is_none"
        )]
        duration: Option<Span>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<String>,
    },
    /// Jumps to `then` when the condition holds, else to `else` (default: the next step).
    /// Jumps only go forward (or to `end`), so a workflow cannot loop.
    Branch {
        #[serde(rename = "if")]
        condition: Guard,
        then: String,
        #[serde(default, rename = "else", skip_serializing_if = "Option::is_none")]
        otherwise: Option<String>,
    },
    Action {
        action: Action,
        #[serde(default)]
        input: Value,
    },
}

impl StepKind {
    pub fn name(&self) -> &'static str {
        match self {
            StepKind::Agent { .. } => "agent",
            StepKind::Calculator { .. } => "calculator",
            StepKind::KnowledgeSearch { .. } => "knowledge_search",
            StepKind::WaitSignal { .. } => "wait_signal",
            StepKind::Sleep { .. } => "sleep",
            StepKind::Branch { .. } => "branch",
            StepKind::Action { .. } => "action",
        }
    }

    /// Whether the step does work (and so is retried and timed out), rather than wait or jump.
    pub fn executes(&self) -> bool {
        matches!(
            self,
            StepKind::Agent { .. }
                | StepKind::Calculator { .. }
                | StepKind::KnowledgeSearch { .. }
                | StepKind::Action { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The wait before the second attempt; each later one waits twice as long.
    #[serde(rename = "backoff_ms", alias = "backoff")]
    pub backoff: Span,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            backoff: Span(Duration::from_secs(1)),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (1-based), or `None` when it was the last.
    pub fn wait_after(&self, attempt: u32) -> Option<Duration> {
        (attempt < self.attempts).then(|| self.backoff.0.saturating_mul(1 << (attempt - 1).min(16)))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    #[serde(flatten)]
    pub kind: StepKind,
    #[serde(default)]
    pub retry: RetryPolicy,
    /// How long one attempt may take (executing steps; default 30 s, at most 1h), or how long a
    /// `wait_signal` waits (required, at most 400d).
    #[serde(
        default,
        rename = "timeout_ms",
        alias = "timeout",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<Span>,
}

impl Step {
    pub fn timeout(&self) -> Duration {
        self.timeout.map_or(Duration::from_secs(30), |span| span.0)
    }
}

/// The step id a branch may jump to, to finish the run.
pub const END: &str = "end";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    pub name: String,
    #[serde(default = "first_version")]
    pub version: u32,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub input: BTreeMap<String, Field>,
    pub steps: Vec<Step>,
    /// A template of the run's output (default: every step's output by id).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub output: Value,
}

fn first_version() -> u32 {
    1
}

/// Why a definition cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DefinitionError {
    #[error("the definition is not valid JSON for a workflow: {0}")]
    Malformed(String),
    #[error("{0}")]
    Invalid(String),
    #[error(
        "step `{from}` jumps back to `{to}` with no wait_signal or sleep in between: the workflow would loop forever"
    )]
    Cycle { from: String, to: String },
}

#[cfg(test)]
mod tests;
