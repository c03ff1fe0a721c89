//! Keys of an identity provider: a remote JWKS (JWT_JWKS_URL), or the one
//! named by OpenID Connect discovery (JWT_OIDC_ISSUER), kept in the
//! manager's key set.
//!
//! The contract:
//!
//! * One background thread per manager fetches the keys — before
//!   [`JwtManagerBuilder::build`](crate::JwtManagerBuilder::build) returns
//!   unless JWT_JWKS_PREFETCH is off — and refreshes them after the
//!   response's `Cache-Control: max-age`, kept between JWT_JWKS_REFRESH_MIN
//!   and JWT_JWKS_REFRESH_MAX (JWT_JWKS_REFRESH_MAX without `max-age`).
//! * A token whose `kid` is unknown triggers a refetch, at most once per
//!   JWT_JWKS_COOLDOWN since the last fetch, and single-flight: every request
//!   that waits for a refetch waits for the same one. A flood of random
//!   `kid`s costs the provider at most one fetch per cool-down.
//! * A failed fetch keeps the previous keys (with a warning) and is retried
//!   with a growing delay; keys older than JWT_JWKS_MAX_STALENESS are
//!   dropped. With no keys, verification fails closed: 503
//!   `No verification keys are available`.
//! * A document is read up to 256 KiB within JWT_JWKS_TIMEOUT. Keys marked
//!   `"use": "enc"`, keys whose `alg` is not accepted, secrets, private and
//!   malformed keys are ignored with a warning, never a panic.
//! * HTTPS (rustls); plain `http://` only for loopback addresses.
//! * Discovery reads `<issuer>/.well-known/openid-configuration`, requires
//!   its `issuer` to be exactly the configured one, and uses its `jwks_uri`.

