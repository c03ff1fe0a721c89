//! Helpers shared by the token-transport tests.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_jwt_extended::{JwtManager, JwtManagerBuilder, TokenOptions};
use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::SET_COOKIE;
use serde_json::Value;

pub const SECRET: &str = "transport-test-secret";

/// A manager with the test secret and whatever `configure` sets.
pub fn manager(configure: impl FnOnce(JwtManagerBuilder) -> JwtManagerBuilder) -> JwtManager {
    configure(JwtManager::builder().secret_key(SECRET))
        .build()
        .expect("test configuration")
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// An access token for `alice` that expired ten seconds ago.
pub fn expired_access_token(jwt: &JwtManager) -> String {
    jwt.create_access_token_with("alice", TokenOptions::new().claim("exp", now() - 10))
        .expect("token")
}

/// The `csrf` claim of a token (read without the manager).
pub fn csrf_claim(jwt: &JwtManager, token: &str) -> String {
    jwt.get_csrf_token(token).expect("csrf claim")
}

/// An access token for `alice` without a `csrf` claim (minted with
/// JWT_COOKIE_CSRF_PROTECT off and the same secret).
pub fn token_without_csrf() -> String {
    manager(|b| b.cookie_csrf_protect(false))
        .create_access_token("alice")
        .expect("token")
}

/// Status and JSON body of a response.
pub async fn json_of<B: MessageBody>(response: ServiceResponse<B>) -> (StatusCode, Value) {
    let status = response.status();
    let bytes = actix_web::test::read_body(response).await;
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        panic!(
            "status {status}: body is not JSON: {:?}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, body)
}

/// Every `Set-Cookie` header of a response.
pub fn set_cookies<B>(response: &ServiceResponse<B>) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .map(|value| value.to_str().expect("ASCII Set-Cookie").to_owned())
        .collect()
}

/// A `Set-Cookie` header split into its name, value and attribute set (the
/// attribute order does not matter). An `Expires` date other than the epoch
/// is replaced by `Expires=<date>` after checking it is about `Max-Age`
/// seconds from now.
#[derive(Debug, PartialEq, Eq)]
pub struct ParsedCookie {
    pub name: String,
    pub value: String,
    pub attributes: BTreeSet<String>,
}

pub fn parse_set_cookie(header: &str) -> ParsedCookie {
    let mut parts = header.split("; ");
    let (name, value) = parts
        .next()
        .and_then(|pair| pair.split_once('='))
        .expect("name=value");
    let mut attributes = BTreeSet::new();
    let mut expires = None;
    let mut max_age = None;
    for attribute in parts {
        if let Some(date) = attribute.strip_prefix("Expires=") {
            if date == "Thu, 01 Jan 1970 00:00:00 GMT" {
                attributes.insert(attribute.to_owned());
            } else {
                expires = Some(httpdate::parse_http_date(date).expect("HTTP date"));
                attributes.insert("Expires=<date>".to_owned());
            }
            continue;
        }
        if let Some(age) = attribute.strip_prefix("Max-Age=") {
            max_age = Some(age.parse::<u64>().expect("Max-Age seconds"));
        }
        assert!(
            attributes.insert(attribute.to_owned()),
            "attribute {attribute} repeated in {header}"
        );
    }
    if let Some(expires) = expires {
        let max_age = max_age.expect("Expires comes with Max-Age");
        let at = expires
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs() as i64;
        let expected = now() + max_age as i64;
        assert!(
            (at - expected).abs() <= 5,
            "Expires {at} is not now + Max-Age {expected}"
        );
    }
    ParsedCookie {
        name: name.to_owned(),
        value: value.to_owned(),
        attributes,
    }
}

/// An attribute set from a list.
pub fn attrs(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|a| (*a).to_owned()).collect()
}

/// The `Cookie` request header that sends back the cookies set by a
/// response (the ones with a non-empty value).
pub fn cookie_header(set_cookies: &[String]) -> String {
    set_cookies
        .iter()
        .map(|header| parse_set_cookie(header))
        .filter(|cookie| !cookie.value.is_empty())
        .map(|cookie| format!("{}={}", cookie.name, cookie.value))
        .collect::<Vec<_>>()
        .join("; ")
}
