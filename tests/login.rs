//! Flask-JWT's login endpoint (`AuthEndpoint`) and the optional
//! `WWW-Authenticate` challenge of rejected requests.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_jwt_extended::{
    AuthEndpoint, BearerError, Challenge, JwtError, JwtManager, JwtManagerBuilder, WwwAuthenticate,
    invalid_credentials_response, jwt_required,
};
use actix_jwt_extended_examples::{SECRET, hs256, hs256_token, now, sign_hs};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{App, HttpResponse, get, test, web};
use serde::Serialize;
use serde_json::{Value, json};

/// Flask-JWT's body for every refused login, byte for byte.
const INVALID_CREDENTIALS: &str =
    r#"{"description":"Invalid credentials","error":"Bad Request","status_code":401}"#;

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": current_token.identity() }))
}

#[get("/fresh")]
#[jwt_required(fresh)]
async fn fresh() -> HttpResponse {
    HttpResponse::Ok().finish()
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn challenge(&self) -> Option<&str> {
        self.headers
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap())
    }

    fn assert_invalid_credentials(&self, case: &str) {
        assert_eq!(self.status, StatusCode::UNAUTHORIZED, "{case}");
        assert_eq!(self.body, INVALID_CREDENTIALS, "{case}");
        assert_eq!(
            self.headers
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap()),
            Some("application/json"),
            "{case}"
        );
    }
}

/// Sends `req` to an app with `manager`, the endpoint and the protected routes.
async fn send<I: Serialize + 'static>(
    manager: &JwtManager,
    endpoint: AuthEndpoint<I>,
    req: test::TestRequest,
) -> Reply {
    let app = test::init_service(
        App::new()
            .app_data(manager.clone())
            .service(endpoint)
            .service(protected)
            .service(fresh),
    )
    .await;
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    Reply {
        status,
        headers,
        body,
    }
}

/// Users and how often the callback ran.
#[derive(Clone, Default)]
struct Calls(Arc<Mutex<Vec<(String, String)>>>);

