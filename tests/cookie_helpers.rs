//! The cookie helpers: the exact `Set-Cookie` headers of
//! `set_access_cookies`, `set_refresh_cookies` and `unset_*_cookies` for the
//! default and the all-options configuration (as Werkzeug writes them for
//! Flask-JWT-Extended 4.7.4), per-call overrides and the cookie options.

mod transport_support;

use std::time::Duration;

use actix_jwt_extended::{CookieOptions, JwtManager, JwtManagerBuilder, TokenLocation};
use actix_web::cookie::SameSite;
use actix_web::http::StatusCode;
use actix_web::http::header::SET_COOKIE;
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, HttpResponseBuilder, post, web};
use serde_json::json;
use transport_support::{
    SECRET, attrs, csrf_claim, expired_access_token, json_of, manager, parse_set_cookie,
    token_without_csrf,
};

const EPOCH: &str = "Expires=Thu, 01 Jan 1970 00:00:00 GMT";

/// The `Set-Cookie` headers of a finished response.
fn headers_of<B>(response: &HttpResponse<B>) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

/// Runs `f` on a response builder and returns the `Set-Cookie` headers.
fn set_with(f: impl FnOnce(&mut HttpResponseBuilder)) -> Vec<String> {
    let mut builder = HttpResponse::Ok();
    f(&mut builder);
    headers_of(&builder.finish())
}

fn login_cookies(jwt: &JwtManager, access: &str, refresh: &str) -> Vec<String> {
    set_with(|response| {
        jwt.set_access_cookies(response, access, CookieOptions::new())
            .unwrap();
        jwt.set_refresh_cookies(response, refresh, CookieOptions::new())
            .unwrap();
    })
}

#[test]
fn default_set_cookie_headers() {
    let jwt = manager(|b| b);
    let access = jwt.create_access_token("alice").unwrap();
    let refresh = jwt.create_refresh_token("alice").unwrap();
    let access_csrf = csrf_claim(&jwt, &access);
    let refresh_csrf = csrf_claim(&jwt, &refresh);
    assert_ne!(access_csrf, refresh_csrf);
    assert_eq!(
        login_cookies(&jwt, &access, &refresh),
        vec![
            format!("access_token_cookie={access}; HttpOnly; Path=/"),
            format!("csrf_access_token={access_csrf}; Path=/"),
            format!("refresh_token_cookie={refresh}; HttpOnly; Path=/"),
            format!("csrf_refresh_token={refresh_csrf}; Path=/"),
        ]
    );
}

#[test]
fn default_unset_headers() {
    let jwt = manager(|b| b);
    let headers = set_with(|response| jwt.unset_jwt_cookies(response, None).unwrap());
    assert_eq!(
        headers,
        vec![
            format!("access_token_cookie=; {EPOCH}; HttpOnly; Path=/"),
            format!("csrf_access_token=; {EPOCH}; Path=/"),
            format!("refresh_token_cookie=; {EPOCH}; HttpOnly; Path=/"),
            format!("csrf_refresh_token=; {EPOCH}; Path=/"),
        ]
    );
    let access_only = set_with(|response| jwt.unset_access_cookies(response, None).unwrap());
    assert_eq!(
        access_only,
        vec![
            format!("access_token_cookie=; {EPOCH}; HttpOnly; Path=/"),
            format!("csrf_access_token=; {EPOCH}; Path=/"),
        ]
    );
    let refresh_only = set_with(|response| jwt.unset_refresh_cookies(response, None).unwrap());
    assert_eq!(
        refresh_only,
        vec![
            format!("refresh_token_cookie=; {EPOCH}; HttpOnly; Path=/"),
            format!("csrf_refresh_token=; {EPOCH}; Path=/"),
        ]
    );
}

fn all_options(builder: JwtManagerBuilder) -> JwtManagerBuilder {
    builder
        .cookie_secure(true)
        .cookie_domain(".example.com")
        .session_cookie(false)
        .cookie_samesite(Some(SameSite::Strict))
        .access_cookie_path("/api/")
        .refresh_cookie_path("/token/refresh")
}

