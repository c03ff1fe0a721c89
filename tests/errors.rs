//! Every row of Flask-JWT-Extended 4.x's error table: exact status and body,
//! and the handler body never runs for a rejected request.

use actix_jwt_extended::testing::ManualClock;
use actix_jwt_extended::{
    Algorithm, JwtManager, TokenOptions, fresh_jwt_required, jwt_optional, jwt_refresh_required,
    jwt_required,
};
use actix_jwt_extended_examples::{Runs, SECRET, hs256, hs256_token, manager_for, now, sign_hs};
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, get, test, web};
use serde_json::{Value, json};
use std::time::Duration;

#[get("/protected")]
#[jwt_required]
async fn protected(runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    HttpResponse::Ok().json(json!({ "sub": current_token.identity() }))
}

#[get("/fresh")]
#[fresh_jwt_required]
async fn fresh(runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    HttpResponse::Ok().json(json!({ "sub": current_token.identity() }))
}

#[get("/refresh")]
#[jwt_refresh_required]
async fn refresh(runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    HttpResponse::Ok().json(json!({ "sub": current_token.identity() }))
}

#[get("/optional")]
#[jwt_optional]
async fn optional(runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    let sub = current_token.as_ref().map(|t| t.identity().clone());
    HttpResponse::Ok().json(json!({ "sub": sub }))
}

/// Sends `req` to a fresh app served by `manager`; returns the status, the
/// JSON body and how often a handler body ran.
async fn send(manager: &JwtManager, req: test::TestRequest) -> (StatusCode, Value, usize) {
    let runs = Runs::default();
    let app = test::init_service(
        App::new()
            .app_data(manager.clone())
            .app_data(web::Data::new(runs.clone()))
            .service(protected)
            .service(fresh)
            .service(refresh)
            .service(optional),
    )
    .await;
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status();
    if !status.is_success() {
        assert_eq!(
            resp.headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap()),
            Some("application/json"),
            "error responses are JSON"
        );
    }
    let body = test::read_body(resp).await;
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, body, runs.count())
}

fn get(path: &str) -> test::TestRequest {
    test::TestRequest::get().uri(path)
}

fn bearer(path: &str, token: &str) -> test::TestRequest {
    get(path).insert_header(("Authorization", format!("Bearer {token}")))
}

/// Asserts a rejection: status, exact body, handler not run.
async fn rejects(manager: &JwtManager, req: test::TestRequest, status: u16, msg: &str) {
    let (got, body, runs) = send(manager, req).await;
    assert_eq!(got.as_u16(), status, "body: {body}");
    assert_eq!(body, json!({ "msg": msg }));
    assert_eq!(runs, 0, "the handler body must not run");
}

fn manager() -> JwtManager {
    hs256().build().unwrap()
}

const BAD_HEADER: &str = "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'";
const MISSING_BEARER: &str =
    "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'";

#[actix_web::test]
async fn missing_header() {
    let m = manager();
    rejects(&m, get("/protected"), 401, "Missing Authorization Header").await;
    let empty = get("/protected").insert_header(("Authorization", ""));
    rejects(&m, empty, 401, "Missing Authorization Header").await;
}

#[actix_web::test]
async fn other_scheme_lowercase_bearer_and_two_bearers() {
    let m = manager();
    let token = m.create_access_token("alice").unwrap();
    for value in [
        "Basic abc".to_owned(),
        format!("bearer {token}"),
        format!("Bearer {token}, Bearer {token}"),
    ] {
        let req = get("/protected").insert_header(("Authorization", value));
        rejects(&m, req, 401, MISSING_BEARER).await;
    }
}

#[actix_web::test]
async fn bad_bearer_header() {
    let m = manager();
    for value in ["Bearer", "Bearer ", "Bearer a b", "Bearer ,,0"] {
        let req = get("/protected").insert_header(("Authorization", value));
        rejects(&m, req, 422, BAD_HEADER).await;
    }
}

#[actix_web::test]
async fn comma_separated_header_lists() {
    let m = manager();
    let token = m.create_access_token("alice").unwrap();
    for value in [
        format!("Basic x, Bearer {token}"),
        format!("Bearer {token}, Basic x"),
        format!("Bearer {token},   "),
    ] {
        let req = get("/protected").insert_header(("Authorization", value));
        let (status, body, runs) = send(&m, req).await;
        assert_eq!(status, 200);
        assert_eq!(body, json!({"sub": "alice"}));
        assert_eq!(runs, 1);
    }
}

