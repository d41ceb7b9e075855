//! Validation of a definition when it is loaded: names, step references, templates that only
//! read declared input and earlier steps, bounded times, and no loop without a wait.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;

use super::*;

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
