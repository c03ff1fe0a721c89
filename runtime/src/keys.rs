//! Signing and verification keys, prepared once when the manager is built.

use std::fmt;

use jsonwebtoken::crypto::CryptoProvider;
use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::algorithm::{Algorithm, KeyFamily};
use crate::error::{ConfigError, JwtError};

/// Key material as configured: a shared secret, or PEM text of a key pair.
#[derive(Clone, Default)]
pub(crate) struct KeyMaterial {
    pub(crate) secret: Option<Vec<u8>>,
    pub(crate) private_pem: Option<Vec<u8>>,
    pub(crate) public_pem: Option<Vec<u8>>,
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field(
                "private_pem",
                &self.private_pem.as_ref().map(|_| "<redacted>"),
            )
            .field("public_pem", &self.public_pem.is_some())
            .finish()
    }
}

/// The keys of one manager: what signs new tokens and what verifies incoming ones.
pub(crate) struct Keys {
    provider: &'static CryptoProvider,
    encoding: Result<EncodingKey, String>,
    decoding: DecodingKey,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys").finish_non_exhaustive()
    }
}

/// The crypto backend chosen by this crate's features (aws-lc-rs wins when
/// both are enabled, so enabling both never panics).
pub(crate) fn default_provider() -> Option<&'static CryptoProvider> {
    #[cfg(feature = "aws-lc-rs")]
    {
        Some(&jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER)
    }
    #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
    {
        Some(&jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER)
    }
    #[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
    {
        None
    }
}

impl Keys {
    /// Prepares the keys for `algorithm` (signing) and `decode_algorithms`
    /// (verification), checking that they fit together.
    pub(crate) fn new(
        material: &KeyMaterial,
        algorithm: Algorithm,
        decode_algorithms: &[Algorithm],
        provider: &'static CryptoProvider,
    ) -> Result<Self, ConfigError> {
        let family = algorithm.family();
        if let Some(other) = decode_algorithms.iter().find(|a| a.family() != family) {
            return Err(ConfigError::invalid(
                "JWT_DECODE_ALGORITHMS",
                format!(
                    "{other} needs a different kind of key than JWT_ALGORITHM {algorithm}; \
                     all decode algorithms must use the same key"
                ),
            ));
        }
        let (encoding, decoding) = if family == KeyFamily::Hmac {
            let secret = material
                .secret
                .as_deref()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    ConfigError::missing(
                        "JWT_SECRET_KEY",
                        format!("when using symmetric algorithm \"{algorithm}\""),
                    )
                })?;
            (
                Ok(EncodingKey::from_secret(secret)),
                DecodingKey::from_secret(secret),
            )
        } else {
            let public = material.public_pem.as_deref().ok_or_else(|| {
                ConfigError::missing(
                    "JWT_PUBLIC_KEY",
                    format!("to use asymmetric cryptography algorithm \"{algorithm}\""),
                )
            })?;
            let decoding = decoding_key(family, public)
                .map_err(|e| ConfigError::invalid("JWT_PUBLIC_KEY", e))?;
            let encoding = match material.private_pem.as_deref() {
                Some(private) => Ok(encoding_key(family, private)
                    .map_err(|e| ConfigError::invalid("JWT_PRIVATE_KEY", e))?),
                None => Err(format!(
                    "JWT_PRIVATE_KEY must be set to use asymmetric cryptography algorithm \"{algorithm}\""
                )),
            };
            (encoding, decoding)
        };
        let keys = Self {
            provider,
            encoding,
            decoding,
        };
        keys.check_pair(algorithm)?;
        Ok(keys)
    }

    /// Signs a probe with the private key and verifies it with the public key,
    /// so that a mismatched pair is a startup error, not a 422 on every request.
    fn check_pair(&self, algorithm: Algorithm) -> Result<(), ConfigError> {
        if self.encoding.is_err() {
            return Ok(());
        }
        let probe = b"actix-jwt-extended key check";
        let signature = self.sign(algorithm, probe).map_err(|e| {
            ConfigError::invalid(private_option(algorithm), format!("cannot sign: {e}"))
        })?;
        if self.verify(algorithm, probe, &signature) {
            Ok(())
        } else {
            Err(ConfigError::invalid(
                "JWT_PUBLIC_KEY",
                format!("does not verify what JWT_PRIVATE_KEY signs with {algorithm}"),
            ))
        }
    }

    /// Signs `message` with the encoding key; returns the raw signature.
    pub(crate) fn sign(&self, algorithm: Algorithm, message: &[u8]) -> Result<Vec<u8>, JwtError> {
        let key = self
            .encoding
            .as_ref()
            .map_err(|e| JwtError::Encode(e.clone()))?;
        let signer = (self.provider.signer_factory)(&algorithm.to_jsonwebtoken(), key)
            .map_err(|e| JwtError::Encode(e.to_string()))?;
        signer
            .try_sign(message)
            .map_err(|e| JwtError::Encode(e.to_string()))
    }

    /// Checks a raw signature over `message`. Any failure, including a key
    /// that does not fit the algorithm, is a mismatch.
    pub(crate) fn verify(&self, algorithm: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        match (self.provider.verifier_factory)(&algorithm.to_jsonwebtoken(), &self.decoding) {
            Ok(verifier) => verifier.verify(message, &signature.to_vec()).is_ok(),
            Err(_) => false,
        }
    }
}

fn private_option(algorithm: Algorithm) -> &'static str {
    if algorithm.is_asymmetric() {
        "JWT_PRIVATE_KEY"
    } else {
        "JWT_SECRET_KEY"
    }
}

fn decoding_key(family: KeyFamily, pem: &[u8]) -> Result<DecodingKey, String> {
    let key = match family {
        KeyFamily::Rsa => DecodingKey::from_rsa_pem(pem),
        KeyFamily::Ec => DecodingKey::from_ec_pem(pem),
        KeyFamily::Ed => DecodingKey::from_ed_pem(pem),
        KeyFamily::Hmac => unreachable_family(),
    };
    key.map_err(|e| format!("not a usable {family:?} public key in PEM form: {e}"))
}

fn encoding_key(family: KeyFamily, pem: &[u8]) -> Result<EncodingKey, String> {
    let key = match family {
        KeyFamily::Rsa => EncodingKey::from_rsa_pem(pem),
        KeyFamily::Ec => EncodingKey::from_ec_pem(pem),
        KeyFamily::Ed => EncodingKey::from_ed_pem(pem),
        KeyFamily::Hmac => unreachable_family(),
    };
    key.map_err(|e| {
        format!("not a usable {family:?} private key in PEM form (PKCS#8 is expected): {e}")
    })
}

fn unreachable_family<T>() -> jsonwebtoken::errors::Result<T> {
    Err(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat.into())
}
