//! Signing and verifying with one key, prepared once.
//!
//! With the built-in aws-lc-rs provider, a [`Verifier`] holds one prepared
//! verifier per algorithm it accepts and a [`Signer`] a prepared signer:
//! exactly the primitives of jsonwebtoken's aws-lc-rs backend (the same
//! HMAC, RSA padding and key-size range, ECDSA fixed-size signatures and
//! Ed25519) on keys parsed from the same bytes, without the per-call parsing
//! and allocation. Any other provider (RustCrypto, or a custom one) is
//! called through jsonwebtoken's factories.

use std::fmt;

use jsonwebtoken::crypto::CryptoProvider;
use jsonwebtoken::{DecodingKey, EncodingKey};

use crate::algorithm::{Algorithm, KeyFamily};
use crate::error::JwtError;

use super::public::PublicKey;

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

/// What verifies: a shared secret or a public key.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum VerifyingMaterial {
    Secret(Vec<u8>),
    Public(PublicKey),
}

impl fmt::Debug for VerifyingMaterial {
    /// Never prints a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secret(_) => f.write_str("Secret(<redacted>)"),
            Self::Public(key) => key.fmt(f),
        }
    }
}

impl VerifyingMaterial {
    /// Whether this key can verify `algorithm` at all.
    pub(crate) fn fits(&self, algorithm: Algorithm) -> bool {
        match self {
            Self::Secret(_) => algorithm.family() == KeyFamily::Hmac,
            Self::Public(key) => key.fits(algorithm),
        }
    }

    #[cfg_attr(not(feature = "aws-lc-rs"), allow(dead_code))]
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Secret(secret) => secret,
            Self::Public(key) => key.bytes(),
        }
    }

    fn decoding_key(&self) -> DecodingKey {
        match self {
            Self::Secret(secret) => DecodingKey::from_secret(secret),
            Self::Public(key) => match key.family() {
                KeyFamily::Rsa => DecodingKey::from_rsa_der(key.bytes()),
                KeyFamily::Ec => DecodingKey::from_ec_der(key.bytes()),
                KeyFamily::Ed | KeyFamily::Hmac => DecodingKey::from_ed_der(key.bytes()),
            },
        }
    }
}

/// Verifies signatures with one key, for the algorithms it was prepared for.
pub(crate) struct Verifier {
    provider: &'static CryptoProvider,
    decoding: DecodingKey,
    /// The algorithms this key verifies.
    algorithms: Vec<Algorithm>,
    #[cfg(feature = "aws-lc-rs")]
    prepared: Option<prepared::Verifiers>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("algorithms", &self.algorithms)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// Prepares `material` for `algorithms` (those it fits).
    pub(crate) fn new(
        material: &VerifyingMaterial,
        algorithms: &[Algorithm],
        provider: &'static CryptoProvider,
    ) -> Self {
        let algorithms: Vec<Algorithm> = algorithms
            .iter()
            .copied()
            .filter(|&a| material.fits(a))
            .collect();
        Self {
            provider,
            decoding: material.decoding_key(),
            #[cfg(feature = "aws-lc-rs")]
            prepared: prepared::Verifiers::new(provider, &algorithms, material.bytes()),
            algorithms,
        }
    }

    /// The algorithms this key verifies.
    pub(crate) fn algorithms(&self) -> &[Algorithm] {
        &self.algorithms
    }

    /// Checks a raw signature over `message`. Any failure, including an
    /// algorithm this key was not prepared for or a key that does not fit
    /// it, is a mismatch.
    pub(crate) fn verify(&self, algorithm: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        if !self.algorithms.contains(&algorithm) {
            return false;
        }
        #[cfg(feature = "aws-lc-rs")]
        if let Some(prepared) = &self.prepared {
            return prepared.verify(algorithm, message, signature);
        }
        self.verify_with_provider(algorithm, message, signature)
    }

    /// The generic path: builds the provider's verifier for this call.
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

/// Signs with one key and one algorithm.
pub(crate) struct Signer {
    provider: &'static CryptoProvider,
    algorithm: Algorithm,
    encoding: EncodingKey,
    #[cfg(feature = "aws-lc-rs")]
    prepared: Option<prepared::Signer>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer for `algorithm` from a secret (HS*) or a PKCS#8 PEM private
    /// key; the error says what is wrong with the key.
    pub(crate) fn new(
        algorithm: Algorithm,
        key: &[u8],
        provider: &'static CryptoProvider,
    ) -> Result<Self, String> {
        let family = algorithm.family();
        let encoding = match family {
            KeyFamily::Hmac => Ok(EncodingKey::from_secret(key)),
            KeyFamily::Rsa => EncodingKey::from_rsa_pem(key),
            KeyFamily::Ec => EncodingKey::from_ec_pem(key),
            KeyFamily::Ed => EncodingKey::from_ed_pem(key),
        }
        .map_err(|e| {
            format!("not a usable {family:?} private key in PEM form (PKCS#8 is expected): {e}")
        })?;
        Ok(Self {
            provider,
            algorithm,
            #[cfg(feature = "aws-lc-rs")]
            prepared: prepared::Signer::new(provider, algorithm, encoding.as_bytes()),
            encoding,
        })
    }