#[test]
fn all_options_set_cookie_headers() {
    let jwt = manager(all_options);
    let access = jwt.create_access_token("alice").unwrap();
    let refresh = jwt.create_refresh_token("alice").unwrap();
    let parsed: Vec<_> = login_cookies(&jwt, &access, &refresh)
        .iter()
        .map(|header| parse_set_cookie(header))
        .collect();
    let common = [
        "Domain=example.com",
        "Expires=<date>",
        "Max-Age=31540000",
        "Secure",
        "SameSite=Strict",
    ];
    let with = |extra: &[&str]| {
        let mut list = common.to_vec();
        list.extend_from_slice(extra);
        attrs(&list)
    };
    let expected = [
        (
            "access_token_cookie",
            access.clone(),
            with(&["HttpOnly", "Path=/api/"]),
        ),
        (
            "csrf_access_token",
            csrf_claim(&jwt, &access),
            with(&["Path=/"]),
        ),
        (
            "refresh_token_cookie",
            refresh.clone(),
            with(&["HttpOnly", "Path=/token/refresh"]),
        ),
        (
            "csrf_refresh_token",
            csrf_claim(&jwt, &refresh),
            with(&["Path=/"]),
        ),
    ];
    assert_eq!(parsed.len(), expected.len());
    for (cookie, (name, value, attributes)) in parsed.iter().zip(expected) {
        assert_eq!(cookie.name, name);
        assert_eq!(cookie.value, value);
        assert_eq!(cookie.attributes, attributes, "{name}");
    }
}

#[test]
fn all_options_set_cookie_header_order_is_werkzeugs() {
    let jwt = manager(all_options);
    let access = jwt.create_access_token("alice").unwrap();
    let headers = set_with(|response| {
        jwt.set_access_cookies(response, &access, CookieOptions::new())
            .unwrap()
    });
    let first = &headers[0];
    let expires_start = first.find("Expires=").unwrap();
    let expires_end = expires_start + first[expires_start..].find(';').unwrap();
    let without_date = format!(
        "{}<date>{}",
        &first[..expires_start + 8],
        &first[expires_end..]
    );
    assert_eq!(
        without_date,
        format!(
            "access_token_cookie={access}; Domain=example.com; Expires=<date>; Max-Age=31540000; Secure; HttpOnly; Path=/api/; SameSite=Strict"
        )
    );
}

#[test]
fn all_options_unset_headers() {
    let jwt = manager(all_options);
    let headers = set_with(|response| jwt.unset_jwt_cookies(response, None).unwrap());
    assert_eq!(
        headers,
        vec![
            format!(
                "access_token_cookie=; Domain=example.com; {EPOCH}; Secure; HttpOnly; Path=/api/; SameSite=Strict"
            ),
            format!(
                "csrf_access_token=; Domain=example.com; {EPOCH}; Secure; Path=/; SameSite=Strict"
            ),
            format!(
                "refresh_token_cookie=; Domain=example.com; {EPOCH}; Secure; HttpOnly; Path=/token/refresh; SameSite=Strict"
            ),
            format!(
                "csrf_refresh_token=; Domain=example.com; {EPOCH}; Secure; Path=/; SameSite=Strict"
            ),
        ]
    );
}

#[test]
fn per_call_max_age_and_domain() {
    let jwt = manager(|b| b.csrf_in_cookies(false).cookie_domain("config.example"));
    let access = jwt.create_access_token("alice").unwrap();
    let options = CookieOptions::new()
        .max_age(Duration::from_secs(120))
        .domain("override.example");
    let set = set_with(|response| jwt.set_access_cookies(response, &access, options).unwrap());
    assert_eq!(set.len(), 1);
    let cookie = parse_set_cookie(&set[0]);
    assert_eq!(cookie.name, "access_token_cookie");
    assert_eq!(cookie.value, access);
    assert_eq!(
        cookie.attributes,
        attrs(&[
            "Domain=override.example",
            "Expires=<date>",
            "Max-Age=120",
            "HttpOnly",
            "Path=/"
        ])
    );
    let unset = set_with(|response| {
        jwt.unset_access_cookies(response, Some("override.example"))
            .unwrap()
    });
    assert_eq!(
        unset,
        vec![format!(
            "access_token_cookie=; Domain=override.example; {EPOCH}; HttpOnly; Path=/"
        )]
    );
    // Without an override the configured domain applies.
    let unset = set_with(|response| jwt.unset_access_cookies(response, None).unwrap());
    assert_eq!(
        unset,
        vec![format!(
            "access_token_cookie=; Domain=config.example; {EPOCH}; HttpOnly; Path=/"
        )]
    );
}

