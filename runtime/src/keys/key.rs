//! [`Key`]: a key an application hands to the manager at runtime — a
//! secret, a PEM key pair, a public key (PEM or JWK) — and key generation.

use std::fmt;

use serde_json::{Map, Value};

use crate::algorithm::{Algorithm, KeyFamily};

use super::crypto::VerifyingMaterial;
use super::public::PublicKey;

/// A key for the manager's key set: added with
/// [`JwtManager::add_key`](crate::JwtManager::add_key) (verification) or
/// installed with [`JwtManager::rotate_signing_key`](crate::JwtManager::rotate_signing_key)
/// (signing and verification).
///
/// Its key id (`kid`) is the one given with [`Key::kid`], or for a public
/// key its RFC 7638 thumbprint; a secret has none unless one is given.
///
/// ```
/// use actix_jwt_extended::{Algorithm, Key};
///
/// let secret = Key::secret("a new secret of reasonable length").kid("2026-12");
/// # #[cfg(feature = "aws-lc-rs")]
/// let pair = Key::generate(Algorithm::ES256).unwrap();
/// # let _ = (secret, pair);
/// ```
#[derive(Clone)]
pub struct Key {
    pub(crate) material: KeyParts,
    pub(crate) kid: Option<String>,
    pub(crate) algorithm: Option<Algorithm>,
}

/// What a [`Key`] holds.
#[derive(Clone)]
pub(crate) enum KeyParts {
    /// A shared secret: signs and verifies HS*.
    Secret(Vec<u8>),
    /// A private key (PKCS#8 PEM) and its public key.
    Pair {
        private_pem: Vec<u8>,
        public: PublicPart,
    },
    /// A public key only: verifies.
    Public(PublicPart),
}

/// A public key not yet parsed (PEM of a family to be decided), or parsed.
#[derive(Clone)]
pub(crate) enum PublicPart {
    Pem(Vec<u8>),
    Parsed(PublicKey),
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.material {
            KeyParts::Secret(_) => "secret",
            KeyParts::Pair { .. } => "key pair",
            KeyParts::Public(_) => "public key",
        };
        f.debug_struct("Key")
            .field("kind", &kind)
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl Key {
    /// An HMAC secret (HS256/384/512).
    pub fn secret(secret: impl AsRef<[u8]>) -> Self {
        Self::of(KeyParts::Secret(secret.as_ref().to_vec()))
    }

    /// A private key (PKCS#8 PEM) and its public key (PEM), for RS*, PS*,
    /// ES* or EdDSA.
    pub fn pem_pair(private_pem: impl AsRef<[u8]>, public_pem: impl AsRef<[u8]>) -> Self {
        Self::of(KeyParts::Pair {
            private_pem: private_pem.as_ref().to_vec(),
            public: PublicPart::Pem(public_pem.as_ref().to_vec()),
        })
    }

    /// A public key in PEM form: verifies only.
    pub fn public_pem(public_pem: impl AsRef<[u8]>) -> Self {
        Self::of(KeyParts::Public(PublicPart::Pem(
            public_pem.as_ref().to_vec(),
        )))
    }

    /// A public key as an RFC 7517 JWK (`{"kty": "RSA", "n": …, "e": …}`,
    /// EC P-256/P-384, or OKP Ed25519). Its `kid` and `alg` members are kept
    /// (an `alg` outside this crate's algorithms is an error); a JWK with
    /// private members, or marked `"use": "enc"`, is refused.
    pub fn jwk(jwk: &Value) -> Result<Self, String> {
        let map = jwk.as_object().ok_or("a JWK is a JSON object")?;
        let (key, kid, algorithm) = jwk_parts(map)?;
        Ok(Self::from_parts(key, kid, algorithm))
    }

    /// A new key pair for `algorithm` (RSA 2048 bits for RS*/PS*),
    /// generated with aws-lc-rs — e.g. for development, tests, or a rotation
    /// whose private key never leaves the process.
    #[cfg(feature = "aws-lc-rs")]
    pub fn generate(algorithm: Algorithm) -> Result<Self, String> {
        let (private_pem, public_pem) = generate::pair(algorithm)?;
        Ok(Self::pem_pair(private_pem, public_pem).algorithm(algorithm))
    }

    /// Sets the key id.
    #[must_use]
    pub fn kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// Binds the key to one algorithm: it signs (and verifies) only that
    /// one. Without it, a key verifies every accepted algorithm of its kind.
    #[must_use]
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = Some(algorithm);
        self
    }

    /// The private key in PEM form, for a key pair.
    pub fn private_pem(&self) -> Option<&[u8]> {
        match &self.material {
            KeyParts::Pair { private_pem, .. } => Some(private_pem),
            KeyParts::Secret(_) | KeyParts::Public(_) => None,
        }
    }

    /// A public key read from a JWK.
    pub(crate) fn from_parts(
        public: PublicKey,
        kid: Option<String>,
        algorithm: Option<Algorithm>,
    ) -> Self {
        Self {
            material: KeyParts::Public(PublicPart::Parsed(public)),
            kid,
            algorithm,
        }
    }

