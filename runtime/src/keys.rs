//! Signing and verification keys, prepared once when the manager is built.

use std::fmt;

use jsonwebtoken::crypto::CryptoProvider;
use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::algorithm::{Algorithm, KeyFamily};
use crate::config::KeyMaterial;
use crate::error::{ConfigError, JwtError};

/// The keys of one manager: what signs new tokens and what verifies incoming ones.
pub(crate) struct Keys {
    provider: &'static CryptoProvider,
    encoding: Result<EncodingKey, String>,
    decoding: DecodingKey,
    /// With the built-in aws-lc-rs provider: a signer and one verifier per
    /// accepted algorithm, prepared once here instead of on every call.
    #[cfg(feature = "aws-lc-rs")]
    prepared: Option<prepared::Prepared>,
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
                .secret_key
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
            let public = material.public_key_pem.as_deref().ok_or_else(|| {
                ConfigError::missing(
                    "JWT_PUBLIC_KEY",
                    format!("to use asymmetric cryptography algorithm \"{algorithm}\""),
                )
            })?;
            let decoding = decoding_key(family, public)
                .map_err(|e| ConfigError::invalid("JWT_PUBLIC_KEY", e))?;
            let encoding = match material.private_key_pem.as_deref() {
                Some(private) => Ok(encoding_key(family, private)
                    .map_err(|e| ConfigError::invalid("JWT_PRIVATE_KEY", e))?),
                None => Err(format!(
                    "JWT_PRIVATE_KEY must be set to use asymmetric cryptography algorithm \"{algorithm}\""
                )),
            };
            (encoding, decoding)
        };
        #[cfg(feature = "aws-lc-rs")]
        let prepared = prepared::Prepared::new(
            provider,
            algorithm,
            decode_algorithms,
            encoding.as_ref().ok(),
            &decoding,
        );
        let keys = Self {
            provider,
            encoding,
            decoding,
            #[cfg(feature = "aws-lc-rs")]
            prepared,
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
        #[cfg(feature = "aws-lc-rs")]
        if let Some(signature) = self
            .prepared
            .as_ref()
            .and_then(|prepared| prepared.sign(algorithm, message))
        {
            return signature;
        }
        let signer = (self.provider.signer_factory)(&algorithm.to_jsonwebtoken(), key)
            .map_err(|e| JwtError::Encode(e.to_string()))?;
        signer
            .try_sign(message)
            .map_err(|e| JwtError::Encode(e.to_string()))
    }

    /// Checks a raw signature over `message`. Any failure, including a key
    /// that does not fit the algorithm, is a mismatch.
    pub(crate) fn verify(&self, algorithm: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        #[cfg(feature = "aws-lc-rs")]
        if let Some(prepared) = &self.prepared {
            return prepared.verify(algorithm, message, signature);
        }
        self.verify_with_provider(algorithm, message, signature)
    }

    /// The generic path: builds the provider's verifier for this call. Used
    /// for the RustCrypto backend and for custom providers.
    pub(crate) fn verify_with_provider(
        &self,
        algorithm: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> bool {
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

/// Signers and verifiers of the built-in aws-lc-rs provider, prepared once.
///
/// They use exactly the primitives of jsonwebtoken's aws-lc-rs backend (the
/// same HMAC, RSA padding and key-size range, ECDSA fixed-size signatures and
/// Ed25519), on keys parsed from the same bytes: only the per-call parsing
/// and allocation are gone.
#[cfg(feature = "aws-lc-rs")]
mod prepared {
    use aws_lc_rs::{hmac, rand, signature};
    use jsonwebtoken::crypto::CryptoProvider;
    use jsonwebtoken::{DecodingKey, EncodingKey};

    use crate::algorithm::Algorithm;
    use crate::error::JwtError;

    /// A verifier for one algorithm.
    enum Verifier {
        /// Boxed: an HMAC key holds its prepared contexts (over 1 KiB).
        Hmac(Box<hmac::Key>),
        Public(signature::ParsedPublicKey),
        /// The key does not fit this algorithm (e.g. a P-256 key with
        /// ES384): every signature is a mismatch, as with jsonwebtoken.
        Unusable,
    }

    /// The signer of the configured algorithm.
    enum Signer {
        Hmac(Box<hmac::Key>),
        Rsa(
            signature::RsaKeyPair,
            &'static dyn signature::RsaEncoding,
            rand::SystemRandom,
        ),
        Ecdsa(signature::EcdsaKeyPair, rand::SystemRandom),
        Ed(signature::Ed25519KeyPair),
    }

    pub(super) struct Prepared {
        /// Indexed by `Algorithm as usize`; `None` for algorithms that are
        /// not accepted.
        verifiers: [Option<Verifier>; Algorithm::ALL.len()],
        signer: Option<(Algorithm, Signer)>,
    }

    fn hmac_algorithm(algorithm: Algorithm) -> Option<hmac::Algorithm> {
        match algorithm {
            Algorithm::HS256 => Some(hmac::HMAC_SHA256),
            Algorithm::HS384 => Some(hmac::HMAC_SHA384),
            Algorithm::HS512 => Some(hmac::HMAC_SHA512),
            _ => None,
        }
    }

    fn verification_algorithm(
        algorithm: Algorithm,
    ) -> Option<&'static dyn signature::VerificationAlgorithm> {
        Some(match algorithm {
            Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
            Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
            Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
            Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
            Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
            Algorithm::EdDSA => &signature::ED25519,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => return None,
        })
    }

    fn signer(algorithm: Algorithm, key: &[u8]) -> Option<Signer> {
        if let Some(hmac) = hmac_algorithm(algorithm) {
            return Some(Signer::Hmac(Box::new(hmac::Key::new(hmac, key))));
        }
        let rsa = |encoding: &'static dyn signature::RsaEncoding| {
            signature::RsaKeyPair::from_der(key)
                .ok()
                .map(|pair| Signer::Rsa(pair, encoding, rand::SystemRandom::new()))
        };
        let ecdsa = |alg: &'static signature::EcdsaSigningAlgorithm| {
            signature::EcdsaKeyPair::from_pkcs8(alg, key)
                .ok()
                .map(|pair| Signer::Ecdsa(pair, rand::SystemRandom::new()))
        };
        match algorithm {
            Algorithm::RS256 => rsa(&signature::RSA_PKCS1_SHA256),
            Algorithm::RS384 => rsa(&signature::RSA_PKCS1_SHA384),
            Algorithm::RS512 => rsa(&signature::RSA_PKCS1_SHA512),
            Algorithm::PS256 => rsa(&signature::RSA_PSS_SHA256),
            Algorithm::PS384 => rsa(&signature::RSA_PSS_SHA384),
            Algorithm::PS512 => rsa(&signature::RSA_PSS_SHA512),
            Algorithm::ES256 => ecdsa(&signature::ECDSA_P256_SHA256_FIXED_SIGNING),
            Algorithm::ES384 => ecdsa(&signature::ECDSA_P384_SHA384_FIXED_SIGNING),
            Algorithm::EdDSA => signature::Ed25519KeyPair::from_pkcs8(key)
                .ok()
                .map(Signer::Ed),
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => None,
        }
    }

    impl Prepared {
        /// Prepares everything, or `None` when `provider` is not the
        /// built-in aws-lc-rs one (a custom provider is always honoured).
        pub(super) fn new(
            provider: &'static CryptoProvider,
            algorithm: Algorithm,
            decode_algorithms: &[Algorithm],
            encoding: Option<&EncodingKey>,
            decoding: &DecodingKey,
        ) -> Option<Self> {
            if !std::ptr::eq(provider, &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER) {
                return None;
            }
            let key = decoding.try_get_as_bytes().ok()?;
            let mut verifiers: [Option<Verifier>; Algorithm::ALL.len()] = Default::default();
            for &alg in decode_algorithms {
                let verifier = match (hmac_algorithm(alg), verification_algorithm(alg)) {
                    (Some(hmac), _) => Verifier::Hmac(Box::new(hmac::Key::new(hmac, key))),
                    (None, Some(public)) => signature::ParsedPublicKey::new(public, key)
                        .map_or(Verifier::Unusable, Verifier::Public),
                    (None, None) => Verifier::Unusable,
                };
                verifiers[alg as usize] = Some(verifier);
            }
            let signer = encoding
                .and_then(|key| signer(algorithm, key.as_bytes()))
                .map(|signer| (algorithm, signer));
            Some(Self { verifiers, signer })
        }

        /// Checks a raw signature; an algorithm that is not accepted, or a
        /// key that does not fit it, is a mismatch.
        pub(super) fn verify(&self, algorithm: Algorithm, message: &[u8], sig: &[u8]) -> bool {
            match &self.verifiers[algorithm as usize] {
                Some(Verifier::Hmac(key)) => hmac::verify(key, message, sig).is_ok(),
                Some(Verifier::Public(key)) => key.verify_sig(message, sig).is_ok(),
                Some(Verifier::Unusable) | None => false,
            }
        }

        /// Signs with the prepared signer; `None` when `algorithm` is not the
        /// one it was prepared for (the caller then uses the provider).
        pub(super) fn sign(
            &self,
            algorithm: Algorithm,
            message: &[u8],
        ) -> Option<Result<Vec<u8>, JwtError>> {
            let (prepared_for, signer) = self.signer.as_ref()?;
            if *prepared_for != algorithm {
                return None;
            }
            let failed = |e: aws_lc_rs::error::Unspecified| JwtError::Encode(e.to_string());
            Some(match signer {
                Signer::Hmac(key) => Ok(hmac::sign(key, message).as_ref().to_vec()),
                Signer::Rsa(pair, encoding, rng) => {
                    let mut signature = vec![0; pair.public_modulus_len()];
                    pair.sign(*encoding, rng, message, &mut signature)
                        .map(|()| signature)
                        .map_err(failed)
                }
                Signer::Ecdsa(pair, rng) => pair
                    .sign(rng, message)
                    .map(|s| s.as_ref().to_vec())
                    .map_err(failed),
                Signer::Ed(pair) => Ok(pair.sign(message).as_ref().to_vec()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn material(algorithm: Algorithm) -> KeyMaterial {
        let pem = |name: &str| {
            std::fs::read(format!(
                "{}/../tests/keys/{name}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap()
        };
        let stem = match algorithm.family() {
            KeyFamily::Hmac => {
                return KeyMaterial {
                    secret_key: Some(b"unit-test-secret".to_vec()),
                    ..KeyMaterial::default()
                };
            }
            KeyFamily::Rsa => "rsa",
            KeyFamily::Ed => "ed25519",
            KeyFamily::Ec if algorithm == Algorithm::ES256 => "ec256",
            KeyFamily::Ec => "ec384",
        };
        KeyMaterial {
            secret_key: None,
            private_key_pem: Some(pem(&format!("{stem}_private.pem"))),
            public_key_pem: Some(pem(&format!("{stem}_public.pem"))),
        }
    }

    /// Runs with whichever backend the crate is built with.
    #[test]
    #[cfg(any(feature = "aws-lc-rs", feature = "rust-crypto"))]
    fn every_algorithm_signs_and_verifies_with_the_compiled_backend() {
        let provider = default_provider().expect("a backend is compiled in");
        for algorithm in Algorithm::ALL {
            let keys = Keys::new(&material(algorithm), algorithm, &[algorithm], provider).unwrap();
            let signature = keys.sign(algorithm, b"message").unwrap();
            assert!(
                keys.verify(algorithm, b"message", &signature),
                "{algorithm}"
            );
            assert!(
                !keys.verify(algorithm, b"massage", &signature),
                "{algorithm}"
            );
        }
    }

    /// The prepared aws-lc-rs signers and verifiers accept exactly what the
    /// jsonwebtoken provider accepts, in both directions.
    #[test]
    #[cfg(feature = "aws-lc-rs")]
    fn prepared_keys_agree_with_the_provider() {
        let provider = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
        for algorithm in Algorithm::ALL {
            let keys = Keys::new(&material(algorithm), algorithm, &[algorithm], provider).unwrap();
            assert!(keys.prepared.is_some(), "{algorithm}");
            let ours = keys.sign(algorithm, b"message").unwrap();
            let encoding = keys.encoding.as_ref().unwrap();
            let theirs = (provider.signer_factory)(&algorithm.to_jsonwebtoken(), encoding)
                .unwrap()
                .try_sign(b"message")
                .unwrap();
            for signature in [&ours, &theirs] {
                for check in [Keys::verify, Keys::verify_with_provider] {
                    assert!(
                        check(&keys, algorithm, b"message", signature),
                        "{algorithm}"
                    );
                    assert!(
                        !check(&keys, algorithm, b"massage", signature),
                        "{algorithm}"
                    );
                    let mut flipped = signature.clone();
                    flipped[0] ^= 1;
                    assert!(
                        !check(&keys, algorithm, b"message", &flipped),
                        "{algorithm}"
                    );
                    let short = &signature[..signature.len() - 1];
                    assert!(!check(&keys, algorithm, b"message", short), "{algorithm}");
                    assert!(!check(&keys, algorithm, b"message", &[]), "{algorithm}");
                }
            }
        }
    }

    /// A key that does not fit an accepted algorithm of its family verifies
    /// nothing for that algorithm, and an algorithm outside the list is refused.
    #[test]
    #[cfg(feature = "aws-lc-rs")]
    fn prepared_verifiers_refuse_what_they_were_not_prepared_for() {
        let provider = &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;
        let keys = Keys::new(
            &material(Algorithm::ES256),
            Algorithm::ES256,
            &[Algorithm::ES256, Algorithm::ES384],
            provider,
        )
        .unwrap();
        let signature = keys.sign(Algorithm::ES256, b"message").unwrap();
        assert!(keys.verify(Algorithm::ES256, b"message", &signature));
        assert!(!keys.verify(Algorithm::ES384, b"message", &signature));
        let hmac = Keys::new(
            &material(Algorithm::HS256),
            Algorithm::HS256,
            &[Algorithm::HS256],
            provider,
        )
        .unwrap();
        let signature = hmac.sign(Algorithm::HS256, b"message").unwrap();
        assert!(!hmac.verify(Algorithm::HS512, b"message", &signature));
    }

    #[test]
    #[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
    fn no_backend_is_reported_not_a_panic() {
        assert!(default_provider().is_none());
    }
}
