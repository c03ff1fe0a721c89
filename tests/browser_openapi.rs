//! The `openapi` example's Swagger UI page in headless Chromium: it loads
//! (its assets are served by the example, offline) and lists the
//! operations, the secured ones with their lock.
//!
//! Skipped without Chromium, except when `CI=true` (see `browser_support`).

mod browser_support;
#[allow(dead_code)]
#[path = "../examples/openapi.rs"]
mod example;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use browser_support::Browser;
use serde_json::{Value, json};

/// Every operation the page shows: `[method, path, locked]`.
const OPERATIONS: &str = "return [...document.querySelectorAll('.opblock')].map(o => [
    o.querySelector('.opblock-summary-method')?.textContent,
    o.querySelector('.opblock-summary-path')?.dataset.path,
    o.querySelector('.authorization__btn') !== null,
]);";

#[actix_web::test]
async fn swagger_ui_lists_the_secured_operations() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("free port");
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let server = example::serve(listener, example::jwt_manager().expect("configuration"))
        .expect("example server");
    let server_handle = server.handle();
    actix_web::rt::spawn(server);

    browser.goto(&format!("{base}/docs")).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut operations = loop {
        let operations = browser.script(OPERATIONS).await;
        if operations.as_array().is_some_and(|o| o.len() >= 6) {
            break operations;
        }
        assert!(
            Instant::now() < deadline,
            "Swagger UI showed no operations: {operations}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    operations
        .as_array_mut()
        .unwrap()
        .sort_by_key(|o| o[1].as_str().map(str::to_owned));
    assert_eq!(
        operations,
        json!([
            ["GET", "/health", false],
            ["GET", "/items", true],
            ["DELETE", "/items/{id}", true],
            ["POST", "/login", false],
            ["GET", "/me", true],
            ["POST", "/refresh", true],
        ])
    );
    let title = browser
        .script("return document.querySelector('.info .title')?.textContent;")
        .await;
    assert!(
        title
            .as_str()
            .is_some_and(|t| t.contains("actix-jwt-extended OpenAPI example")),
        "{title}"
    );
    let authorize = browser
        .script("return document.querySelector('.btn.authorize') !== null;")
        .await;
    assert_eq!(authorize, Value::Bool(true));

    browser.command("DELETE", "", Value::Null).await;
    server_handle.stop(true).await;
}
