//! Workflow definitions as data: a name and version, an input schema, and steps, each an agent
//! call, a calculator, a knowledge search, a wait for a signal, a sleep, a branch, or a built-in
//! action, with its input mapped by templates from the run's input and earlier outputs, a retry
//! policy and a timeout. Validated when loaded: a definition that could loop, names a step or
//! field that does not exist, or asks for unbounded time is refused with the reason.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::template;

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

/// A JSON type a field may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    String,
    Number,
    /// An exact amount: a decimal string (`"1250.50"`) or a JSON number.
    Decimal,
    Integer,
    Boolean,
    Object,
    Array,
}

/// One field of an input or signal schema: a type name (`"decimal"`, `"string?"`: a trailing `?`
/// marks it optional), or an object with the type and more rules.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, try_from = "FieldSpec")]
pub struct Field {
    #[serde(rename = "type")]
    pub kind: FieldType,
    #[serde(default = "yes")]
    pub required: bool,
    /// The only values a string may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

fn yes() -> bool {
    true
}

/// Written back in the short form (`"decimal"`, `"string?"`) when that says it all.
impl Serialize for Field {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let kind = serde_json::to_value(self.kind)
            .ok()
            .and_then(|kind| kind.as_str().map(str::to_owned))
            .unwrap_or_default();
        if self.values.is_none() && self.max_length.is_none() && self.description.is_empty() {
            return serializer.serialize_str(&format!("{kind}{}", if self.required { "" } else { "?" }));
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", &kind)?;
        map.serialize_entry("required", &self.required)?;
        if let Some(values) = &self.values {
            map.serialize_entry("values", values)?;
        }
        if let Some(max_length) = self.max_length {
            map.serialize_entry("max_length", &max_length)?;
        }
        if !self.description.is_empty() {
            map.serialize_entry("description", &self.description)?;
        }
        map.end()
    }
}

/// A field as written: the short form or the long one.
#[derive(Deserialize)]
#[serde(untagged)]
enum FieldSpec {
    Short(String),
    Long(LongField),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LongField {
    #[serde(rename = "type")]
    kind: FieldType,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default)]
    values: Option<Vec<String>>,
    #[serde(default)]
    max_length: Option<usize>,
    #[serde(default)]
    description: String,
}

impl TryFrom<FieldSpec> for Field {
    type Error = String;