#[test]
fn domain_override_applies_to_the_csrf_cookie_too() {
    let jwt = manager(|b| b);
    let refresh = jwt.create_refresh_token("alice").unwrap();
    let set = set_with(|response| {
        let options = CookieOptions::new().domain("other.example");
        jwt.set_refresh_cookies(response, &refresh, options)
            .unwrap()
    });
    let domains: Vec<bool> = set
        .iter()
        .map(|h| {
            parse_set_cookie(h)
                .attributes
                .contains("Domain=other.example")
        })
        .collect();
    assert_eq!(domains, vec![true, true]);
}

#[test]
fn zero_max_age_falls_back_to_the_default_as_in_flask() {
    let jwt = manager(|b| b.csrf_in_cookies(false));
    let access = jwt.create_access_token("alice").unwrap();
    let set = set_with(|response| {
        let options = CookieOptions::new().max_age(Duration::ZERO);
        jwt.set_access_cookies(response, &access, options).unwrap()
    });
    assert_eq!(
        set,
        vec![format!("access_token_cookie={access}; HttpOnly; Path=/")]
    );
}

#[test]
fn huge_max_age_does_not_overflow_the_date() {
    let jwt = manager(|b| b.csrf_in_cookies(false));
    let access = jwt.create_access_token("alice").unwrap();
    let set = set_with(|response| {
        let options = CookieOptions::new().max_age(Duration::MAX);
        jwt.set_access_cookies(response, &access, options).unwrap()
    });
    assert_eq!(
        set,
        vec![format!(
            "access_token_cookie={access}; Expires=Fri, 31 Dec 9999 23:59:59 GMT; Max-Age={}; HttpOnly; Path=/",
            u64::MAX
        )]
    );
    // Less than a second counts as not given.
    let set = set_with(|response| {
        let options = CookieOptions::new().max_age(Duration::from_millis(500));
        jwt.set_access_cookies(response, &access, options).unwrap()
    });
    assert_eq!(
        set,
        vec![format!("access_token_cookie={access}; HttpOnly; Path=/")]
    );
}

#[test]
fn only_the_jwt_cookie_without_csrf_cookies() {
    for jwt in [
        manager(|b| b.csrf_in_cookies(false)),
        manager(|b| b.cookie_csrf_protect(false)),
    ] {
        let access = jwt.create_access_token("alice").unwrap();
        let set = set_with(|response| {
            jwt.set_access_cookies(response, &access, CookieOptions::new())
                .unwrap()
        });
        assert_eq!(
            set,
            vec![format!("access_token_cookie={access}; HttpOnly; Path=/")]
        );
        let unset = set_with(|response| jwt.unset_access_cookies(response, None).unwrap());
        assert_eq!(
            unset,
            vec![format!("access_token_cookie=; {EPOCH}; HttpOnly; Path=/")]
        );
    }
}

#[test]
fn custom_cookie_names_and_paths() {
    let jwt = manager(|b| {
        b.access_cookie_name("a_jwt")
            .refresh_cookie_name("r_jwt")
            .access_csrf_cookie_name("a_csrf")
            .refresh_csrf_cookie_name("r_csrf")
            .access_cookie_path("/a")
            .refresh_cookie_path("/r")
            .access_csrf_cookie_path("/ac")
            .refresh_csrf_cookie_path("/rc")
    });
    let access = jwt.create_access_token("alice").unwrap();
    let refresh = jwt.create_refresh_token("alice").unwrap();
    assert_eq!(
        login_cookies(&jwt, &access, &refresh),
        vec![
            format!("a_jwt={access}; HttpOnly; Path=/a"),
            format!("a_csrf={}; Path=/ac", csrf_claim(&jwt, &access)),
            format!("r_jwt={refresh}; HttpOnly; Path=/r"),
            format!("r_csrf={}; Path=/rc", csrf_claim(&jwt, &refresh)),
        ]
    );
}

#[test]
fn samesite_values() {
    for (same_site, text) in [
        (SameSite::Lax, "Lax"),
        (SameSite::Strict, "Strict"),
        (SameSite::None, "None"),
    ] {
        let jwt = manager(|b| b.cookie_samesite(Some(same_site)).csrf_in_cookies(false));
        let access = jwt.create_access_token("alice").unwrap();
        let set = set_with(|response| {
            jwt.set_access_cookies(response, &access, CookieOptions::new())
                .unwrap()
        });
        // SameSite=None is written as configured: no Secure is added.
        assert_eq!(
            set,
            vec![format!(
                "access_token_cookie={access}; HttpOnly; Path=/; SameSite={text}"
            )]
        );
    }
}

