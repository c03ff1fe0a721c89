//! Finding the encoded token in a request, location by location, with
//! Flask-JWT-Extended's rules and messages.

use std::borrow::Cow;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderName;
use serde_json::Value;

use crate::body::{self, JsonKey};
use crate::config::{JwtConfig, TokenLocation};
use crate::csrf;
use crate::error::JwtError;
use crate::kind::TokenKind;

/// The outcome of looking in one location.
enum Lookup<'a> {
    /// A token was found: borrowed from the request when it can be.
    Found(Cow<'a, str>),
    /// Nothing here; the message says what was missing.
    Absent(String),
}

/// A token found in a request.
#[derive(Debug)]
pub(crate) struct Found<'a> {
    /// The encoded token, borrowed from the request's header when it was
    /// found there.
    pub(crate) token: Cow<'a, str>,
    /// Where it was found.
    pub(crate) location: TokenLocation,
    /// The CSRF value the client submitted, when the token came from a
    /// cookie on a CSRF-checked request; it must equal the `csrf` claim.
    pub(crate) csrf: Option<Vec<u8>>,
}

/// Looks through `locations` in order. The first location holding a token
/// decides; with no token anywhere the messages are aggregated as
/// Flask-JWT-Extended does. `kind` selects the cookie, CSRF header and
/// JSON key; `header` is JWT_HEADER_NAME, parsed when the manager was built.
pub(crate) fn find_token<'a>(
    config: &JwtConfig,
    header: &HeaderName,
    req: &'a HttpRequest,
    locations: &[TokenLocation],
    kind: TokenKind,
) -> Result<Found<'a>, JwtError> {
    let mut missing = Vec::new();
    for &location in locations {
        let mut csrf = None;
        let lookup = match location {
            TokenLocation::Headers => from_headers(config, header, req)?,
            TokenLocation::QueryString => from_query_string(config, req)?,
            TokenLocation::Cookies => from_cookies(config, req, kind, &mut csrf)?,
            TokenLocation::Json => from_json(config, req, kind)?,
        };
        match lookup {
            Lookup::Found(token) => {
                return Ok(Found {
                    token,
                    location,
                    csrf,
                });
            }
            Lookup::Absent(message) => missing.push((location, message)),
        }
    }
    Err(JwtError::NoAuthorization(aggregate(missing)))
}

/// Whether looking through `locations` may need the request body: a JSON
/// body, or a CSRF form field for a token in a cookie.
pub(crate) fn needs_body(
    config: &JwtConfig,
    req: &HttpRequest,
    locations: &[TokenLocation],
    kind: TokenKind,
) -> bool {
    locations.iter().any(|location| match location {
        TokenLocation::Json => body::is_json(req),
        TokenLocation::Cookies => {
            csrf::needs_form_body(config, req, kind) && cookie(config, req, kind).is_some()
        }
        TokenLocation::Headers | TokenLocation::QueryString => false,
    })
}

fn aggregate(missing: Vec<(TokenLocation, String)>) -> String {
    match missing.as_slice() {
        [(_, only)] => only.clone(),
        [rest @ .., (last, _)] => {
            let names: Vec<&str> = rest.iter().map(|(l, _)| l.as_str()).collect();
            let messages: Vec<&str> = missing.iter().map(|(_, m)| m.as_str()).collect();
            format!(
                "Missing JWT in {} or {} ({})",
                names.join(", "),
                last.as_str(),
                messages.join("; ")
            )
        }
        [] => String::new(),
    }
}

