//! Public keys in the one form every part of the crate uses — the bytes
//! aws-lc-rs and jsonwebtoken verify with — and their JWK (RFC 7517) form:
//! reading a JWK, writing one for publication, and the RFC 7638 thumbprint.
//!
//! | family | bytes |
//! |---|---|
//! | RSA | PKCS#1 `RSAPublicKey` DER (`SEQUENCE { n INTEGER, e INTEGER }`) |
//! | EC | the uncompressed point `04 ‖ x ‖ y` (65 bytes on P-256, 97 on P-384) |
//! | Ed25519 | the raw 32-byte key |

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use serde_json::{Map, Value};

use crate::algorithm::{Algorithm, KeyFamily};

/// A public key: its family and its bytes (see the module documentation).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct PublicKey {
    family: KeyFamily,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey")
            .field("family", &self.family)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// The curve of an EC or OKP key, by its JWK name.
fn curve_of(family: KeyFamily, bytes: &[u8]) -> Option<&'static str> {
    match (family, bytes.len()) {
        (KeyFamily::Ec, 65) => Some("P-256"),
        (KeyFamily::Ec, 97) => Some("P-384"),
        (KeyFamily::Ed, 32) => Some("Ed25519"),
        _ => None,
    }
}

impl PublicKey {
    /// A public key of `family` from PEM (SPKI, or PKCS#1 for RSA).
    pub(crate) fn from_pem(family: KeyFamily, pem: &[u8]) -> Result<Self, String> {
        let key = match family {
            KeyFamily::Rsa => DecodingKey::from_rsa_pem(pem),
            KeyFamily::Ec => DecodingKey::from_ec_pem(pem),
            KeyFamily::Ed => DecodingKey::from_ed_pem(pem),
            KeyFamily::Hmac => return Err("an HMAC secret has no public key".to_owned()),
        }
        .map_err(|e| format!("not a usable {family:?} public key in PEM form: {e}"))?;
        let bytes = key
            .try_get_as_bytes()
            .map_err(|e| format!("not a usable {family:?} public key: {e}"))?
            .to_vec();
        Self::checked(family, bytes)
    }

    /// Checks the shape of the bytes of `family`.
    fn checked(family: KeyFamily, bytes: Vec<u8>) -> Result<Self, String> {
        let ok = match family {
            KeyFamily::Rsa => {
                rsa_components(&bytes).is_some_and(|(n, e)| !n.is_empty() && !e.is_empty())
            }
            KeyFamily::Ec => curve_of(family, &bytes).is_some() && bytes[0] == 4,
            KeyFamily::Ed => curve_of(family, &bytes).is_some(),
            KeyFamily::Hmac => false,
        };
        if ok {
            Ok(Self { family, bytes })
        } else {
            Err(format!("not a usable {family:?} public key"))
        }
    }

