//! Hijraah's server and command line.
//!
//! - [`config`]: settings from the environment.
//! - [`telemetry`]: structured logging.
//! - [`database`] and [`embedded_postgres`]: the PostgreSQL we run on, external or embedded.
//! - [`store`]: the event store (append, read, follow).
//! - [`projector`]: runs the read-model projections from the log.
//! - [`agents`]: the agents, their registry and the coordinator.
//! - [`chat`]: the chat command, from request to recorded replies.
//! - [`auth`]: JWTs and their secret.
//! - [`http`]: the axum API; [`metrics`]: Prometheus counters.
//! - [`semantic`]: the sentence encoder's model and the knowledge texts' vectors (hybrid search).
//! - [`analysts`]: read-only database roles for BI tools.
//! - [`stats`]: counts of the log's events for analysts, without a projection.
//! - [`workflows`]: durable workflows across agents, runs as event streams, and their worker.
//! - [`startup`]: builds and runs the server; [`cli`]: the `hijraah` commands.

pub mod agents;
pub mod analysts;
pub mod asof;
pub mod auth;
pub mod chain;
pub mod chat;
pub mod cli;
pub mod community;
pub mod config;
pub mod database;
pub mod drain;
pub mod embedded_postgres;
pub mod export;
pub mod http;
pub mod knowledge;
pub mod learn;
pub mod lease;
pub mod metrics;
pub mod privacy;
pub mod projector;
pub mod semantic;
pub mod service_manager;
pub mod startup;
pub mod stats;
pub mod store;
pub mod telemetry;
pub mod workflows;