#[test]
fn cookie_options_from_text() {
    let builder = JwtManager::builder().secret_key(SECRET).options([
        ("JWT_TOKEN_LOCATION", "cookies"),
        ("JWT_ACCESS_COOKIE_NAME", "a"),
        ("JWT_REFRESH_COOKIE_NAME", "r"),
        ("JWT_ACCESS_COOKIE_PATH", "/api/"),
        ("JWT_REFRESH_COOKIE_PATH", "/token/refresh"),
        ("JWT_COOKIE_SECURE", "true"),
        ("JWT_COOKIE_DOMAIN", ".example.com"),
        ("JWT_COOKIE_SAMESITE", "lax"),
        ("JWT_SESSION_COOKIE", "false"),
        ("JWT_CSRF_METHODS", "post, get"),
        ("JWT_CSRF_IN_COOKIES", "false"),
        ("JWT_CSRF_CHECK_FORM", "true"),
        ("JWT_ACCESS_CSRF_COOKIE_NAME", "ac"),
        ("JWT_REFRESH_CSRF_COOKIE_NAME", "rc"),
        ("JWT_ACCESS_CSRF_COOKIE_PATH", "/acp"),
        ("JWT_REFRESH_CSRF_COOKIE_PATH", "/rcp"),
        ("JWT_ACCESS_CSRF_HEADER_NAME", "X-A"),
        ("JWT_REFRESH_CSRF_HEADER_NAME", "X-R"),
        ("JWT_ACCESS_CSRF_FIELD_NAME", "af"),
        ("JWT_REFRESH_CSRF_FIELD_NAME", "rf"),
        ("JWT_JSON_KEY", "jk"),
        ("JWT_REFRESH_JSON_KEY", "rjk"),
        ("JWT_MAX_BODY_SIZE", "100"),
    ]);
    let config = builder.unwrap().build().unwrap().config().clone();
    assert_eq!(config.token_location, vec![TokenLocation::Cookies]);
    assert_eq!(
        (
            config.access_cookie_name.as_str(),
            config.refresh_cookie_name.as_str()
        ),
        ("a", "r")
    );
    assert_eq!(
        (
            config.access_cookie_path.as_str(),
            config.refresh_cookie_path.as_str()
        ),
        ("/api/", "/token/refresh")
    );
    assert!(config.cookie_secure);
    assert_eq!(config.cookie_domain.as_deref(), Some(".example.com"));
    assert_eq!(config.cookie_samesite, Some(SameSite::Lax));
    assert!(!config.session_cookie);
    assert_eq!(
        config.csrf_methods,
        vec![actix_web::http::Method::POST, actix_web::http::Method::GET]
    );
    assert!(!config.csrf_in_cookies);
    assert!(config.csrf_check_form);
    assert_eq!(
        [
            config.access_csrf_cookie_name.as_str(),
            &config.refresh_csrf_cookie_name,
            &config.access_csrf_cookie_path,
            &config.refresh_csrf_cookie_path,
            &config.access_csrf_header_name,
            &config.refresh_csrf_header_name,
            &config.access_csrf_field_name,
            &config.refresh_csrf_field_name,
            &config.json_key,
            &config.refresh_json_key,
        ],
        [
            "ac", "rc", "/acp", "/rcp", "X-A", "X-R", "af", "rf", "jk", "rjk"
        ]
    );
    assert_eq!(config.max_body_size, 100);
}

#[test]
fn cookie_defaults_match_flask() {
    let config = manager(|b| b).config().clone();
    assert_eq!(config.access_cookie_name, "access_token_cookie");
    assert_eq!(config.refresh_cookie_name, "refresh_token_cookie");
    assert_eq!(config.access_cookie_path, "/");
    assert_eq!(config.refresh_cookie_path, "/");
    assert!(!config.cookie_secure);
    assert_eq!(config.cookie_domain, None);
    assert_eq!(config.cookie_samesite, None);
    assert!(config.session_cookie);
    assert!(config.csrf_in_cookies);
    assert!(!config.csrf_check_form);
    assert_eq!(config.access_csrf_cookie_name, "csrf_access_token");
    assert_eq!(config.refresh_csrf_cookie_name, "csrf_refresh_token");
    assert_eq!(config.access_csrf_header_name, "X-CSRF-TOKEN");
    assert_eq!(config.refresh_csrf_header_name, "X-CSRF-TOKEN");
    assert_eq!(config.access_csrf_field_name, "csrf_token");
    assert_eq!(config.refresh_csrf_field_name, "csrf_token");
    assert_eq!(config.json_key, "access_token");
    assert_eq!(config.refresh_json_key, "refresh_token");
    let methods: Vec<&str> = config.csrf_methods.iter().map(|m| m.as_str()).collect();
    assert_eq!(methods, ["POST", "PUT", "PATCH", "DELETE"]);
}

