//! End to end in a real browser: headless Chromium, driven over WebDriver
//! (chromedriver), against the `cookies` example.
//!
//! Skipped without Chromium, except when `CI=true` (see `browser_support`).

mod browser_support;
#[allow(dead_code)]
#[path = "../examples/cookies.rs"]
mod demo;

use std::net::TcpListener;
use std::time::{Duration, Instant};

use browser_support::Browser;
use serde_json::{Value, json};

/// The demo page's controls.
trait Demo {
    async fn press(&self, id: &str) -> (String, Value);
    async fn document_cookie(&self) -> String;
    async fn cookie_names(&self) -> Vec<(String, bool)>;
}

impl Demo for Browser {
    /// Clicks a button of the page and waits for the response it shows.
    async fn press(&self, id: &str) -> (String, Value) {
        self.script("document.getElementById('output').dataset.done = 'waiting';")
            .await;
        self.click(id).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let state = self
                .script(
                    "const o = document.getElementById('output'); \
                     return [o.dataset.done, o.dataset.status, o.textContent];",
                )
                .await;
            if state[0] == "true" {
                let status = state[1].as_str().unwrap_or_default().to_owned();
                let text = state[2].as_str().unwrap_or_default();
                let body = text
                    .split_once(&format!("{status} "))
                    .and_then(|(_, json)| serde_json::from_str(json).ok())
                    .unwrap_or(Value::Null);
                return (status, body);
            }
            assert!(
                Instant::now() < deadline,
                "no response shown after #{id}: {state}"
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn document_cookie(&self) -> String {
        self.script("return document.cookie;")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Every cookie the browser holds for the page, HttpOnly ones included.
    async fn cookie_names(&self) -> Vec<(String, bool)> {
        let cookies = self.command("GET", "/cookie", Value::Null).await;
        let mut names: Vec<(String, bool)> = cookies
            .as_array()
            .expect("cookie list")
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap_or_default().to_owned(),
                    c["httpOnly"].as_bool().unwrap_or(false),
                )
            })
            .collect();
        names.sort();
        names
    }
}

#[actix_web::test]
async fn login_csrf_and_logout_in_headless_chromium() {
    let Some(browser) = Browser::start().await else {
        return;
    };

    // The demo, on a free port.
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("free port");
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let server = demo::serve(listener, demo::jwt_manager().expect("demo configuration"))
        .expect("demo server");
    let server_handle = server.handle();
    actix_web::rt::spawn(server);

    browser.goto(&format!("{base}/")).await;
    let title = browser.script("return document.title;").await;
    assert_eq!(title, "actix-jwt-extended: JWT in cookies");

    // Not logged in yet.
    assert_eq!(
        browser.press("call-api").await,
        (
            "401".to_owned(),
            json!({"msg": "Missing cookie \"access_token_cookie\""})
        )
    );

    // Log in through the form: wrong password first.
    browser.type_into("username", "test").await;
    browser.type_into("password", "wrong").await;
    assert_eq!(
        browser.press("login").await,
        ("401".to_owned(), json!({"msg": "Bad username or password"}))
    );
    assert_eq!(browser.document_cookie().await, "");
    browser.type_into("password", "test").await;
    assert_eq!(
        browser.press("login").await,
        ("200".to_owned(), json!({"login": true}))
    );
    let visible = browser.document_cookie().await;
    assert!(visible.contains("csrf_access_token="), "{visible}");
    assert!(visible.contains("csrf_refresh_token="), "{visible}");
    assert!(
        !visible.contains("access_token_cookie"),
        "HttpOnly leaked: {visible}"
    );
    assert!(
        !visible.contains("refresh_token_cookie"),
        "HttpOnly leaked: {visible}"
    );
    assert_eq!(
        browser.cookie_names().await,
        vec![
            ("access_token_cookie".to_owned(), true),
            ("csrf_access_token".to_owned(), false),
            ("csrf_refresh_token".to_owned(), false),
            ("refresh_token_cookie".to_owned(), true),
        ]
    );

    assert_eq!(
        browser.press("call-api").await,
        ("200".to_owned(), json!({"user": "test"}))
    );
    assert_eq!(
        browser.press("update").await,
        ("200".to_owned(), json!({"updated": true}))
    );
    assert_eq!(
        browser.press("update-no-csrf").await,
        ("401".to_owned(), json!({"msg": "Missing CSRF token"}))
    );
    assert_eq!(
        browser.press("refresh").await,
        ("200".to_owned(), json!({"refresh": true}))
    );
    assert_eq!(
        browser.press("update").await,
        ("200".to_owned(), json!({"updated": true}))
    );

    // Logout removes every cookie; the API then refuses.
    assert_eq!(
        browser.press("logout").await,
        ("200".to_owned(), json!({"logout": true}))
    );
    assert_eq!(browser.document_cookie().await, "");
    assert_eq!(browser.cookie_names().await, Vec::<(String, bool)>::new());
    assert_eq!(
        browser.press("call-api").await,
        (
            "401".to_owned(),
            json!({"msg": "Missing cookie \"access_token_cookie\""})
        )
    );

    browser.command("DELETE", "", Value::Null).await;
    server_handle.stop(true).await;
}
