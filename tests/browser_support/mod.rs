//! Headless Chromium over WebDriver (chromedriver), for the browser tests.
//!
//! Needs Debian's `chromium` and `chromium-driver` packages (or the
//! `CHROMIUM` / `CHROMEDRIVER` variables naming the binaries). Without them
//! a test is skipped with a loud message, except when `CI=true`, where it
//! fails.

#![allow(dead_code)]

use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The W3C WebDriver element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The binary named by `variable`, or `default`.
fn binary(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default))
}

/// A free loopback port.
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
pub struct Browser {
    client: awc::Client,
    session: String,
    _cleanup: Cleanup,
}

impl Browser {
    /// One WebDriver command of this session (`path` below the session).
    pub async fn command(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{}", self.session, path);
        webdriver(&self.client, method, &url, body).await
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.command("POST", "/url", json!({ "url": url })).await;
    }

    /// The WebDriver reference of the element with this `id`.
    pub async fn element(&self, id: &str) -> String {
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

    /// Clicks the element with this `id`.
    pub async fn click(&self, id: &str) {
        let element = self.element(id).await;
        self.command("POST", &format!("/element/{element}/click"), json!({}))
            .await;
    }

    /// Replaces the text of an input, as typed by a user.
    pub async fn type_into(&self, id: &str, text: &str) {
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

    /// Runs `script` in the page and returns its value.
    pub async fn script(&self, script: &str) -> Value {
        self.command(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    /// Starts chromedriver and a headless Chromium session with a fresh
    /// profile (`CHROMIUM` / `CHROMEDRIVER` name the binaries); `None`
    /// (loudly, or a panic when `CI=true`) when they are missing. Dropping
    /// the browser ends both.
    pub async fn start() -> Option<Browser> {
        let chromium = binary("CHROMIUM", "/usr/bin/chromium");
        let chromedriver = binary("CHROMEDRIVER", "/usr/bin/chromedriver");
        if !browser_available(&chromium, &chromedriver) {
            return None;
        }
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
        let cleanup = Cleanup {
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
        Some(Browser {
            client,
            session: format!("{driver_url}/session/{session_id}"),
            _cleanup: cleanup,
        })
    }
}

/// One WebDriver call: the `value` of the answer; panics on a WebDriver error.
pub async fn webdriver(client: &awc::Client, method: &str, url: &str, body: Value) -> Value {
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
pub fn browser_available(chromium: &Path, chromedriver: &Path) -> bool {
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