#[actix_web::test]
async fn expired_token() {
    let clock = ManualClock::new();
    let m = hs256().clock(&clock).build().unwrap();
    let token = m
        .create_access_token_with("alice", TokenOptions::new().expires(Duration::from_secs(1)))
        .unwrap();
    assert_eq!(
        send(&m, bearer("/protected", &token)).await.0,
        StatusCode::OK
    );
    let expired = hs256_token(&json!({"sub": "alice", "iat": now() - 20, "exp": now() - 10}));
    rejects(&m, bearer("/protected", &expired), 401, "Token has expired").await;
    let expired_refresh = hs256_token(&json!({"sub": "a", "type": "refresh", "exp": now() - 1}));
    rejects(
        &m,
        bearer("/refresh", &expired_refresh),
        401,
        "Token has expired",
    )
    .await;
    // A token that is exactly at its expiry second is expired (exp <= now).
    clock.advance(Duration::from_secs(1));
    rejects(&m, bearer("/protected", &token), 401, "Token has expired").await;
}

#[actix_web::test]
async fn wrong_signature() {
    let m = manager();
    let other = hs256().secret_key("another-secret").build().unwrap();
    let token = other.create_access_token("alice").unwrap();
    rejects(
        &m,
        bearer("/protected", &token),
        422,
        "Signature verification failed",
    )
    .await;
}

#[actix_web::test]
async fn algorithm_not_allowed() {
    let m = manager();
    let hs512 = hs256().algorithm(Algorithm::HS512).build().unwrap();
    let token = hs512.create_access_token("alice").unwrap();
    let msg = "The specified alg value is not allowed";
    rejects(&m, bearer("/protected", &token), 422, msg).await;
    let rs = manager_for(Algorithm::RS256);
    let rs_token = rs.create_access_token("alice").unwrap();
    rejects(&m, bearer("/protected", &rs_token), 422, msg).await;
    // An HS256 token against an RS256 configuration.
    let hs_token = m.create_access_token("alice").unwrap();
    rejects(&rs, bearer("/protected", &hs_token), 422, msg).await;
}

#[actix_web::test]
async fn token_types() {
    let m = manager();
    let refresh_token = m.create_refresh_token("alice").unwrap();
    let access_token = m.create_access_token("alice").unwrap();
    let custom = hs256_token(&json!({"sub": "alice", "type": "app", "exp": now() + 60}));
    rejects(
        &m,
        bearer("/protected", &refresh_token),
        422,
        "Only non-refresh tokens are allowed",
    )
    .await;
    rejects(
        &m,
        bearer("/fresh", &refresh_token),
        422,
        "Only non-refresh tokens are allowed",
    )
    .await;
    rejects(
        &m,
        bearer("/optional", &refresh_token),
        422,
        "Only non-refresh tokens are allowed",
    )
    .await;
    rejects(
        &m,
        bearer("/refresh", &access_token),
        422,
        "Only refresh tokens are allowed",
    )
    .await;
    rejects(
        &m,
        bearer("/refresh", &custom),
        422,
        "Only refresh tokens are allowed",
    )
    .await;
    // Any type but refresh is accepted where an access token is required.
    let (status, _, runs) = send(&m, bearer("/protected", &custom)).await;
    assert_eq!((status.as_u16(), runs), (200, 1));
    let (status, body, _) = send(&m, bearer("/refresh", &refresh_token)).await;
    assert_eq!((status.as_u16(), body), (200, json!({"sub": "alice"})));
}

#[actix_web::test]
async fn freshness() {
    let m = manager();
    let stale = m.create_access_token("alice").unwrap();
    rejects(&m, bearer("/fresh", &stale), 401, "Fresh token required").await;
    let past = m
        .create_access_token_with(
            "alice",
            TokenOptions::new().fresh(actix_jwt_extended::Fresh::Until(now() as f64 - 1.0)),
        )
        .unwrap();
    rejects(&m, bearer("/fresh", &past), 401, "Fresh token required").await;
    for options in [
        TokenOptions::new().fresh(true),
        TokenOptions::new().fresh(Duration::from_secs(300)),
    ] {
        let token = m.create_access_token_with("alice", options).unwrap();
        let (status, _, runs) = send(&m, bearer("/fresh", &token)).await;
        assert_eq!((status.as_u16(), runs), (200, 1));
    }
}