impl Calls {
    fn endpoint(&self) -> AuthEndpoint<String> {
        let calls = self.clone();
        AuthEndpoint::new(move |username: String, password: String| {
            calls
                .0
                .lock()
                .unwrap()
                .push((username.clone(), password.clone()));
            async move { (username == "alice" && password == "wonderland").then_some(username) }
        })
    }

    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

fn manager() -> JwtManager {
    hs256().build().unwrap()
}

fn post_json(path: &str, body: &Value) -> test::TestRequest {
    test::TestRequest::post().uri(path).set_json(body)
}

fn post_raw(path: &str, content_type: Option<&str>, body: &str) -> test::TestRequest {
    let mut req = test::TestRequest::post()
        .uri(path)
        .set_payload(body.to_owned());
    if let Some(content_type) = content_type {
        req = req.insert_header((header::CONTENT_TYPE, content_type));
    }
    req
}

fn get_with(path: &str, authorization: Option<&str>) -> test::TestRequest {
    let mut req = test::TestRequest::get().uri(path);
    if let Some(value) = authorization {
        req = req.insert_header((header::AUTHORIZATION, value.to_owned()));
    }
    req
}

/// Sends `req` to the protected routes of a manager built from `builder`.
async fn protected_reply(builder: JwtManagerBuilder, req: test::TestRequest) -> Reply {
    send(&builder.build().unwrap(), Calls::default().endpoint(), req).await
}

fn expired_token() -> String {
    hs256_token(&json!({"sub": "alice", "type": "access", "iat": now() - 20, "exp": now() - 10}))
}

// ---------------------------------------------------------------- login

#[actix_web::test]
async fn good_credentials_get_an_access_token_that_verifies() {
    let m = manager();
    let calls = Calls::default();
    let reply = send(
        &m,
        calls.endpoint(),
        post_json(
            "/auth",
            &json!({"username": "alice", "password": "wonderland"}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    let object = body.as_object().unwrap();
    assert_eq!(
        object.keys().collect::<Vec<_>>(),
        ["access_token"],
        "{body}"
    );
    let token = body["access_token"].as_str().unwrap();
    let decoded = m.decode_token(token).expect("the token verifies");
    assert_eq!(decoded.claims()["sub"], "alice");
    assert_eq!(decoded.claims()["type"], "access");
    assert_eq!(
        *calls.0.lock().unwrap(),
        [("alice".to_owned(), "wonderland".to_owned())]
    );

    // And it opens a protected route.
    let reply = send(
        &m,
        calls.endpoint(),
        get_with("/protected", Some(&format!("Bearer {token}"))),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"sub": "alice"}));
}

#[actix_web::test]
async fn wrong_password_is_401_invalid_credentials() {
    let calls = Calls::default();
    let reply = send(
        &manager(),
        calls.endpoint(),
        post_json("/auth", &json!({"username": "alice", "password": "guess"})),
    )
    .await;
    reply.assert_invalid_credentials("wrong password");
    assert_eq!(calls.count(), 1, "the callback decided");
}

#[actix_web::test]
async fn unknown_user_is_401_invalid_credentials() {
    let reply = send(
        &manager(),
        Calls::default().endpoint(),
        post_json(
            "/auth",
            &json!({"username": "mallory", "password": "wonderland"}),
        ),
    )
    .await;
    reply.assert_invalid_credentials("unknown user");
}

#[actix_web::test]
async fn missing_key_is_401_without_calling_back() {
    let calls = Calls::default();
    for body in [
        json!({"username": "alice"}),
        json!({"password": "wonderland"}),
        json!({}),
        json!({"username": "alice", "pass": "wonderland"}),
    ] {
        let reply = send(&manager(), calls.endpoint(), post_json("/auth", &body)).await;
        reply.assert_invalid_credentials(&body.to_string());
    }
    assert_eq!(calls.count(), 0);
}

#[actix_web::test]
async fn extra_key_is_401_as_flask_jwt_requires_exactly_two() {
    let calls = Calls::default();
    let reply = send(
        &manager(),
        calls.endpoint(),
        post_json(
            "/auth",
            &json!({"username": "alice", "password": "wonderland", "remember": true}),
        ),
    )
    .await;
    reply.assert_invalid_credentials("extra key");
    assert_eq!(calls.count(), 0);
}

#[actix_web::test]
async fn empty_or_non_string_values_are_401() {
    let calls = Calls::default();
    for body in [
        json!({"username": "", "password": "wonderland"}),
        json!({"username": "alice", "password": ""}),
        json!({"username": "alice", "password": null}),
        json!({"username": 7, "password": "wonderland"}),
        json!({"username": ["alice"], "password": "wonderland"}),
        json!({"username": "alice", "password": {"p": "wonderland"}}),
    ] {
        let reply = send(&manager(), calls.endpoint(), post_json("/auth", &body)).await;
        reply.assert_invalid_credentials(&body.to_string());
    }
    assert_eq!(calls.count(), 0);
}

#[actix_web::test]
async fn form_body_is_401() {
    let reply = send(
        &manager(),
        Calls::default().endpoint(),
        test::TestRequest::post()
            .uri("/auth")
            .set_form([("username", "alice"), ("password", "wonderland")]),
    )
    .await;
    reply.assert_invalid_credentials("form body");
}

#[actix_web::test]
async fn invalid_json_is_401() {
    for body in [
        "",
        "{",
        "{\"username\": \"alice\", \"password\": \"wonderland\"",
        "username=alice&password=wonderland",
        "{\"username\": \"alice\", \"password\": \"wonderland\"} trailing",
        "\u{feff}{}",
    ] {
        let reply = send(
            &manager(),
            Calls::default().endpoint(),
            post_raw("/auth", Some("application/json"), body),
        )
        .await;
        reply.assert_invalid_credentials(body);
    }
    // Not UTF-8 at all.
    let reply = send(
        &manager(),
        Calls::default().endpoint(),
        test::TestRequest::post()
            .uri("/auth")
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(vec![0xff, 0xfe, 0x7b, 0x7d]),
    )
    .await;
    reply.assert_invalid_credentials("invalid UTF-8");
}

#[actix_web::test]
async fn json_array_and_other_non_objects_are_401() {
    for body in [
        json!(["alice", "wonderland"]),
        json!([{"username": "alice", "password": "wonderland"}]),
        json!("alice"),
        json!(null),
        json!(2),
    ] {
        let reply = send(
            &manager(),
            Calls::default().endpoint(),
            post_json("/auth", &body),
        )
        .await;
        reply.assert_invalid_credentials(&body.to_string());
    }
}

#[actix_web::test]
async fn valid_json_not_declared_as_json_is_401() {
    let body = r#"{"username": "alice", "password": "wonderland"}"#;
    for content_type in [None, Some("text/plain"), Some("text/json")] {
        let reply = send(
            &manager(),
            Calls::default().endpoint(),
            post_raw("/auth", content_type, body),
        )
        .await;
        reply.assert_invalid_credentials(&format!("{content_type:?}"));
    }
    // Flask's `is_json`: application/json (any parameters) or application/*+json.
    for content_type in [
        "application/json; charset=utf-8",
        "application/vnd.api+json",
    ] {
        let reply = send(
            &manager(),
            Calls::default().endpoint(),
            post_raw("/auth", Some(content_type), body),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{content_type}");
    }
}

#[actix_web::test]
async fn oversized_or_deeply_nested_body_is_401_not_a_crash() {
    let padding = "x".repeat(20 * 1024);
    let big = json!({"username": "alice", "password": padding});
    let reply = send(
        &manager(),
        Calls::default().endpoint(),
        post_json("/auth", &big),
    )
    .await;
    reply.assert_invalid_credentials("over the default 16 KiB");

    let calls = Calls::default();
    let reply = send(
        &manager(),
        calls.endpoint().body_limit(1 << 20),
        post_json("/auth", &big),
    )
    .await;
    reply.assert_invalid_credentials("under a raised limit, only the password is wrong");
    assert_eq!(calls.count(), 1);

    let nested = format!(
        r#"{{"username": {}"alice"{}, "password": "wonderland"}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let reply = send(
        &manager(),
        Calls::default().endpoint().body_limit(1 << 20),
        post_raw("/auth", Some("application/json"), &nested),
    )
    .await;
    reply.assert_invalid_credentials("nested 100000 deep");
}

#[actix_web::test]
async fn only_post_is_routed() {
    let reply = send(
        &manager(),
        Calls::default().endpoint(),
        test::TestRequest::get().uri("/auth"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    let reply = send(
        &manager(),
        Calls::default().endpoint(),
        post_json(
            "/login",
            &json!({"username": "alice", "password": "wonderland"}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn custom_path_and_key_names() {
    let endpoint = || {
        Calls::default()
            .endpoint()
            .path("/login")
            .username_key("email")
            .password_key("secret")
    };
    let good = json!({"email": "alice", "secret": "wonderland"});
    let reply = send(&manager(), endpoint(), post_json("/login", &good)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.json()["access_token"].is_string());

    let reply = send(
        &manager(),
        endpoint(),
        post_json(
            "/login",
            &json!({"username": "alice", "password": "wonderland"}),
        ),
    )
    .await;
    reply.assert_invalid_credentials("the default key names");

    let reply = send(&manager(), endpoint(), post_json("/auth", &good)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn mounted_inside_a_scope() {
    let m = manager();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(m.clone()))
            .service(web::scope("/api").service(Calls::default().endpoint())),
    )
    .await;
    let req = post_json(
        "/api/auth",
        &json!({"username": "alice", "password": "wonderland"}),
    )
    .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = test::read_body_json(resp).await;
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(m.decode_token(token).unwrap().claims()["sub"], "alice");
}

#[actix_web::test]
async fn async_authentication_callback() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let endpoint = AuthEndpoint::new(move |username: String, password: String| {
        let log = log.clone();
        async move {
            // A database round trip.
            tokio::time::sleep(Duration::from_millis(5)).await;
            log.lock().unwrap().push(format!("{username}:{password}"));
            (password == "s3cret").then(|| json!({"id": 7, "name": username}))
        }
    })
    .auth_response_handler(|token: &str, identity: &Value| {
        HttpResponse::Ok().json(json!({"access_token": token, "user": identity}))
    });
    let m = hs256()
        .user_identity_loader(|user| user["name"].clone())
        .build()
        .unwrap();

    let reply = send(
        &m,
        endpoint.clone(),
        post_json("/auth", &json!({"username": "bob", "password": "s3cret"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let body = reply.json();
    assert_eq!(body["user"], json!({"id": 7, "name": "bob"}));
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(m.decode_token(token).unwrap().claims()["sub"], "bob");

    let reply = send(
        &m,
        endpoint,
        post_json("/auth", &json!({"username": "bob", "password": "nope"})),
    )
    .await;
    reply.assert_invalid_credentials("async refusal");
    assert_eq!(*seen.lock().unwrap(), ["bob:s3cret", "bob:nope"]);
}

#[derive(Serialize)]
struct User {
    id: u32,
    name: &'static str,
    team: &'static str,
}

#[actix_web::test]
async fn identity_goes_through_the_managers_loaders() {
    let m = hs256()
        .user_identity_loader(|user| user["id"].to_string().into())
        .additional_claims_loader(|user| {
            let mut claims = serde_json::Map::new();
            claims.insert("team".into(), user["team"].clone());
            claims
        })
        .build()
        .unwrap();
    let endpoint = AuthEndpoint::new(|username: String, _password: String| async move {
        (username == "carol").then_some(User {
            id: 42,
            name: "carol",
            team: "blue",
        })
    });
    let reply = send(
        &m,
        endpoint,
        post_json("/auth", &json!({"username": "carol", "password": "x"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    let claims = m.decode_token(&token).unwrap().claims().clone();
    assert_eq!(
        (&claims["sub"], &claims["team"]),
        (&json!("42"), &json!("blue"))
    );
    assert_eq!(claims.get("fresh"), Some(&json!(true)), "a password login");
}

#[actix_web::test]
async fn the_token_is_fresh_unless_told_otherwise() {
    let m = manager();
    let login = json!({"username": "alice", "password": "wonderland"});
    for (endpoint, fresh_route) in [
        (Calls::default().endpoint(), StatusCode::OK),
        (
            Calls::default().endpoint().fresh(false),
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let reply = send(&m, endpoint, post_json("/auth", &login)).await;
        let token = reply.json()["access_token"].as_str().unwrap().to_owned();
        let reply = send(
            &m,
            Calls::default().endpoint(),
            get_with("/fresh", Some(&format!("Bearer {token}"))),
        )
        .await;
        assert_eq!(reply.status, fresh_route, "{}", reply.body);
    }
}

#[actix_web::test]
async fn auth_response_handler_can_add_a_refresh_token_or_fail() {
    let m = manager();
    let issuer = m.clone();
    let endpoint =
        Calls::default()
            .endpoint()
            .auth_response_handler(move |access_token, identity| {
                let refresh_token = issuer
                    .create_refresh_token(identity)
                    .map_err(actix_web::error::ErrorInternalServerError)?;
                Ok::<_, actix_web::Error>(HttpResponse::Created().json(json!({
                    "access_token": access_token,
                    "refresh_token": refresh_token,
                })))
            });
    let reply = send(
        &m,
        endpoint,
        post_json(
            "/auth",
            &json!({"username": "alice", "password": "wonderland"}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let body = reply.json();
    let refresh = m
        .decode_token(body["refresh_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(refresh.claims()["type"], "refresh");
    assert_eq!(refresh.claims()["sub"], "alice");

    let failing = Calls::default().endpoint().auth_response_handler(|_, _| {
        Err::<HttpResponse, _>(actix_web::error::ErrorForbidden("suspended"))
    });
    let reply = send(
        &m,
        failing,
        post_json(
            "/auth",
            &json!({"username": "alice", "password": "wonderland"}),
        ),
    )
    .await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::FORBIDDEN, "suspended")
    );
}

#[actix_web::test]
async fn without_a_manager_it_is_the_missing_manager_error() {
    let app = test::init_service(App::new().service(Calls::default().endpoint())).await;
    let req = post_json(
        "/auth",
        &json!({"username": "alice", "password": "wonderland"}),
    )
    .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = test::read_body_json(resp).await;
    assert_eq!(body, json!({"msg": "Internal Server Error"}));
}

#[actix_web::test]
async fn invalid_credentials_response_is_public() {
    let resp = invalid_credentials_response();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let body = actix_web::body::to_bytes(resp.into_body()).await.unwrap();
    assert_eq!(body, INVALID_CREDENTIALS);
}

#[actix_web::test]
async fn login_refusals_carry_no_challenge() {
    let m = hs256()
        .www_authenticate(WwwAuthenticate::Bearer)
        .build()
        .unwrap();
    let reply = send(
        &m,
        Calls::default().endpoint(),
        post_json("/auth", &json!({"username": "alice", "password": "no"})),
    )
    .await;
    reply.assert_invalid_credentials("wrong password");
    assert_eq!(reply.challenge(), None, "as Flask-JWT");
}

// ---------------------------------------------------------------- WWW-Authenticate

#[actix_web::test]
async fn www_authenticate_is_absent_by_default() {
    let reply = protected_reply(hs256(), get_with("/protected", None)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json(), json!({"msg": "Missing Authorization Header"}));
    assert_eq!(reply.challenge(), None);

    let bearer = format!("Bearer {}", expired_token());
    let reply = protected_reply(hs256(), get_with("/protected", Some(&bearer))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.challenge(), None);
}

#[actix_web::test]
async fn jwt_form_on_a_missing_token_only() {
    let jwt = || hs256().www_authenticate(WwwAuthenticate::Jwt);
    let reply = protected_reply(jwt(), get_with("/protected", None)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json(), json!({"msg": "Missing Authorization Header"}));
    assert_eq!(reply.challenge(), Some(r#"JWT realm="Login Required""#));

    // Flask-JWT sends it for a missing token and for nothing else.
    let expired = format!("Bearer {}", expired_token());
    let reply = protected_reply(jwt(), get_with("/protected", Some(&expired))).await;
    assert_eq!(
        (reply.status, reply.challenge()),
        (StatusCode::UNAUTHORIZED, None)
    );
    let reply = protected_reply(jwt(), get_with("/protected", Some("Bearer a.b.c"))).await;
    assert_eq!(
        (reply.status, reply.challenge()),
        (StatusCode::UNPROCESSABLE_ENTITY, None)
    );
}

#[actix_web::test]
async fn bearer_form_has_no_error_code_without_credentials() {
    let bearer = || hs256().www_authenticate(WwwAuthenticate::Bearer);
    let reply = protected_reply(bearer(), get_with("/protected", None)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.challenge(), Some(r#"Bearer realm="Login Required""#));

    // Another scheme is no credentials for us either (RFC 6750 §3.1).
    let reply = protected_reply(bearer(), get_with("/protected", Some("Basic YTpi"))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.json(),
        json!({"msg": "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'"})
    );
    assert_eq!(reply.challenge(), Some(r#"Bearer realm="Login Required""#));
}

#[actix_web::test]
async fn bearer_form_names_the_error_of_a_bad_token() {
    let bearer = || hs256().www_authenticate(WwwAuthenticate::Bearer);
    let expired = format!("Bearer {}", expired_token());
    let forged = format!(
        "Bearer {}",
        sign_hs(
            "HS256",
            r#"{"alg":"HS256","typ":"JWT"}"#,
            &json!({"sub": "alice", "exp": now() + 60}).to_string(),
            b"another secret"
        )
    );
    let m = hs256().build().unwrap();
    let refresh = format!("Bearer {}", m.create_refresh_token("alice").unwrap());
    let stale = format!("Bearer {}", m.create_access_token("alice").unwrap());
    let cases = [
        (
            "/protected",
            expired.as_str(),
            401,
            r#"Bearer realm="Login Required", error="invalid_token", error_description="Token has expired""#,
        ),
        (
            "/protected",
            forged.as_str(),
            422,
            r#"Bearer realm="Login Required", error="invalid_token", error_description="Signature verification failed""#,
        ),
        (
            "/protected",
            refresh.as_str(),
            422,
            r#"Bearer realm="Login Required", error="invalid_token", error_description="Only non-refresh tokens are allowed""#,
        ),
        (
            "/protected",
            "Bearer a b",
            422,
            r#"Bearer realm="Login Required", error="invalid_request", error_description="Bad Authorization header. Expected 'Authorization: Bearer <JWT>'""#,
        ),
        (
            "/fresh",
            stale.as_str(),
            401,
            r#"Bearer realm="Login Required", error="insufficient_user_authentication", error_description="Fresh token required""#,
        ),
    ];
    for (path, authorization, status, challenge) in cases {
        let reply = protected_reply(bearer(), get_with(path, Some(authorization))).await;
        assert_eq!(reply.status.as_u16(), status, "{challenge}");
        assert_eq!(reply.challenge(), Some(challenge));
        let message = reply.json()["msg"].as_str().unwrap().to_owned();
        assert!(
            challenge.ends_with(&format!("error_description=\"{message}\"")),
            "the description repeats the body: {message}"
        );
    }
}

#[actix_web::test]
async fn realm_is_configurable_and_escaped() {
    let reply = protected_reply(
        hs256()
            .www_authenticate(WwwAuthenticate::Jwt)
            .default_realm(r#"Team "A" \ API"#),
        get_with("/protected", None),
    )
    .await;
    assert_eq!(reply.challenge(), Some(r#"JWT realm="Team \"A\" \\ API""#));
}

#[actix_web::test]
async fn error_description_keeps_to_rfc_6750_characters() {
    let token = hs256_token(&json!({"sub": "alice", "exp": now() + 60}));
    let reply = protected_reply(
        hs256()
            .www_authenticate(WwwAuthenticate::Bearer)
            .decode_audience(["api"]),
        get_with("/protected", Some(&format!("Bearer {token}"))),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.json(),
        json!({"msg": "Token is missing the \"aud\" claim"})
    );
    assert_eq!(
        reply.challenge(),
        Some(
            r#"Bearer realm="Login Required", error="invalid_token", error_description="Token is missing the 'aud' claim""#
        )
    );
}

#[actix_web::test]
async fn options_by_their_names() {
    let builder = JwtManager::builder()
        .options([
            ("JWT_SECRET_KEY", SECRET),
            ("JWT_WWW_AUTHENTICATE", "Bearer"),
            ("JWT_DEFAULT_REALM", "accounts"),
        ])
        .unwrap();
    let m = builder.clone().build().unwrap();
    assert_eq!(m.config().www_authenticate, WwwAuthenticate::Bearer);
    assert_eq!(m.config().default_realm, "accounts");
    let reply = protected_reply(builder, get_with("/protected", None)).await;
    assert_eq!(reply.challenge(), Some(r#"Bearer realm="accounts""#));

    let bad = JwtManager::builder()
        .options([("JWT_WWW_AUTHENTICATE", "basic")])
        .unwrap_err();
    assert_eq!(bad.option(), Some("JWT_WWW_AUTHENTICATE"));
    assert_eq!(
        bad.to_string(),
        r#"JWT_WWW_AUTHENTICATE: "basic" is not a challenge form; expected off, jwt or bearer"#
    );
    let bad = hs256()
        .default_realm("a\r\nSet-Cookie: x")
        .build()
        .unwrap_err();
    assert_eq!(bad.option(), Some("JWT_DEFAULT_REALM"));
}

#[actix_web::test]
async fn a_response_loader_overrides_the_body_and_the_challenge_stays() {
    let reply = protected_reply(
        hs256()
            .www_authenticate(WwwAuthenticate::Bearer)
            .unauthorized_loader(|reason| {
                HttpResponse::Unauthorized().json(json!({"error": "login please", "why": reason}))
            }),
        get_with("/protected", None),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.json(),
        json!({"error": "login please", "why": "Missing Authorization Header"})
    );
    assert_eq!(reply.challenge(), Some(r#"Bearer realm="Login Required""#));
}

#[actix_web::test]
async fn a_response_loader_that_sets_the_header_or_redirects_wins() {
    let builder = || {
        hs256()
            .www_authenticate(WwwAuthenticate::Bearer)
            .expired_token_loader(|_| {
                HttpResponse::Unauthorized()
                    .insert_header((header::WWW_AUTHENTICATE, r#"Bearer realm="mine""#))
                    .json(json!({"msg": "renew"}))
            })
            .unauthorized_loader(|_| {
                HttpResponse::Found()
                    .insert_header((header::LOCATION, "/login"))
                    .finish()
            })
    };
    let expired = format!("Bearer {}", expired_token());
    let reply = protected_reply(builder(), get_with("/protected", Some(&expired))).await;
    assert_eq!(reply.json(), json!({"msg": "renew"}));
    assert_eq!(reply.challenge(), Some(r#"Bearer realm="mine""#));

    let reply = protected_reply(builder(), get_with("/protected", None)).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    assert_eq!(reply.challenge(), None, "not a client error");
}

#[actix_web::test]
async fn the_manager_tells_its_challenge() {
    let m = hs256()
        .www_authenticate(WwwAuthenticate::Bearer)
        .default_realm("api")
        .build()
        .unwrap();
    assert_eq!(
        m.challenge(&JwtError::Expired),
        Some(Challenge::bearer("api").with_error(BearerError::InvalidToken, "Token has expired"))
    );
    assert_eq!(m.challenge(&JwtError::ManagerMissing), None);
    assert_eq!(manager().challenge(&JwtError::Expired), None);
}
