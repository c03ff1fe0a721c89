//! OpenAPI security from the same declaration (feature `utoipa`): each
//! protected handler's security requirement comes from its attribute, and
//! the security schemes from the manager's configuration. Nothing is
//! declared twice.
//!
//! ```no_run
//! use actix_jwt_extended::{JwtManager, jwt_required, openapi};
//! use actix_web::{HttpResponse, get};
//! use utoipa::OpenApi;
//!
//! #[jwt_required] // above #[utoipa::path] and the route
//! #[utoipa::path(get, path = "/protected", responses((status = 200, description = "Hello")))]
//! #[get("/protected")]
//! async fn protected() -> HttpResponse {
//!     HttpResponse::Ok().finish()
//! }
//!
//! #[derive(OpenApi)]
//! #[openapi(paths(protected))]
//! struct ApiDoc;
//!
//! /// The document, secured for `jwt`'s configuration.
//! fn document(jwt: &JwtManager) -> utoipa::openapi::OpenApi {
//!     let mut document = ApiDoc::openapi();
//!     openapi::apply(&mut document, jwt.config());
//!     document
//! }
//! ```
//!
//! How a handler is found:
//!
//! * With the attribute **above** `#[utoipa::path(…)]`, the attribute adds a
//!   marker requirement to that `#[utoipa::path]` (unless it already has a
//!   `security(…)`), which [`apply`] replaces. This is exact.
//! * With `#[utoipa::path]` above the attribute, the attribute records the
//!   handler under its function name, and [`apply`] secures the operation
//!   whose `operationId` is that name (utoipa's default) and that has no
//!   `security` of its own. Handlers of the same name with different
//!   requirements cannot be told apart this way: such an operation is left
//!   alone with a warning.
//!
//! What an operation gets, for each location the handler looks in (its
//! `locations = […]`, else JWT_TOKEN_LOCATION), as alternatives:
//!
//! | location | requirement | scheme |
//! |---|---|---|
//! | headers | [`HEADER_SCHEME`] | HTTP bearer (format JWT) for `Authorization: Bearer`, else an API key in JWT_HEADER_NAME |
//! | cookies | [`COOKIE_SCHEME`] (refresh: [`REFRESH_COOKIE_SCHEME`]), plus [`CSRF_SCHEME`] ([`REFRESH_CSRF_SCHEME`]) on JWT_CSRF_METHODS when JWT_COOKIE_CSRF_PROTECT is on | API keys in the cookie and in the CSRF header |
//! | query_string | [`QUERY_SCHEME`] | an API key in JWT_QUERY_STRING_NAME |
//! | json | — (OpenAPI has no body-located scheme) | a request body with the JWT_JSON_KEY (refresh: JWT_REFRESH_JSON_KEY) property, when the operation has none |
//!
//! An optional handler also gets the empty requirement `{}` (anonymous
//! allowed). A `#[require_token(scope = …)]` gives the scopes of each token
//! scheme: a string is one scope, a list one per item, and a map `key` for
//! `true`, `key:value` for a string, one `key:item` per list item,
//! `key.sub…` for a nested map and `key=<json>` for any other value. The
//! token type, freshness and optionality are also stated in the extension
//! `x-jwt` (`{"token_type": "access" | "refresh" | "any", "fresh": …,
//! "optional": …}`).

use std::collections::{BTreeSet, HashMap};

use actix_web::http::Method;
use serde_json::{Value, json};
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, OpenApi, Required};

use crate::config::{JwtConfig, TokenLocation};
use crate::kind::TokenKind;

/// The scheme of a token in the header (JWT_HEADER_NAME).
pub const HEADER_SCHEME: &str = "jwt_header";
/// The scheme of an access token in its cookie (JWT_ACCESS_COOKIE_NAME).
pub const COOKIE_SCHEME: &str = "jwt_cookie";
/// The scheme of a refresh token in its cookie (JWT_REFRESH_COOKIE_NAME).
pub const REFRESH_COOKIE_SCHEME: &str = "jwt_refresh_cookie";
/// The CSRF double-submit header of the access cookie
/// (JWT_ACCESS_CSRF_HEADER_NAME).
pub const CSRF_SCHEME: &str = "jwt_csrf";
/// The CSRF double-submit header of the refresh cookie
/// (JWT_REFRESH_CSRF_HEADER_NAME).
pub const REFRESH_CSRF_SCHEME: &str = "jwt_refresh_csrf";
/// The scheme of a token in the query string (JWT_QUERY_STRING_NAME).
pub const QUERY_SCHEME: &str = "jwt_query";

