//! Keys: the manager's key set ([`set`]), built from the configuration and
//! changed at runtime — keys added, signing rotated, keys retired or
//! removed, remote keys refreshed — each change swapped in atomically for
//! every worker (readers take no lock).
//!
//! * [`public`]: public keys and their JWK form (RFC 7517, RFC 7638).
//! * [`crypto`]: signing and verifying with one key, prepared once.
//! * [`key`]: [`Key`], what an application hands in.

use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::ArcSwap;
use jsonwebtoken::crypto::CryptoProvider;
use serde_json::Value;

use crate::algorithm::{Algorithm, KeyFamily};
use crate::config::{JwtConfig, KeyMaterial};
use crate::error::ConfigError;

pub(crate) mod crypto;
pub(crate) mod key;
pub(crate) mod public;
pub(crate) mod set;

pub use key::Key;

use crypto::{Signer, Verifier, VerifyingMaterial};
use key::{KeyParts, jwk_parts};
use public::PublicKey;
use set::{KeySet, Origin, SetKey, SigningKey};

pub(crate) use crypto::default_provider;

/// A key's description, from [`JwtManager::keys`](crate::JwtManager::keys).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct KeyInfo {
    /// The key id, if the key has one.
    pub kid: Option<String>,
    /// The algorithm the key is published with.
    pub algorithm: Algorithm,
    /// Whether new tokens are signed with this key.
    pub signing: bool,
    /// For a retired key: the UNIX time until which it still verifies.
    pub retired_until: Option<f64>,
    /// Whether the key was fetched from a remote JWKS.
    pub remote: bool,
}