    /// A public key from a JWK's members (`kty` and its parameters). Private
    /// members, `oct` keys and curves this crate does not verify with are
    /// refused.
    pub(crate) fn from_jwk(jwk: &Map<String, Value>) -> Result<Self, String> {
        let text = |name: &str| -> Result<&str, String> {
            jwk.get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("the JWK has no {name:?} string"))
        };
        let bytes = |name: &str| -> Result<Vec<u8>, String> {
            URL_SAFE_NO_PAD
                .decode(text(name)?)
                .map_err(|_| format!("the JWK's {name:?} is not base64url"))
        };
        if ["d", "p", "q", "dp", "dq", "qi", "k"]
            .iter()
            .any(|private| jwk.contains_key(*private))
        {
            return Err("the JWK holds private or secret key material".to_owned());
        }
        match text("kty")? {
            "RSA" => {
                let (n, e) = (bytes("n")?, bytes("e")?);
                Self::checked(KeyFamily::Rsa, rsa_der(&n, &e))
            }
            "EC" => {
                let size = match text("crv")? {
                    "P-256" => 32,
                    "P-384" => 48,
                    other => return Err(format!("unsupported curve {other:?}")),
                };
                let (x, y) = (bytes("x")?, bytes("y")?);
                if x.len() != size || y.len() != size {
                    return Err("the JWK's x or y has the wrong length for its curve".to_owned());
                }
                Self::checked(KeyFamily::Ec, [&[4][..], &x, &y].concat())
            }
            "OKP" => match text("crv")? {
                "Ed25519" => Self::checked(KeyFamily::Ed, bytes("x")?),
                other => Err(format!("unsupported curve {other:?}")),
            },
            other => Err(format!("unsupported key type {other:?}")),
        }
    }

    pub(crate) fn family(&self) -> KeyFamily {
        self.family
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The algorithms this key can verify: every algorithm of its family,
    /// and for EC keys only the one of its curve.
    pub(crate) fn fits(&self, algorithm: Algorithm) -> bool {
        algorithm.family() == self.family
            && match algorithm {
                Algorithm::ES256 => self.bytes.len() == 65,
                Algorithm::ES384 => self.bytes.len() == 97,
                _ => true,
            }
    }

    /// The JWK members that RFC 7638 hashes, in lexicographic order.
    pub(crate) fn required_members(&self) -> Map<String, Value> {
        let b64 = |bytes: &[u8]| Value::from(URL_SAFE_NO_PAD.encode(bytes));
        let mut members = Map::new();
        match self.family {
            KeyFamily::Rsa => {
                let (n, e) = rsa_components(&self.bytes).unwrap_or_default();
                members.insert("e".to_owned(), b64(e));
                members.insert("kty".to_owned(), Value::from("RSA"));
                members.insert("n".to_owned(), b64(n));
            }
            KeyFamily::Ec => {
                let size = (self.bytes.len() - 1) / 2;
                let crv = curve_of(self.family, &self.bytes).unwrap_or_default();
                members.insert("crv".to_owned(), Value::from(crv));
                members.insert("kty".to_owned(), Value::from("EC"));
                members.insert("x".to_owned(), b64(&self.bytes[1..1 + size]));
                members.insert("y".to_owned(), b64(&self.bytes[1 + size..]));
            }
            KeyFamily::Ed => {
                members.insert("crv".to_owned(), Value::from("Ed25519"));
                members.insert("kty".to_owned(), Value::from("OKP"));
                members.insert("x".to_owned(), b64(&self.bytes));
            }
            KeyFamily::Hmac => {}
        }
        members
    }

    /// The RFC 7638 thumbprint (SHA-256, base64url), the default key id;
    /// `None` when no hash function is compiled in.
    pub(crate) fn thumbprint(&self) -> Option<String> {
        // `Map` keeps insertion order with `preserve_order`: the members are
        // inserted in lexicographic order, and written without whitespace.
        let canonical = Value::Object(self.required_members()).to_string();
        sha256(canonical.as_bytes()).map(|digest| URL_SAFE_NO_PAD.encode(digest))
    }
}

#[cfg(feature = "aws-lc-rs")]
fn sha256(bytes: &[u8]) -> Option<Vec<u8>> {
    Some(
        aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes)
            .as_ref()
            .to_vec(),
    )
}

#[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
fn sha256(bytes: &[u8]) -> Option<Vec<u8>> {
    use sha2::Digest as _;
    Some(sha2::Sha256::digest(bytes).to_vec())
}

#[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
fn sha256(_: &[u8]) -> Option<Vec<u8>> {
    None
}

/// Reads a DER length at `input`; returns it and the rest.
fn der_length(input: &[u8]) -> Option<(usize, &[u8])> {
    let (&first, rest) = input.split_first()?;
    if first < 0x80 {
        return Some((first.into(), rest));
    }
    let octets = usize::from(first & 0x7f);
    if octets == 0 || octets > 4 || rest.len() < octets || rest[0] == 0 {
        return None;
    }
    let length = rest[..octets]
        .iter()
        .fold(0usize, |length, &b| (length << 8) | usize::from(b));
    // The shortest form only.
    (length >= 0x80).then_some((length, &rest[octets..]))
}

/// Reads one DER element of `tag`; returns its contents and the rest.
fn der_element(tag: u8, input: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    if found != tag {
        return None;
    }
    let (length, rest) = der_length(rest)?;
    (rest.len() >= length).then(|| rest.split_at(length))
}

/// A positive DER INTEGER's magnitude, without the sign octet.
fn der_unsigned(contents: &[u8]) -> Option<&[u8]> {
    match contents {
        [] => None,
        [0] => Some(&[]),
        [0, next, ..] if *next < 0x80 => None, // not minimal
        [0, rest @ ..] => Some(rest),
        [first, ..] if *first >= 0x80 => None, // negative
        all => Some(all),
    }
}

/// `n` and `e` of a PKCS#1 `RSAPublicKey` DER, strictly.
fn rsa_components(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (sequence, rest) = der_element(0x30, der)?;
    if !rest.is_empty() {
        return None;
    }
    let (n, rest) = der_element(0x02, sequence)?;
    let (e, rest) = der_element(0x02, rest)?;
    if !rest.is_empty() {
        return None;
    }
    Some((der_unsigned(n)?, der_unsigned(e)?))
}

