//! The testing kit: tokens minted by the app's manager reach a protected
//! handler through every location, with the manager's own names, and the
//! manual clock moves them through their lifetime.

use std::time::Duration;

use actix_jwt_extended::testing::{ManualClock, TestRequestExt, TestToken, TestTokens};
use actix_jwt_extended::{JwtManager, TokenLocation, jwt_refresh_required, jwt_required};
use actix_jwt_extended_examples::hs256;
use actix_web::{App, HttpResponse, get, post, test};
use serde_json::{Value, json};

#[get("/me")]
#[jwt_required]
async fn me() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "sub": current_token.identity(),
        "role": current_token.claim("role"),
        "fresh": current_token.is_fresh(),
        "location": format!("{:?}", current_token.location()),
    }))
}

#[post("/me")]
#[jwt_required]
async fn me_post() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": current_token.identity() }))
}

#[post("/refresh")]
#[jwt_refresh_required]
async fn refresh_route() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": current_token.identity() }))
}

async fn send(jwt: &JwtManager, req: test::TestRequest) -> (u16, Value) {
    let app = test::init_service(
        App::new()
            .app_data(jwt.clone())
            .service(me)
            .service(me_post)
            .service(refresh_route),
    )
    .await;
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status().as_u16();
    let body = test::read_body(resp).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// A manager with every location and non-default names everywhere.
fn everywhere(clock: &ManualClock) -> JwtManager {
    hs256()
        .clock(clock)
        .token_location([
            TokenLocation::Headers,
            TokenLocation::Cookies,
            TokenLocation::QueryString,
            TokenLocation::Json,
        ])
        .header_name("X-Auth")
        .header_type("JWT")
        .access_cookie_name("a")
        .refresh_cookie_name("r")
        .access_csrf_cookie_name("ca")
        .access_csrf_header_name("X-Csrf-A")
        .refresh_csrf_header_name("X-Csrf-R")
        .query_string_name("token")
        .query_string_value_prefix("Bearer ")
        .json_key("at")
        .refresh_json_key("rt")
        .build()
        .unwrap()
}

#[actix_web::test]
async fn a_minted_token_travels_every_way_with_the_managers_names() {
    let clock = ManualClock::new();
    let jwt = everywhere(&clock);
    let tokens = TestTokens::new(&jwt);
    let token = tokens.access("alice").claim("role", "admin").mint();
    let ok = |location: &str| json!({"sub": "alice", "role": "admin", "fresh": false, "location": location});
    let get = || test::TestRequest::get().uri("/me");
    assert_eq!(
        send(&jwt, get().jwt_header(&token)).await,
        (200, ok("Some(Headers)"))
    );
    assert_eq!(
        send(&jwt, get().jwt_cookies(&token)).await,
        (200, ok("Some(Cookies)"))
    );
    assert_eq!(
        send(&jwt, get().jwt_query("/me", &token)).await,
        (200, ok("Some(QueryString)"))
    );
    assert_eq!(
        send(&jwt, get().jwt_json(&token)).await,
        (200, ok("Some(Json)"))
    );
    // A cookie POST carries the CSRF value the manager expects.
    let post = test::TestRequest::post().uri("/me").jwt_cookies(&token);
    assert_eq!(send(&jwt, post).await, (200, json!({"sub": "alice"})));
    let cookie_alone = test::TestRequest::post().uri("/me").cookie(token.cookie());
    assert_eq!(
        send(&jwt, cookie_alone).await,
        (401, json!({"msg": "Missing CSRF token"}))
    );
    // Refresh tokens use the refresh names.
    let refresh_token = tokens.refresh("alice").mint();
    let post = || test::TestRequest::post().uri("/refresh");
    for req in [
        post().jwt_header(&refresh_token),
        post().jwt_cookies(&refresh_token),
        post().jwt_json_with(&refresh_token, json!({"other": 1})),
    ] {
        assert_eq!(send(&jwt, req).await, (200, json!({"sub": "alice"})));
    }
}

#[actix_web::test]
async fn lifetimes_freshness_and_claims_are_the_tests_to_choose() {
    let clock = ManualClock::new();
    let jwt = hs256().clock(&clock).build().unwrap();
    let tokens = TestTokens::new(&jwt);
    let get = |token: &TestToken| test::TestRequest::get().uri("/me").jwt_header(token);

    let short = tokens
        .access("alice")
        .expires(Duration::from_secs(5))
        .mint();
    let fresh = tokens.access("alice").fresh(Duration::from_secs(60)).mint();
    assert_eq!(send(&jwt, get(&fresh)).await.1["fresh"], true);
    clock.advance(Duration::from_secs(5));
    assert_eq!(
        send(&jwt, get(&short)).await,
        (401, json!({"msg": "Token has expired"}))
    );
    clock.advance(Duration::from_secs(56));
    assert_eq!(send(&jwt, get(&fresh)).await.1["fresh"], false);

    let expired = tokens.access("alice").expired().mint();
    assert_eq!(send(&jwt, get(&expired)).await.0, 401);
    let bad_subject = tokens.access("alice").claim("sub", 7).mint();
    assert_eq!(
        send(&jwt, get(&bad_subject)).await,
        (422, json!({"msg": "Subject must be a string"}))
    );
    let refresh_token = tokens.refresh("alice").mint();
    assert_eq!(
        send(&jwt, get(&refresh_token)).await,
        (422, json!({"msg": "Only non-refresh tokens are allowed"}))
    );
    let (access, refresh) = tokens.pair("alice");
    assert_eq!(send(&jwt, get(&access)).await.0, 200);
    assert_eq!(
        jwt.decode_token(access.as_str()).unwrap().claim("fam"),
        jwt.decode_token(refresh.as_str()).unwrap().claim("fam")
    );
}

#[actix_web::test]
async fn a_token_from_elsewhere_can_be_sent_too() {
    let jwt = hs256()
        .token_location([TokenLocation::Cookies])
        .build()
        .unwrap();
    let other = hs256().build().unwrap();
    let foreign = TestToken::new(&jwt, other.create_access_token("bob").unwrap());
    assert!(foreign.csrf().is_some());
    let req = test::TestRequest::post().uri("/me").jwt_cookies(&foreign);
    assert_eq!(send(&jwt, req).await, (200, json!({"sub": "bob"})));
}
