//! Policies stricter than Flask-JWT-Extended's, each with its exact answer:
//! a token addressed to another audience is refused when this service
//! names none, and a request that carries its token twice in one location
//! is refused rather than guessed at (SECURITY.md explains both).

use actix_jwt_extended::{JwtManager, TokenLocation, jwt_refresh_required, jwt_required};
use actix_jwt_extended_examples::{Runs, hs256, hs256_token, now};
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, web};
use serde_json::{Value, json};

#[jwt_required]
async fn protected(runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    HttpResponse::Ok().json(json!({"sub": current_token.identity()}))
}

#[jwt_refresh_required]
async fn refresh(runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    HttpResponse::Ok().json(json!({"sub": current_token.identity()}))
}

/// Sends `request` to an app protected by `manager`: the status, the JSON
/// body, and whether a handler body ran.
async fn send(manager: &JwtManager, request: TestRequest) -> (u16, Value, bool) {
    let runs = Runs::default();
    let app = test::init_service(
        App::new()
            .app_data(manager.clone())
            .app_data(web::Data::new(runs.clone()))
            .route("/protected", web::to(protected))
            .route("/refresh", web::to(refresh)),
    )
    .await;
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status().as_u16();
    let body = test::read_body(response).await;
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, json, runs.count() > 0)
}

fn token_for(audience: Value) -> String {
    hs256_token(&json!({"sub": "alice", "exp": now() + 60, "aud": audience}))
}

fn bearer(token: &str) -> TestRequest {
    TestRequest::get()
        .uri("/protected")
        .insert_header((AUTHORIZATION, format!("Bearer {token}")))
}

#[actix_web::test]
async fn a_token_for_another_audience_is_refused_when_none_is_configured() {
    let strict = hs256().build().unwrap();
    for audience in [json!("billing"), json!(["billing", "mail"]), json!([])] {
        assert_eq!(
            send(&strict, bearer(&token_for(audience.clone()))).await,
            (422, json!({"msg": "Audience doesn't match"}), false),
            "aud {audience}"
        );
    }
    // Tokens without aud are unaffected.
    let plain = hs256_token(&json!({"sub": "alice", "exp": now() + 60}));
    assert_eq!(
        send(&strict, bearer(&plain)).await,
        (200, json!({"sub": "alice"}), true)
    );
    // decode_token applies the same rule.
    let error = strict
        .decode_token(&token_for(json!("billing")))
        .unwrap_err();
    assert_eq!(error.to_string(), "Audience doesn't match");
}

#[actix_web::test]
async fn unchecked_audiences_are_accepted_when_allowed() {
    let lenient = JwtManager::builder()
        .options([
            ("JWT_SECRET_KEY", actix_jwt_extended_examples::SECRET),
            ("JWT_ALLOW_UNCHECKED_AUDIENCE", "true"),
        ])
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(
        send(&lenient, bearer(&token_for(json!("billing")))).await,
        (200, json!({"sub": "alice"}), true)
    );
    // A configured audience is still checked.
    let configured = hs256()
        .allow_unchecked_audience(true)
        .decode_audience(["api"])
        .build()
        .unwrap();
    assert_eq!(
        send(&configured, bearer(&token_for(json!("billing")))).await,
        (422, json!({"msg": "Audience doesn't match"}), false)
    );
}

fn manager_for(locations: &[TokenLocation]) -> JwtManager {
    hs256()
        .token_location(locations.iter().copied())
        .build()
        .unwrap()
}

#[actix_web::test]
async fn two_authorization_headers_are_refused() {
    let m = manager_for(&[TokenLocation::Headers]);
    let good = m.create_access_token("alice").unwrap();
    let request = TestRequest::get()
        .uri("/protected")
        .append_header((AUTHORIZATION, format!("Bearer {good}")))
        .append_header((AUTHORIZATION, "Bearer other"));
    assert_eq!(
        send(&m, request).await,
        (
            400,
            json!({"msg": "Ambiguous request: more than one Authorization header"}),
            false
        )
    );
    // The same token twice is still two headers.
    let request = TestRequest::get()
        .uri("/protected")
        .append_header((AUTHORIZATION, format!("Bearer {good}")))
        .append_header((AUTHORIZATION, format!("Bearer {good}")));
    assert_eq!(send(&m, request).await.0, 400);
    // One header is fine.
    assert_eq!(send(&m, bearer(&good)).await.0, 200);
}

#[actix_web::test]
async fn a_repeated_query_parameter_is_refused() {
    let m = manager_for(&[TokenLocation::QueryString]);
    let good = m.create_access_token("alice").unwrap();
    let request = TestRequest::get().uri(&format!("/protected?jwt={good}&jwt=other"));
    assert_eq!(
        send(&m, request).await,
        (
            400,
            json!({"msg": "Ambiguous request: more than one 'jwt' query parameter"}),
            false
        )
    );
    let request = TestRequest::get().uri(&format!("/protected?jwt={good}&x=1"));
    assert_eq!(send(&m, request).await.0, 200);
}

#[actix_web::test]
async fn a_repeated_token_cookie_is_refused() {
    let m = manager_for(&[TokenLocation::Cookies]);
    let good = m.create_access_token("alice").unwrap();
    let expected = (
        400,
        json!({"msg": "Ambiguous request: more than one cookie \"access_token_cookie\""}),
        false,
    );
    // In one Cookie header …
    let request = TestRequest::get().uri("/protected").insert_header((
        COOKIE,
        format!("access_token_cookie={good}; access_token_cookie=other"),
    ));
    assert_eq!(send(&m, request).await, expected);
    // … or in two.
    let request = TestRequest::get()
        .uri("/protected")
        .append_header((COOKIE, format!("access_token_cookie={good}")))
        .append_header((COOKIE, "access_token_cookie=other"));
    assert_eq!(send(&m, request).await, expected);
    // Other cookies may repeat.
    let request = TestRequest::get().uri("/protected").insert_header((
        COOKIE,
        format!("access_token_cookie={good}; theme=a; theme=b"),
    ));
    assert_eq!(send(&m, request).await.0, 200);
}

#[actix_web::test]
async fn a_repeated_json_key_is_refused() {
    let m = manager_for(&[TokenLocation::Json]);
    let good = m.create_access_token("alice").unwrap();
    let refresh_token = m.create_refresh_token("alice").unwrap();
    let post = |uri: &str, body: String| {
        TestRequest::post()
            .uri(uri)
            .insert_header((CONTENT_TYPE, "application/json"))
            .set_payload(body)
    };
    assert_eq!(
        send(
            &m,
            post(
                "/protected",
                format!(r#"{{"access_token": "{good}", "access_token": "other"}}"#)
            )
        )
        .await,
        (
            400,
            json!({"msg": "Ambiguous request: more than one \"access_token\" key in json data"}),
            false
        )
    );
    assert_eq!(
        send(
            &m,
            post(
                "/refresh",
                format!(r#"{{"refresh_token": "{refresh_token}", "x": 1, "refresh_token": null}}"#)
            )
        )
        .await,
        (
            400,
            json!({"msg": "Ambiguous request: more than one \"refresh_token\" key in json data"}),
            false
        )
    );
    // A key repeated inside a nested object is not the token's key.
    let nested = format!(
        r#"{{"access_token": "{good}", "data": {{"access_token": 1, "access_token": 2}}}}"#
    );
    assert_eq!(
        send(&m, post("/protected", nested)).await,
        (200, json!({"sub": "alice"}), true)
    );
}