#[actix_web::test]
async fn malformed_tokens() {
    let m = manager();
    let cases = [
        ("foobarbaz", "Not enough segments"),
        ("a.b", "Not enough segments"),
        ("aaaaa.bbbbb.ccccc", "Invalid header padding"),
        ("a.b.c.d", "Invalid header padding"),
    ];
    for (token, msg) in cases {
        rejects(&m, bearer("/protected", token), 422, msg).await;
    }
    let not_json = sign_hs("HS256", "not json", "{}", SECRET.as_bytes());
    let (status, body, runs) = send(&m, bearer("/protected", &not_json)).await;
    assert_eq!((status.as_u16(), runs), (422, 0));
    let msg = body["msg"].as_str().unwrap();
    assert!(msg.starts_with("Invalid header string: expected "), "{msg}");

    let header = r#"{"alg":"HS256","typ":"JWT"}"#;
    let payload_not_json = sign_hs("HS256", header, "nope", SECRET.as_bytes());
    let (status, body, _) = send(&m, bearer("/protected", &payload_not_json)).await;
    assert_eq!(status, 422);
    assert!(
        body["msg"]
            .as_str()
            .unwrap()
            .starts_with("Invalid payload string: ")
    );
    let array = sign_hs("HS256", header, "[1,2]", SECRET.as_bytes());
    rejects(
        &m,
        bearer("/protected", &array),
        422,
        "Invalid payload string: must be a json object",
    )
    .await;
    let header_array = sign_hs("HS256", "[]", "{}", SECRET.as_bytes());
    rejects(
        &m,
        bearer("/protected", &header_array),
        422,
        "Invalid header string: must be a json object",
    )
    .await;
}

#[actix_web::test]
async fn audience_and_issuer() {
    let m = hs256()
        .decode_audience(["my_aud"])
        .decode_issuer("my_iss")
        .build()
        .unwrap();
    let exp = now() + 60;
    let token = |claims: Value| hs256_token(&claims);
    let cases = [
        (
            json!({"sub": "a", "exp": exp, "iss": "my_iss"}),
            "Token is missing the \"aud\" claim",
        ),
        (
            json!({"sub": "a", "exp": exp, "iss": "my_iss", "aud": "other"}),
            "Audience doesn't match",
        ),
        (
            json!({"sub": "a", "exp": exp, "iss": "my_iss", "aud": ["x", "y"]}),
            "Audience doesn't match",
        ),
        (
            json!({"sub": "a", "exp": exp, "iss": "my_iss", "aud": [1]}),
            "Invalid claim format in token",
        ),
        (
            json!({"sub": "a", "exp": exp, "aud": "my_aud"}),
            "Token is missing the \"iss\" claim",
        ),
        (
            json!({"sub": "a", "exp": exp, "aud": "my_aud", "iss": "evil"}),
            "Invalid issuer",
        ),
    ];
    for (claims, msg) in cases {
        rejects(&m, bearer("/protected", &token(claims)), 422, msg).await;
    }
    let ok = token(json!({"sub": "a", "exp": exp, "aud": ["x", "my_aud"], "iss": "my_iss"}));
    assert_eq!(send(&m, bearer("/protected", &ok)).await.0, 200);
    // Without a decode audience, any aud is accepted with
    // JWT_ALLOW_UNCHECKED_AUDIENCE (as Flask-JWT-Extended; tests/policy.rs
    // has the default, which refuses it).
    let plain = hs256().allow_unchecked_audience(true).build().unwrap();
    let foreign = token(json!({"sub": "a", "exp": exp, "aud": "anything", "iss": "anyone"}));
    assert_eq!(send(&plain, bearer("/protected", &foreign)).await.0, 200);
    // Tokens minted with the encode settings pass the matching decode settings.
    let both = hs256()
        .encode_audience(["my_aud"])
        .decode_audience(["my_aud"])
        .encode_issuer("my_iss")
        .decode_issuer("my_iss")
        .build()
        .unwrap();
    let minted = both.create_access_token("alice").unwrap();
    assert_eq!(send(&both, bearer("/protected", &minted)).await.0, 200);
}