/// The name of the marker requirement the attributes write into
/// `#[utoipa::path(security(…))]`; its scopes are the handler's policy.
pub(crate) const MARKER: &str = "actix_jwt_extended";

/// A protected handler recorded by its attribute (part of the contract with
/// the attribute macros): its function name, module and policy (the
/// strings [`Protection::parse`] reads).
#[doc(hidden)]
#[derive(Debug)]
pub struct Documented {
    /// The function's name: utoipa's default `operationId`.
    pub name: &'static str,
    /// The module it is declared in.
    pub module: &'static str,
    /// Its policy.
    pub policy: &'static [&'static str],
}

inventory::collect!(Documented);

/// What a handler requires, as documented.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Protection {
    kind: TokenKind,
    any_type: bool,
    optional: bool,
    fresh: bool,
    locations: Option<Vec<TokenLocation>>,
    scopes: Vec<String>,
}

impl Protection {
    /// Reads a policy: `type=access|refresh|any`, `optional`, `fresh`,
    /// `locations=headers,cookies`, `scope=<json>`. Unknown entries are
    /// ignored.
    fn parse<S: AsRef<str>>(policy: &[S]) -> Self {
        let mut protection = Self {
            kind: TokenKind::Access,
            any_type: false,
            optional: false,
            fresh: false,
            locations: None,
            scopes: Vec::new(),
        };
        for entry in policy {
            match entry.as_ref().split_once('=') {
                Some(("type", "refresh")) => protection.kind = TokenKind::Refresh,
                Some(("type", "any")) => protection.any_type = true,
                Some(("locations", names)) => {
                    protection.locations =
                        Some(names.split(',').filter_map(|n| n.parse().ok()).collect());
                }
                Some(("scope", json)) => {
                    if let Ok(scope) = serde_json::from_str(json) {
                        scope_names(&scope, "", &mut protection.scopes);
                    }
                }
                None if entry.as_ref() == "optional" => protection.optional = true,
                None if entry.as_ref() == "fresh" => protection.fresh = true,
                _ => {}
            }
        }
        protection
    }

    fn token_type(&self) -> &'static str {
        match self.any_type {
            true => "any",
            false => self.kind.as_str(),
        }
    }
}

/// The OpenAPI scope names of a scope requirement (see the module docs).
fn scope_names(value: &Value, prefix: &str, names: &mut Vec<String>) {
    let under = |name: &str| match prefix {
        "" => name.to_owned(),
        _ => format!("{prefix}:{name}"),
    };
    match value {
        Value::String(name) => names.push(under(name)),
        Value::Array(items) => items
            .iter()
            .for_each(|item| scope_names(item, prefix, names)),
        Value::Object(map) => {
            for (key, value) in map {
                let key = match prefix {
                    "" => key.clone(),
                    _ => format!("{prefix}.{key}"),
                };
                match value {
                    Value::Bool(true) => names.push(key),
                    _ => scope_names(value, &key, names),
                }
            }
        }
        other if prefix.is_empty() => names.push(other.to_string()),
        other => names.push(format!("{prefix}={other}")),
    }
}

/// Secures every protected operation of `openapi` and adds the security
/// schemes they use, for a manager configured with `config`
/// (`jwt.config()`). Call it on the document utoipa built, before serving
/// it. Operations whose `security` the user wrote are left alone.
pub fn apply(openapi: &mut OpenApi, config: &JwtConfig) {
    let mut registered: HashMap<&str, Vec<&Documented>> = HashMap::new();
    for documented in inventory::iter::<Documented> {
        registered
            .entry(documented.name)
            .or_default()
            .push(documented);
    }
    let mut used = BTreeSet::new();
    for (path, item) in openapi.paths.paths.iter_mut() {
        let operations = [
            (Method::GET, &mut item.get),
            (Method::PUT, &mut item.put),
            (Method::POST, &mut item.post),
            (Method::DELETE, &mut item.delete),
            (Method::OPTIONS, &mut item.options),
            (Method::HEAD, &mut item.head),
            (Method::PATCH, &mut item.patch),
            (Method::TRACE, &mut item.trace),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            let protection = match marked(operation) {
                Some(protection) => protection,
                None if operation.security.is_none() => {
                    match recorded(operation, &registered, path) {
                        Some(protection) => protection,
                        None => continue,
                    }
                }
                None => continue,
            };
            secure(operation, &method, &protection, config, &mut used);
        }
    }
    let components = openapi.components.get_or_insert_with(Default::default);
    for name in used {
        components.add_security_scheme(name, scheme(name, config));
    }
}

