//! Tokens: HS256 JWTs with `sub` (user id), `role` and `exp`, and the rules for their secret.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use hijraah_domain::ids::UserId;
use hijraah_domain::user::Role;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub role: Role,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        roles.contains(&self.role)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not a valid HS256 token signed by this server")]
    Invalid,
    #[error("the token's role is not one of user, curator, analyst, admin")]
    UnknownRole,
    #[error("the token's subject is not a valid user id")]
    BadSubject,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(..)")
    }
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        // Only HS256: a token claiming `none` or an asymmetric algorithm is refused outright.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn mint(&self, user_id: &UserId, role: Role, ttl: Duration) -> anyhow::Result<String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        let claims = Claims {
            sub: user_id.as_str().to_owned(),
            role: role.as_str().to_owned(),
            exp: now + ttl.as_secs(),
            iat: Some(now),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|error| {
                match error.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                    _ => TokenError::Invalid,
                }
            })?;
        let role = data.claims.role.parse().map_err(|_| TokenError::UnknownRole)?;
        let user_id = UserId::parse(&data.claims.sub).map_err(|_| TokenError::BadSubject)?;
        Ok(Principal { user_id, role })
    }
}

/// 256 bits from the OS's random source, hex-encoded.
pub fn random_secret() -> String {
    // Two v4 UUIDs carry 244 random bits from getrandom; the hex keeps them all.
    let mut secret = String::with_capacity(64);
    for _ in 0..2 {
        secret.push_str(&hijraah_domain::hex(uuid::Uuid::new_v4().as_bytes()));
    }
    secret
}

/// The signing secret: `HIJRAAH_JWT_SECRET` when set; otherwise, and only when bound to loopback,
/// a random secret generated once and kept in `data_dir/jwt_secret`.
pub fn load_secret(configured: Option<&str>, data_dir: &Path, loopback_only: bool) -> anyhow::Result<String> {
    if let Some(secret) = configured {
        if secret.len() < 32 {
            bail!("HIJRAAH_JWT_SECRET must be at least 32 characters");
        }
        return Ok(secret.to_owned());
    }
    if !loopback_only {
        bail!(
            "HIJRAAH_JWT_SECRET is not set and the server would listen beyond this machine: \
             a generated secret is only allowed on a loopback address; set HIJRAAH_JWT_SECRET to a long random value"
        );
    }
    let path = data_dir.join("jwt_secret");
    if let Ok(secret) = fs::read_to_string(&path) {
        let secret = secret.trim();
        if !secret.is_empty() {
            return Ok(secret.to_owned());
        }
    }
    let secret = random_secret();
    create_secret_file(data_dir, &path, &secret)?;
    Ok(secret)
}

/// Writes a generated secret where only this user can read it (0600), never over an existing one.
pub fn create_secret_file(data_dir: &Path, path: &Path, contents: &str) -> anyhow::Result<()> {
    fs::create_dir_all(data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

/// Parses `--ttl` values like `90s`, `15m`, `1h`, `7d`.
pub fn parse_ttl(value: &str) -> anyhow::Result<Duration> {
    let value = value.trim();
    let split = value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: u64 = number
        .parse()
        .with_context(|| format!("`{value}` is not a duration like 1h"))?;
    let seconds = match unit {
        "" | "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        "d" => number * 86_400,
        other => bail!("unknown duration unit `{other}`: use s, m, h or d"),
    };
    if seconds == 0 {
        bail!("a token's lifetime must be positive");
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_verifies_and_carries_its_claims() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef");
        let alice = UserId::parse("alice").unwrap();
        let token = keys.mint(&alice, Role::Analyst, Duration::from_secs(60)).unwrap();
        assert_eq!(
            keys.verify(&token),
            Ok(Principal {
                user_id: alice,
                role: Role::Analyst
            })
        );
        let other = JwtKeys::new(b"another-secret-another-secret-xx");
        assert_eq!(other.verify(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn ttls_parse_with_units() {
        assert_eq!(parse_ttl("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_ttl("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_ttl("7d").unwrap(), Duration::from_secs(604_800));
        assert!(parse_ttl("0s").is_err());
        assert!(parse_ttl("1y").is_err());
        assert!(parse_ttl("h").is_err());
    }

    #[test]
    fn without_a_configured_secret_only_loopback_may_generate_one() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load_secret(None, dir.path(), false).is_err());
        let first = load_secret(None, dir.path(), true).unwrap();
        let second = load_secret(None, dir.path(), true).unwrap();
        assert_eq!(first, second, "the generated secret is kept in the data dir");
        assert_eq!(first.len(), 64);
        assert!(load_secret(Some("short"), dir.path(), false).is_err());
    }
}
