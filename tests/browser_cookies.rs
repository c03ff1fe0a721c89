//! End to end in a real browser: headless Chromium, driven over WebDriver
//! (chromedriver), against the `cookies` example.
//!
//! Needs Debian's `chromium` and `chromium-driver` packages (or the
//! `CHROMIUM` / `CHROMEDRIVER` variables naming the binaries). Without them
//! the test is skipped with a loud message, except when `CI=true`, where it
//! fails.

#[allow(dead_code)]
#[path = "../examples/cookies.rs"]
mod demo;

use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The W3C WebDriver element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn binary(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// Ends chromedriver and the browser it started (they share a process
/// group of their own, even when the test fails half-way) and removes the
/// profile directory.
struct Cleanup {
    driver: Child,
    profile: PathBuf,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// A WebDriver session.
struct Browser {
    client: awc::Client,
    session: String,
}

impl Browser {
    async fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{}", self.session, path);
        webdriver(&self.client, method, &url, body).await
    }

    async fn goto(&self, url: &str) {
        self.command("POST", "/url", json!({ "url": url })).await;
    }

    async fn element(&self, id: &str) -> String {
        let element = self
            .command(
                "POST",
                "/element",
                json!({"using": "css selector", "value": format!("#{id}")}),
            )
            .await;
        element[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element #{id}: {element}"))
            .to_owned()
    }

    async fn click(&self, id: &str) {
        let element = self.element(id).await;
        self.command("POST", &format!("/element/{element}/click"), json!({}))
            .await;
    }

    /// Replaces the text of an input, as typed by a user.
    async fn type_into(&self, id: &str, text: &str) {
        let element = self.element(id).await;
        self.command("POST", &format!("/element/{element}/clear"), json!({}))
            .await;
        self.command(
            "POST",
            &format!("/element/{element}/value"),
            json!({ "text": text }),
        )
        .await;
    }

    async fn script(&self, script: &str) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

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

/// One WebDriver call: the `value` of the answer; panics on a WebDriver error.
async fn webdriver(client: &awc::Client, method: &str, url: &str, body: Value) -> Value {
    let request = match method {
        "GET" => client.get(url),
        "DELETE" => client.delete(url),
        _ => client.post(url),
    };
    let mut response = if method == "POST" {
        request.send_json(&body).await
    } else {
        request.send().await
    }
    .unwrap_or_else(|e| panic!("WebDriver {method} {url}: {e}"));
    let status = response.status();
    let answer: Value = response
        .json()
        .limit(16 * 1024 * 1024)
        .await
        .unwrap_or_else(|e| panic!("WebDriver {method} {url}: {e}"));
    assert!(
        status.is_success(),
        "WebDriver {method} {url}: {status} {answer}"
    );
    answer["value"].clone()
}

/// Whether the browser is here; if not, skips (or fails on CI) loudly.
fn browser_available(chromium: &Path, chromedriver: &Path) -> bool {
    if chromium.exists() && chromedriver.exists() {
        return true;
    }
    let message = format!(
        "headless Chromium not found ({} / {}): install Debian's `chromium` and \
         `chromium-driver` packages, or set CHROMIUM and CHROMEDRIVER",
        chromium.display(),
        chromedriver.display()
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{message}");
    }
    // Written to the real stderr, past the test harness's capture.
    let banner = "!".repeat(72);
    let _ = writeln!(
        std::io::stderr(),
        "\n{banner}\nSKIPPED browser test: {message}\n{banner}\n"
    );
    false
}

#[actix_web::test]
async fn login_csrf_and_logout_in_headless_chromium() {
    let chromium = binary("CHROMIUM", "/usr/bin/chromium");
    let chromedriver = binary("CHROMEDRIVER", "/usr/bin/chromedriver");
    if !browser_available(&chromium, &chromedriver) {
        return;
    }

    // The demo, on a free port.
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("free port");
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let server = demo::serve(listener, demo::jwt_manager().expect("demo configuration"))
        .expect("demo server");
    let server_handle = server.handle();
    actix_web::rt::spawn(server);

    // chromedriver, and a fresh browser profile.
    let driver_port = free_port();
    let profile = std::env::temp_dir().join(format!(
        "actix-jwt-extended-chromium-{}-{driver_port}",
        std::process::id()
    ));
    let driver = Command::new(&chromedriver)
        .arg(format!("--port={driver_port}"))
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let _cleanup = Cleanup {
        driver,
        profile: profile.clone(),
    };
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(60))
        .finish();
    let driver_url = format!("http://127.0.0.1:{driver_port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = match client.get(format!("{driver_url}/status")).send().await {
            Ok(mut response) => response
                .json::<Value>()
                .await
                .is_ok_and(|status| status["value"]["ready"] == true),
            Err(_) => false,
        };
        if ready {
            break;
        }
        assert!(Instant::now() < deadline, "chromedriver did not start");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }

    let capabilities = json!({
        "capabilities": {
            "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--disable-breakpad",
                        "--disable-crash-reporter",
                        format!("--user-data-dir={}", profile.display()),
                    ]
                }
            }
        }
    });
    let session = webdriver(
        &client,
        "POST",
        &format!("{driver_url}/session"),
        capabilities,
    )
    .await;
    let session_id = session["sessionId"]
        .as_str()
        .expect("session id")
        .to_owned();
    let browser = Browser {
        client: client.clone(),
        session: format!("{driver_url}/session/{session_id}"),
    };

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