#[test]
fn bad_cookie_options_name_the_option() {
    let cases = [
        ("JWT_COOKIE_SAMESITE", "sometimes"),
        ("JWT_COOKIE_SECURE", "maybe"),
        ("JWT_SESSION_COOKIE", "2"),
        ("JWT_CSRF_METHODS", "PO ST"),
        ("JWT_CSRF_IN_COOKIES", "?"),
        ("JWT_CSRF_CHECK_FORM", "?"),
        ("JWT_MAX_BODY_SIZE", "-1"),
    ];
    for (option, value) in cases {
        let error = JwtManager::builder()
            .options([(option, value)])
            .unwrap_err();
        assert_eq!(error.option(), Some(option), "{option}={value}");
    }
    let invalid_at_build = [
        ("JWT_ACCESS_COOKIE_NAME", "a b"),
        ("JWT_REFRESH_COOKIE_NAME", ""),
        ("JWT_ACCESS_CSRF_COOKIE_NAME", "x;y"),
        ("JWT_REFRESH_CSRF_COOKIE_NAME", "x=y"),
        ("JWT_ACCESS_COOKIE_PATH", "api"),
        ("JWT_REFRESH_COOKIE_PATH", "/a;b"),
        ("JWT_ACCESS_CSRF_COOKIE_PATH", ""),
        ("JWT_REFRESH_CSRF_COOKIE_PATH", "/ x"),
        ("JWT_COOKIE_DOMAIN", "exa mple.com"),
        ("JWT_ACCESS_CSRF_HEADER_NAME", "X CSRF"),
        ("JWT_REFRESH_CSRF_HEADER_NAME", ""),
        ("JWT_MAX_BODY_SIZE", "0"),
    ];
    for (option, value) in invalid_at_build {
        let error = JwtManager::builder()
            .secret_key(SECRET)
            .options([(option, value)])
            .unwrap()
            .build()
            .unwrap_err();
        assert_eq!(error.option(), Some(option), "{option}={value:?}");
    }
    // An empty SameSite or domain means "no attribute".
    let config = JwtManager::builder()
        .secret_key(SECRET)
        .options([("JWT_COOKIE_SAMESITE", ""), ("JWT_COOKIE_DOMAIN", "")])
        .unwrap()
        .build()
        .unwrap()
        .config()
        .clone();
    assert_eq!((config.cookie_samesite, config.cookie_domain), (None, None));
}

#[test]
fn get_csrf_token_verifies_the_token() {
    let jwt = manager(|b| b);
    let access = jwt.create_access_token("alice").unwrap();
    let csrf = jwt.get_csrf_token(&access).unwrap();
    assert_eq!(
        jwt.decode_token(&access).unwrap().claim("csrf"),
        Some(&json!(csrf))
    );
    let expired = expired_access_token(&jwt);
    assert_eq!(
        jwt.get_csrf_token(&expired)
            .unwrap_err()
            .error()
            .to_string(),
        "Token has expired"
    );
    let no_csrf = token_without_csrf();
    assert_eq!(
        jwt.get_csrf_token(&no_csrf)
            .unwrap_err()
            .error()
            .to_string(),
        "Missing claim: csrf"
    );
}

/// A login handler that sets the cookies of whatever token the test passes.
#[post("/login")]
async fn login(jwt: JwtManager, token: web::Json<String>) -> actix_web::Result<HttpResponse> {
    let mut response = HttpResponse::Ok();
    jwt.set_access_cookies(&mut response, &token, CookieOptions::new())?;
    Ok(response.json(json!({"login": true})))
}

async fn login_with(jwt: &JwtManager, token: &str) -> (StatusCode, serde_json::Value) {
    let app = test::init_service(App::new().app_data(jwt.clone()).service(login)).await;
    let request = TestRequest::post()
        .uri("/login")
        .set_json(token)
        .to_request();
    json_of(test::call_service(&app, request).await).await
}