/// The manager's keys: the current set, and how to make the next one.
pub(crate) struct Keys {
    current: ArcSwap<KeySet>,
    /// Serialises changes (readers never wait for it).
    changing: Mutex<()>,
    provider: &'static CryptoProvider,
    /// JWT_ALGORITHM.
    algorithm: Algorithm,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("current", &self.current.load())
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// The keys of a configuration, checked: every problem is an error
    /// that names the option.
    /// `added` are the keys given to the builder; `remote` says whether
    /// keys will come from a remote JWKS.
    pub(crate) fn from_config(
        material: &KeyMaterial,
        added: &[Key],
        config: &JwtConfig,
        provider: &'static CryptoProvider,
        remote: bool,
    ) -> Result<Self, ConfigError> {
        let algorithm = config.algorithm;
        let allowed = config.allowed_algorithms();
        let family = algorithm.family();
        if let Some(other) = allowed.iter().find(|a| a.family() != family) {
            return Err(ConfigError::invalid(
                "JWT_DECODE_ALGORITHMS",
                format!(
                    "{other} needs a different kind of key than JWT_ALGORITHM {algorithm}; \
                     all decode algorithms must use the same key"
                ),
            ));
        }
        let mut keys = Vec::new();
        let signing = if family == KeyFamily::Hmac {
            let secret = material
                .secret_key
                .as_deref()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    ConfigError::missing(
                        "JWT_SECRET_KEY",
                        format!("when using symmetric algorithm \"{algorithm}\""),
                    )
                })?;
            let secret = VerifyingMaterial::Secret(secret.to_vec());
            keys.push(set_key(
                &secret,
                None,
                &allowed,
                algorithm,
                Origin::Configured,
                provider,
            ));
            for key in added {
                keys.push(
                    prepare(key, family, &allowed, algorithm, Origin::Local, provider)
                        .map_err(ConfigError::InvalidKey)?,
                );
            }
            Ok(Signer::new(
                algorithm,
                material.secret_key.as_deref().unwrap_or_default(),
                provider,
            )
            .map_err(|e| ConfigError::invalid("JWT_SECRET_KEY", e))?)
        } else {
            if let Some(pem) = &material.public_key_pem {
                let public = PublicKey::from_pem(family, pem)
                    .map_err(|e| ConfigError::invalid("JWT_PUBLIC_KEY", e))?;
                let kid = public.thumbprint();
                let public = VerifyingMaterial::Public(public);
                keys.push(set_key(
                    &public,
                    kid,
                    &allowed,
                    algorithm,
                    Origin::Configured,
                    provider,
                ));
            }
            if let Some(document) = &material.public_keys {
                for key in jwks_document(document)? {
                    let prepared =
                        prepare(&key, family, &allowed, algorithm, Origin::Local, provider)
                            .map_err(|e| ConfigError::invalid("JWT_PUBLIC_KEYS", e))?;
                    keys.push(prepared);
                }
            }
            for key in added {
                let family = key.algorithm.map_or(family, Algorithm::family);
                keys.push(
                    prepare(key, family, &allowed, algorithm, Origin::Local, provider)
                        .map_err(ConfigError::InvalidKey)?,
                );
            }
            if keys.is_empty() && !remote {
                return Err(ConfigError::missing(
                    "JWT_PUBLIC_KEY",
                    format!("to use asymmetric cryptography algorithm \"{algorithm}\""),
                ));
            }
            match material.private_key_pem.as_deref() {
                Some(private) => Ok(Signer::new(algorithm, private, provider)
                    .map_err(|e| ConfigError::invalid("JWT_PRIVATE_KEY", e))?),
                None => Err(format!(
                    "JWT_PRIVATE_KEY must be set to use asymmetric cryptography algorithm \"{algorithm}\""
                )),
            }
        };
        let signing = match signing {
            Ok(signer) => {
                let kid = verifying_key_of(&signer, &keys).ok_or_else(|| {
                    let option = if family == KeyFamily::Hmac {
                        "JWT_SECRET_KEY"
                    } else {
                        "JWT_PUBLIC_KEY"
                    };
                    ConfigError::invalid(
                        option,
                        format!("does not verify what JWT_PRIVATE_KEY signs with {algorithm}"),
                    )
                })?;
                Ok(Arc::new(SigningKey { kid, signer }))
            }
            Err(reason) => Err(reason),
        };
        let keys: Vec<Arc<SetKey>> = keys.into_iter().map(Arc::new).collect();
        let mut kids: Vec<&str> = keys.iter().filter_map(|k| k.kid.as_deref()).collect();
        kids.sort_unstable();
        if let Some(pair) = kids.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(ConfigError::InvalidKey(format!(
                "two keys have the id {:?}",
                pair[0]
            )));
        }
        Ok(Self {
            current: ArcSwap::from_pointee(KeySet::new(keys, signing, allowed)),
            changing: Mutex::new(()),
            provider,
            algorithm,
        })
    }

    /// The current set.
    pub(crate) fn load(&self) -> arc_swap::Guard<Arc<KeySet>> {
        self.current.load()
    }

    /// Makes the next set from the current one; `change` returns it, or an
    /// error that leaves the current set in place.
    fn change<T>(
        &self,
        change: impl FnOnce(&KeySet) -> Result<(KeySet, T), String>,
    ) -> Result<T, String> {
        let _changing = self.changing.lock().unwrap_or_else(PoisonError::into_inner);
        let (next, result) = change(&self.current.load())?;
        self.current.store(Arc::new(next));
        Ok(result)
    }

    /// Prepares a key of this manager.
    fn prepare(&self, key: &Key, allowed: &[Algorithm], origin: Origin) -> Result<SetKey, String> {
        let family = key.algorithm.unwrap_or(self.algorithm).family();
        prepare(key, family, allowed, self.algorithm, origin, self.provider)
    }

    /// The signing key of a key given for one token (an encode-key
    /// loader's): a secret or a key pair, for its algorithm or JWT_ALGORITHM.
    pub(crate) fn signer_for(&self, key: &Key) -> Result<SigningKey, String> {
        let algorithm = key.algorithm.unwrap_or(self.algorithm);
        if !self.load().allowed().contains(&algorithm) {
            return Err(format!("{algorithm} is not an accepted algorithm"));
        }
        let private = match &key.material {
            KeyParts::Secret(secret) => secret.as_slice(),
            KeyParts::Pair { private_pem, .. } => private_pem.as_slice(),
            KeyParts::Public(_) => return Err("a public key cannot sign".to_owned()),
        };
        let signer = Signer::new(algorithm, private, self.provider)?;
        let kid = match (&key.kid, &key.material) {
            (Some(kid), _) => Some(kid.clone()),
            (None, KeyParts::Pair { .. }) => match key.verifying(algorithm.family())? {
                VerifyingMaterial::Public(public) => public.thumbprint(),
                VerifyingMaterial::Secret(_) => None,
            },
            (None, _) => None,
        };
        Ok(SigningKey { kid, signer })
    }

    /// A set of just `key` (a decode-key loader's), which verifies every
    /// token whatever its `kid`, for the accepted algorithms it fits.
    pub(crate) fn single(&self, key: &Key) -> Result<KeySet, String> {
        let current = self.load();
        let allowed = current.allowed().to_vec();
        let prepared = self.prepare(key, &allowed, Origin::Configured)?;
        Ok(KeySet::new(
            vec![Arc::new(prepared)],
            Err("a key set of one loaded key does not sign".to_owned()),
            allowed,
        ))
    }

    /// Adds a verification key; returns its key id.
    pub(crate) fn add(&self, key: &Key, now: f64) -> Result<Option<String>, String> {
        self.change(|set| {
            let added = self.prepare(key, set.allowed(), Origin::Local)?;
            let kid = added.kid.clone();
            check_unique(set, kid.as_deref(), now)?;
            let mut keys = set.keys().to_vec();
            keys.push(Arc::new(added));
            let next = KeySet::new(keys, set.signing_result().clone(), set.allowed().to_vec());
            Ok((next, kid))
        })
    }

    /// Signs with `key` from now on (it verifies too); the key that signed
    /// until now keeps verifying until `retire_at` (`None`: until removed).
    pub(crate) fn rotate_signing(
        &self,
        key: &Key,
        retire_at: Option<f64>,
        now: f64,
    ) -> Result<Option<String>, String> {
        self.change(|set| {
            let algorithm = key.algorithm.unwrap_or(self.algorithm);
            if !set.allowed().contains(&algorithm) {
                return Err(format!("{algorithm} is not an accepted algorithm"));
            }
            let private = match &key.material {
                KeyParts::Secret(secret) => secret.as_slice(),
                KeyParts::Pair { private_pem, .. } => private_pem.as_slice(),
                KeyParts::Public(_) => return Err("a public key cannot sign".to_owned()),
            };
            let signer = Signer::new(algorithm, private, self.provider)?;
            let added = self.prepare(key, set.allowed(), Origin::Local)?;
            if verifying_key_of(&signer, std::slice::from_ref(&added)).is_none() {
                return Err("the public key does not verify what the private key signs".to_owned());
            }
            let kid = added.kid.clone();
            check_unique(set, kid.as_deref(), now)?;
            let old_signer_kid = set.signing_result().as_ref().ok().map(|s| s.kid.clone());
            let mut keys: Vec<Arc<SetKey>> = set
                .keys()
                .iter()
                .map(|existing| match &old_signer_kid {
                    // The key that signed until now is retired.
                    Some(old) if existing.kid == *old && existing.until.is_none() => {
                        Arc::new(retired(existing, retire_at))
                    }
                    _ => Arc::clone(existing),
                })
                .collect();
            keys.push(Arc::new(added));
            let signing = Ok(Arc::new(SigningKey {
                kid: kid.clone(),
                signer,
            }));
            Ok((KeySet::new(keys, signing, set.allowed().to_vec()), kid))
        })
    }

    /// Removes the keys with `kid` (the signing key cannot be removed).
    pub(crate) fn remove(&self, kid: &str) -> Result<bool, String> {
        self.change(|set| {
            if let Ok(signing) = set.signing_result()
                && signing.kid.as_deref() == Some(kid)
            {
                return Err("the signing key cannot be removed; rotate first".to_owned());
            }
            let keys: Vec<Arc<SetKey>> = set
                .keys()
                .iter()
                .filter(|key| key.kid.as_deref() != Some(kid))
                .cloned()
                .collect();
            let removed = keys.len() != set.keys().len();
            let next = KeySet::new(keys, set.signing_result().clone(), set.allowed().to_vec());
            Ok((next, removed))
        })
    }

    #[cfg_attr(not(feature = "remote-jwks"), allow(dead_code))]
    /// Replaces the keys fetched from a remote JWKS with `keys` (JWK
    /// objects already checked); returns how many were kept.
    pub(crate) fn replace_remote(&self, keys: &[Key]) -> usize {
        self.change(|set| {
            let mut next: Vec<Arc<SetKey>> = set
                .keys()
                .iter()
                .filter(|key| key.origin != Origin::Remote)
                .cloned()
                .collect();
            let mut kept = 0;
            for key in keys {
                match self.prepare(key, set.allowed(), Origin::Remote) {
                    Ok(prepared) => {
                        next.push(Arc::new(prepared));
                        kept += 1;
                    }
                    Err(reason) => tracing::warn!(
                        target: "actix_jwt_extended",
                        kid = key.kid.as_deref().unwrap_or("(none)"),
                        %reason,
                        "JWKS key ignored"
                    ),
                }
            }
            let next = KeySet::new(next, set.signing_result().clone(), set.allowed().to_vec());
            Ok((next, kept))
        })
        .unwrap_or(0)
    }

    /// Drops the keys whose retirement time has passed.
    pub(crate) fn prune(&self, now: f64) {
        let _ = self.change(|set| {
            let keys: Vec<Arc<SetKey>> = set
                .keys()
                .iter()
                .filter(|key| key.until.is_none_or(|until| now < until))
                .cloned()
                .collect();
            Ok((
                KeySet::new(keys, set.signing_result().clone(), set.allowed().to_vec()),
                (),
            ))
        });
    }

    /// Descriptions of the keys.
    pub(crate) fn info(&self) -> Vec<KeyInfo> {
        let set = self.load();
        let signing_kid = set.signing_result().as_ref().ok().map(|s| s.kid.clone());
        set.keys()
            .iter()
            .map(|key| KeyInfo {
                kid: key.kid.clone(),
                algorithm: key.algorithm,
                signing: key.until.is_none() && signing_kid.as_ref() == Some(&key.kid),
                retired_until: key.until,
                remote: key.origin == Origin::Remote,
            })
            .collect()
    }
}

