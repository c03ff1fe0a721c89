//! Decoding and verifying an encoded token: one pass over the token, with
//! the checks of PyJWT 2.x as Flask-JWT-Extended 4.x configures them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::algorithm::Algorithm;
use crate::claims::{Registered, time_claim};
use crate::config::{Expires, JwtConfig};
use crate::error::JwtError;
use crate::keys::set::KeySet;
use crate::kind::TokenKind;
use crate::rejection::Rejection;
use crate::time::Clock;
use crate::token::DecodedToken;

fn malformed(message: impl Into<String>) -> Rejection {
    JwtError::Malformed(message.into()).into()
}

fn b64(segment: &str, what: &str) -> Result<Vec<u8>, Rejection> {
    URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| malformed(format!("Invalid {what} padding")))
}

fn json_object(bytes: &[u8], what: &str) -> Result<Map<String, Value>, Rejection> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(malformed(format!(
            "Invalid {what} string: must be a json object"
        ))),
        Err(e) => Err(malformed(format!("Invalid {what} string: {e}"))),
    }
}

/// Whether a passed `exp` rejects the token: always for requests;
/// Flask-JWT-Extended's `allow_expired` ignores it (every other check still
/// applies).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expiry {
    Checked,
    Ignored,
}

/// The JOSE header of a token, without verifying anything else —
/// PyJWT's `get_unverified_header`: the segments must be base64url and the
/// header a JSON object whose `kid`, if any, is a string.
pub(crate) fn unverified_header(encoded: &str) -> Result<Map<String, Value>, Rejection> {
    let (signing_input, crypto) = encoded
        .rsplit_once('.')
        .ok_or_else(|| malformed("Not enough segments"))?;
    let (header_segment, payload_segment) = signing_input
        .split_once('.')
        .ok_or_else(|| malformed("Not enough segments"))?;
    let header = json_object(&b64(header_segment, "header")?, "header")?;
    b64(payload_segment, "payload")?;
    b64(crypto, "crypto")?;
    if header.get("kid").is_some_and(|kid| !kid.is_string()) {
        return Err(JwtError::InvalidKeyId.into());
    }
    Ok(header)
}

/// Decodes `encoded` and verifies its signature with the key of `keys` that
/// its header selects, and its registered claims with `config`'s rules, at
/// time `now` (seconds since the epoch). The token keeps `clock`, the
/// manager's, for its freshness.
pub(crate) fn decode(
    keys: &KeySet,
    config: &JwtConfig,
    encoded: &str,
    now: f64,
    clock: &Clock,
    expiry: Expiry,
) -> Result<DecodedToken, Rejection> {
    if encoded.len() > config.max_token_size {
        return Err(JwtError::TooLarge.into());
    }
    let (signing_input, crypto) = encoded
        .rsplit_once('.')
        .ok_or_else(|| malformed("Not enough segments"))?;
    let (header_segment, payload_segment) = signing_input
        .split_once('.')
        .ok_or_else(|| malformed("Not enough segments"))?;
    let (algorithm, header) = match keys.known_headers().find(header_segment) {
        Some(known) => known,
        None => {
            let header = json_object(&b64(header_segment, "header")?, "header")?;
            (check_header(keys.allowed(), &header)?, Arc::new(header))
        }
    };
    let kid = header.get("kid").and_then(Value::as_str);
    let key = keys.select(algorithm, kid, now)?;
    let payload = b64(payload_segment, "payload")?;
    // The usual signature is decoded on the stack, a longer one on the heap.
    let mut buffer = [0; SIGNATURE_BUFFER_SIZE];
    let long;
    let signature = match URL_SAFE_NO_PAD.decode_slice(crypto, &mut buffer) {
        Ok(len) => &buffer[..len],
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
            long = b64(crypto, "crypto")?;
            &long[..]
        }
        Err(base64::DecodeSliceError::DecodeError(_)) => {
            return Err(malformed("Invalid crypto padding"));
        }
    };
    if !key
        .verifier
        .verify(algorithm, signing_input.as_bytes(), signature)
    {
        return Err(JwtError::InvalidSignature.into());
    }

    // Only an authenticated payload is parsed.
    let mut registered = Registered::parse(&payload, &config.identity_claim)
        .map_err(|message| malformed(format!("Invalid payload string: {message}")))?;
    let verdict = validate_claims(config, &registered, now, expiry);
    registered.fill_defaults();
    let token = DecodedToken::new(
        header,
        Arc::from(encoded),
        payload,
        registered,
        clock.clone(),
    );
    match verdict {
        Ok(()) => Ok(token),
        // The expired-token loader receives the (verified) claims.
        Err(JwtError::Expired) => Err(Rejection::with_token(JwtError::Expired, Arc::new(token))),
        Err(error) => Err(error.into()),
    }
}

