//! Crypto-shredding (and, in [`rights`], the erasure and export commands built on it): personal content in events is encrypted with a key of the user's own, so
//! destroying that key erases the content everywhere the log is kept, while the log itself stays
//! immutable and its counts stay true.
//!
//! - Each user has a random 256-bit data key in `user_keys`, wrapped (AES-256-GCM) by the
//!   key-encryption key (KEK: `HIJRAAH_KEK`, or a random one in the data dir on loopback), with
//!   the user id as associated data so a wrapped key cannot be moved to another user.
//! - The personal fields of an event (a request's `content` and `context`, a reply's `content`
//!   and `metadata`) are sealed with AES-256-GCM under the user's key before the append, as
//!   `"enc:v2:<key id>:<base64 nonce+ciphertext>"`; the event's metadata names the user
//!   (`subject`). The key id tells a value sealed with a key since destroyed (the user was
//!   erased, then came back and got a new key) from a corrupt one. (`enc:v1:` values, written
//!   before key ids, count as sealed with an earlier key when they are older than the user's
//!   current key.)
//! - Readers (projections, the events API, the export) unseal with the user's key. When the key
//!   has been destroyed they get `"[erased]"` (and `{"erased": true}` for structured fields),
//!   never the original. A key that exists but does not unwrap is an error, not an erasure: a
//!   wrong KEK must not look like erased data.

pub mod rights;

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;
use std::sync::Arc;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hijraah_domain::{Envelope, Event, NewEvent};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool, Row};

/// What every sealed value starts with; the version follows.
pub const SEALED_PREFIX: &str = "enc:v";
const SEALED_V1: &str = "enc:v1:";
const SEALED_V2: &str = "enc:v2:";
pub const ERASED_TEXT: &str = "[erased]";
const NONCE_LEN: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Json,
}

/// The personal fields of each event type.
fn personal_fields(event_type: &str) -> &'static [(&'static str, Kind)] {
    match event_type {
        "UserRequestReceived" => &[("content", Kind::Text), ("context", Kind::Json)],
        "AgentReplied" => &[("content", Kind::Text), ("metadata", Kind::Json)],
        // A workflow run's data is its starter's: what they gave, what they were sent, what
        // the steps found for them. A curator's note is sealed for the reply's owner.
        "WorkflowStarted" => &[("input", Kind::Json)],
        "SignalReceived" => &[("payload", Kind::Json)],
        "StepCompleted" | "WorkflowCompleted" => &[("output", Kind::Json)],
        "AnswerReviewed" => &[("note", Kind::Text)],
        "FeedbackGiven" => &[("comment", Kind::Text)],
        _ => &[],
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error(
        "the data key of `{0}` does not unwrap with this key-encryption key (is HIJRAAH_KEK the one it was written with?)"
    )]
    KeyUnwrap(String),
    #[error("event {0} has sealed fields but names no subject")]
    NoSubject(uuid::Uuid),
    #[error("a sealed field of event {0} does not open with its user's key")]
    Corrupt(uuid::Uuid),
    #[error("key store database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// A user's data key, its id and when it was made.
#[derive(Clone)]
pub struct DataKey {
    cipher: Aes256Gcm,
    id: uuid::Uuid,
    created_at: chrono::DateTime<chrono::Utc>,
}

/// What a sealed value says of the key that sealed it.
enum SealedWith<'a> {
    /// `enc:v2:<key id>:<payload>`
    Key(uuid::Uuid, &'a str),
    /// `enc:v1:<payload>`: the user's key at the time, whichever that was.
    Unnamed(&'a str),
}

fn parse_sealed(sealed: &str) -> Option<SealedWith<'_>> {
    if let Some(rest) = sealed.strip_prefix(SEALED_V2) {
        let (id, payload) = rest.split_once(':')?;
        return Some(SealedWith::Key(uuid::Uuid::parse_str(id).ok()?, payload));
    }
    sealed.strip_prefix(SEALED_V1).map(SealedWith::Unnamed)
}

impl DataKey {
    fn seal(&self, subject: &str, plaintext: &[u8]) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: subject.as_bytes(),
                },
            )
            // Encryption fails only for messages beyond GCM's 64 GiB limit.
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{SEALED_V2}{}:{}", self.id.simple(), BASE64.encode(bytes))
    }

    /// The plaintext of a value this key sealed (`None`: not this key's, or tampered with).
    fn open(&self, subject: &str, sealed: &str) -> Option<Vec<u8>> {
        let payload = match parse_sealed(sealed)? {
            SealedWith::Key(id, payload) if id == self.id => payload,
            SealedWith::Key(..) => return None,
            SealedWith::Unnamed(payload) => payload,
        };
        let bytes = BASE64.decode(payload).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::from(<[u8; NONCE_LEN]>::try_from(nonce).ok()?);
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: subject.as_bytes(),
                },
            )
            .ok()
    }
}