    fn of(material: KeyParts) -> Self {
        Self {
            material,
            kid: None,
            algorithm: None,
        }
    }

    /// What verifies with this key, for tokens of `family`.
    pub(crate) fn verifying(&self, family: KeyFamily) -> Result<VerifyingMaterial, String> {
        match &self.material {
            KeyParts::Secret(secret) if family == KeyFamily::Hmac => {
                Ok(VerifyingMaterial::Secret(secret.clone()))
            }
            KeyParts::Pair { public, .. } | KeyParts::Public(public)
                if family != KeyFamily::Hmac =>
            {
                Ok(VerifyingMaterial::Public(public.parse(family)?))
            }
            _ => Err(format!("a {family:?} key is needed")),
        }
    }
}

impl PublicPart {
    fn parse(&self, family: KeyFamily) -> Result<PublicKey, String> {
        match self {
            Self::Pem(pem) => PublicKey::from_pem(family, pem),
            Self::Parsed(key) if key.family() == family => Ok(key.clone()),
            Self::Parsed(key) => Err(format!(
                "a {family:?} key is needed, not a {:?} key",
                key.family()
            )),
        }
    }
}

/// The public key, `kid` and `alg` of a JWK, refusing encryption keys and
/// algorithms this crate does not know.
pub(crate) fn jwk_parts(
    jwk: &Map<String, Value>,
) -> Result<(PublicKey, Option<String>, Option<Algorithm>), String> {
    match jwk.get("use") {
        None => {}
        Some(Value::String(usage)) if usage == "sig" => {}
        Some(other) => return Err(format!("the key's \"use\" is {other}, not \"sig\"")),
    }
    if let Some(ops) = jwk.get("key_ops") {
        let verifies = ops
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op == "verify"));
        if !verifies {
            return Err("the key's \"key_ops\" do not include \"verify\"".to_owned());
        }
    }
    let kid = match jwk.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err("the key's \"kid\" is not a string".to_owned()),
    };
    let algorithm = match jwk.get("alg") {
        None => None,
        Some(Value::String(alg)) => Some(
            alg.parse::<Algorithm>()
                .map_err(|_| format!("the key's \"alg\" {alg:?} is not supported"))?,
        ),
        Some(_) => return Err("the key's \"alg\" is not a string".to_owned()),
    };
    let key = PublicKey::from_jwk(jwk)?;
    if let Some(algorithm) = algorithm
        && !key.fits(algorithm)
    {
        return Err(format!("the key does not fit its \"alg\" {algorithm}"));
    }
    Ok((key, kid, algorithm))
}

/// Key-pair generation with aws-lc-rs, written out as PEM.
#[cfg(feature = "aws-lc-rs")]
mod generate {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::{self, KeyPair as _};
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use crate::algorithm::{Algorithm, KeyFamily};

    fn pem(label: &str, der: &[u8]) -> Vec<u8> {
        let body = STANDARD.encode(der);
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|line| std::str::from_utf8(line).unwrap_or_default())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
        .into_bytes()
    }

    /// The PKCS#8 private key and SPKI public key of a new pair, as PEM.
    pub(super) fn pair(algorithm: Algorithm) -> Result<(Vec<u8>, Vec<u8>), String> {
        let failed = |e: aws_lc_rs::error::Unspecified| format!("key generation failed: {e}");
        let (private, public) = match algorithm.family() {
            KeyFamily::Rsa => {
                let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                    .map_err(failed)?;
                let private = pair.as_der().map_err(failed)?.as_ref().to_vec();
                let public = pair
                    .public_key()
                    .as_der()
                    .map_err(failed)?
                    .as_ref()
                    .to_vec();
                (private, public)
            }
            KeyFamily::Ec => {
                let alg = if algorithm == Algorithm::ES256 {
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING
                } else {
                    &signature::ECDSA_P384_SHA384_FIXED_SIGNING
                };
                let pair = signature::EcdsaKeyPair::generate(alg).map_err(failed)?;
                let private = pair.to_pkcs8v1().map_err(failed)?.as_ref().to_vec();
                let public = pair
                    .public_key()
                    .as_der()
                    .map_err(failed)?
                    .as_ref()
                    .to_vec();
                (private, public)
            }
            KeyFamily::Ed => {
                let pair = signature::Ed25519KeyPair::generate().map_err(failed)?;
                let private = pair.to_pkcs8v1().map_err(failed)?.as_ref().to_vec();
                let public = pair
                    .public_key()
                    .as_der()
                    .map_err(failed)?
                    .as_ref()
                    .to_vec();
                (private, public)
            }
            KeyFamily::Hmac => {
                return Err(format!("{algorithm} uses a shared secret: use Key::secret"));
            }
        };
        Ok((pem("PRIVATE KEY", &private), pem("PUBLIC KEY", &public)))
    }
}