/// The policy of the marker requirement, if the operation has one.
fn marked(operation: &Operation) -> Option<Protection> {
    operation.security.as_ref()?.iter().find_map(|requirement| {
        let value = serde_json::to_value(requirement).ok()?;
        let policy: Vec<String> = serde_json::from_value(value.get(MARKER)?.clone()).ok()?;
        Some(Protection::parse(&policy))
    })
}

/// The policy recorded under the operation's id, if it is unambiguous.
fn recorded(
    operation: &Operation,
    registered: &HashMap<&str, Vec<&Documented>>,
    path: &str,
) -> Option<Protection> {
    let candidates = registered.get(operation.operation_id.as_deref()?)?;
    let mut protections = candidates.iter().map(|d| Protection::parse(d.policy));
    let first = protections.next()?;
    if protections.all(|other| other == first) {
        return Some(first);
    }
    let modules: Vec<&str> = candidates.iter().map(|d| d.module).collect();
    tracing::warn!(
        target: "actix_jwt_extended",
        path,
        operation_id = operation.operation_id.as_deref(),
        ?modules,
        "several protected handlers of this name differ; put the attribute above #[utoipa::path] to document this operation"
    );
    None
}

/// Replaces the operation's security with the handler's requirements.
fn secure(
    operation: &mut Operation,
    method: &Method,
    protection: &Protection,
    config: &JwtConfig,
    used: &mut BTreeSet<&'static str>,
) {
    let refresh = protection.kind == TokenKind::Refresh;
    let scopes = &protection.scopes;
    let locations = protection
        .locations
        .as_deref()
        .unwrap_or(&config.token_location);
    let mut requirements = Vec::new();
    for location in locations {
        let requirement = match location {
            TokenLocation::Headers => SecurityRequirement::new(HEADER_SCHEME, scopes),
            TokenLocation::QueryString => SecurityRequirement::new(QUERY_SCHEME, scopes),
            TokenLocation::Cookies => {
                let (cookie, csrf) = match refresh {
                    true => (REFRESH_COOKIE_SCHEME, REFRESH_CSRF_SCHEME),
                    false => (COOKIE_SCHEME, CSRF_SCHEME),
                };
                let requirement = SecurityRequirement::new(cookie, scopes);
                if config.cookie_csrf_protect && config.csrf_methods.contains(method) {
                    used.insert(csrf);
                    requirement.add(csrf, Vec::<String>::new())
                } else {
                    requirement
                }
            }
            TokenLocation::Json => {
                let key = match refresh {
                    true => &config.refresh_json_key,
                    false => &config.json_key,
                };
                let only = locations.len() == 1 && !protection.optional;
                json_body(operation, key, only);
                continue;
            }
        };
        used.insert(scheme_of(location, refresh));
        requirements.push(requirement);
    }
    if protection.optional && !requirements.is_empty() {
        requirements.push(SecurityRequirement::default());
    }
    operation.security = (!requirements.is_empty()).then_some(requirements);
    let x_jwt = json!({
        "token_type": protection.token_type(),
        "fresh": protection.fresh,
        "optional": protection.optional,
    });
    let extensions = ExtensionsBuilder::new().add("x-jwt", x_jwt).build();
    operation
        .extensions
        .get_or_insert_with(Default::default)
        .merge(extensions);
}