/// The key-encryption key, and its fingerprint (recorded with each wrapped key, so a rotation
/// knows which keys it has re-wrapped).
#[derive(Clone)]
pub struct Kek {
    cipher: Aes256Gcm,
    pub fingerprint: String,
}

impl Kek {
    pub fn from_base64(encoded: &str) -> anyhow::Result<Self> {
        let bytes = BASE64
            .decode(encoded.trim())
            .context("the key-encryption key is not base64")?;
        if bytes.len() != 32 {
            bail!(
                "the key-encryption key must be 32 bytes (base64 of 32 random bytes), got {}",
                bytes.len()
            );
        }
        let digest = Sha256::digest(&bytes);
        Ok(Self {
            cipher: Aes256Gcm::new_from_slice(&bytes).context("key length")?,
            fingerprint: hijraah_domain::hex(&digest[..8]),
        })
    }

    /// A new random key, base64.
    pub fn generate() -> String {
        BASE64.encode(Aes256Gcm::generate_key(OsRng))
    }

    fn wrap(&self, user_id: &str, key: &[u8]) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let mut bytes = nonce.to_vec();
        bytes.extend(
            self.cipher
                .encrypt(
                    &nonce,
                    Payload {
                        msg: key,
                        aad: user_id.as_bytes(),
                    },
                )
                .unwrap_or_default(),
        );
        bytes
    }

    fn unwrap_key(&self, user_id: &str, wrapped: &[u8]) -> Option<Vec<u8>> {
        if wrapped.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = wrapped.split_at(NONCE_LEN);
        let nonce = Nonce::from(<[u8; NONCE_LEN]>::try_from(nonce).ok()?);
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: user_id.as_bytes(),
                },
            )
            .ok()
    }

    /// The data key of a `user_keys` row (`user_id`, `wrapped_key`, `key_id`, `created_at`).
    fn data_key(&self, row: &sqlx::postgres::PgRow) -> Result<DataKey, PrivacyError> {
        let user_id: String = row.try_get("user_id")?;
        let wrapped: Vec<u8> = row.try_get("wrapped_key")?;
        let cipher = self
            .unwrap_key(&user_id, &wrapped)
            .and_then(|raw| Aes256Gcm::new_from_slice(&raw).ok())
            .ok_or(PrivacyError::KeyUnwrap(user_id))?;
        Ok(DataKey {
            cipher,
            id: row.try_get("key_id")?,
            created_at: row.try_get("created_at")?,
        })
    }
}

/// The KEK: configured (`HIJRAAH_KEK`), or on loopback a random one kept in `<data dir>/kek`.
/// Like the JWT secret, a server listening beyond this machine must be given one.
pub fn load_kek(configured: Option<&str>, data_dir: &Path, loopback_only: bool) -> anyhow::Result<Kek> {
    if let Some(configured) = configured {
        return Kek::from_base64(configured).context("HIJRAAH_KEK");
    }
    if !loopback_only {
        bail!(
            "HIJRAAH_KEK is not set and the server would listen beyond this machine: a generated key-encryption \
             key is only allowed on a loopback address; set HIJRAAH_KEK to base64 of 32 random bytes"
        );
    }
    let path = data_dir.join("kek");
    if let Ok(existing) = fs::read_to_string(&path)
        && !existing.trim().is_empty()
    {
        return Kek::from_base64(&existing).with_context(|| format!("{}", path.display()));
    }
    let encoded = Kek::generate();
    crate::auth::create_secret_file(data_dir, &path, &encoded)?;
    Kek::from_base64(&encoded)
}