/// Room for the signatures of RSA keys up to 8192 bits and every EC and
/// EdDSA key.
const SIGNATURE_BUFFER_SIZE: usize = 1024;

/// A JSON object of a token: its header, or its claims.
pub(crate) type Object = Map<String, Value>;

/// The header and claims of `encoded`, unverified — for a decode-key
/// loader, which chooses the key that will verify them.
pub(crate) fn unverified(encoded: &str, config: &JwtConfig) -> Result<(Object, Object), Rejection> {
    if encoded.len() > config.max_token_size {
        return Err(JwtError::TooLarge.into());
    }
    let mut segments = encoded.split('.');
    let (Some(header), Some(payload), Some(_), None) = (
        segments.next(),
        segments.next(),
        segments.next(),
        segments.next(),
    ) else {
        return Err(malformed("Not enough segments"));
    };
    let header = json_object(&b64(header, "header")?, "header")?;
    let claims = json_object(&b64(payload, "payload")?, "payload")?;
    Ok((header, claims))
}

/// The algorithm of a header that is not one of the usual ones: it
/// must be on the allow-list, with no `crit` and a string `kid`.
fn check_header(
    allowed: &[Algorithm],
    header: &Map<String, Value>,
) -> Result<Algorithm, Rejection> {
    let algorithm = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(|alg| allowed.iter().copied().find(|a| a.as_str() == alg))
        .ok_or(JwtError::AlgorithmNotAllowed)?;
    if header.contains_key("crit") {
        return Err(JwtError::UnsupportedCritical.into());
    }
    if header.get("kid").is_some_and(|kid| !kid.is_string()) {
        return Err(JwtError::InvalidKeyId.into());
    }
    Ok(algorithm)
}

fn validate_claims(
    config: &JwtConfig,
    claims: &Registered,
    now: f64,
    expiry: Expiry,
) -> Result<(), JwtError> {
    let leeway = config.decode_leeway.as_secs_f64();

    let kind = claims
        .value("type")
        .and_then(Value::as_str)
        .map_or(TokenKind::Access, TokenKind::of_type_claim);
    let expires = config.expires(kind);
    if expires != Expires::Never && claims.value("exp").is_none() {
        return Err(JwtError::MissingRequiredClaim("exp"));
    }
    if let Some(iat) = time_claim(claims.value("iat"), "iat")?
        && iat > now + leeway
    {
        return Err(JwtError::NotYetValidIat);
    }
    if let Some(nbf) = time_claim(claims.value("nbf"), "nbf")?
        && nbf > now + leeway
    {
        return Err(JwtError::NotYetValidNbf);
    }
    if let Some(exp) = time_claim(claims.value("exp"), "exp")?
        && exp <= now - leeway
        && expiry == Expiry::Checked
    {
        return Err(JwtError::Expired);
    }
    if let Some(issuer) = &config.decode_issuer {
        match claims.value("iss") {
            None => return Err(JwtError::MissingRequiredClaim("iss")),
            Some(iss) if iss.as_str() != Some(issuer.as_str()) => {
                return Err(JwtError::InvalidIssuer);
            }
            Some(_) => {}
        }
    }
    if !config.decode_audience.is_empty() {
        check_audience(&config.decode_audience, claims.value("aud"))?;
    } else if !config.allow_unchecked_audience && claims.value("aud").is_some() {
        // A token addressed to some audience, and this service names none.
        return Err(JwtError::InvalidAudience);
    }
    if config.verify_sub && claims.value("sub").is_some_and(|sub| !sub.is_string()) {
        return Err(JwtError::InvalidSubject);
    }
    if claims.value("jti").is_some_and(|jti| !jti.is_string()) {
        return Err(JwtError::InvalidJti);
    }
    if claims.identity().is_none() {
        return Err(JwtError::MissingClaim(config.identity_claim.clone()));
    }
    Ok(())
}

fn check_audience(expected: &[String], aud: Option<&Value>) -> Result<(), JwtError> {
    let matches = |value: &str| expected.iter().any(|e| e == value);
    match aud {
        None => Err(JwtError::MissingRequiredClaim("aud")),
        Some(Value::String(aud)) if matches(aud) => Ok(()),
        Some(Value::String(_)) => Err(JwtError::InvalidAudience),
        Some(Value::Array(list)) => {
            let list: Option<Vec<&str>> = list.iter().map(Value::as_str).collect();
            match list {
                None => Err(JwtError::InvalidAudienceFormat),
                Some(list) if list.iter().any(|aud| matches(aud)) => Ok(()),
                Some(_) => Err(JwtError::InvalidAudience),
            }
        }
        Some(_) => Err(JwtError::InvalidAudienceFormat),
    }
}