#[actix_web::test]
async fn setting_cookies_of_a_bad_token_answers_like_a_rejection() {
    let jwt = manager(|b| b);
    let expired = expired_access_token(&jwt);
    assert_eq!(
        login_with(&jwt, &expired).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Token has expired"})
        )
    );
    assert_eq!(
        login_with(&jwt, "foobarbaz").await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Not enough segments"})
        )
    );
    let good = jwt.create_access_token("alice").unwrap();
    assert_eq!(
        login_with(&jwt, &good).await,
        (StatusCode::OK, json!({"login": true}))
    );
    // Without companion cookies the token is not decoded, but it still has
    // to be a valid cookie value.
    let plain = manager(|b| b.csrf_in_cookies(false));
    assert_eq!(
        login_with(&plain, "a b\r\nSet-Cookie: x=y").await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Token is not a valid cookie value"})
        )
    );
}

#[test]
fn every_response_type_accepts_cookies() {
    let jwt = manager(|b| b);
    let access = jwt.create_access_token("alice").unwrap();
    let mut response = HttpResponse::Ok().finish();
    jwt.set_access_cookies(&mut response, &access, CookieOptions::new())
        .unwrap();
    assert_eq!(headers_of(&response).len(), 2);
    let request = TestRequest::default().to_http_request();
    let mut service_response =
        actix_web::dev::ServiceResponse::new(request, HttpResponse::Ok().finish());
    jwt.unset_jwt_cookies(&mut service_response, None).unwrap();
    assert_eq!(transport_support::set_cookies(&service_response).len(), 4);
    let bad_domain = jwt.unset_jwt_cookies(&mut service_response, Some("bad domain;"));
    let response = actix_web::ResponseError::error_response(&bad_domain.unwrap_err());
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(transport_support::set_cookies(&service_response).len(), 4);
}

/// A log sink for the startup-warning test.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The warnings logged while building a manager.
fn startup_warnings(configure: impl FnOnce(JwtManagerBuilder) -> JwtManagerBuilder) -> Vec<String> {
    use tracing_subscriber::util::SubscriberInitExt as _;
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .finish();
    {
        let _guard = subscriber.set_default();
        manager(configure);
    }
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    text.lines()
        .filter(|line| line.contains("WARN"))
        .map(|line| {
            line.split_once("actix_jwt_extended: ")
                .map_or(line, |(_, m)| m)
                .to_owned()
        })
        .collect()
}

#[test]
fn startup_warning_for_cookies_without_secure_or_samesite() {
    let secure = "JWT cookies are not Secure: set JWT_COOKIE_SECURE=true when serving over HTTPS";
    let samesite =
        "JWT cookies have no SameSite attribute: set JWT_COOKIE_SAMESITE (Lax or Strict)";
    assert_eq!(
        startup_warnings(|b| b.token_location([TokenLocation::Headers, TokenLocation::Cookies])),
        vec![secure, samesite]
    );
    assert_eq!(
        startup_warnings(|b| b
            .token_location([TokenLocation::Cookies])
            .cookie_samesite(Some(SameSite::Lax))),
        vec![secure]
    );
    assert_eq!(
        startup_warnings(|b| b
            .token_location([TokenLocation::Cookies])
            .cookie_secure(true)),
        vec![samesite]
    );
    assert_eq!(
        startup_warnings(|b| b
            .token_location([TokenLocation::Cookies])
            .cookie_secure(true)
            .cookie_samesite(Some(SameSite::Strict))),
        Vec::<String>::new()
    );
    assert_eq!(startup_warnings(|b| b), Vec::<String>::new());
}

#[test]
fn expires_counts_from_the_managers_clock() {
    use actix_jwt_extended::testing::ManualClock;
    use std::time::UNIX_EPOCH;
    // Tue, 14 Nov 2023 22:13:20 GMT.
    let clock = ManualClock::at(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let jwt = manager(|b| b.clock(&clock).session_cookie(false));
    let token = jwt.create_access_token("alice").unwrap();
    let headers = set_with(|r| {
        jwt.set_access_cookies(
            r,
            &token,
            CookieOptions::new().max_age(Duration::from_secs(60)),
        )
        .unwrap()
    });
    assert!(
        headers[0].contains("; Expires=Tue, 14 Nov 2023 22:14:20 GMT; Max-Age=60;"),
        "{headers:?}"
    );
}
