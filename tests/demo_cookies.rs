//! The `cookies` example over real HTTP: every route of its contract, with
//! the cookies carried between requests as a browser would.

#[allow(dead_code)]
#[path = "../examples/cookies.rs"]
mod demo;

use std::collections::BTreeMap;
use std::net::TcpListener;

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use serde_json::{Value, json};

/// A running demo server and a client with a cookie jar.
struct Browserless {
    base: String,
    client: awc::Client,
    jar: BTreeMap<String, String>,
    server: actix_web::dev::ServerHandle,
}

/// One response: status, JSON body and the `Set-Cookie` headers.
struct Reply {
    status: StatusCode,
    body: Value,
    set_cookies: Vec<String>,
}

impl Browserless {
    async fn start() -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("free port");
        let port = listener.local_addr().unwrap().port();
        let jwt = demo::jwt_manager().expect("demo configuration");
        let server = demo::serve(listener, jwt).expect("demo server");
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self {
            base: format!("http://127.0.0.1:{port}"),
            client: awc::Client::default(),
            jar: BTreeMap::new(),
            server: handle,
        }
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        json: Option<Value>,
    ) -> Reply {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if !self.jar.is_empty() {
            let cookies: Vec<String> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.insert_header((COOKIE, cookies.join("; ")));
        }
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = match json {
            Some(body) => request.send_json(&body).await,
            None => request.send().await,
        }
        .expect("request");
        let set_cookies: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for header in &set_cookies {
            let (name, rest) = header.split_once('=').unwrap();
            let value = rest.split(';').next().unwrap();
            if value.is_empty() {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let bytes = response.body().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            set_cookies,
        }
    }

    fn cookie(&self, name: &str) -> String {
        self.jar.get(name).cloned().unwrap_or_default()
    }
}

fn names(set_cookies: &[String]) -> Vec<&str> {
    set_cookies
        .iter()
        .map(|h| h.split_once('=').unwrap().0)
        .collect()
}

