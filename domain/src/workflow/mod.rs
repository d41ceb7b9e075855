//! Durable workflows: definitions as data, runs as event streams, and the pure decision of what a
//! run does next. The worker that executes steps and the API live in `src/workflows`.

pub mod definition;
pub mod events;
pub mod run;
pub mod template;

pub use definition::{Definition, DefinitionError, InputError, Span, Step, StepKind};
pub use run::{Next, Run, RunView};

/// The stream of a run.
pub fn run_stream(run_id: uuid::Uuid) -> String {
    format!("workflow-{run_id}")
}

/// The stream of a definition's versions.
pub fn definition_stream(name: &str) -> String {
    format!("workflow-definition-{name}")
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};
    use serde_json::{Value, json};
    use uuid::Uuid;

    use super::events::*;
    use super::*;
    use crate::Event;

    fn definition() -> Definition {
        Definition::from_json(json!({
            "name": "demo",
            "input": {"assets": {"type": "object"}},
            "steps": [
                {"id": "have", "kind": "branch", "if": {"path": "input.assets", "is": "present"}, "then": "compute"},
                {"id": "ask", "kind": "wait_signal", "signal": "assets", "timeout": "1h"},
                {"id": "compute", "kind": "calculator", "calculator": "zakat",
                 "input": "${steps.ask.output.payload | input.assets}", "retry": {"attempts": 2, "backoff": "1s"}},
                {"id": "rest", "kind": "sleep", "duration": "1m"}
            ],
            "output": {"due": "${steps.compute.output.zakat_due}"}
        }))
        .unwrap()
    }

    #[derive(Clone)]
    struct Given {
        events: Vec<(DateTime<Utc>, Event)>,
    }

    fn given(input: Value) -> Given {
        Given {
            events: vec![(
                t0(),
                Event::WorkflowStarted(WorkflowStarted {
                    run_id: Uuid::nil(),
                    definition: definition(),
                    input,
                    started_by: "alice".into(),
                }),
            )],
        }
    }

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    impl Given {
        fn then(mut self, events: Vec<Event>, at: DateTime<Utc>) -> Self {
            self.events.extend(events.into_iter().map(|event| (at, event)));
            self
        }

        fn run(&self) -> Run {
            Run::from_history(
                self.events
                    .iter()
                    .enumerate()
                    .map(|(version, (at, event))| (version as i64 + 1, *at, event)),
            )
            .unwrap()
            .unwrap()
        }

        /// Records whatever the run decides to record at `at`.
        fn advance(self, at: DateTime<Utc>) -> Self {
            match self.run().next(at) {
                Next::Record(events) => self.then(events, at),
                other => panic!("expected events to record, got {other:?}"),
            }
        }
    }

    #[test]
    fn with_the_input_given_it_branches_past_the_wait_then_computes_once() {
        let run = given(json!({"assets": {"cash": "1000"}})).advance(t0());
        let state = run.run();
        assert_eq!(state.definition.steps[state.cursor.unwrap()].id, "compute");
        assert_eq!(state.next(t0()), Next::Execute { step: 2, attempt: 1 });
        match state.rendered(2, t0()) {
            StepKind::Calculator { input, .. } => assert_eq!(input, json!({"cash": "1000"})),
            other => panic!("{other:?}"),
        }
        // Once scheduled by a worker, another worker leaves it alone until the lease ends.
        let lease = t0() + Duration::seconds(30);
        let run = run.then(
            vec![Event::StepScheduled(StepScheduled {
                step_id: "compute".into(),
                attempt: 1,
                lease_until: lease,
            })],
            t0(),
        );
        assert_eq!(run.run().next(t0()), Next::Idle { until: Some(lease) });
        // The result is recorded; the run goes on from it and never runs `compute` again.
        let recorded = run
            .run()
            .record_result(2, 1, Ok(json!({"zakat_due": "25.00"})), 3, t0());
        let run = run.then(recorded, t0()).advance(t0());
        assert_eq!(run.run().status(), "waiting");
        assert!(matches!(run.run().next(t0()), Next::Idle { until: Some(_) }));
        let later = t0() + Duration::minutes(2);
        let run = run.advance(later).advance(later);
        let state = run.run();
        assert_eq!(state.status(), "completed");
        assert_eq!(state.view(later).output, Some(json!({"due": "25.00"})));
        assert_eq!(state.next(later), Next::Ended);
    }

    #[test]
    fn without_the_input_it_waits_for_the_signal_and_times_out_into_the_fallback() {
        let run = given(json!({})).advance(t0()).advance(t0());
        let state = run.run();
        assert_eq!(state.status(), "waiting");
        assert_eq!(state.view(t0()).waiting_for.unwrap()["signal"], "assets");
        // A signal wakes it and its payload feeds the calculator.
        let signalled = run.clone().then(
            vec![Event::SignalReceived(SignalReceived {
                name: "assets".into(),
                payload: json!({"cash": "7000"}),
                by: "alice".into(),
            })],
            t0(),
        );
        let signalled = signalled.advance(t0());
        let state = signalled.run();
        assert!(state.signals[0].consumed);
        match state.rendered(2, t0()) {
            StepKind::Calculator { input, .. } => assert_eq!(input, json!({"cash": "7000"})),
            other => panic!("{other:?}"),
        }
        // Without a signal, the deadline passes and the run goes on without one.
        let timed_out = run.advance(t0() + Duration::hours(2));
        let state = timed_out.run();
        assert_eq!(
            state.steps[1].output,
            Some(json!({"received": false, "timed_out": true}))
        );
    }

    fn scheduled(step_id: &str, attempt: u32, at: DateTime<Utc>) -> Event {
        Event::StepScheduled(StepScheduled {
            step_id: step_id.into(),
            attempt,
            lease_until: at + Duration::seconds(30),
        })
    }

    #[test]
    fn a_failing_step_is_retried_after_its_backoff_then_fails_the_run() {
        let run = given(json!({"assets": {"cash": "1"}}))
            .advance(t0())
            .then(vec![scheduled("compute", 1, t0())], t0());
        let failed = run.run().record_result(2, 1, Err("boom".into()), 1, t0());
        let run = run.then(failed, t0());
        assert_eq!(
            run.run().next(t0()),
            Next::Idle {
                until: Some(t0() + Duration::seconds(1))
            }
        );
        let retry = t0() + Duration::seconds(1);
        assert_eq!(run.run().next(retry), Next::Execute { step: 2, attempt: 2 });
        let run = run.then(vec![scheduled("compute", 2, retry)], retry);
        let failed = run.run().record_result(2, 2, Err("boom again".into()), 1, retry);
        let run = run.then(failed, retry);
        assert_eq!(run.run().status(), "failed");
        assert!(run.run().view(retry).error.unwrap().contains("boom again"));
        assert_eq!(run.run().next(retry), Next::Ended);
    }

    #[test]
    fn a_worker_that_died_mid_attempt_is_taken_over_after_its_lease() {
        let run = given(json!({"assets": {"cash": "1"}})).advance(t0()).then(
            vec![Event::StepScheduled(StepScheduled {
                step_id: "compute".into(),
                attempt: 1,
                lease_until: t0() + Duration::seconds(30),
            })],
            t0(),
        );
        assert_eq!(
            run.run().next(t0() + Duration::seconds(31)),
            Next::Execute { step: 2, attempt: 2 }
        );
    }
}
