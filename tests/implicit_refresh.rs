//! The implicit-refresh middleware: a cookie-authenticated request whose
//! access token expires within the window gets a fresh access cookie.

mod transport_support;

use std::time::Duration;

use actix_jwt_extended::testing::ManualClock;
use actix_jwt_extended::{
    ImplicitRefresh, JwtManager, TokenLocation, jwt_refresh_required, jwt_required,
};
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, COOKIE};
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, get, post};
use serde_json::json;
use transport_support::{
    csrf_claim, expired_access_token, json_of, manager, parse_set_cookie, set_cookies,
};

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"sub": current_token.identity()}))
}

#[get("/fails")]
#[jwt_required]
async fn fails() -> HttpResponse {
    HttpResponse::BadRequest().json(json!({"msg": "handler said no"}))
}

#[post("/logout")]
#[jwt_required]
async fn logout(jwt: JwtManager) -> actix_web::Result<HttpResponse> {
    let mut response = HttpResponse::Ok();
    jwt.unset_jwt_cookies(&mut response, None)?;
    Ok(response.json(json!({"logout": true})))
}

#[post("/refresh")]
#[jwt_refresh_required]
async fn refresh() -> HttpResponse {
    HttpResponse::Ok().json(json!({"refresh": true}))
}

#[get("/public")]
async fn public() -> HttpResponse {
    HttpResponse::Ok().json(json!({"public": true}))
}

/// Tokens live ten minutes, and are minted six minutes before `clock`'s
/// present: inside the default window (the second half of their life).
fn short_lived(clock: &ManualClock) -> JwtManager {
    manager(|b| {
        b.clock(clock)
            .token_location([TokenLocation::Cookies, TokenLocation::Headers])
            .access_token_expires(Duration::from_secs(10 * 60))
    })
}

/// A token of `jwt` for alice, minted six minutes ago by `clock`.
fn six_minutes_old(jwt: &JwtManager, clock: &ManualClock) -> String {
    let token = jwt.create_access_token("alice").unwrap();
    clock.advance(Duration::from_secs(6 * 60));
    token
}

async fn call(
    jwt: &JwtManager,
    middleware: ImplicitRefresh,
    request: TestRequest,
) -> (StatusCode, serde_json::Value, Vec<String>) {
    let app = test::init_service(
        App::new()
            .app_data(jwt.clone())
            .wrap(middleware)
            .service(protected)
            .service(fails)
            .service(logout)
            .service(refresh)
            .service(public),
    )
    .await;
    let response = test::call_service(&app, request.to_request()).await;
    let cookies = set_cookies(&response);
    let (status, body) = json_of(response).await;
    (status, body, cookies)
}

fn cookie_request(uri: &str, token: &str) -> TestRequest {
    TestRequest::get()
        .uri(uri)
        .insert_header((COOKIE, format!("access_token_cookie={token}")))
}

#[actix_web::test]
async fn renews_a_cookie_token_that_expires_soon() {
    let clock = ManualClock::new();
    let jwt = short_lived(&clock);
    let old = six_minutes_old(&jwt, &clock);
    let (status, body, cookies) = call(
        &jwt,
        ImplicitRefresh::new(),
        cookie_request("/protected", &old),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"sub": "alice"})));
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    let access = parse_set_cookie(&cookies[0]);
    let companion = parse_set_cookie(&cookies[1]);
    assert_eq!(access.name, "access_token_cookie");
    assert_eq!(companion.name, "csrf_access_token");
    assert_eq!(
        cookies[0],
        format!("access_token_cookie={}; HttpOnly; Path=/", access.value)
    );
    assert_eq!(companion.value, csrf_claim(&jwt, &access.value));
    let renewed = jwt.decode_token(&access.value).unwrap();
    let previous = jwt.decode_token(&old).unwrap();
    assert_eq!(renewed.identity(), &json!("alice"));
    assert_eq!(renewed.token_type(), "access");
    assert_ne!(renewed.jti(), previous.jti());
    assert!(renewed.exp().unwrap() >= previous.exp().unwrap());
}