/// Seals an event's personal fields for `subject` and names them in its metadata.
pub fn seal_event(event: &mut NewEvent, key: &DataKey, subject: &str) {
    let fields = personal_fields(&event.event_type);
    if fields.is_empty() {
        return;
    }
    for (field, kind) in fields {
        let Some(value) = event.data.get_mut(*field) else {
            continue;
        };
        let plaintext = match (kind, &*value) {
            (Kind::Text, Value::String(text)) => text.clone().into_bytes(),
            (Kind::Json, Value::Null) => continue,
            (Kind::Json, other) => other.to_string().into_bytes(),
            (Kind::Text, _) => continue,
        };
        *value = Value::String(key.seal(subject, &plaintext));
    }
    event.metadata.extra.insert("subject".to_owned(), json!(subject));
}

fn subject_of(envelope: &Envelope) -> Option<&str> {
    envelope.metadata.extra.get("subject").and_then(Value::as_str)
}

fn is_sealed(envelope: &Envelope) -> bool {
    personal_fields(&envelope.event_type).iter().any(|(field, _)| {
        envelope
            .data
            .get(*field)
            .and_then(Value::as_str)
            .is_some_and(|text| text.starts_with(SEALED_PREFIX))
    })
}

/// Whether `sealed` was sealed with a key of the user's that has since been destroyed (so it
/// reads as erased): its key id is not the current key's, or, without an id, it is older than
/// the current key.
fn sealed_with_destroyed_key(sealed: &str, key: &DataKey, recorded_at: chrono::DateTime<chrono::Utc>) -> bool {
    match parse_sealed(sealed) {
        Some(SealedWith::Key(id, _)) => id != key.id,
        Some(SealedWith::Unnamed(_)) => recorded_at < key.created_at,
        None => false,
    }
}

/// Opens an envelope's sealed fields with `key`, or redacts them when the key is gone.
fn unseal_envelope(envelope: &mut Envelope, key: Option<&DataKey>) -> Result<(), PrivacyError> {
    let subject = subject_of(envelope).unwrap_or_default().to_owned();
    let event_id = envelope.event_id;
    let recorded_at = envelope.recorded_at;
    for (field, kind) in personal_fields(&envelope.event_type) {
        let Some(value) = envelope.data.get_mut(*field) else {
            continue;
        };
        let Some(sealed) = value.as_str().filter(|text| text.starts_with(SEALED_PREFIX)) else {
            continue;
        };
        let key = key.filter(|key| !sealed_with_destroyed_key(sealed, key, recorded_at));
        *value = match (key, kind) {
            (None, Kind::Text) => json!(ERASED_TEXT),
            (None, Kind::Json) => json!({"erased": true}),
            (Some(key), kind) => {
                let plaintext = key.open(&subject, sealed).ok_or(PrivacyError::Corrupt(event_id))?;
                match kind {
                    Kind::Text => {
                        Value::String(String::from_utf8(plaintext).map_err(|_| PrivacyError::Corrupt(event_id))?)
                    }
                    Kind::Json => serde_json::from_slice(&plaintext).map_err(|_| PrivacyError::Corrupt(event_id))?,
                }
            }
        };
    }
    Ok(())
}

/// A personal field of a decoded event, opened or withheld in place.
enum Slot<'a> {
    Text(&'a mut String),
    Json(&'a mut Value),
}

impl Slot<'_> {
    fn sealed(&self) -> Option<&str> {
        match self {
            Slot::Text(text) => Some(text.as_str()),
            Slot::Json(value) => value.as_str(),
        }
        .filter(|text| text.starts_with(SEALED_PREFIX))
    }
}

/// The personal fields of a decoded event: the same fields [`personal_fields`] names for its
/// stored type (a test holds the two together).
fn slots(event: &mut Event) -> [Option<Slot<'_>>; 2] {
    match event {
        Event::UserRequestReceived(request) => [
            Some(Slot::Text(&mut request.content)),
            Some(Slot::Json(&mut request.context)),
        ],
        Event::AgentReplied(reply) => [
            Some(Slot::Text(&mut reply.content)),
            Some(Slot::Json(&mut reply.metadata)),
        ],
        Event::WorkflowStarted(started) => [Some(Slot::Json(&mut started.input)), None],
        Event::SignalReceived(signal) => [Some(Slot::Json(&mut signal.payload)), None],
        Event::StepCompleted(step) => [Some(Slot::Json(&mut step.output)), None],
        Event::WorkflowCompleted(completed) => [Some(Slot::Json(&mut completed.output)), None],
        Event::AnswerReviewed(review) => [Some(Slot::Text(&mut review.note)), None],
        Event::FeedbackGiven(given) => [Some(Slot::Text(&mut given.comment)), None],
        _ => [None, None],
    }
}

