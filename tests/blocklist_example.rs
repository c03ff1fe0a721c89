//! The contract of `examples/blocklist.rs`, with the in-memory store and
//! with a Redis store (a `redis-server` started here on a free loopback
//! port), including two instances sharing one Redis.

#[allow(dead_code)]
#[path = "../examples/blocklist.rs"]
mod blocklist;

#[path = "../runtime/tests/support/redis_server.rs"]
mod redis_server;

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::{App, test};
use redis_server::RedisServer;
use serde_json::{Value, json};

async fn call<S, B>(
    app: &S,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut request = test::TestRequest::default().method(method).uri(path);
    if let Some(token) = token {
        request = request.insert_header(("Authorization", format!("Bearer {token}")));
    }
    if let Some(body) = body {
        request = request.set_json(body);
    }
    let response = test::call_service(app, request.to_request()).await;
    let status = response.status();
    let bytes = test::read_body(response).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// `POST /login` as test/test: the two tokens.
async fn login<S, B>(app: &S) -> (String, String)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let credentials = json!({"username": "test", "password": "test"});
    let (status, body) = call(app, Method::POST, "/login", None, Some(credentials)).await;
    assert_eq!(status, StatusCode::OK);
    tokens(body)
}

/// The `{"access_token", "refresh_token"}` of a 200 body, and nothing else.
fn tokens(body: Value) -> (String, String) {
    let object = body.as_object().expect("a JSON object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["access_token", "refresh_token"]);
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

fn revoked() -> (StatusCode, Value) {
    (
        StatusCode::UNAUTHORIZED,
        json!({"msg": "Token has been revoked"}),
    )
}

/// Every route of the example, as its documentation lists them.
async fn contract<S, B>(app: &S)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let hello = (StatusCode::OK, json!({"hello": "test"}));
    let logged_out = (StatusCode::OK, json!({"msg": "Logged out"}));

    let wrong = json!({"username": "test", "password": "nope"});
    assert_eq!(
        call(app, Method::POST, "/login", None, Some(wrong)).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Bad username or password"})
        )
    );
    assert_eq!(
        call(app, Method::GET, "/protected", None, None).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing Authorization Header"})
        )
    );

    // Login, use, rotate.
    let (access, refresh) = login(app).await;
    assert_eq!(
        call(app, Method::GET, "/protected", Some(&access), None).await,
        hello
    );
    let (status, body) = call(app, Method::POST, "/refresh", Some(&refresh), None).await;
    assert_eq!(status, StatusCode::OK);
    let (access2, refresh2) = tokens(body);
    assert_eq!(
        call(app, Method::GET, "/protected", Some(&access2), None).await,
        hello
    );

    // Logging out with the access token ends the session: its refresh
    // token no longer rotates, while another device's session is untouched.
    let (other_access, other_refresh) = login(app).await;
    assert_eq!(
        call(app, Method::DELETE, "/logout", Some(&access2), None).await,
        logged_out
    );
    assert_eq!(
        call(app, Method::GET, "/protected", Some(&access2), None).await,
        revoked()
    );
    assert_eq!(
        call(app, Method::POST, "/refresh", Some(&refresh2), None).await,
        revoked()
    );
    assert_eq!(
        call(app, Method::GET, "/protected", Some(&other_access), None).await,
        hello
    );
    // Logging out with a refresh token ends its session too.
    assert_eq!(
        call(app, Method::DELETE, "/logout", Some(&other_refresh), None).await,
        logged_out
    );
    assert_eq!(
        call(app, Method::GET, "/protected", Some(&other_access), None).await,
        revoked()
    );

    // Reuse of a rotated refresh token revokes the whole family.
    let (access3, refresh3) = login(app).await;
    let (status, body) = call(app, Method::POST, "/refresh", Some(&refresh3), None).await;
    assert_eq!(status, StatusCode::OK);
    let (access4, refresh4) = tokens(body);
    assert_eq!(
        call(app, Method::POST, "/refresh", Some(&refresh3), None).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Refresh token reuse detected: every token of this session has been revoked"})
        )
    );
    assert_eq!(
        call(app, Method::POST, "/refresh", Some(&refresh4), None).await,
        revoked()
    );
    for token in [&access3, &access4] {
        assert_eq!(
            call(app, Method::GET, "/protected", Some(token), None).await,
            revoked()
        );
    }

    // Log out everywhere: every earlier token of the identity is revoked,
    // a new login works.
    let (access5, refresh5) = login(app).await;
    assert_eq!(
        call(app, Method::POST, "/logout/all", Some(&access5), None).await,
        (StatusCode::OK, json!({"msg": "All tokens revoked"}))
    );
    assert_eq!(
        call(app, Method::GET, "/protected", Some(&access5), None).await,
        revoked()
    );
    assert_eq!(
        call(app, Method::POST, "/refresh", Some(&refresh5), None).await,
        revoked()
    );
    let (access6, _) = login(app).await;
    assert_eq!(
        call(app, Method::GET, "/protected", Some(&access6), None).await,
        hello
    );
}

#[actix_web::test]
async fn the_example_behaves_as_documented_with_the_memory_store() {
    let jwt = blocklist::manager(None).await.unwrap();
    let app = test::init_service(App::new().app_data(jwt).configure(blocklist::routes)).await;
    contract(&app).await;
}

#[actix_web::test]
async fn the_example_behaves_as_documented_with_redis() {
    let Some(server) = RedisServer::start("the_example_behaves_as_documented_with_redis") else {
        return;
    };
    let jwt = blocklist::manager(Some(server.url())).await.unwrap();
    let app = test::init_service(App::new().app_data(jwt).configure(blocklist::routes)).await;
    contract(&app).await;
}

#[actix_web::test]
async fn two_example_instances_on_one_redis_share_revocations() {
    let Some(server) = RedisServer::start("two_example_instances_on_one_redis_share_revocations")
    else {
        return;
    };
    let first = blocklist::manager(Some(server.url())).await.unwrap();
    let second = blocklist::manager(Some(server.url())).await.unwrap();
    let app1 = test::init_service(App::new().app_data(first).configure(blocklist::routes)).await;
    let app2 = test::init_service(App::new().app_data(second).configure(blocklist::routes)).await;

    let (access, refresh) = login(&app1).await;
    assert_eq!(
        call(&app2, Method::GET, "/protected", Some(&access), None).await,
        (StatusCode::OK, json!({"hello": "test"}))
    );
    assert_eq!(
        call(&app1, Method::DELETE, "/logout", Some(&access), None).await,
        (StatusCode::OK, json!({"msg": "Logged out"}))
    );
    actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        call(&app2, Method::GET, "/protected", Some(&access), None).await,
        revoked()
    );
    assert_eq!(
        call(&app2, Method::POST, "/refresh", Some(&refresh), None).await,
        revoked()
    );

    // Rotated on the first, replayed on the second.
    let (_, refresh) = login(&app1).await;
    let (status, _) = call(&app1, Method::POST, "/refresh", Some(&refresh), None).await;
    assert_eq!(status, StatusCode::OK);
    actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    let (status, body) = call(&app2, Method::POST, "/refresh", Some(&refresh), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"msg": "Refresh token reuse detected: every token of this session has been revoked"})
    );
}

#[actix_web::test]
async fn an_unreachable_redis_stops_the_start_with_a_message_naming_it() {
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://127.0.0.1:{port}/");
    let error = blocklist::manager(Some(url.clone())).await.unwrap_err();
    assert!(error.contains(&format!("Redis at {url}")), "{error}");
    assert!(!error.contains("StoreError"), "not a Debug dump: {error}");
}