#[actix_web::test]
async fn identity_claim_and_subject() {
    let m = manager();
    let exp = now() + 60;
    rejects(
        &m,
        bearer("/protected", &hs256_token(&json!({"exp": exp}))),
        422,
        "Missing claim: sub",
    )
    .await;
    rejects(
        &m,
        bearer(
            "/protected",
            &hs256_token(&json!({"sub": 1234, "exp": exp})),
        ),
        422,
        "Subject must be a string",
    )
    .await;
    rejects(
        &m,
        bearer(
            "/protected",
            &hs256_token(&json!({"sub": "a", "jti": 7, "exp": exp})),
        ),
        422,
        "JWT ID must be a string",
    )
    .await;
    let lenient = hs256().verify_sub(false).build().unwrap();
    let (status, body, _) = send(
        &lenient,
        bearer(
            "/protected",
            &hs256_token(&json!({"sub": 1234, "exp": exp})),
        ),
    )
    .await;
    assert_eq!((status.as_u16(), body), (200, json!({"sub": 1234})));
    let custom = hs256().identity_claim("identity").build().unwrap();
    rejects(
        &custom,
        bearer("/protected", &hs256_token(&json!({"sub": "a", "exp": exp}))),
        422,
        "Missing claim: identity",
    )
    .await;
}

#[actix_web::test]
async fn not_yet_valid_and_non_numeric_times() {
    let m = manager();
    let exp = now() + 600;
    let cases = [
        (
            json!({"sub": "a", "exp": exp, "nbf": now() + 60}),
            "The token is not yet valid (nbf)",
        ),
        (
            json!({"sub": "a", "exp": exp, "iat": now() + 60}),
            "The token is not yet valid (iat)",
        ),
        (
            json!({"sub": "a", "exp": "tomorrow"}),
            "Expiration Time claim (exp) must be an integer.",
        ),
        (
            json!({"sub": "a", "exp": exp, "iat": "x"}),
            "Issued At claim (iat) must be an integer.",
        ),
        (
            json!({"sub": "a", "exp": exp, "nbf": true}),
            "Not Before claim (nbf) must be an integer.",
        ),
    ];
    for (claims, msg) in cases {
        rejects(&m, bearer("/protected", &hs256_token(&claims)), 422, msg).await;
    }
}

#[actix_web::test]
async fn leeway() {
    let m = hs256()
        .decode_leeway(Duration::from_secs(30))
        .build()
        .unwrap();
    let recent = hs256_token(&json!({"sub": "a", "exp": now() - 10}));
    assert_eq!(send(&m, bearer("/protected", &recent)).await.0, 200);
    let old = hs256_token(&json!({"sub": "a", "exp": now() - 60}));
    rejects(&m, bearer("/protected", &old), 401, "Token has expired").await;
    let soon = hs256_token(&json!({"sub": "a", "exp": now() + 60, "nbf": now() + 10}));
    assert_eq!(send(&m, bearer("/protected", &soon)).await.0, 200);
}

#[actix_web::test]
async fn custom_header_name_type_and_message_key() {
    let m = hs256()
        .header_name("X-Auth")
        .header_type("JWT")
        .error_message_key("message")
        .build()
        .unwrap();
    let token = m.create_access_token("alice").unwrap();
    let (status, body, _) = send(&m, get("/protected")).await;
    assert_eq!(
        (status.as_u16(), body),
        (401, json!({"message": "Missing X-Auth Header"}))
    );
    let req = get("/protected").insert_header(("X-Auth", format!("Bearer {token}")));
    let (status, body, _) = send(&m, req).await;
    assert_eq!(
        (status.as_u16(), body),
        (
            401,
            json!({"message": "Missing 'JWT' type in 'X-Auth' header. Expected 'X-Auth: JWT <JWT>'"})
        )
    );
    let req = get("/protected").insert_header(("X-Auth", format!("JWT {token}")));
    assert_eq!(send(&m, req).await.0, 200);
    let req = get("/protected").insert_header(("Authorization", format!("Bearer {token}")));
    assert_eq!(send(&m, req).await.0, 401, "the default header is ignored");
}

#[actix_web::test]
async fn bare_token_header_type() {
    let m = hs256().header_type("").build().unwrap();
    let token = m.create_access_token("alice").unwrap();
    let req = get("/protected").insert_header(("Authorization", token.clone()));
    assert_eq!(send(&m, req).await.0, 200);
    let req = get("/protected").insert_header(("Authorization", format!("Bearer {token}")));
    rejects(
        &m,
        req,
        422,
        "Bad Authorization header. Expected 'Authorization: <JWT>'",
    )
    .await;
}