fn is_sealed_event(event: &mut Event) -> bool {
    slots(event).iter().flatten().any(|slot| slot.sealed().is_some())
}

/// [`unseal_envelope`] on an event decoded straight from its stored text: the same opened or
/// erased values, in the typed fields.
fn unseal_decoded_event(envelope: &Envelope, event: &mut Event, key: Option<&DataKey>) -> Result<(), PrivacyError> {
    let subject = subject_of(envelope).unwrap_or_default();
    let corrupt = || PrivacyError::Corrupt(envelope.event_id);
    for slot in slots(event).into_iter().flatten() {
        let Some(sealed) = slot.sealed() else { continue };
        let key = key.filter(|key| !sealed_with_destroyed_key(sealed, key, envelope.recorded_at));
        let plaintext = match key {
            Some(key) => Some(key.open(subject, sealed).ok_or_else(corrupt)?),
            None => None,
        };
        match (slot, plaintext) {
            (Slot::Text(text), None) => *text = ERASED_TEXT.to_owned(),
            (Slot::Json(value), None) => *value = json!({"erased": true}),
            (Slot::Text(text), Some(plaintext)) => *text = String::from_utf8(plaintext).map_err(|_| corrupt())?,
            (Slot::Json(value), Some(plaintext)) => {
                *value = serde_json::from_slice(&plaintext).map_err(|_| corrupt())?;
            }
        }
    }
    Ok(())
}

/// [`withhold`] on decoded events (each with the index of its envelope).
pub fn withhold_decoded(events: &mut [(usize, Event)]) {
    for (_, event) in events.iter_mut() {
        for slot in slots(event).into_iter().flatten() {
            if slot.sealed().is_none() {
                continue;
            }
            match slot {
                Slot::Text(text) => *text = WITHHELD_TEXT.to_owned(),
                Slot::Json(value) => *value = json!({"withheld": true}),
            }
        }
    }
}

/// What a withheld text reads as: an analyst's replay as of a moment never opens anyone's content.
pub const WITHHELD_TEXT: &str = "[withheld]";

/// Replaces every sealed field with a marker, without opening it: for copies of the read models
/// that must hold no one's text (an analyst's as-of schema).
pub fn withhold(envelopes: &mut [Envelope]) {
    for envelope in envelopes.iter_mut() {
        for (field, kind) in personal_fields(&envelope.event_type) {
            let Some(value) = envelope.data.get_mut(*field) else {
                continue;
            };
            if value.as_str().is_some_and(|text| text.starts_with(SEALED_PREFIX)) {
                *value = match kind {
                    Kind::Text => json!(WITHHELD_TEXT),
                    Kind::Json => json!({"withheld": true}),
                };
            }
        }
    }
}

/// The channel an erasure notifies (with the user id) when it commits: every server drops that
/// user's data key from its cache.
pub const KEY_DESTROYED_CHANNEL: &str = "hijraah_keys";

/// Data keys held for sealing, and for how long at most: an erasure on another server reaches
/// this one as a notification, and the age bound covers a notification lost in a reconnect.
const CACHED_KEYS: usize = 100_000;
const CACHED_KEY_AGE: std::time::Duration = std::time::Duration::from_secs(300);

type KeyCache = std::sync::Mutex<lru::LruCache<String, (DataKey, std::time::Instant)>>;

/// The user keys, behind the KEK.
#[derive(Clone)]
pub struct Vault {
    pool: PgPool,
    kek: Arc<Kek>,
    /// Keys for sealing only. Opening always reads `user_keys`, so an erased user's content
    /// never opens from a cache; sealing with a key destroyed a moment ago only writes content
    /// that reads as erased.
    sealing_keys: Arc<KeyCache>,
}

impl Vault {
    pub fn new(pool: PgPool, kek: Kek) -> Self {
        let capacity = std::num::NonZeroUsize::new(CACHED_KEYS).unwrap_or(std::num::NonZeroUsize::MIN);
        Self {
            pool,
            kek: Arc::new(kek),
            sealing_keys: Arc::new(std::sync::Mutex::new(lru::LruCache::new(capacity))),
        }
    }

    fn cached(&self, user_id: &str) -> Option<DataKey> {
        let mut keys = self
            .sealing_keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match keys.get(user_id) {
            Some((key, at)) if at.elapsed() < CACHED_KEY_AGE => Some(key.clone()),
            Some(_) => {
                keys.pop(user_id);
                None
            }
            None => None,
        }
    }

