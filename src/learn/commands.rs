//! `hijraah learn`: train a routing model from the log, evaluate it beside the rules, promote it,
//! run it in shadow, roll back to the rules.

use std::io::Write;

use anyhow::Context;
use clap::Subcommand;

use super::train::{self, read_examples, rules_coordinator, table};
use super::{ModelStore, RouterModel};
use crate::config::Settings;
use crate::database::Database;
use crate::privacy::Vault;
use crate::store::EventStore;

#[derive(Debug, Subcommand)]
pub enum LearnCommand {
    /// Train a model on the log (the most recent 20% of requests held out) and save it under the
    /// data dir; prints its evaluation beside the rules and a random forest.
    Train {
        /// Read the log only up to this position.
        #[arg(long)]
        until: Option<i64>,
        /// The model's name (default: router-<date and time>).
        #[arg(long)]
        out: Option<String>,
    },
    /// Scores a model and the current rules on the model's held-out requests, or on labelled
    /// case files (JSON Lines with `content` or `turns`, and `expect.agents`), one table each:
    /// `--cases chat_dev.jsonl chat_dev_2.jsonl`.
    Evaluate {
        name: String,
        #[arg(long, num_args = 1..)]
        cases: Vec<std::path::PathBuf>,
    },
    /// Routes by the model from now on, on every server (refused unless it beats the rules).
    Promote { name: String },
    /// Routes by the rules again.
    Rollback,
    /// Runs a model in shadow beside the live router (recorded, never deciding); `--stop` ends it.
    Shadow {
        name: Option<String>,
        #[arg(long)]
        stop: bool,
    },
}

pub async fn run(
    database: &Database,
    settings: &Settings,
    kek: crate::privacy::Kek,
    command: LearnCommand,
) -> anyhow::Result<()> {
    let pool = database.pool.clone();
    let store = EventStore::new(pool.clone());
    let vault = Vault::new(pool.clone(), kek);
    let models = ModelStore::new(&settings.data_dir, pool.clone());
    let scratch = tempfile_dir()?;
    let mut out = std::io::stdout().lock();
    let result = async {
        match command {
            LearnCommand::Train { until, out: name } => {
                let name = name.unwrap_or_else(|| format!("router-{}", chrono::Utc::now().format("%Y%m%d-%H%M%S")));
                anyhow::ensure!(
                    !name.is_empty()
                        && name.len() <= 64
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
                    "--out: a name of letters, digits, `-`, `_` or `.`, at most 64"
                );
                let started = std::time::Instant::now();
                let (examples, last) = read_examples(&store, &vault, until).await?;
                let read_in = started.elapsed();
                let rules = rules_coordinator(store.clone(), pool.clone(), vault.clone(), &scratch)?;
                let model = tokio::task::block_in_place(|| train::train(&name, &examples, last, &rules))?;
                let saved = models.save(&model).await?;
                writeln!(
                    out,
                    "model {} version {}\nread {} requests up to position {last} in {:.1}s; trained in {:.1}s",
                    saved.name,
                    saved.version,
                    examples.len(),
                    read_in.as_secs_f64(),
                    started.elapsed().as_secs_f64() - read_in.as_secs_f64()
                )?;
                print_report(&mut out, &model)?;
            }
            LearnCommand::Evaluate { name, cases } => {
                let reference = models
                    .find(&name)
                    .await?
                    .with_context(|| format!("no model named `{name}`"))?;
                let model = models.load(&reference.version).await?;
                let rules = rules_coordinator(store.clone(), pool.clone(), vault.clone(), &scratch)?;
                match cases.is_empty() {
                    false => {
                        for path in cases {
                            let (by_model, by_rules) = train::evaluate_cases(&model, &rules, &path)?;
                            writeln!(out, "{} on {}:", model.name, path.display())?;
                            write!(out, "{}", table(&[("model", &by_model), ("rules", &by_rules)]))?;
                        }
                    }
                    true => {
                        let (examples, _) = read_examples(&store, &vault, Some(model.trained_until)).await?;
                        let held_out: Vec<_> = examples
                            .iter()
                            .filter(|example| example.position >= model.held_out_from && example.is_judged())
                            .collect();
                        let by_model = train::model_scores(&model, &held_out);
                        let by_rules = train::rules_scores(&rules, &held_out);
                        writeln!(
                            out,
                            "{} on its {} held-out judged requests (positions from {}):",
                            model.name,
                            held_out.len(),
                            model.held_out_from
                        )?;
                        write!(out, "{}", table(&[("model", &by_model), ("rules", &by_rules)]))?;
                    }
                }
            }
            LearnCommand::Promote { name } => {
                let promoted = super::promote(&store, &models, &name, "cli").await?;
                writeln!(
                    out,
                    "promoted {} version {}: every server routes by it within seconds",
                    promoted.name, promoted.version
                )?;
            }
            LearnCommand::Rollback => {
                super::rollback(&store, None, "cli").await?;
                writeln!(out, "routing by the rules again")?;
            }
            LearnCommand::Shadow { name, stop } => {
                anyhow::ensure!(name.is_some() != stop, "give a model name, or --stop");
                super::shadow(&store, &models, name.as_deref(), "cli").await?;
                match name {
                    Some(name) => writeln!(out, "{name} runs in shadow")?,
                    None => writeln!(out, "no shadow model")?,
                }
            }
        }
        anyhow::Ok(())
    }
    .await;
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn print_report(out: &mut impl Write, model: &RouterModel) -> anyhow::Result<()> {
    let report = &model.report;
    writeln!(
        out,
        "held out: {} requests from position {}, {} of them judged",
        report["held_out"]["examples"], model.held_out_from, report["held_out"]["judged"]
    )?;
    let scores = |who: &str| serde_json::from_value(report[who].clone()).unwrap_or_default();
    let (ours, rules, forest) = (scores("model"), scores("rules"), scores("random_forest"));
    write!(
        out,
        "{}",
        table(&[
            ("model (naive Bayes)", &ours),
            ("rules", &rules),
            ("random forest", &forest)
        ])
    )?;
    match super::beats_the_rules(model) {
        Ok(()) => writeln!(
            out,
            "it beats the rules: `hijraah learn promote {}` to use it",
            model.name
        )?,
        Err(reason) => writeln!(out, "not promotable: {reason}")?,
    }
    Ok(())
}

/// A scratch directory for the rules' agents (their index stays empty: routing reads none).
fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("hijraah-learn-{}-{}", std::process::id(), uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