use std::net::IpAddr;
use std::sync::{Arc, Condvar, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::{Notify, watch};
use url::{Host, Url};

use crate::config::JwtConfig;
use crate::error::ConfigError;
use crate::keys::key::jwk_parts;
use crate::keys::{Key, Keys};

/// The largest JWKS or discovery document read.
const MAX_DOCUMENT: usize = 256 * 1024;
/// The first delay before retrying a failed fetch (it doubles up to
/// JWT_JWKS_REFRESH_MIN).
const FIRST_RETRY: Duration = Duration::from_secs(1);

/// Where the keys come from.
#[derive(Debug, Clone)]
enum Source {
    /// A JWKS URL.
    Jwks(Url),
    /// An issuer, whose discovery document names the JWKS URL.
    Issuer(String, Url),
}

/// The remote-key settings of a configuration.
#[derive(Debug, Clone)]
struct Settings {
    cooldown: Duration,
    refresh_min: Duration,
    refresh_max: Duration,
    staleness: Duration,
    timeout: Duration,
}

/// What the fetcher and the requests share.
struct State {
    /// When the last fetch started.
    last_attempt: Option<Instant>,
    /// When keys were last fetched successfully.
    last_success: Option<Instant>,
    /// A fetch was asked for and has not finished.
    requested: bool,
    /// Fetches finished (with or without success).
    finished: u64,
    /// The fetcher should stop (the manager is gone).
    stopping: bool,
}

struct Shared {
    source: Source,
    settings: Settings,
    state: Mutex<State>,
    /// Signalled when a fetch finishes (for the blocking prefetch).
    finished: Condvar,
    /// The count of finished fetches (for requests waiting in async code).
    done: watch::Sender<u64>,
    /// Wakes the fetcher for a refetch or to stop.
    wake: Notify,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A manager's remote key source; dropping it stops its fetcher.
pub(crate) struct RemoteKeys {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for RemoteKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteKeys")
            .field("source", &self.shared.source)
            .finish_non_exhaustive()
    }
}

impl Drop for RemoteKeys {
    fn drop(&mut self) {
        self.shared.lock().stopping = true;
        self.shared.wake.notify_one();
    }
}

/// A URL this crate may fetch keys from: https, or http to loopback.
fn checked_url(option: &'static str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw.trim())
        .map_err(|e| ConfigError::invalid(option, format!("{raw:?} is not a URL: {e}")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ConfigError::invalid(
            option,
            format!("{raw:?}: plain http is only allowed for loopback addresses; use https"),
        )),
        other => Err(ConfigError::invalid(
            option,
            format!("{raw:?}: unsupported scheme {other:?}"),
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The discovery document's URL of `issuer` (its trailing `/` removed).
fn discovery_url(issuer: &str) -> Result<Url, ConfigError> {
    let base = issuer.trim().trim_end_matches('/');
    checked_url(
        "JWT_OIDC_ISSUER",
        &format!("{base}/.well-known/openid-configuration"),
    )
}

impl RemoteKeys {
    /// The remote source of `config`, if one is configured, with its
    /// fetcher started (and, with JWT_JWKS_PREFETCH, its first fetch done).
    pub(crate) fn start(
        config: &JwtConfig,
        keys: &Arc<Keys>,
        on_change: Box<dyn Fn() + Send + Sync>,
    ) -> Result<Option<Self>, ConfigError> {
        let source = match (&config.jwks_url, &config.oidc_issuer) {
            (None, None) => return Ok(None),
            (Some(_), Some(_)) => {
                return Err(ConfigError::invalid(
                    "JWT_JWKS_URL",
                    "set JWT_JWKS_URL or JWT_OIDC_ISSUER, not both",
                ));
            }
            (Some(url), None) => Source::Jwks(checked_url("JWT_JWKS_URL", url)?),
            (None, Some(issuer)) => Source::Issuer(issuer.clone(), discovery_url(issuer)?),
        };
        if config.jwks_refresh_min > config.jwks_refresh_max {
            return Err(ConfigError::invalid(
                "JWT_JWKS_REFRESH_MIN",
                "must not be longer than JWT_JWKS_REFRESH_MAX",
            ));
        }
        let (done, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            source,
            settings: Settings {
                cooldown: config.jwks_cooldown,
                refresh_min: config.jwks_refresh_min,
                refresh_max: config.jwks_refresh_max,
                staleness: config.jwks_max_staleness,
                timeout: config.jwks_timeout,
            },
            state: Mutex::new(State {
                last_attempt: None,
                last_success: None,
                requested: true,
                finished: 0,
                stopping: false,
            }),
            finished: Condvar::new(),
            done,
            wake: Notify::new(),
        });
        let fetcher = Fetcher {
            shared: Arc::clone(&shared),
            keys: Arc::downgrade(keys),
            on_change,
        };
        std::thread::Builder::new()
            .name("actix-jwt-extended-jwks".to_owned())
            .spawn(move || fetcher.run())
            .map_err(|e| {
                ConfigError::invalid("JWT_JWKS_URL", format!("cannot start the fetcher: {e}"))
            })?;
        let remote = Self { shared };
        if config.jwks_prefetch {
            remote.wait_for_first_fetch();
        }
        Ok(Some(remote))
    }

    /// Blocks until the first fetch has finished, or the fetch timeout (and
    /// a little) has passed.
    fn wait_for_first_fetch(&self) {
        let shared = &self.shared;
        let deadline = shared.settings.timeout * 2 + Duration::from_secs(1);
        let state = shared.lock();
        let _ = shared
            .finished
            .wait_timeout_while(state, deadline, |state| state.finished == 0);
    }

    /// Refetches the keys for a token with an unknown `kid`, unless the
    /// cool-down since the last fetch has not passed; waits for the fetch
    /// (the one already under way, if any). `true` when a fetch finished.
    pub(crate) async fn refetch(&self) -> bool {
        let shared = &self.shared;
        let mut done = shared.done.subscribe();
        let seen = *done.borrow_and_update();
        {
            let mut state = shared.lock();
            if !state.requested {
                let cooling = state
                    .last_attempt
                    .is_some_and(|at| at.elapsed() < shared.settings.cooldown);
                if cooling {
                    return false;
                }
                state.requested = true;
                shared.wake.notify_one();
            }
        }
        let wait = async {
            while *done.borrow_and_update() == seen {
                if done.changed().await.is_err() {
                    return false;
                }
            }
            true
        };
        tokio::time::timeout(shared.settings.timeout * 2, wait)
            .await
            .unwrap_or(false)
    }
}

/// The background fetcher of one manager.
struct Fetcher {
    shared: Arc<Shared>,
    keys: Weak<Keys>,
    on_change: Box<dyn Fn() + Send + Sync>,
}

impl Fetcher {
    fn run(self) {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => {
                tracing::error!(target: "actix_jwt_extended", %error, "JWKS fetcher cannot start");
                return;
            }
        };
        runtime.block_on(self.serve());
    }

    async fn serve(self) {
        let shared = &self.shared;
        let client = match client(shared.settings.timeout) {
            Ok(client) => client,
            Err(error) => {
                tracing::error!(target: "actix_jwt_extended", %error, "JWKS client cannot start");
                return;
            }
        };
        let mut retry = FIRST_RETRY;
        loop {
            if shared.lock().stopping {
                return;
            }
            shared.lock().last_attempt = Some(Instant::now());
            let next = match self.fetch(&client).await {
                Ok(max_age) => {
                    retry = FIRST_RETRY;
                    shared.lock().last_success = Some(Instant::now());
                    max_age
                        .unwrap_or(shared.settings.refresh_max)
                        .clamp(shared.settings.refresh_min, shared.settings.refresh_max)
                }
                Err(error) => {
                    tracing::warn!(
                        target: "actix_jwt_extended",
                        %error,
                        "JWKS fetch failed; the previous keys stay in use"
                    );
                    self.drop_stale_keys();
                    let delay = retry;
                    retry = (retry * 2).min(shared.settings.refresh_min.max(FIRST_RETRY));
                    delay
                }
            };
            {
                let mut state = shared.lock();
                state.requested = false;
                state.finished += 1;
                shared.finished.notify_all();
                shared.done.send_replace(state.finished);
            }
            if self.keys.strong_count() == 0 {
                return;
            }
            let _ = tokio::time::timeout(next, shared.wake.notified()).await;
        }
    }

    /// Drops the remote keys once they are older than the staleness bound.
    fn drop_stale_keys(&self) {
        let stale = {
            let state = self.shared.lock();
            state
                .last_success
                .is_none_or(|at| at.elapsed() > self.shared.settings.staleness)
        };
        if stale && let Some(keys) = self.keys.upgrade() {
            keys.replace_remote(&[]);
            (self.on_change)();
        }
    }

    /// One fetch (discovery first, for an issuer); the keys' `max-age`.
    async fn fetch(&self, client: &reqwest::Client) -> Result<Option<Duration>, String> {
        let url = match &self.shared.source {
            Source::Jwks(url) => url.clone(),
            Source::Issuer(issuer, discovery) => {
                let (document, _) = get_json(client, discovery).await?;
                let found = document.get("issuer").and_then(Value::as_str);
                if found != Some(issuer.as_str()) {
                    return Err(format!(
                        "the discovery document's issuer {found:?} is not the configured \
                         JWT_OIDC_ISSUER {issuer:?}"
                    ));
                }
                let jwks_uri = document
                    .get("jwks_uri")
                    .and_then(Value::as_str)
                    .ok_or("the discovery document has no jwks_uri")?;
                checked_url("JWT_OIDC_ISSUER", jwks_uri).map_err(|e| e.to_string())?
            }
        };
        let (document, max_age) = get_json(client, &url).await?;
        let keys = parse_jwks(&document)?;
        let Some(holder) = self.keys.upgrade() else {
            return Ok(max_age);
        };
        let before: Vec<Option<String>> = remote_kids(&holder);
        let kept = holder.replace_remote(&keys);
        let after = remote_kids(&holder);
        if before.iter().any(|kid| !after.contains(kid)) {
            (self.on_change)();
        }
        tracing::debug!(target: "actix_jwt_extended", keys = kept, %url, "JWKS fetched");
        Ok(max_age)
    }
}

fn remote_kids(keys: &Keys) -> Vec<Option<String>> {
    keys.info()
        .into_iter()
        .filter(|info| info.remote)
        .map(|info| info.kid)
        .collect()
}

/// The keys of a JWKS document; unusable keys are skipped with a warning.
fn parse_jwks(document: &Value) -> Result<Vec<Key>, String> {
    let keys = document
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("not a JWKS document: no \"keys\" list")?;
    let mut usable = Vec::new();
    for (index, jwk) in keys.iter().enumerate() {
        let parsed = jwk
            .as_object()
            .ok_or_else(|| "not a JSON object".to_owned())
            .and_then(jwk_parts);
        match parsed {
            Ok((public, kid, algorithm)) => usable.push(Key::from_parts(public, kid, algorithm)),
            Err(reason) => tracing::warn!(
                target: "actix_jwt_extended",
                index,
                %reason,
                "JWKS key ignored"
            ),
        }
    }
    Ok(usable)
}

fn client(timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        // A redirect could leave https, or loopback.
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("actix-jwt-extended/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// GETs a JSON document of at most [`MAX_DOCUMENT`] bytes; also returns its
/// `Cache-Control: max-age`.
async fn get_json(
    client: &reqwest::Client,
    url: &Url,
) -> Result<(Value, Option<Duration>), String> {
    let failed = |e: reqwest::Error| format!("{url}: {e}");
    let mut response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(failed)?;
    if !response.status().is_success() {
        return Err(format!("{url}: status {}", response.status()));
    }
    let max_age = response
        .headers()
        .get(reqwest::header::CACHE_CONTROL)
        .and_then(|value| value.to_str().ok())
        .and_then(max_age);
    if response
        .content_length()
        .is_some_and(|length| length > MAX_DOCUMENT as u64)
    {
        return Err(format!(
            "{url}: the document is larger than {MAX_DOCUMENT} bytes"
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        if body.len() + chunk.len() > MAX_DOCUMENT {
            return Err(format!(
                "{url}: the document is larger than {MAX_DOCUMENT} bytes"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let document = serde_json::from_slice(&body).map_err(|e| format!("{url}: not JSON: {e}"))?;
    Ok((document, max_age))
}

/// The `max-age` of a `Cache-Control` value.
fn max_age(cache_control: &str) -> Option<Duration> {
    cache_control.split(',').find_map(|directive| {
        let (name, value) = directive.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| value.trim().trim_matches('"').parse().ok())
            .flatten()
            .map(Duration::from_secs)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_https_or_loopback_http() {
        assert!(checked_url("X", "https://idp.example/jwks").is_ok());
        assert!(checked_url("X", "http://127.0.0.1:8080/jwks").is_ok());
        assert!(checked_url("X", "http://[::1]/jwks").is_ok());
        assert!(checked_url("X", "http://localhost/jwks").is_ok());
        for bad in [
            "http://idp.example/jwks",
            "ftp://x/",
            "not a url",
            "file:///etc/x",
        ] {
            assert_eq!(
                checked_url("JWT_JWKS_URL", bad).unwrap_err().option(),
                Some("JWT_JWKS_URL")
            );
        }
    }

    #[test]
    fn discovery_urls() {
        assert_eq!(
            discovery_url("https://idp.example/realms/a/")
                .unwrap()
                .as_str(),
            "https://idp.example/realms/a/.well-known/openid-configuration"
        );
    }

    #[test]
    fn cache_control_max_age() {
        assert_eq!(
            max_age("public, max-age=300"),
            Some(Duration::from_secs(300))
        );
        assert_eq!(max_age("Max-Age=\"60\""), Some(Duration::from_secs(60)));
        assert_eq!(max_age("no-store"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }

    #[test]
    fn unusable_keys_are_skipped() {
        let document = serde_json::json!({"keys": [
            1,
            {"kty": "EC", "crv": "P-256", "x": "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
             "y": "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM", "use": "enc", "kid": "1"},
            {"kty": "oct", "k": "c2VjcmV0", "kid": "secret"},
            {"kty": "RSA", "n": "AA", "e": "AQAB", "kid": "short", "alg": "RS1024"},
            {"kty": "EC", "crv": "P-256", "x": "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
             "y": "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM", "kid": "good", "alg": "ES256"}
        ]});
        let keys = parse_jwks(&document).unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].kid.as_deref(), Some("good"));
        assert!(parse_jwks(&serde_json::json!({"keys": "no"})).is_err());
    }
}