/// A DER length.
fn der_length_bytes(length: usize) -> Vec<u8> {
    if length < 0x80 {
        return vec![length as u8];
    }
    let octets: Vec<u8> = length
        .to_be_bytes()
        .into_iter()
        .skip_while(|&b| b == 0)
        .collect();
    [vec![0x80 | octets.len() as u8], octets].concat()
}

/// A DER element of `tag` around `contents`.
fn der_wrap(tag: u8, contents: &[u8]) -> Vec<u8> {
    [
        vec![tag],
        der_length_bytes(contents.len()),
        contents.to_vec(),
    ]
    .concat()
}

/// The PKCS#1 `RSAPublicKey` DER of big-endian `n` and `e`.
fn rsa_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let integer = |magnitude: &[u8]| {
        let magnitude: Vec<u8> = magnitude.iter().copied().skip_while(|&b| b == 0).collect();
        let signed = match magnitude.first() {
            Some(first) if *first >= 0x80 => [&[0][..], &magnitude].concat(),
            Some(_) => magnitude,
            None => vec![0],
        };
        der_wrap(0x02, &signed)
    };
    der_wrap(0x30, &[integer(n), integer(e)].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    /// RFC 7638 §3.1.
    const RFC7638_N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

    #[test]
    #[cfg(any(feature = "aws-lc-rs", feature = "rust-crypto"))]
    fn the_rfc_7638_thumbprint_example_matches() {
        let jwk = object(serde_json::json!({
            "kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"
        }));
        let key = PublicKey::from_jwk(&jwk).unwrap();
        assert_eq!(
            key.thumbprint().as_deref(),
            Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        );
        // The members round-trip.
        assert_eq!(key.required_members()["n"], RFC7638_N);
        assert_eq!(key.required_members()["e"], "AQAB");
    }

    #[test]
    #[cfg(any(feature = "aws-lc-rs", feature = "rust-crypto"))]
    fn rfc_8037_ed25519_thumbprint() {
        let jwk = object(serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
        }));
        let key = PublicKey::from_jwk(&jwk).unwrap();
        assert_eq!(
            key.thumbprint().as_deref(),
            Some("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
        );
    }

    /// RFC 7517 Appendix A.1's EC key, and the same with its private `d`
    /// (Appendix A.2), which is refused.
    #[test]
    fn rfc_7517_ec_key_parses_and_private_keys_are_refused() {
        let public = serde_json::json!({
            "kty": "EC", "crv": "P-256",
            "x": "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
            "y": "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
            "use": "enc", "kid": "1"
        });
        let key = PublicKey::from_jwk(&object(public.clone())).unwrap();
        assert!(key.fits(Algorithm::ES256) && !key.fits(Algorithm::ES384));
        #[cfg(any(feature = "aws-lc-rs", feature = "rust-crypto"))]
        assert_eq!(
            key.thumbprint().as_deref(),
            Some("cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s")
        );
        let mut private = object(public);
        private.insert(
            "d".to_owned(),
            "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE".into(),
        );
        assert!(PublicKey::from_jwk(&private).is_err());
    }

    #[test]
    fn malformed_jwks_are_errors_not_panics() {
        for jwk in [
            serde_json::json!({}),
            serde_json::json!({"kty": 5}),
            serde_json::json!({"kty": "RSA", "n": "!!", "e": "AQAB"}),
            serde_json::json!({"kty": "RSA", "n": "", "e": ""}),
            serde_json::json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}),
            serde_json::json!({"kty": "EC", "crv": "secp256k1", "x": "AA", "y": "AA"}),
            serde_json::json!({"kty": "OKP", "crv": "Ed448", "x": "AA"}),
            serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": "AA"}),
            serde_json::json!({"kty": "oct", "k": "c2VjcmV0"}),
        ] {
            assert!(PublicKey::from_jwk(&object(jwk.clone())).is_err(), "{jwk}");
        }
    }

    #[test]
    fn rsa_der_round_trips_and_is_strict() {
        let n = [0x80u8; 256];
        let der = rsa_der(&n, &[1, 0, 1]);
        assert_eq!(rsa_components(&der), Some((&n[..], &[1u8, 0, 1][..])));
        // Trailing bytes, a wrong tag or a negative integer are refused.
        assert!(rsa_components(&[der.clone(), vec![0]].concat()).is_none());
        assert!(rsa_components(&der[1..]).is_none());
        assert!(rsa_components(&rsa_der(&[0x7f], &[1])).is_some());
        assert!(rsa_components(&[0x30, 0x03, 0x02, 0x01, 0x80]).is_none());
    }
}
