//! Prometheus metrics, rendered by hand in the text format: a few counters and one latency
//! histogram do not need a metrics framework.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const LATENCY_BUCKETS_SECONDS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct RouteStats {
    count: u64,
    sum_seconds: f64,
    buckets: [u64; LATENCY_BUCKETS_SECONDS.len()],
}

/// A workflow step kind and its outcome.
type StepKey = (String, &'static str);
/// Attempts and the seconds they took.
type StepTotals = (u64, f64);

#[derive(Default)]
pub struct Metrics {
    /// (method, route, status) -> count.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, RouteStats>>,
    pub events_appended: AtomicU64,
    pub append_conflicts: AtomicU64,
    pub chats: AtomicU64,
    /// (step kind, `completed` or `failed`) -> (attempts, seconds in all).
    workflow_steps: Mutex<BTreeMap<StepKey, StepTotals>>,
    workflow_retries: AtomicU64,
    /// Events whose hash this process checked, the last position found whole, and the first
    /// broken one (0: none).
    pub chain_checked: AtomicU64,
    pub chain_verified_position: AtomicU64,
    pub chain_broken_at: AtomicU64,
}

impl Metrics {
    /// One executed attempt of a workflow step.
    pub fn record_workflow_step(&self, kind: &str, succeeded: bool, elapsed: Duration) {
        let outcome = if succeeded { "completed" } else { "failed" };
        let mut steps = self
            .workflow_steps
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = steps.entry((kind.to_owned(), outcome)).or_default();
        entry.0 += 1;
        entry.1 += elapsed.as_secs_f64();
    }

    pub fn record_workflow_retry(&self) {
        self.workflow_retries.fetch_add(1, Ordering::Relaxed);
    }

    /// The workflow metrics: steps and their time by kind and outcome, retries, and from the
    /// read model the runs by status and the timers due.
    pub fn render_workflows(&self, runs_by_status: &[(String, i64)], due: i64) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP hijraah_workflow_step_attempts_total Workflow step attempts executed here, by kind and outcome."
        );
        let _ = writeln!(out, "# TYPE hijraah_workflow_step_attempts_total counter");
        let _ = writeln!(
            out,
            "# HELP hijraah_workflow_step_seconds_total Time spent executing workflow steps, by kind and outcome."
        );
        let _ = writeln!(out, "# TYPE hijraah_workflow_step_seconds_total counter");
        for ((kind, outcome), (count, seconds)) in self.workflow_steps.lock().unwrap_or_else(|p| p.into_inner()).iter()
        {
            let _ = writeln!(
                out,
                "hijraah_workflow_step_attempts_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {count}"
            );
            let _ = writeln!(
                out,
                "hijraah_workflow_step_seconds_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {seconds}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP hijraah_workflow_step_retries_total Workflow step attempts after the first."
        );
        let _ = writeln!(out, "# TYPE hijraah_workflow_step_retries_total counter");
        let _ = writeln!(
            out,
            "hijraah_workflow_step_retries_total {}",
            self.workflow_retries.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP hijraah_workflow_runs Workflow runs by status (the read model)."
        );
        let _ = writeln!(out, "# TYPE hijraah_workflow_runs gauge");
        for (status, count) in runs_by_status {
            let _ = writeln!(out, "hijraah_workflow_runs{{status=\"{status}\"}} {count}");
        }
        let _ = writeln!(
            out,
            "# HELP hijraah_workflow_timers_due Unfinished runs due now (timers, retries, new runs)."
        );
        let _ = writeln!(out, "# TYPE hijraah_workflow_timers_due gauge");
        let _ = writeln!(out, "hijraah_workflow_timers_due {due}");
        out
    }

    pub fn record_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut requests = self.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        drop(requests);
        let seconds = elapsed.as_secs_f64();
        let mut latency = self.latency.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let stats = latency.entry(route.to_owned()).or_default();
        stats.count += 1;
        stats.sum_seconds += seconds;
        for (bucket, upper) in stats.buckets.iter_mut().zip(LATENCY_BUCKETS_SECONDS) {
            if seconds <= upper {
                *bucket += 1;
            }
        }
    }

    pub fn render(&self, projection_positions: &BTreeMap<String, i64>, head_position: Option<i64>) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP hijraah_http_requests_total HTTP requests by method, route and status."
        );
        let _ = writeln!(out, "# TYPE hijraah_http_requests_total counter");
        for ((method, route, status), count) in self.requests.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(
                out,
                "hijraah_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP hijraah_http_request_duration_seconds HTTP request latency by route."
        );
        let _ = writeln!(out, "# TYPE hijraah_http_request_duration_seconds histogram");
        for (route, stats) in self.latency.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            for (upper, count) in LATENCY_BUCKETS_SECONDS.iter().zip(stats.buckets) {
                let _ = writeln!(
                    out,
                    "hijraah_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{upper}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "hijraah_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(
                out,
                "hijraah_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                stats.sum_seconds
            );
            let _ = writeln!(
                out,
                "hijraah_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                stats.count
            );
        }
        for (name, help, value) in [
            (
                "hijraah_events_appended_total",
                "Events appended by this process.",
                &self.events_appended,
            ),
            (
                "hijraah_append_conflicts_total",
                "Appends retried after a stream version conflict.",
                &self.append_conflicts,
            ),
            ("hijraah_chats_total", "Chat requests answered.", &self.chats),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        let _ = writeln!(
            out,
            "# HELP hijraah_projection_position Last log position each projection applied."
        );
        let _ = writeln!(out, "# TYPE hijraah_projection_position gauge");
        for (projection, position) in projection_positions {
            let _ = writeln!(
                out,
                "hijraah_projection_position{{projection=\"{projection}\"}} {position}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP hijraah_event_chain_verified_position Last log position whose hash chain this server checked whole."
        );
        let _ = writeln!(out, "# TYPE hijraah_event_chain_verified_position gauge");
        let _ = writeln!(
            out,
            "hijraah_event_chain_verified_position {}",
            self.chain_verified_position.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP hijraah_event_chain_broken_at First log position where the hash chain breaks (0: whole)."
        );
        let _ = writeln!(out, "# TYPE hijraah_event_chain_broken_at gauge");
        let _ = writeln!(
            out,
            "hijraah_event_chain_broken_at {}",
            self.chain_broken_at.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP hijraah_event_chain_checked_total Events whose hash this server checked."
        );
        let _ = writeln!(out, "# TYPE hijraah_event_chain_checked_total counter");
        let _ = writeln!(
            out,
            "hijraah_event_chain_checked_total {}",
            self.chain_checked.load(Ordering::Relaxed)
        );
        if let Some(head) = head_position {
            let _ = writeln!(
                out,
                "# HELP hijraah_log_head_position Highest position in the event log."
            );
            let _ = writeln!(out, "# TYPE hijraah_log_head_position gauge");
            let _ = writeln!(out, "hijraah_log_head_position {head}");
        }
        out
    }
}
