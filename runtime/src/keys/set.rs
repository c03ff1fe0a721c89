//! The key set of a manager: the keys that verify, the key that signs, and
//! the usual headers of the tokens they sign. A set never changes: a change
//! (a rotation, a key added or removed, a JWKS refresh) makes a new set,
//! which the manager swaps in atomically for every worker.
//!
//! Which key verifies a token (its header's `alg` is already on the
//! allow-list):
//!
//! * A key verifies only the accepted algorithms it fits — its own `alg`
//!   when it has one, otherwise every accepted algorithm of its kind (an EC
//!   key: the one of its curve). A token never makes a key verify another
//!   algorithm, and a public key is never used as an HMAC secret.
//! * A token with a `kid` is verified by the live key with that `kid`; an
//!   unknown `kid` is refused ([`JwtError::UnknownKeyId`]).
//! * A token without a `kid` is verified by the one live key without a `kid`
//!   that fits its `alg` — or, when every key has a `kid`, by the one key
//!   that fits; several candidates are refused ([`JwtError::AmbiguousKey`]).
//! * A set that holds only the key of JWT_SECRET_KEY / JWT_PUBLIC_KEY
//!   behaves as before key sets: that key verifies every token, whatever its
//!   `kid` (as Flask-JWT-Extended does).
//! * A retired key verifies until its retirement time, then it is gone.
//! * A set without any key (a remote JWKS never fetched) verifies nothing
//!   ([`JwtError::KeysUnavailable`], 503).

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::error::JwtError;

use super::crypto::{Signer, Verifier, VerifyingMaterial};

/// Where a key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// JWT_SECRET_KEY or JWT_PUBLIC_KEY (and JWT_PRIVATE_KEY).
    Configured,
    /// JWT_PUBLIC_KEYS, or added or rotated in at runtime.
    Local,
    /// Fetched from a remote JWKS.
    Remote,
}

/// A key that verifies.
#[derive(Debug)]
pub(crate) struct SetKey {
    pub(crate) kid: Option<String>,
    pub(crate) material: VerifyingMaterial,
    pub(crate) verifier: Arc<Verifier>,
    /// The algorithm published with the key.
    pub(crate) algorithm: Algorithm,
    /// Retired: verifies until this UNIX time.
    pub(crate) until: Option<f64>,
    pub(crate) origin: Origin,
}

impl SetKey {
    fn live(&self, now: f64) -> bool {
        self.until.is_none_or(|until| now < until)
    }

    /// The key's public JWK (RFC 7517): `kty`, `kid`, `use`, `alg` and the
    /// public parameters; `None` for a secret, which is never published.
    pub(crate) fn public_jwk(&self) -> Option<Map<String, Value>> {
        let VerifyingMaterial::Public(key) = &self.material else {
            return None;
        };
        let mut jwk = key.required_members();
        if let Some(kid) = &self.kid {
            jwk.insert("kid".to_owned(), Value::from(kid.as_str()));
        }
        jwk.insert("use".to_owned(), Value::from("sig"));
        jwk.insert("alg".to_owned(), Value::from(self.algorithm.as_str()));
        Some(jwk)
    }
}

/// The key that signs new tokens.
#[derive(Debug)]
pub(crate) struct SigningKey {
    pub(crate) kid: Option<String>,
    pub(crate) signer: Signer,
}

/// A parsed JOSE header, shared by the tokens that carry it.
pub(crate) type Header = Arc<Map<String, Value>>;

/// The encoded JOSE headers this crate (and PyJWT) writes — the keys
/// sorted: `{"alg":"<alg>","typ":"JWT"}` for each accepted algorithm, and
/// `{"alg":…,"kid":…,"typ":"JWT"}` for the signing key — with their parsed
/// form: a token that carries one of them byte for byte skips decoding its
/// header.
#[derive(Debug, Default)]
pub(crate) struct KnownHeaders(Vec<(String, Algorithm, Header)>);

impl KnownHeaders {
    fn new(allowed: &[Algorithm], signing: Option<&SigningKey>) -> Self {
        let header = |algorithm: Algorithm, kid: Option<&str>| {
            let mut header = Map::new();
            header.insert("alg".to_owned(), Value::from(algorithm.as_str()));
            if let Some(kid) = kid {
                header.insert("kid".to_owned(), Value::from(kid));
            }
            header.insert("typ".to_owned(), Value::from("JWT"));
            let text = Value::Object(header.clone()).to_string();
            (URL_SAFE_NO_PAD.encode(text), algorithm, Arc::new(header))
        };
        let mut known: Vec<_> = allowed.iter().map(|&a| header(a, None)).collect();
        if let Some(signing) = signing
            && let Some(kid) = &signing.kid
        {
            known.insert(0, header(signing.signer.algorithm(), Some(kid)));
        }
        Self(known)
    }

    /// The algorithm and parsed form of a usual header.
    pub(crate) fn find(&self, segment: &str) -> Option<(Algorithm, Header)> {
        self.0
            .iter()
            .find(|(encoded, _, _)| encoded == segment)
            .map(|(_, algorithm, header)| (*algorithm, Arc::clone(header)))
    }
}

/// The keys of a manager at one moment.
#[derive(Debug)]
pub(crate) struct KeySet {
    keys: Vec<Arc<SetKey>>,
    signing: Result<Arc<SigningKey>, String>,
    known: KnownHeaders,
    allowed: Vec<Algorithm>,
}