/// The token scheme of a location.
fn scheme_of(location: &TokenLocation, refresh: bool) -> &'static str {
    match (location, refresh) {
        (TokenLocation::Headers, _) => HEADER_SCHEME,
        (TokenLocation::QueryString, _) => QUERY_SCHEME,
        (_, true) => REFRESH_COOKIE_SCHEME,
        (_, false) => COOKIE_SCHEME,
    }
}

/// Documents a JSON body that carries the token under `key`, unless the
/// operation documents its body itself.
fn json_body(operation: &mut Operation, key: &str, required: bool) {
    if operation.request_body.is_some() {
        return;
    }
    let token = ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some("The JWT"));
    let body = ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(key, token)
        .required(key);
    let content = ContentBuilder::new().schema(Some(body)).build();
    let request_body = RequestBodyBuilder::new()
        .content("application/json", content)
        .required(Some(if required {
            Required::True
        } else {
            Required::False
        }))
        .build();
    operation.request_body = Some(request_body.into());
}

/// The security scheme `name` stands for, under `config`.
fn scheme(name: &str, config: &JwtConfig) -> SecurityScheme {
    let api_key = |key: fn(ApiKeyValue) -> ApiKey, name: &str, description: String| {
        SecurityScheme::ApiKey(key(ApiKeyValue::with_description(
            name.to_owned(),
            description,
        )))
    };
    let csrf = |header: &str, cookie: &str| {
        let methods: Vec<&str> = config.csrf_methods.iter().map(Method::as_str).collect();
        api_key(
            ApiKey::Header,
            header,
            format!(
                "CSRF double submit: the value of the `{cookie}` cookie, with the token cookie on {}",
                methods.join(", ")
            ),
        )
    };
    match name {
        HEADER_SCHEME
            if config.header_name.eq_ignore_ascii_case("authorization")
                && config.header_type == "Bearer" =>
        {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A JWT in `Authorization: Bearer <token>`"))
                    .build(),
            )
        }
        HEADER_SCHEME => {
            let description = match config.header_type.as_str() {
                "" => "The JWT itself".to_owned(),
                kind => format!("`{kind} <token>`: the JWT after `{kind} `"),
            };
            api_key(ApiKey::Header, &config.header_name, description)
        }
        COOKIE_SCHEME => api_key(
            ApiKey::Cookie,
            &config.access_cookie_name,
            "An access token in its cookie".to_owned(),
        ),
        REFRESH_COOKIE_SCHEME => api_key(
            ApiKey::Cookie,
            &config.refresh_cookie_name,
            "A refresh token in its cookie".to_owned(),
        ),
        CSRF_SCHEME => csrf(
            &config.access_csrf_header_name,
            &config.access_csrf_cookie_name,
        ),
        REFRESH_CSRF_SCHEME => csrf(
            &config.refresh_csrf_header_name,
            &config.refresh_csrf_cookie_name,
        ),
        _ => {
            let description = match config.query_string_value_prefix.as_str() {
                "" => "The JWT".to_owned(),
                prefix => format!("The JWT, after the prefix `{prefix}`"),
            };
            api_key(ApiKey::Query, &config.query_string_name, description)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_read_and_unknown_entries_ignored() {
        let protection = Protection::parse(&[
            "type=refresh",
            "optional",
            "locations=cookies,headers",
            "future=1",
        ]);
        assert_eq!(protection.kind, TokenKind::Refresh);
        assert!(protection.optional && !protection.fresh && !protection.any_type);
        assert_eq!(
            protection.locations,
            Some(vec![TokenLocation::Cookies, TokenLocation::Headers])
        );
        assert_eq!(Protection::parse(&["type=any"]).token_type(), "any");
    }

    #[test]
    fn scopes_flatten_to_names() {
        let names = |scope: Value| {
            let mut names = Vec::new();
            scope_names(&scope, "", &mut names);
            names
        };
        assert_eq!(names(json!("admin")), ["admin"]);
        assert_eq!(names(json!(["read", "write"])), ["read", "write"]);
        assert_eq!(
            names(
                json!({"admin": true, "perms": ["read", "write"], "team": "blue",
                         "org": {"id": 7, "owner": true}, "off": false})
            ),
            [
                "admin",
                "perms:read",
                "perms:write",
                "team:blue",
                "org.id=7",
                "org.owner",
                "off=false"
            ]
        );
    }
}