    fn try_from(spec: FieldSpec) -> Result<Self, Self::Error> {
        match spec {
            FieldSpec::Short(text) => {
                let (name, required) = match text.strip_suffix('?') {
                    Some(name) => (name, false),
                    None => (text.as_str(), true),
                };
                let kind: FieldType = serde_json::from_value(Value::String(name.trim().to_owned())).map_err(|_| {
                    format!("`{text}` is not a field type: string, number, decimal, integer, boolean, object or array, with ? when optional")
                })?;
                Ok(Field {
                    kind,
                    required,
                    values: None,
                    max_length: None,
                    description: String::new(),
                })
            }
            FieldSpec::Long(long) => Ok(Field {
                kind: long.kind,
                required: long.required,
                values: long.values,
                max_length: long.max_length,
                description: long.description,
            }),
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

/// Why an input or a signal's payload does not fit its schema.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

fn snake_case(name: &str, max: usize) -> bool {
    (1..=max).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

const MAX_STEPS: usize = 50;
const MAX_STEP_TIMEOUT: Duration = Duration::from_secs(3_600);
const MAX_WAIT: Duration = Duration::from_secs(400 * 86_400);
const ROLES: [&str; 4] = ["user", "curator", "analyst", "admin"];

impl Definition {
    /// Parses and validates a definition.
    pub fn from_json(value: Value) -> Result<Definition, DefinitionError> {
        let definition: Definition =
            serde_json::from_value(value).map_err(|error| DefinitionError::Malformed(error.to_string()))?;
        definition.validate()?;
        Ok(definition)
    }

    fn ids(&self) -> Vec<&str> {
        self.steps.iter().map(|step| step.id.as_str()).collect()
    }

    pub fn step(&self, id: &str) -> Option<(usize, &Step)> {
        self.steps.iter().enumerate().find(|(_, step)| step.id == id)
    }

    pub fn validate(&self) -> Result<(), DefinitionError> {
        let invalid = |message: String| Err(DefinitionError::Invalid(message));
        if !snake_case(&self.name, 64) {
            return invalid(format!(
                "name `{}` must be 1 to 64 lowercase letters, digits or `_`, starting with a letter",
                self.name
            ));
        }
        if self.version == 0 {
            return invalid("version starts at 1".into());
        }
        if self.description.chars().count() > 1_000 {
            return invalid("description must be at most 1000 characters".into());
        }
        for name in self.input.keys() {
            if !snake_case(name, 64) {
                return invalid(format!("input field `{name}` must be snake_case"));
            }
        }
        if self.steps.is_empty() || self.steps.len() > MAX_STEPS {
            return invalid(format!("a workflow has 1 to {MAX_STEPS} steps"));
        }
        let mut seen: HashSet<&str> = HashSet::new();
        for (index, step) in self.steps.iter().enumerate() {
            if !snake_case(&step.id, 64) || step.id == END {
                return invalid(format!("step id `{}` must be snake_case and not `{END}`", step.id));
            }
            if !seen.insert(&step.id) {
                return invalid(format!("two steps are called `{}`", step.id));
            }
            if !(1..=10).contains(&step.retry.attempts) || step.retry.backoff.0 > MAX_STEP_TIMEOUT {
                return invalid(format!(
                    "step `{}`: retry attempts are 1 to 10 and the backoff at most 1h",
                    step.id
                ));
            }
            let waits = matches!(step.kind, StepKind::WaitSignal { .. });
            match step.timeout {
                None if waits => return invalid(format!("step `{}`: a wait_signal needs a `timeout`", step.id)),
                Some(timeout) if waits && (timeout.0.is_zero() || timeout.0 > MAX_WAIT) => {
                    return invalid(format!("step `{}`: a wait is above 0 and at most 400d", step.id));
                }
                Some(timeout) if !waits && (timeout.0.is_zero() || timeout.0 > MAX_STEP_TIMEOUT) => {
                    return invalid(format!("step `{}`: a timeout is above 0 and at most 1h", step.id));
                }
                _ => {}
            }
            let earlier: Vec<&str> = self.steps[..index].iter().map(|s| s.id.as_str()).collect();
            let check = |text: &str| self.check_template(&step.id, text, &earlier);
            match &step.kind {
                StepKind::Agent {
                    agent_type,
                    content,
                    context,
                } => {
                    if !snake_case(agent_type, 40) {
                        return invalid(format!(
                            "step `{}`: agent_type `{agent_type}` is not an agent type",
                            step.id
                        ));
                    }
                    check(content)?;
                    self.check_value(&step.id, context, &earlier)?;
                }
                StepKind::Calculator { input, .. } | StepKind::Action { input, .. } => {
                    self.check_value(&step.id, input, &earlier)?
                }
                StepKind::KnowledgeSearch { query, ids, limit, .. } => {
                    if query.trim().is_empty() == ids.is_empty() {
                        return invalid(format!(
                            "step `{}`: a knowledge search has a `query` or `ids`, one of them",
                            step.id
                        ));
                    }
                    if ids.len() > 20 || ids.iter().any(|id| id.is_empty() || id.len() > 100) {
                        return invalid(format!("step `{}`: at most 20 ids, each 1 to 100 characters", step.id));
                    }
                    check(query)?;
                    if limit.is_some_and(|limit| !(1..=20).contains(&limit)) {
                        return invalid(format!("step `{}`: a search limit is 1 to 20", step.id));
                    }
                }
                StepKind::WaitSignal {
                    signal,
                    payload,
                    from_roles,
                } => {
                    if !snake_case(signal, 64) {
                        return invalid(format!("step `{}`: signal name `{signal}` must be snake_case", step.id));
                    }
                    if let Some(field) = payload.keys().find(|name| !snake_case(name, 64)) {
                        return invalid(format!(
                            "step `{}`: payload field `{field}` must be snake_case",
                            step.id
                        ));
                    }
                    if let Some(role) = from_roles.iter().find(|role| !ROLES.contains(&role.as_str())) {
                        return invalid(format!("step `{}`: `{role}` is not a role", step.id));
                    }
                }
                StepKind::Sleep { duration, until } => match (duration, until) {
                    (Some(duration), None) if !duration.0.is_zero() && duration.0 <= MAX_WAIT => {}
                    (None, Some(until)) => check(until)?,
                    _ => {
                        return invalid(format!(
                            "step `{}`: a sleep has a `duration` (above 0, at most 400d) or an `until`, not both",
                            step.id
                        ));
                    }
                },
                StepKind::Branch {
                    condition,
                    then,
                    otherwise,
                } => {
                    match condition {
                        Guard::Condition(condition) => {
                            self.check_path(&step.id, &condition.path, &self.ids())?;
                            if condition.is == Test::Equal && condition.value.is_none() {
                                return invalid(format!("step `{}`: `equal` needs a `value`", step.id));
                            }
                        }
                        Guard::Template(text) => {
                            if template::expressions(text).map_or(true, |found| found.is_empty()) {
                                return invalid(format!(
                                    "step `{}`: `if` is a template like \"${{steps.compute.output.zakat_due}}\"",
                                    step.id
                                ));
                            }
                            self.check_template(&step.id, text, &self.ids())?;
                        }
                    }
                    for target in std::iter::once(then).chain(otherwise) {
                        if target == END {
                            continue;
                        }
                        match self.step(target) {
                            None => {
                                return invalid(format!("step `{}` jumps to `{target}`, which is no step", step.id));
                            }
                            // A jump back is a loop: allowed only through a step that waits
                            // (a signal or a timer), so it can never spin.
                            Some((at, _))
                                if at <= index
                                    && !self.steps[at..=index].iter().any(|looped| {
                                        matches!(looped.kind, StepKind::WaitSignal { .. } | StepKind::Sleep { .. })
                                    }) =>
                            {
                                return Err(DefinitionError::Cycle {
                                    from: step.id.clone(),
                                    to: target.clone(),
                                });
                            }
                            Some(_) => {}
                        }
                    }
                }
            }
        }
        let all: Vec<&str> = self.steps.iter().map(|s| s.id.as_str()).collect();
        self.check_value("output", &self.output, &all)
    }

    fn check_value(&self, step: &str, value: &Value, earlier: &[&str]) -> Result<(), DefinitionError> {
        match value {
            Value::String(text) => self.check_template(step, text, earlier),
            Value::Array(items) => items.iter().try_for_each(|item| self.check_value(step, item, earlier)),
            Value::Object(fields) => fields
                .values()
                .try_for_each(|item| self.check_value(step, item, earlier)),
            _ => Ok(()),
        }
    }

    fn check_template(&self, step: &str, text: &str, earlier: &[&str]) -> Result<(), DefinitionError> {
        for expression in
            template::expressions(text).map_err(|error| DefinitionError::Invalid(format!("step `{step}`: {error}")))?
        {
            for path in expression.paths() {
                self.check_path(step, path, earlier)?;
            }
        }
        Ok(())
    }

    /// A path must name a declared input field, an earlier step, or the run itself.
    fn check_path(&self, step: &str, path: &str, earlier: &[&str]) -> Result<(), DefinitionError> {
        let mut parts = path.split('.');
        let valid = match (parts.next(), parts.next()) {
            (Some("input"), None) => true,
            (Some("input"), Some(field)) => self.input.contains_key(field),
            (Some("steps"), Some(id)) => earlier.contains(&id),
            (Some("run"), Some("id" | "started_by")) => true,
            (Some("now" | "today"), None) => true,
            _ => false,
        };
        if valid {
            Ok(())
        } else {
            Err(DefinitionError::Invalid(format!(
                "step `{step}` refers to `{path}`: use input.<declared field>, steps.<earlier step>.output, run.id, \
                 run.started_by, now or today"
            )))
        }
    }
}

/// `12`, `-3.5`, `1250.50`: what a decimal amount looks like as text.
fn is_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.len() <= 30
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.chars().all(|c| c.is_ascii_digit())
}

/// Checks a JSON object against a schema: unknown fields refused, required ones present, types
/// and allowed values respected.
pub fn check_against(schema: &BTreeMap<String, Field>, value: &Value, what: &str) -> Result<(), InputError> {
    let empty = serde_json::Map::new();
    let fields = match value {
        Value::Object(fields) => fields,
        Value::Null => &empty,
        _ => return Err(InputError(format!("the {what} must be a JSON object"))),
    };
    if let Some(unknown) = fields.keys().find(|name| !schema.contains_key(*name)) {
        let known: Vec<&str> = schema.keys().map(String::as_str).collect();
        return Err(InputError(format!(
            "the {what} has no field `{unknown}` (it takes: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )));
    }
    for (name, field) in schema {
        let Some(given) = fields.get(name).filter(|value| !value.is_null()) else {
            if field.required {
                return Err(InputError(format!("the {what} needs `{name}`")));
            }
            continue;
        };
        let fits = match field.kind {
            FieldType::String => given.is_string(),
            FieldType::Number => given.is_number(),
            FieldType::Decimal => match given {
                Value::Number(number) => number.as_f64().is_some_and(f64::is_finite),
                Value::String(text) => is_decimal(text),
                _ => false,
            },
            FieldType::Integer => given.is_i64() || given.is_u64(),
            FieldType::Boolean => given.is_boolean(),
            FieldType::Object => given.is_object(),
            FieldType::Array => given.is_array(),
        };
        if !fits {
            return Err(InputError(format!(
                "`{name}` of the {what} must be of type {}",
                serde_json::to_value(field.kind)
                    .ok()
                    .and_then(|kind| kind.as_str().map(str::to_owned))
                    .unwrap_or_default()
            )));
        }
        if let Value::String(text) = given {
            if let Some(values) = &field.values
                && !values.contains(text)
            {
                return Err(InputError(format!(
                    "`{name}` of the {what} is one of: {}",
                    values.join(", ")
                )));
            }
            if let Some(max) = field.max_length
                && text.chars().count() > max
            {
                return Err(InputError(format!(
                    "`{name}` of the {what} is at most {max} characters"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
}
