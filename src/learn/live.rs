//! The learned router as every server runs it. Which model routes is decided by the events of
//! stream `router` (promoted, rolled back, shadow set); each server follows that stream by
//! itself, loading the model a promotion names from its data dir (`models/<version>.json`), or
//! from the database's copy when this node has not got the file yet, and checking its hash.
//!
//! The model proposes, the rules keep the hard constraints: the agents that answer every request
//! (the user interface) still answer; an agent the model never learned about (a custom agent
//! registered later) is still chosen by its rules; and each chosen agent still decides for itself
//! what it needs (a prayer-time question with no place still asks for one).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::Context;
use hijraah_domain::Event;
use hijraah_domain::events::{ModelRef, RouterUsed, ShadowProposal};
use hijraah_domain::learn::{Request, features};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use super::model::RouterModel;
use crate::agents::AgentRequest;
use crate::agents::coordinator::Routing;
use crate::agents::registry::RegisteredAgent;
use crate::store::EventStore;

/// The stream of routing-model decisions.
pub const STREAM: &str = "router";

/// How often a server re-reads the `router` stream, to follow promotions made elsewhere.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(1);

/// Model files under the data dir, named by their content hash, with a copy of each in the
/// database so every node can fetch one it has not got.
#[derive(Clone)]
pub struct ModelStore {
    dir: PathBuf,
    pool: PgPool,
}

impl ModelStore {
    pub fn new(data_dir: &std::path::Path, pool: PgPool) -> Self {
        Self {
            dir: data_dir.join("models"),
            pool,
        }
    }

    /// Saves a model: its file, and the database's copy. Returns its name and version.
    pub async fn save(&self, model: &RouterModel) -> anyhow::Result<ModelRef> {
        let (bytes, version) = model.to_file()?;
        self.write_file(&version, &bytes)?;
        sqlx::query(
            "INSERT INTO router_models (version, name, body, created_at) VALUES ($1, $2, $3, now())
             ON CONFLICT (version) DO NOTHING",
        )
        .bind(&version)
        .bind(&model.name)
        .bind(&bytes)
        .execute(&self.pool)
        .await?;
        Ok(ModelRef {
            name: model.name.clone(),
            version,
        })
    }

    fn write_file(&self, version: &str, bytes: &[u8]) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir).with_context(|| format!("cannot create {}", self.dir.display()))?;
        let path = self.dir.join(format!("{version}.json"));
        let staged = self.dir.join(format!("{version}.json.tmp-{}", std::process::id()));
        std::fs::write(&staged, bytes).with_context(|| format!("cannot write {}", staged.display()))?;
        std::fs::rename(&staged, &path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }

    /// The model of this version: the file, else the database's copy (then kept as a file).
    pub async fn load(&self, version: &str) -> anyhow::Result<RouterModel> {
        anyhow::ensure!(
            version.len() == 64 && version.chars().all(|c| c.is_ascii_hexdigit()),
            "`{version}` is not a model version"
        );
        let path = self.dir.join(format!("{version}.json"));
        if let Ok(bytes) = std::fs::read(&path) {
            return RouterModel::from_file(&bytes, version);
        }
        let bytes: Vec<u8> = sqlx::query_scalar("SELECT body FROM router_models WHERE version = $1")
            .bind(version)
            .fetch_optional(&self.pool)
            .await?
            .with_context(|| format!("no model of version {version}"))?;
        let model = RouterModel::from_file(&bytes, version)?;
        self.write_file(version, &bytes)?;
        Ok(model)
    }

    /// The latest model saved under this name.
    pub async fn find(&self, name: &str) -> anyhow::Result<Option<ModelRef>> {
        let version: Option<String> =
            sqlx::query_scalar("SELECT version FROM router_models WHERE name = $1 ORDER BY created_at DESC LIMIT 1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        Ok(version.map(|version| ModelRef {
            name: name.to_owned(),
            version,
        }))
    }
}

/// A model in use, with the name and version it is known by.
pub struct Loaded {
    pub reference: ModelRef,
    pub model: RouterModel,
}

#[derive(Default, Clone)]
struct State {
    /// The `router` stream's version applied.
    version: i64,
    active: Option<Arc<Loaded>>,
    shadow: Option<Arc<Loaded>>,
}

/// This server's view of which model routes.
pub struct LearnedRouter {
    store: EventStore,
    models: ModelStore,
    state: RwLock<State>,
    syncing: tokio::sync::Mutex<()>,
}

/// The routing decision after the model, and what the `RequestRouted` event records of it.
pub struct Decided {
    pub routing: Routing,
    pub router: RouterUsed,
    pub shadow: Option<ShadowProposal>,
}

impl LearnedRouter {
    pub fn new(store: EventStore, models: ModelStore) -> Self {
        Self {
            store,
            models,
            state: RwLock::new(State::default()),
            syncing: tokio::sync::Mutex::new(()),
        }
    }

    pub fn models(&self) -> &ModelStore {
        &self.models
    }

    /// The active model and the shadow one, if any.
    pub fn current(&self) -> (Option<ModelRef>, Option<ModelRef>) {
        let state = self.state.read().expect("router state");
        (
            state.active.as_ref().map(|loaded| loaded.reference.clone()),
            state.shadow.as_ref().map(|loaded| loaded.reference.clone()),
        )
    }