#[actix_web::test]
async fn demo_contract_over_http() {
    let mut demo = Browserless::start().await;

    // The page: self-contained, with the form and the buttons.
    let mut page = demo
        .client
        .get(format!("{}/", demo.base))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.headers().get(CONTENT_TYPE).unwrap(),
        "text/html; charset=utf-8"
    );
    let html = String::from_utf8(page.body().await.unwrap().to_vec()).unwrap();
    for id in [
        "login-form",
        "username",
        "password",
        "login",
        "call-api",
        "update",
        "update-no-csrf",
        "refresh",
        "logout",
        "output",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "missing #{id}");
    }
    for label in [
        "Call API",
        "Update",
        "Update without CSRF",
        "Refresh",
        "Logout",
    ] {
        assert!(
            html.contains(&format!(">{label}</button>")),
            "missing {label}"
        );
    }
    assert!(!html.contains("src=") && !html.contains("<link") && !html.contains("http"));
    assert!(html.contains(r#""accessCsrfCookie":"csrf_access_token""#));

    // Before logging in.
    let me = demo.send("GET", "/api/me", &[], None).await;
    assert_eq!(
        (me.status, me.body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing cookie \"access_token_cookie\""})
        )
    );

    // Bad credentials.
    for credentials in [
        json!({"username": "test", "password": "nope"}),
        json!({"username": "other", "password": "test"}),
        json!({}),
    ] {
        let login = demo.send("POST", "/login", &[], Some(credentials)).await;
        assert_eq!(login.status, StatusCode::UNAUTHORIZED);
        assert!(login.set_cookies.is_empty());
    }

    // Login: the four cookies, HttpOnly only on the JWT cookies.
    let login = demo
        .send(
            "POST",
            "/login",
            &[],
            Some(json!({"username": "test", "password": "test"})),
        )
        .await;
    assert_eq!(
        (login.status, &login.body),
        (StatusCode::OK, &json!({"login": true}))
    );
    assert_eq!(
        names(&login.set_cookies),
        [
            "access_token_cookie",
            "csrf_access_token",
            "refresh_token_cookie",
            "csrf_refresh_token"
        ]
    );
    let http_only: Vec<bool> = login
        .set_cookies
        .iter()
        .map(|h| h.contains("; HttpOnly"))
        .collect();
    assert_eq!(http_only, [true, false, true, false]);

    let me = demo.send("GET", "/api/me", &[], None).await;
    assert_eq!(
        (me.status, me.body),
        (StatusCode::OK, json!({"user": "test"}))
    );

    let update = demo.send("POST", "/api/update", &[], None).await;
    assert_eq!(
        (update.status, update.body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing CSRF token"})
        )
    );
    let csrf = demo.cookie("csrf_access_token");
    let update = demo
        .send("POST", "/api/update", &[("X-CSRF-TOKEN", &csrf)], None)
        .await;
    assert_eq!(
        (update.status, update.body),
        (StatusCode::OK, json!({"updated": true}))
    );
    let refresh_csrf = demo.cookie("csrf_refresh_token");
    let wrong = demo
        .send(
            "POST",
            "/api/update",
            &[("X-CSRF-TOKEN", &refresh_csrf)],
            None,
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "CSRF double submit tokens do not match"})
        )
    );

    // Refresh: new access cookies.
    let old_access = demo.cookie("access_token_cookie");
    let refresh = demo.send("POST", "/refresh", &[], None).await;
    assert_eq!(
        (refresh.status, refresh.body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing CSRF token"})
        )
    );
    let refresh = demo
        .send("POST", "/refresh", &[("X-CSRF-TOKEN", &refresh_csrf)], None)
        .await;
    assert_eq!(
        (refresh.status, &refresh.body),
        (StatusCode::OK, &json!({"refresh": true}))
    );
    assert_eq!(
        names(&refresh.set_cookies),
        ["access_token_cookie", "csrf_access_token"]
    );
    assert_ne!(demo.cookie("access_token_cookie"), old_access);
    let csrf = demo.cookie("csrf_access_token");
    let update = demo
        .send("POST", "/api/update", &[("X-CSRF-TOKEN", &csrf)], None)
        .await;
    assert_eq!(update.status, StatusCode::OK);

    // Logout: every cookie is unset, and the API refuses again.
    let logout = demo.send("POST", "/logout", &[], None).await;
    assert_eq!(
        (logout.status, &logout.body),
        (StatusCode::OK, &json!({"logout": true}))
    );
    assert_eq!(logout.set_cookies.len(), 4);
    assert!(
        logout
            .set_cookies
            .iter()
            .all(|h| h.contains("=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"))
    );
    assert!(demo.jar.is_empty(), "{:?}", demo.jar);
    let me = demo.send("GET", "/api/me", &[], None).await;
    assert_eq!(
        (me.status, me.body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing cookie \"access_token_cookie\""})
        )
    );
    let refresh = demo.send("POST", "/refresh", &[], None).await;
    assert_eq!(
        (refresh.status, refresh.body),
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing cookie \"refresh_token_cookie\""})
        )
    );

    demo.server.stop(true).await;
}

#[actix_web::test]
async fn demo_never_answers_5xx_to_odd_requests() {
    let mut demo = Browserless::start().await;
    type Odd<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
    let odd: [Odd; 6] = [
        (
            "POST",
            "/api/update",
            &[("Cookie", "access_token_cookie=garbage")],
        ),
        ("GET", "/api/me", &[("Cookie", "access_token_cookie=a.b.c")]),
        (
            "POST",
            "/refresh",
            &[("Cookie", "refresh_token_cookie=x; refresh_token_cookie=y")],
        ),
        (
            "POST",
            "/logout",
            &[("Cookie", "access_token_cookie=\"quoted\"")],
        ),
        ("POST", "/login", &[("Content-Type", "application/json")]),
        (
            "GET",
            "/api/me",
            &[("Cookie", "=; ;;; access_token_cookie")],
        ),
    ];
    for (method, path, headers) in odd {
        let reply = demo.send(method, path, headers, None).await;
        assert!(
            reply.status.is_client_error() || reply.status.is_success(),
            "{method} {path}: {}",
            reply.status
        );
    }
    demo.server.stop(true).await;
}
