//! Integration tests: the real server over a real socket, each test on its own PostgreSQL
//! database (created on `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agents;
mod asof;
mod browser;
mod calculators;
mod chain;
mod changes;
mod chat;
mod chat_cases;
mod cli;
mod community;
mod corrections;
mod editions;
mod embedded;
mod errors;
mod eval;
mod events_api;
mod export;
mod faults;
mod feedback;
mod financial;
mod grades;
mod helpers;
mod knowledge;
mod learning;
mod multinode;
mod nginx;
mod ops;
mod privacy;
mod projections;
mod security;
mod semantic;
mod stats;
mod store;
mod workflows;