    /// The algorithm this signer signs with.
    pub(crate) fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Signs `message`; returns the raw signature.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, JwtError> {
        #[cfg(feature = "aws-lc-rs")]
        if let Some(prepared) = &self.prepared {
            return prepared.sign(message);
        }
        let signer =
            (self.provider.signer_factory)(&self.algorithm.to_jsonwebtoken(), &self.encoding)
                .map_err(|e| JwtError::Encode(e.to_string()))?;
        signer
            .try_sign(message)
            .map_err(|e| JwtError::Encode(e.to_string()))
    }
}

/// Signers and verifiers of the built-in aws-lc-rs provider, prepared once.
#[cfg(feature = "aws-lc-rs")]
mod prepared {
    use aws_lc_rs::{hmac, rand, signature};
    use jsonwebtoken::crypto::CryptoProvider;

    use crate::algorithm::Algorithm;
    use crate::error::JwtError;

    fn is_built_in(provider: &'static CryptoProvider) -> bool {
        std::ptr::eq(provider, &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER)
    }

    /// A verifier for one algorithm.
    enum Verifier {
        /// Boxed: an HMAC key holds its prepared contexts (over 1 KiB).
        Hmac(Box<hmac::Key>),
        Public(signature::ParsedPublicKey),
        /// The key does not fit this algorithm (e.g. a P-256 key with
        /// ES384): every signature is a mismatch, as with jsonwebtoken.
        Unusable,
    }

    /// The verifiers of one key, indexed by `Algorithm as usize`.
    pub(super) struct Verifiers([Option<Verifier>; Algorithm::ALL.len()]);

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

    impl Verifiers {
        /// Prepares `key` for `algorithms`, or `None` when `provider` is not
        /// the built-in aws-lc-rs one (a custom provider is always honoured).
        pub(super) fn new(
            provider: &'static CryptoProvider,
            algorithms: &[Algorithm],
            key: &[u8],
        ) -> Option<Self> {
            if !is_built_in(provider) {
                return None;
            }
            let mut verifiers: [Option<Verifier>; Algorithm::ALL.len()] = Default::default();
            for &alg in algorithms {
                let verifier = match (hmac_algorithm(alg), verification_algorithm(alg)) {
                    (Some(hmac), _) => Verifier::Hmac(Box::new(hmac::Key::new(hmac, key))),
                    (None, Some(public)) => signature::ParsedPublicKey::new(public, key)
                        .map_or(Verifier::Unusable, Verifier::Public),
                    (None, None) => Verifier::Unusable,
                };
                verifiers[alg as usize] = Some(verifier);
            }
            Some(Self(verifiers))
        }

        pub(super) fn verify(&self, algorithm: Algorithm, message: &[u8], sig: &[u8]) -> bool {
            match &self.0[algorithm as usize] {
                Some(Verifier::Hmac(key)) => hmac::verify(key, message, sig).is_ok(),
                Some(Verifier::Public(key)) => key.verify_sig(message, sig).is_ok(),
                Some(Verifier::Unusable) | None => false,
            }
        }
    }

    /// A prepared signer.
    pub(super) enum Signer {
        Hmac(Box<hmac::Key>),
        Rsa(
            signature::RsaKeyPair,
            &'static dyn signature::RsaEncoding,
            rand::SystemRandom,
        ),
        Ecdsa(signature::EcdsaKeyPair, rand::SystemRandom),
        Ed(signature::Ed25519KeyPair),
    }