fn from_headers<'a>(
    config: &JwtConfig,
    header: &HeaderName,
    req: &'a HttpRequest,
) -> Result<Lookup<'a>, JwtError> {
    let name = &config.header_name;
    let kind = &config.header_type;
    let bad_header = || {
        let expected = if kind.is_empty() {
            "<JWT>".to_owned()
        } else {
            format!("{kind} <JWT>")
        };
        JwtError::InvalidHeader(format!("Bad {name} header. Expected '{name}: {expected}'"))
    };
    let mut all = req.headers().get_all(header);
    let Some(raw) = all.next() else {
        return Ok(Lookup::Absent(format!("Missing {name} Header")));
    };
    if all.next().is_some() {
        return Err(JwtError::AmbiguousRequest(format!(
            "Ambiguous request: more than one {name} header"
        )));
    }
    if let Some(token) = plain_credentials(raw.as_bytes(), kind.as_bytes()) {
        return Ok(Lookup::Found(Cow::Borrowed(token)));
    }
    let value = raw
        .to_str()
        .map_err(|_| bad_header())?
        .trim()
        .trim_matches(',');
    if value.is_empty() {
        return Ok(Lookup::Absent(format!("Missing {name} Header")));
    }
    if kind.is_empty() {
        let mut parts = value.split_whitespace();
        return match (parts.next(), parts.next()) {
            (Some(token), None) => Ok(Lookup::Found(Cow::Borrowed(token))),
            _ => Err(bad_header()),
        };
    }
    // A comma-separated list of `<scheme> <value>` fields; exactly one must
    // use our scheme (compared case-sensitively, as Flask-JWT-Extended does).
    let mut ours = value
        .split(',')
        .filter(|field| field.split_whitespace().next() == Some(kind.as_str()));
    let (Some(field), None) = (ours.next(), ours.next()) else {
        return Ok(Lookup::Absent(format!(
            "Missing '{kind}' type in '{name}' header. Expected '{name}: {kind} <JWT>'"
        )));
    };
    let mut parts = field.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(token), None) => Ok(Lookup::Found(Cow::Borrowed(token))),
        _ => Err(bad_header()),
    }
}

/// The usual header, `<kind> <token>` with one space and a token of visible
/// ASCII without spaces or commas, read without the general parsing below
/// (which gives the same answer for it). `None` for any other shape.
fn plain_credentials<'a>(value: &'a [u8], kind: &[u8]) -> Option<&'a str> {
    let token = value.strip_prefix(kind)?.strip_prefix(b" ")?;
    // An OR over every byte, without short-circuits, so that the loop
    // compiles to vector compares.
    let odd = token.iter().fold(false, |odd, &b| {
        odd | (b.wrapping_sub(0x21) >= 0x5e) | (b == b',')
    });
    if kind.is_empty() || token.is_empty() || odd {
        return None;
    }
    // All ASCII, so always UTF-8.
    std::str::from_utf8(token).ok()
}

fn from_query_string(config: &JwtConfig, req: &HttpRequest) -> Result<Lookup<'static>, JwtError> {
    let name = &config.query_string_name;
    let mut values = body::urlencoded_values(req.query_string().as_bytes(), name);
    let value = values.next();
    if values.next().is_some() {
        return Err(JwtError::AmbiguousRequest(format!(
            "Ambiguous request: more than one '{name}' query parameter"
        )));
    }
    let value = value.filter(|value| !value.is_empty());
    let Some(value) = value else {
        // Flask-JWT-Extended's message, spelling included.
        return Ok(Lookup::Absent(format!("Missing '{name}' query paramater")));
    };
    let prefix = &config.query_string_value_prefix;
    match value.strip_prefix(prefix.as_str()) {
        Some(token) => Ok(Lookup::Found(Cow::Owned(token.to_owned()))),
        None => Err(JwtError::InvalidQueryParam(format!(
            "Invalid value for query parameter '{name}'. Expected the value to start with '{prefix}'"
        ))),
    }
}

/// The cookie of `kind`'s value, if present and not empty.
fn cookie(config: &JwtConfig, req: &HttpRequest, kind: TokenKind) -> Option<String> {
    req.cookie(config.names(kind).cookie)
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| !value.is_empty())
}

fn from_cookies(
    config: &JwtConfig,
    req: &HttpRequest,
    kind: TokenKind,
    csrf: &mut Option<Vec<u8>>,
) -> Result<Lookup<'static>, JwtError> {
    let name = config.names(kind).cookie;
    let Some(token) = cookie(config, req, kind) else {
        return Ok(Lookup::Absent(format!("Missing cookie \"{name}\"")));
    };
    let repeated = req
        .cookies()
        .is_ok_and(|cookies| cookies.iter().filter(|c| c.name() == name).count() > 1);
    if repeated {
        return Err(JwtError::AmbiguousRequest(format!(
            "Ambiguous request: more than one cookie \"{name}\""
        )));
    }
    if csrf::applies(config, req) {
        *csrf = Some(csrf::submitted(config, req, kind)?);
    }
    Ok(Lookup::Found(Cow::Owned(token)))
}

