//! Finding the encoded token in a request, location by location, with
//! Flask-JWT-Extended's rules and messages.

use std::collections::HashMap;

use actix_web::{HttpRequest, web};

use crate::config::{JwtConfig, TokenLocation};
use crate::error::JwtError;

/// The outcome of looking in one location.
enum Lookup {
    /// A token was found.
    Found(String),
    /// Nothing here; the message says what was missing.
    Absent(String),
}

/// Looks through `locations` in order. The first location holding a token
/// decides; with no token anywhere the messages are aggregated as
/// Flask-JWT-Extended does.
pub(crate) fn find_token(
    config: &JwtConfig,
    req: &HttpRequest,
    locations: &[TokenLocation],
) -> Result<(String, TokenLocation), JwtError> {
    let mut missing = Vec::with_capacity(locations.len());
    for &location in locations {
        let lookup = match location {
            TokenLocation::Headers => from_headers(config, req)?,
            TokenLocation::QueryString => from_query_string(config, req)?,
            TokenLocation::Cookies | TokenLocation::Json => {
                Lookup::Absent(format!("Token location '{location}' is not enabled"))
            }
        };
        match lookup {
            Lookup::Found(token) => return Ok((token, location)),
            Lookup::Absent(message) => missing.push((location, message)),
        }
    }
    Err(JwtError::NoAuthorization(aggregate(missing)))
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

fn from_headers(config: &JwtConfig, req: &HttpRequest) -> Result<Lookup, JwtError> {
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
    let Some(raw) = req.headers().get(name.as_str()) else {
        return Ok(Lookup::Absent(format!("Missing {name} Header")));
    };
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
            (Some(token), None) => Ok(Lookup::Found(token.to_owned())),
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
        (Some(_), Some(token), None) => Ok(Lookup::Found(token.to_owned())),
        _ => Err(bad_header()),
    }
}

fn from_query_string(config: &JwtConfig, req: &HttpRequest) -> Result<Lookup, JwtError> {
    let name = &config.query_string_name;
    let value = web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .ok()
        .and_then(|query| query.into_inner().remove(name.as_str()))
        .filter(|value| !value.is_empty());
    let Some(value) = value else {
        // Flask-JWT-Extended's message, spelling included.
        return Ok(Lookup::Absent(format!("Missing '{name}' query paramater")));
    };
    let prefix = &config.query_string_value_prefix;
    match value.strip_prefix(prefix.as_str()) {
        Some(token) => Ok(Lookup::Found(token.to_owned())),
        None => Err(JwtError::InvalidQueryParam(format!(
            "Invalid value for query parameter '{name}'. Expected the value to start with '{prefix}'"
        ))),
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
}