/// A copy of `key` that verifies until `until` (`None`: until removed).
fn retired(key: &SetKey, until: Option<f64>) -> SetKey {
    SetKey {
        kid: key.kid.clone(),
        verifier: Arc::clone(&key.verifier),
        material: key.material.clone(),
        algorithm: key.algorithm,
        until: Some(until.unwrap_or(f64::INFINITY)),
        origin: key.origin,
    }
}

/// A second key with the same id as a live one would make `kid` ambiguous.
fn check_unique(set: &KeySet, kid: Option<&str>, now: f64) -> Result<(), String> {
    let Some(kid) = kid else { return Ok(()) };
    let taken = set
        .keys()
        .iter()
        .any(|key| key.kid.as_deref() == Some(kid) && key.until.is_none_or(|u| now < u));
    if taken {
        Err(format!("a key with the id {kid:?} is already in the set"))
    } else {
        Ok(())
    }
}

/// The id of the key among `keys` that verifies what `signer` signs, or
/// `None` when none does.
fn verifying_key_of(signer: &Signer, keys: &[SetKey]) -> Option<Option<String>> {
    let probe = b"actix-jwt-extended key check";
    let signature = signer.sign(probe).ok()?;
    keys.iter()
        .find(|key| key.verifier.verify(signer.algorithm(), probe, &signature))
        .map(|key| key.kid.clone())
}