impl KeySet {
    /// A set of `keys`, signing with `signing` (or unable to sign, for the
    /// reason given), accepting `allowed`.
    pub(crate) fn new(
        keys: Vec<Arc<SetKey>>,
        signing: Result<Arc<SigningKey>, String>,
        allowed: Vec<Algorithm>,
    ) -> Self {
        let known = KnownHeaders::new(&allowed, signing.as_deref().ok());
        Self {
            keys,
            signing,
            known,
            allowed,
        }
    }

    /// The keys, live or retired.
    pub(crate) fn keys(&self) -> &[Arc<SetKey>] {
        &self.keys
    }

    /// The accepted algorithms.
    pub(crate) fn allowed(&self) -> &[Algorithm] {
        &self.allowed
    }

    /// The signing key, or why there is none.
    pub(crate) fn signing(&self) -> Result<&Arc<SigningKey>, JwtError> {
        self.signing
            .as_ref()
            .map_err(|reason| JwtError::Encode(reason.clone()))
    }

    pub(crate) fn signing_result(&self) -> &Result<Arc<SigningKey>, String> {
        &self.signing
    }

    /// The usual headers of this set's tokens.
    pub(crate) fn known_headers(&self) -> &KnownHeaders {
        &self.known
    }

    /// Whether the set holds only the configured key (see the module
    /// documentation).
    fn is_configured_key_only(&self) -> bool {
        matches!(self.keys.as_slice(), [only] if only.origin == Origin::Configured)
    }

    /// The key that verifies a token of `algorithm` with `kid` at `now`.
    pub(crate) fn select(
        &self,
        algorithm: Algorithm,
        kid: Option<&str>,
        now: f64,
    ) -> Result<&SetKey, JwtError> {
        if self.is_configured_key_only() {
            return Ok(&self.keys[0]);
        }
        if self.keys.is_empty() {
            return Err(JwtError::KeysUnavailable);
        }
        let mut live = self.keys.iter().filter(|key| key.live(now));
        if let Some(kid) = kid {
            let key = live
                .find(|key| key.kid.as_deref() == Some(kid))
                .ok_or_else(|| JwtError::UnknownKeyId(printable(kid)))?;
            return if key.verifier.algorithms().contains(&algorithm) {
                Ok(key)
            } else {
                Err(JwtError::AlgorithmNotAllowed)
            };
        }
        let fitting: Vec<&Arc<SetKey>> = live
            .filter(|key| key.verifier.algorithms().contains(&algorithm))
            .collect();
        let unnamed: Vec<&&Arc<SetKey>> = fitting.iter().filter(|k| k.kid.is_none()).collect();
        let candidates: Vec<&Arc<SetKey>> = if unnamed.is_empty() {
            fitting
        } else {
            unnamed.into_iter().copied().collect()
        };
        match candidates.as_slice() {
            [one] => Ok(one),
            [] => Err(JwtError::InvalidSignature),
            _ => Err(JwtError::AmbiguousKey),
        }
    }

    /// The public JWKS (RFC 7517) of the live local keys — never a secret,
    /// never a key fetched from elsewhere.
    pub(crate) fn public_jwks(&self, now: f64) -> Value {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .filter(|key| key.live(now) && key.origin != Origin::Remote)
            .filter_map(|key| key.public_jwk().map(Value::Object))
            .collect();
        serde_json::json!({ "keys": keys })
    }
}

/// A `kid` as it may appear in a message: at most 64 printable ASCII
/// characters.
fn printable(kid: &str) -> String {
    kid.chars()
        .take(64)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(any(feature = "aws-lc-rs", feature = "rust-crypto"))]
    fn known_headers_are_the_usual_ones_of_the_accepted_algorithms_and_the_signing_kid() {
        // `{"alg":"HS256","typ":"JWT"}`, as PyJWT and this crate write it.
        let hs256 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
        let rs256 = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9";
        let provider = super::super::default_provider().unwrap();
        let signing = SigningKey {
            kid: Some("k1".to_owned()),
            signer: Signer::new(Algorithm::HS256, b"secret", provider).unwrap(),
        };
        let known = KnownHeaders::new(&[Algorithm::HS256, Algorithm::HS512], Some(&signing));
        let (algorithm, header) = known.find(hs256).unwrap();
        assert_eq!(algorithm, Algorithm::HS256);
        assert_eq!(
            Value::Object((*header).clone()).to_string(),
            r#"{"alg":"HS256","typ":"JWT"}"#
        );
        assert!(known.find(rs256).is_none(), "not an accepted algorithm");
        let with_kid = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","kid":"k1","typ":"JWT"}"#);
        assert_eq!(known.find(&with_kid).unwrap().1["kid"], "k1");
        // Same meaning, other bytes: decoded the general way.
        let spaced = URL_SAFE_NO_PAD.encode(r#"{"alg": "HS256", "typ": "JWT"}"#);
        assert!(known.find(&spaced).is_none());
    }

    #[test]
    fn printable_kids_are_short_and_plain() {
        assert_eq!(printable("a\u{0}b\u{e9}"), "a?b?");
        assert_eq!(printable(&"x".repeat(100)).len(), 64);
    }
}