fn from_json(
    config: &JwtConfig,
    req: &HttpRequest,
    kind: TokenKind,
) -> Result<Lookup<'static>, JwtError> {
    if !body::is_json(req) {
        return Ok(Lookup::Absent(
            "Invalid content-type. Must be application/json.".to_owned(),
        ));
    }
    let key = config.names(kind).json_key;
    let missing = || Lookup::Absent(format!("Missing \"{key}\" key in json data."));
    let Some(body) = body::buffered(req) else {
        return Ok(missing());
    };
    if body.overflow {
        return Err(JwtError::BodyTooLarge);
    }
    // Empty or invalid JSON, and JSON that is not an object, hold no key.
    let value = match body::json_key(&body.bytes, key) {
        JsonKey::Once(value) => Some(value),
        JsonKey::Repeated => {
            return Err(JwtError::AmbiguousRequest(format!(
                "Ambiguous request: more than one \"{key}\" key in json data"
            )));
        }
        JsonKey::Absent => None,
    };
    match value {
        Some(Value::String(token)) if !token.is_empty() => Ok(Lookup::Found(Cow::Owned(token))),
        // Python's falsy values count as absent …
        None | Some(Value::Null | Value::Bool(false) | Value::String(_)) => Ok(missing()),
        Some(Value::Array(items)) if items.is_empty() => Ok(missing()),
        Some(Value::Object(map)) if map.is_empty() => Ok(missing()),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Ok(missing()),
        // … and any other value is not a token (PyJWT's message).
        Some(_) => Err(JwtError::Malformed(
            "Invalid token type. Token must be a <class 'bytes'>".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_message_lists_every_location() {
        let missing = vec![
            (
                TokenLocation::Headers,
                "Missing Authorization Header".to_owned(),
            ),
            (
                TokenLocation::Cookies,
                "Missing cookie \"access_token_cookie\"".to_owned(),
            ),
            (
                TokenLocation::QueryString,
                "Missing 'jwt' query paramater".to_owned(),
            ),
        ];
        assert_eq!(
            aggregate(missing),
            "Missing JWT in headers, cookies or query_string (Missing Authorization Header; \
             Missing cookie \"access_token_cookie\"; Missing 'jwt' query paramater)"
        );
        let one = vec![(TokenLocation::Headers, "Missing X Header".to_owned())];
        assert_eq!(aggregate(one), "Missing X Header");
    }

    #[test]
    fn only_the_plain_header_shape_takes_the_short_path() {
        fn plain<'a>(value: &'a str, kind: &str) -> Option<&'a str> {
            plain_credentials(value.as_bytes(), kind.as_bytes())
        }
        assert_eq!(plain("Bearer ab-c_1.d2.e", "Bearer"), Some("ab-c_1.d2.e"));
        assert_eq!(plain("JWT x.y.z", "JWT"), Some("x.y.z"));
        assert_eq!(plain("Bearer a=;b", "Bearer"), Some("a=;b"));
        for (value, kind) in [
            ("Bearer  a.b.c", "Bearer"),
            ("bearer a.b.c", "Bearer"),
            ("Bearer a.b.c, Basic eA==", "Bearer"),
            ("Bearer a.b.c ", "Bearer"),
            ("Bearer a b", "Bearer"),
            ("Bearer a\tb", "Bearer"),
            ("Bearer ", "Bearer"),
            ("Bearer", "Bearer"),
            ("Bearera.b.c", "Bearer"),
            ("a.b.c", ""),
            (" a.b.c", ""),
        ] {
            assert_eq!(plain(value, kind), None, "{value:?} with {kind:?}");
        }
        for b in 0..=u8::MAX {
            let expected = b.is_ascii_graphic() && b != b',';
            let value = [b"Bearer a".as_slice(), &[b], b"b"].concat();
            assert_eq!(
                plain_credentials(&value, b"Bearer").is_some(),
                expected,
                "byte {b:#04x}"
            );
        }
    }
}