    fn remember(&self, user_id: &str, key: &DataKey) {
        self.sealing_keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .put(user_id.to_owned(), (key.clone(), std::time::Instant::now()));
    }

    /// Drops a user's key from this server's cache (after their erasure).
    pub fn forget(&self, user_id: &str) {
        self.sealing_keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop(user_id);
    }

    /// Follows erasures made anywhere (their notifications) and forgets those users' keys, until
    /// `shutdown`; on a lost connection it forgets every key, then listens again.
    pub async fn follow_erasures(self, pool: PgPool, shutdown: tokio_util::sync::CancellationToken) {
        while !shutdown.is_cancelled() {
            let listener = async {
                let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
                listener.listen(KEY_DESTROYED_CHANNEL).await?;
                Ok::<_, sqlx::Error>(listener)
            };
            if let Ok(mut listener) = listener.await {
                // Anything destroyed while we were not listening is forgotten too.
                self.sealing_keys
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .clear();
                loop {
                    tokio::select! {
                        notification = listener.recv() => match notification {
                            Ok(notification) => self.forget(notification.payload()),
                            Err(error) => {
                                tracing::warn!(%error, "lost the erasure notifications; listening again");
                                break;
                            }
                        },
                        _ = shutdown.cancelled() => return,
                    }
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                _ = shutdown.cancelled() => return,
            }
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The user's key, created on first use (held in this server's cache for sealing).
    pub async fn key_for_writing(&self, user_id: &str) -> Result<DataKey, PrivacyError> {
        if let Some(key) = self.cached(user_id) {
            return Ok(key);
        }
        let key = self.fetch_or_create(user_id).await?;
        self.remember(user_id, &key);
        Ok(key)
    }

    async fn fetch_or_create(&self, user_id: &str) -> Result<DataKey, PrivacyError> {
        let existing = sqlx::query("SELECT user_id, wrapped_key, key_id, created_at FROM user_keys WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = existing {
            return self.kek.data_key(&row);
        }
        let raw = Aes256Gcm::generate_key(OsRng);
        // Two first requests at once: one key wins, and the no-op update returns the winner's
        // row to the other (a plain DO NOTHING would return nothing, and a second SELECT in the
        // same statement would not see a row committed after it began).
        let row = sqlx::query(
            "INSERT INTO user_keys (user_id, wrapped_key, kek_fingerprint) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id
             RETURNING user_id, wrapped_key, key_id, created_at",
        )
        .bind(user_id)
        .bind(self.kek.wrap(user_id, &raw))
        .bind(&self.kek.fingerprint)
        .fetch_one(&self.pool)
        .await?;
        self.kek.data_key(&row)
    }

    /// Opens (or redacts) the sealed fields of a batch, fetching its users' keys at once.
    pub async fn unseal(&self, connection: &mut PgConnection, envelopes: &mut [Envelope]) -> Result<(), PrivacyError> {
        let mut subjects = HashSet::new();
        for envelope in envelopes.iter() {
            if is_sealed(envelope) {
                subjects.insert(
                    subject_of(envelope)
                        .ok_or(PrivacyError::NoSubject(envelope.event_id))?
                        .to_owned(),
                );
            }
        }
        let keys = self.keys_of(connection, subjects).await?;
        for envelope in envelopes.iter_mut() {
            if is_sealed(envelope) {
                let key = subject_of(envelope).and_then(|subject| keys.get(subject));
                unseal_envelope(envelope, key)?;
            }
        }
        Ok(())
    }

    /// [`Vault::unseal`] for events decoded straight from their stored text (each with the index
    /// of its envelope in `envelopes`): opens their personal fields in place.
    pub async fn unseal_decoded(
        &self,
        connection: &mut PgConnection,
        envelopes: &[Envelope],
        events: &mut [(usize, Event)],
    ) -> Result<(), PrivacyError> {
        let mut subjects = HashSet::new();
        for (index, event) in events.iter_mut() {
            if is_sealed_event(event) {
                let envelope = &envelopes[*index];
                subjects.insert(
                    subject_of(envelope)
                        .ok_or(PrivacyError::NoSubject(envelope.event_id))?
                        .to_owned(),
                );
            }
        }
        let keys = self.keys_of(connection, subjects).await?;
        for (index, event) in events.iter_mut() {
            if is_sealed_event(event) {
                let envelope = &envelopes[*index];
                let key = subject_of(envelope).and_then(|subject| keys.get(subject));
                unseal_decoded_event(envelope, event, key)?;
            }
        }
        Ok(())
    }

    /// The data keys of `subjects` that exist (an erased user's is gone), unwrapped.
    async fn keys_of(
        &self,
        connection: &mut PgConnection,
        subjects: HashSet<String>,
    ) -> Result<HashMap<String, DataKey>, PrivacyError> {
        let mut keys = HashMap::new();
        if subjects.is_empty() {
            return Ok(keys);
        }
        let subjects: Vec<String> = subjects.into_iter().collect();
        for row in sqlx::query("SELECT user_id, wrapped_key, key_id, created_at FROM user_keys WHERE user_id = ANY($1)")
            .bind(&subjects)
            .fetch_all(&mut *connection)
            .await?
        {
            keys.insert(row.try_get::<String, _>("user_id")?, self.kek.data_key(&row)?);
        }
        Ok(keys)
    }

    /// [`Vault::unseal`] on a pooled connection.
    pub async fn unseal_pooled(&self, envelopes: &mut [Envelope]) -> Result<(), PrivacyError> {
        let mut connection = self.pool.acquire().await?;
        self.unseal(&mut connection, envelopes).await
    }

    /// Destroys the user's key, in the caller's transaction, and tells every server to forget
    /// it when that transaction commits. True when there was one.
    pub async fn destroy(&self, connection: &mut PgConnection, user_id: &str) -> Result<bool, PrivacyError> {
        let deleted = sqlx::query("DELETE FROM user_keys WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *connection)
            .await?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(KEY_DESTROYED_CHANNEL)
            .bind(user_id)
            .execute(&mut *connection)
            .await?;
        self.forget(user_id);
        Ok(deleted.rows_affected() > 0)
    }

    /// Re-wraps every key wrapped by `old` under this vault's KEK. Returns how many.
    pub async fn rewrap_from(&self, old: &Kek) -> Result<u64, PrivacyError> {
        let mut transaction = self.pool.begin().await?;
        let rows = sqlx::query("SELECT user_id, wrapped_key FROM user_keys WHERE kek_fingerprint = $1 FOR UPDATE")
            .bind(&old.fingerprint)
            .fetch_all(&mut *transaction)
            .await?;
        let mut count = 0;
        for row in rows {
            let user_id: String = row.get("user_id");
            let raw = old
                .unwrap_key(&user_id, &row.get::<Vec<u8>, _>("wrapped_key"))
                .ok_or_else(|| PrivacyError::KeyUnwrap(user_id.clone()))?;
            sqlx::query("UPDATE user_keys SET wrapped_key = $2, kek_fingerprint = $3 WHERE user_id = $1")
                .bind(&user_id)
                .bind(self.kek.wrap(&user_id, &raw))
                .bind(&self.kek.fingerprint)
                .execute(&mut *transaction)
                .await?;
            count += 1;
        }
        transaction.commit().await?;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        DataKey {
            cipher: Aes256Gcm::new(&Aes256Gcm::generate_key(OsRng)),
            id: uuid::Uuid::new_v4(),
            created_at: chrono::Utc::now(),
        }
    }

    /// Every sealed type, opened (or erased, or withheld) through its JSON tree and through its
    /// decoded event, reads the same: the typed path the replay takes names the same fields.
    #[test]
    fn decoded_events_open_the_same_fields_as_their_stored_json() {
        use hijraah_domain::EventMetadata;
        let id = uuid::Uuid::now_v7();
        let bodies = [
            (
                "UserRequestReceived",
                json!({"message_id": id, "conversation_id": id, "user_id": "alice",
                "content": "زكاة مدخراتي؟", "language": "ar", "context": {"city": "Amman"}}),
            ),
            (
                "AgentReplied",
                json!({"message_id": id, "request_message_id": id, "agent_id": "k",
                "agent_type": "knowledge", "content": "2:183", "confidence": 0.9, "latency_ms": 3,
                "metadata": {"citations": ["quran:2:183"]}}),
            ),
            (
                "WorkflowStarted",
                json!({"run_id": id, "definition": {"name": "w", "steps": []},
                "input": {"amount": 3}, "started_by": "alice"}),
            ),
            (
                "SignalReceived",
                json!({"name": "ok", "payload": {"yes": true}, "by": "alice"}),
            ),
            (
                "StepCompleted",
                json!({"step_id": "s", "attempt": 1, "output": [1, 2], "duration_ms": 4}),
            ),
            ("WorkflowCompleted", json!({"output": "done"})),
            (
                "AnswerReviewed",
                json!({"message_id": id, "conversation_id": id, "verdict": "approved",
                "reviewer": "c", "run_id": id, "note": "fine"}),
            ),
            (
                "FeedbackGiven",
                json!({"message_id": id, "conversation_id": id, "agent_type": "knowledge",
                "helpful": true, "comment": "thanks", "revision": 1}),
            ),
        ];
        let alice = key();
        for (event_type, body) in bodies {
            let mut new = NewEvent {
                event_id: id,
                event_type: event_type.to_owned(),
                schema_version: 1,
                data: body,
                metadata: EventMetadata::default(),
            };
            seal_event(&mut new, &alice, "alice");
            assert!(!personal_fields(event_type).is_empty());
            let stored = Envelope {
                position: 1,
                stream_id: "s".into(),
                stream_version: 1,
                event_id: id,
                event_type: new.event_type.clone(),
                schema_version: 1,
                data: new.data.clone(),
                metadata: new.metadata.clone(),
                recorded_at: chrono::Utc::now(),
                hash: None,
                previous_hash: None,
            };
            let text = new.data.to_string();
            let decode = || Event::decode_text(event_type, 1, &text).expect(event_type);
            for key in [Some(&alice), None] {
                let mut tree = stored.clone();
                unseal_envelope(&mut tree, key).unwrap();
                let mut typed = decode();
                assert!(is_sealed_event(&mut typed), "{event_type}");
                unseal_decoded_event(&stored, &mut typed, key).unwrap();
                assert_eq!(typed, tree.decode().unwrap(), "{event_type}, key {}", key.is_some());
            }
            let mut tree = [stored.clone()];
            withhold(&mut tree);
            let mut typed = [(0, decode())];
            withhold_decoded(&mut typed);
            assert_eq!(typed[0].1, tree[0].decode().unwrap(), "{event_type} withheld");
        }
    }

    #[test]
    fn sealed_text_opens_only_with_its_key_and_subject() {
        let alice = key();
        let sealed = alice.seal("alice", "my secret".as_bytes());
        assert!(sealed.starts_with(SEALED_PREFIX) && !sealed.contains("secret"));
        assert_eq!(alice.open("alice", &sealed).as_deref(), Some("my secret".as_bytes()));
        assert_eq!(alice.open("bob", &sealed), None, "bound to its subject");
        assert_eq!(key().open("alice", &sealed), None, "another key");
    }

    #[test]
    fn values_sealed_with_a_destroyed_key_read_as_erased_not_corrupt() {
        let old = key();
        let new = key();
        let sealed = old.seal("alice", b"before the erasure");
        let now = chrono::Utc::now();
        assert!(sealed_with_destroyed_key(&sealed, &new, now), "another key id");
        assert!(!sealed_with_destroyed_key(&sealed, &old, now), "its own key");
        // A value sealed before key ids (`enc:v1:`) counts as the earlier key's when it is older
        // than the current key, and as the current key's (to open, or be corrupt) otherwise.
        let legacy = format!("{SEALED_V1}{}", sealed.rsplit(':').next().unwrap());
        assert_eq!(old.open("alice", &legacy).as_deref(), Some(&b"before the erasure"[..]));
        let before = new.created_at - chrono::Duration::seconds(1);
        assert!(sealed_with_destroyed_key(&legacy, &new, before));
        assert!(!sealed_with_destroyed_key(&legacy, &new, new.created_at));
    }

    #[test]
    fn wrapped_keys_unwrap_only_with_their_kek_and_user() {
        let kek = Kek::from_base64(&Kek::generate()).unwrap();
        let raw = [7u8; 32];
        let wrapped = kek.wrap("alice", &raw);
        assert_eq!(kek.unwrap_key("alice", &wrapped).as_deref(), Some(&raw[..]));
        assert!(kek.unwrap_key("bob", &wrapped).is_none());
        let other = Kek::from_base64(&Kek::generate()).unwrap();
        assert!(other.unwrap_key("alice", &wrapped).is_none());
        assert_ne!(kek.fingerprint, other.fingerprint);
        assert!(Kek::from_base64("c2hvcnQ=").is_err(), "32 bytes or nothing");
    }
}