    /// Applies the `router` stream's events recorded since the last call.
    pub async fn sync(&self) -> anyhow::Result<()> {
        let _one_at_a_time = self.syncing.lock().await;
        let mut next = self.state.read().expect("router state").clone();
        let envelopes = self.store.read_stream(STREAM, next.version).await?;
        if envelopes.is_empty() {
            return Ok(());
        }
        for envelope in &envelopes {
            match envelope.decode()? {
                Event::RouterModelPromoted(promoted) => {
                    let reference = ModelRef {
                        name: promoted.name,
                        version: promoted.version,
                    };
                    let model = self.models.load(&reference.version).await?;
                    tracing::info!(name = %reference.name, version = %reference.version, "routing by the learned model");
                    next.active = Some(Arc::new(Loaded { reference, model }));
                }
                Event::RouterRolledBack(_) => {
                    tracing::info!("routing by the rules");
                    next.active = None;
                }
                Event::RouterShadowSet(set) => {
                    next.shadow = match set.model {
                        Some(reference) => {
                            let model = self.models.load(&reference.version).await?;
                            Some(Arc::new(Loaded { reference, model }))
                        }
                        None => None,
                    };
                }
                _ => {}
            }
            next.version = envelope.stream_version;
        }
        *self.state.write().expect("router state") = next;
        Ok(())
    }

    /// Follows the `router` stream until `shutdown`.
    pub fn spawn(self: &Arc<Self>, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        let router = self.clone();
        tokio::spawn(async move {
            let mut failing = false;
            loop {
                match router.sync().await {
                    Ok(()) => failing = false,
                    Err(error) if !failing => {
                        tracing::error!(error = %format!("{error:#}"), "cannot follow the routing model");
                        failing = true;
                    }
                    Err(_) => {}
                }
                tokio::select! {
                    _ = tokio::time::sleep(SYNC_INTERVAL) => {}
                    _ = shutdown.cancelled() => return,
                }
            }
        })
    }

    /// The final routing of a request: the rules' own when no model is active, else the model's
    /// proposal within the rules' hard constraints; with the shadow model's proposal beside it.
    pub fn decide(&self, request: &AgentRequest, rules: Routing, registered: &[Arc<RegisteredAgent>]) -> Decided {
        let (active, shadow) = {
            let state = self.state.read().expect("router state");
            (state.active.clone(), state.shadow.clone())
        };
        if active.is_none() && shadow.is_none() {
            return Decided {
                routing: rules,
                router: RouterUsed::Rules,
                shadow: None,
            };
        }
        let previous_agent = request.previous.as_ref().and_then(|previous| {
            previous
                .replies
                .iter()
                .rev()
                .map(|reply| reply.agent_type.as_str())
                .find(|agent| !hijraah_domain::learn::examples::ALWAYS_ANSWERING.contains(agent))
        });
        let features = features(&Request {
            text: &request.content,
            language: &request.language,
            context: &request.context,
            previous_agent,
            // Read once for the rules (`Coordinator::route_with`), and seen by the model as well.
            meaning: rules
                .meaning
                .as_ref()
                .map(|meaning| (meaning.intent.as_str(), meaning.applied)),
        });
        let (routing, router) = match &active {
            Some(loaded) => (
                within_rules(&loaded.model, &features, rules, registered),
                RouterUsed::Model(loaded.reference.clone()),
            ),
            None => (rules, RouterUsed::Rules),
        };
        let shadow = shadow.map(|loaded| {
            let proposed = loaded.model.choose(&features);
            let live: std::collections::BTreeSet<&str> = routing
                .selected
                .iter()
                .map(|registered| registered.agent.agent_type())
                .filter(|agent| loaded.model.knows(agent))
                .collect();
            let agrees = live == proposed.iter().map(String::as_str).collect();
            ShadowProposal {
                name: loaded.reference.name.clone(),
                version: loaded.reference.version.clone(),
                agents: proposed,
                agrees,
            }
        });
        Decided {
            routing,
            router,
            shadow,
        }
    }
}

/// The model's choice, kept within the rules: agents that always answer stay; agents the model
/// does not know keep the rules' decision; the others answer when the model chooses them.
fn within_rules(
    model: &RouterModel,
    features: &hijraah_domain::learn::Features,
    mut rules: Routing,
    registered: &[Arc<RegisteredAgent>],
) -> Routing {
    let probabilities = model.probabilities(features);
    let probability = |agent: &str| probabilities.iter().find(|(known, _)| known == agent).map(|(_, p)| *p);
    let mut selected: Vec<(Arc<RegisteredAgent>, f64)> = Vec::new();
    for candidate in registered {
        let agent = &candidate.agent;
        let by_rules = rules
            .selected
            .iter()
            .any(|chosen| chosen.agent.agent_id() == agent.agent_id());
        let keep = if agent.always_answers() {
            Some(2.0)
        } else {
            match probability(agent.agent_type()) {
                Some(p) if p >= super::model::THRESHOLD => Some(p),
                Some(_) => None,
                None => by_rules.then_some(0.0),
            }
        };
        if let Some(rank) = keep {
            selected.push((candidate.clone(), rank));
        }
    }
    selected.sort_by(|a, b| b.1.total_cmp(&a.1));
    for score in &mut rules.scores {
        if let Some(p) = probability(&score.agent_type) {
            score.reasons.push(format!("model: p = {p:.3}"));
        }
    }
    let specialists = selected
        .iter()
        .filter(|(agent, _)| !agent.agent.always_answers())
        .count();
    rules.decision = if specialists > 0 { "selected" } else { "no_specialist" };
    rules.selected = selected.into_iter().map(|(agent, _)| agent).collect();
    rules
}