/// A prepared verification key.
fn set_key(
    material: &VerifyingMaterial,
    kid: Option<String>,
    allowed: &[Algorithm],
    algorithm: Algorithm,
    origin: Origin,
    provider: &'static CryptoProvider,
) -> SetKey {
    let verifier = Arc::new(Verifier::new(material, allowed, provider));
    let published = if material.fits(algorithm) {
        algorithm
    } else {
        verifier.algorithms().first().copied().unwrap_or(algorithm)
    };
    SetKey {
        kid,
        material: material.clone(),
        verifier,
        algorithm: published,
        until: None,
        origin,
    }
}

/// Prepares `key` as a verification key of `family`, for the accepted
/// algorithms it fits (only its own, when it has one).
fn prepare(
    key: &Key,
    family: KeyFamily,
    allowed: &[Algorithm],
    signing_algorithm: Algorithm,
    origin: Origin,
    provider: &'static CryptoProvider,
) -> Result<SetKey, String> {
    let material = key.verifying(family)?;
    let algorithms: Vec<Algorithm> = match key.algorithm {
        Some(own) if allowed.contains(&own) => vec![own],
        Some(own) => return Err(format!("its algorithm {own} is not an accepted algorithm")),
        None => allowed.to_vec(),
    };
    let kid = key.kid.clone().or_else(|| match &material {
        VerifyingMaterial::Public(public) => public.thumbprint(),
        VerifyingMaterial::Secret(_) => None,
    });
    let prepared = set_key(
        &material,
        kid,
        &algorithms,
        signing_algorithm,
        origin,
        provider,
    );
    if prepared.verifier.algorithms().is_empty() {
        return Err("the key fits none of the accepted algorithms".to_owned());
    }
    Ok(prepared)
}

/// The keys of a JWKS document given as configuration (JWT_PUBLIC_KEYS):
/// every key must be usable.
fn jwks_document(document: &[u8]) -> Result<Vec<Key>, ConfigError> {
    let invalid = |reason: String| ConfigError::invalid("JWT_PUBLIC_KEYS", reason);
    let value: Value = serde_json::from_slice(document)
        .map_err(|e| invalid(format!("not a JWKS document: {e}")))?;
    let keys = value
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("not a JWKS document: no \"keys\" list".to_owned()))?;
    keys.iter()
        .enumerate()
        .map(|(index, jwk)| {
            let map = jwk
                .as_object()
                .ok_or_else(|| invalid(format!("key {index} is not a JSON object")))?;
            let (public, kid, algorithm) =
                jwk_parts(map).map_err(|e| invalid(format!("key {index}: {e}")))?;
            Ok(Key::from_parts(public, kid, algorithm))
        })
        .collect()
}