#[actix_web::test]
async fn leaves_tokens_outside_the_window_alone() {
    let clock = ManualClock::new();
    let jwt = short_lived(&clock);
    let token = six_minutes_old(&jwt, &clock);
    let narrow = ImplicitRefresh::new().window(Duration::from_secs(60));
    let (status, _, cookies) = call(&jwt, narrow, cookie_request("/protected", &token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cookies, Vec::<String>::new());
}

#[actix_web::test]
async fn the_default_window_is_the_second_half_of_the_lifetime() {
    // With the default 15-minute tokens, a new token is left alone …
    let clock = ManualClock::new();
    let jwt = manager(|b| b.clock(&clock).token_location([TokenLocation::Cookies]));
    let token = jwt.create_access_token("alice").unwrap();
    let request = || cookie_request("/protected", &token);
    let (status, _, cookies) = call(&jwt, ImplicitRefresh::new(), request()).await;
    assert_eq!((status, cookies.len()), (StatusCode::OK, 0));
    // … until seven and a half minutes remain.
    clock.advance(Duration::from_secs(7 * 60 + 29));
    let (_, _, cookies) = call(&jwt, ImplicitRefresh::new(), request()).await;
    assert_eq!(cookies.len(), 0, "7:31 left");
    clock.advance(Duration::from_secs(2));
    let (status, _, cookies) = call(&jwt, ImplicitRefresh::new(), request()).await;
    assert_eq!((status, cookies.len()), (StatusCode::OK, 2), "7:29 left");
}

#[actix_web::test]
async fn a_window_as_long_as_the_lifetime_renews_every_time_and_is_reported() {
    let clock = ManualClock::new();
    let jwt = manager(|b| b.clock(&clock).token_location([TokenLocation::Cookies]));
    let token = jwt.create_access_token("alice").unwrap();
    let wide = ImplicitRefresh::new().window(Duration::from_secs(15 * 60));
    let (logs, (status, _, cookies)) =
        captured_warnings(call(&jwt, wide, cookie_request("/protected", &token))).await;
    assert_eq!((status, cookies.len()), (StatusCode::OK, 2));
    assert!(
        logs.contains("the implicit-refresh window is not shorter than JWT_ACCESS_TOKEN_EXPIRES"),
        "{logs}"
    );
}

#[actix_web::test]
async fn only_cookie_authenticated_successful_requests_are_renewed() {
    let clock = ManualClock::new();
    let jwt = short_lived(&clock);
    let token = six_minutes_old(&jwt, &clock);
    // A header token.
    let header = TestRequest::get()
        .uri("/protected")
        .insert_header((AUTHORIZATION, format!("Bearer {token}")));
    let (status, _, cookies) = call(&jwt, ImplicitRefresh::new(), header).await;
    assert_eq!((status, cookies.len()), (StatusCode::OK, 0));
    // A handler that answers with an error.
    let (status, body, cookies) = call(
        &jwt,
        ImplicitRefresh::new(),
        cookie_request("/fails", &token),
    )
    .await;
    assert_eq!(
        (status, body, cookies.len()),
        (
            StatusCode::BAD_REQUEST,
            json!({"msg": "handler said no"}),
            0
        )
    );
    // A rejected (expired) token.
    let expired = expired_access_token(&jwt);
    let (status, body, cookies) = call(
        &jwt,
        ImplicitRefresh::new(),
        cookie_request("/protected", &expired),
    )
    .await;
    assert_eq!(
        (status, body, cookies.len()),
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Token has expired"}),
            0
        )
    );
    // An unprotected route.
    let (status, _, cookies) = call(
        &jwt,
        ImplicitRefresh::new(),
        cookie_request("/public", &token),
    )
    .await;
    assert_eq!((status, cookies.len()), (StatusCode::OK, 0));
}

#[actix_web::test]
async fn responses_that_set_the_cookie_themselves_are_left_alone() {
    let clock = ManualClock::new();
    let jwt = short_lived(&clock);
    let token = six_minutes_old(&jwt, &clock);
    let request = TestRequest::post()
        .uri("/logout")
        .insert_header((COOKIE, format!("access_token_cookie={token}")))
        .insert_header(("X-CSRF-TOKEN", csrf_claim(&jwt, &token)));
    let (status, body, cookies) = call(&jwt, ImplicitRefresh::new(), request).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"logout": true})));
    let values: Vec<String> = cookies.iter().map(|c| parse_set_cookie(c).value).collect();
    assert_eq!(values, vec![""; 4]);
}

#[actix_web::test]
async fn refresh_tokens_are_not_renewed() {
    let jwt = manager(|b| {
        b.token_location([TokenLocation::Cookies])
            .refresh_token_expires(Duration::from_secs(60))
    });
    let token = jwt.create_refresh_token("alice").unwrap();
    let request = TestRequest::post()
        .uri("/refresh")
        .insert_header((COOKIE, format!("refresh_token_cookie={token}")))
        .insert_header(("X-CSRF-TOKEN", csrf_claim(&jwt, &token)));
    let (status, body, cookies) = call(&jwt, ImplicitRefresh::new(), request).await;
    assert_eq!(
        (status, body, cookies.len()),
        (StatusCode::OK, json!({"refresh": true}), 0)
    );
}

#[actix_web::test]
async fn the_window_is_measured_by_the_managers_clock() {
    use actix_jwt_extended::testing::{ManualClock, TestRequestExt, TestTokens};
    let clock = ManualClock::new();
    let jwt = manager(|b| {
        b.clock(&clock)
            .token_location([TokenLocation::Cookies])
            .access_token_expires(Duration::from_secs(10 * 60))
    });
    let token = TestTokens::new(&jwt).access("alice").mint();
    let window = ImplicitRefresh::new().window(Duration::from_secs(60));
    let request = || TestRequest::get().uri("/protected").jwt_cookies(&token);
    let (_, _, cookies) = call(&jwt, window, request()).await;
    assert_eq!(cookies, Vec::<String>::new(), "ten minutes left");
    clock.advance(Duration::from_secs(9 * 60));
    let (status, _, cookies) = call(&jwt, window, request()).await;
    assert_eq!(status, StatusCode::OK);
    let renewed = jwt
        .decode_token(&parse_set_cookie(&cookies[0]).value)
        .unwrap();
    assert_eq!(renewed.iat(), Some(clock.unix_seconds()));
    assert_eq!(renewed.exp(), Some(clock.unix_seconds() + 10 * 60));
}

/// A writer that keeps everything the subscriber prints.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `future` with warnings captured, and returns them with its output.
async fn captured_warnings<T>(future: impl std::future::Future<Output = T>) -> (String, T) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let output = future.await;
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    (logs, output)
}