    impl Signer {
        /// Prepares a signer from the key bytes jsonwebtoken parsed (the
        /// secret, or the PKCS#8/PKCS#1 DER); `None` with another provider or
        /// a key aws-lc-rs does not take (the provider then reports why).
        pub(super) fn new(
            provider: &'static CryptoProvider,
            algorithm: Algorithm,
            key: &[u8],
        ) -> Option<Self> {
            if !is_built_in(provider) {
                return None;
            }
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

        pub(super) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, JwtError> {
            let failed = |e: aws_lc_rs::error::Unspecified| JwtError::Encode(e.to_string());
            match self {
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
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn pem(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/../tests/keys/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    fn stem(algorithm: Algorithm) -> &'static str {
        match algorithm.family() {
            KeyFamily::Rsa => "rsa",
            KeyFamily::Ed => "ed25519",
            KeyFamily::Ec if algorithm == Algorithm::ES256 => "ec256",
            KeyFamily::Ec => "ec384",
            KeyFamily::Hmac => unreachable!(),
        }
    }

    /// The signer and verifier of `algorithm`'s test keys.
    fn pair(algorithm: Algorithm, provider: &'static CryptoProvider) -> (Signer, Verifier) {
        if algorithm.family() == KeyFamily::Hmac {
            let secret = b"unit-test-secret";
            let material = VerifyingMaterial::Secret(secret.to_vec());
            return (
                Signer::new(algorithm, secret, provider).unwrap(),
                Verifier::new(&material, &[algorithm], provider),
            );
        }
        let stem = stem(algorithm);
        let public = PublicKey::from_pem(algorithm.family(), &pem(&format!("{stem}_public.pem")));
        let material = VerifyingMaterial::Public(public.unwrap());
        (
            Signer::new(algorithm, &pem(&format!("{stem}_private.pem")), provider).unwrap(),
            Verifier::new(&material, &[algorithm], provider),
        )
    }

    /// Runs with whichever backend the crate is built with.
    #[test]
    #[cfg(any(feature = "aws-lc-rs", feature = "rust-crypto"))]
    fn every_algorithm_signs_and_verifies_with_the_compiled_backend() {
        let provider = default_provider().expect("a backend is compiled in");
        for algorithm in Algorithm::ALL {
            let (signer, verifier) = pair(algorithm, provider);
            let signature = signer.sign(b"message").unwrap();
            assert!(
                verifier.verify(algorithm, b"message", &signature),
                "{algorithm}"
            );
            assert!(
                !verifier.verify(algorithm, b"massage", &signature),
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
            let (signer, verifier) = pair(algorithm, provider);
            assert!(signer.prepared.is_some(), "{algorithm}");
            assert!(verifier.prepared.is_some(), "{algorithm}");
            let ours = signer.sign(b"message").unwrap();
            let theirs = (provider.signer_factory)(&algorithm.to_jsonwebtoken(), &signer.encoding)
                .unwrap()
                .try_sign(b"message")
                .unwrap();
            for signature in [&ours, &theirs] {
                for check in [Verifier::verify, Verifier::verify_with_provider] {
                    assert!(
                        check(&verifier, algorithm, b"message", signature),
                        "{algorithm}"
                    );
                    assert!(
                        !check(&verifier, algorithm, b"massage", signature),
                        "{algorithm}"
                    );
                    let mut flipped = signature.clone();
                    flipped[0] ^= 1;
                    assert!(
                        !check(&verifier, algorithm, b"message", &flipped),
                        "{algorithm}"
                    );
                    let short = &signature[..signature.len() - 1];
                    assert!(
                        !check(&verifier, algorithm, b"message", short),
                        "{algorithm}"
                    );
                    assert!(!check(&verifier, algorithm, b"message", &[]), "{algorithm}");
                }
            }
        }
    }

    /// A key that does not fit an algorithm of its family verifies nothing
    /// for it, and an algorithm it was not prepared for is refused.
    #[test]
    #[cfg(any(feature = "aws-lc-rs", feature = "rust-crypto"))]
    fn verifiers_refuse_what_they_were_not_prepared_for() {
        let provider = default_provider().unwrap();
        let (signer, _) = pair(Algorithm::ES256, provider);
        let public = PublicKey::from_pem(KeyFamily::Ec, &pem("ec256_public.pem")).unwrap();
        let verifier = Verifier::new(
            &VerifyingMaterial::Public(public),
            &[Algorithm::ES256, Algorithm::ES384, Algorithm::RS256],
            provider,
        );
        assert_eq!(verifier.algorithms(), [Algorithm::ES256]);
        let signature = signer.sign(b"message").unwrap();
        assert!(verifier.verify(Algorithm::ES256, b"message", &signature));
        assert!(!verifier.verify(Algorithm::ES384, b"message", &signature));
        let (hmac, hmac_verifier) = pair(Algorithm::HS256, provider);
        let signature = hmac.sign(b"message").unwrap();
        assert!(!hmac_verifier.verify(Algorithm::HS512, b"message", &signature));
    }
}