#[actix_web::test]
async fn optional_handlers() {
    let m = manager();
    let (status, body, runs) = send(&m, get("/optional")).await;
    assert_eq!(
        (status.as_u16(), body, runs),
        (200, json!({"sub": null}), 1)
    );
    let basic = get("/optional").insert_header(("Authorization", "Basic creds"));
    assert_eq!(send(&m, basic).await.1, json!({"sub": null}));
    // A token that is present but bad is still rejected.
    rejects(&m, bearer("/optional", "xxx"), 422, "Not enough segments").await;
    let bad = get("/optional").insert_header(("Authorization", "Bearer "));
    rejects(&m, bad, 422, BAD_HEADER).await;
    let expired = hs256_token(&json!({"sub": "a", "exp": now() - 5}));
    rejects(&m, bearer("/optional", &expired), 401, "Token has expired").await;
    let token = m.create_access_token("alice").unwrap();
    assert_eq!(
        send(&m, bearer("/optional", &token)).await.1,
        json!({"sub": "alice"})
    );
}

#[actix_web::test]
async fn preflight_options_requests_pass() {
    let m = manager();
    let app = test::init_service(
        App::new()
            .app_data(m.clone())
            .route("/any", web::route().to(preflight_handler)),
    )
    .await;
    let req = test::TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri("/any")
        .to_request();
    let resp = test::call_service(&app, req).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(test::read_body(resp).await, "verified=false");
    let req = test::TestRequest::get().uri("/any").to_request();
    assert_eq!(test::call_service(&app, req).await.status(), 401);
}

#[jwt_required]
async fn preflight_handler() -> String {
    format!("verified={}", current_token.is_verified())
}

#[actix_web::test]
async fn query_string_location() {
    let m = hs256()
        .token_location([actix_jwt_extended::TokenLocation::QueryString])
        .build()
        .unwrap();
    let token = m.create_access_token("alice").unwrap();
    rejects(&m, get("/protected"), 401, "Missing 'jwt' query paramater").await;
    rejects(
        &m,
        get("/protected?jwt="),
        401,
        "Missing 'jwt' query paramater",
    )
    .await;
    let (status, body, _) = send(&m, get(&format!("/protected?jwt={token}"))).await;
    assert_eq!((status.as_u16(), body), (200, json!({"sub": "alice"})));
    let prefixed = hs256()
        .token_location([actix_jwt_extended::TokenLocation::QueryString])
        .query_string_name("token")
        .query_string_value_prefix("Bearer ")
        .build()
        .unwrap();
    rejects(
        &prefixed,
        get(&format!("/protected?token={token}")),
        422,
        "Invalid value for query parameter 'token'. Expected the value to start with 'Bearer '",
    )
    .await;
    let ok = get(&format!("/protected?token=Bearer%20{token}"));
    assert_eq!(send(&prefixed, ok).await.0, 200);
}

#[actix_web::test]
async fn several_locations_aggregate_and_first_found_decides() {
    use actix_jwt_extended::TokenLocation::{Headers, QueryString};
    let m = hs256()
        .token_location([Headers, QueryString])
        .build()
        .unwrap();
    rejects(&m, get("/protected"), 401, "Missing JWT in headers or query_string (Missing Authorization Header; Missing 'jwt' query paramater)").await;
    let token = m.create_access_token("alice").unwrap();
    // A bad token in the first location fails even with a good one later…
    let req = get(&format!("/protected?jwt={token}"))
        .insert_header(("Authorization", "Bearer aaaaa.bbbbb.ccccc"));
    rejects(&m, req, 422, "Invalid header padding").await;
    // …but a header of another scheme counts as absent.
    let req = get(&format!("/protected?jwt={token}")).insert_header(("Authorization", "Basic x"));
    assert_eq!(send(&m, req).await.0, 200);
}

#[actix_web::test]
async fn manager_not_registered_is_a_500_json() {
    let app = test::init_service(App::new().service(protected)).await;
    let resp = test::call_service(
        &app,
        test::TestRequest::get().uri("/protected").to_request(),
    )
    .await;
    assert_eq!(resp.status(), 500);
    let body: Value = test::read_body_json(resp).await;
    assert_eq!(body, json!({"msg": "Internal Server Error"}));
}
