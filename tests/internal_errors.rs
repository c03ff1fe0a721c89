//! One error story: every fallible call a handler makes works with `?`,
//! and a server-side problem is a 500 with a generic body while its
//! details go to the log — never to the client.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_jwt_extended::{CookieOptions, JwtManager, Rejection, jwt_required};
use actix_jwt_extended_examples::hs256;
use actix_web::{App, HttpResponse, get, post, test};
use serde_json::{Value, json};

/// A writer that keeps everything the subscriber prints.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Captures this thread's events until the guard is dropped.
    fn start() -> (Self, tracing::subscriber::DefaultGuard) {
        let captured = Self::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (captured, tracing::subscriber::set_default(subscriber))
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// An identity serde_json cannot serialise (a map with non-string keys).
fn unserialisable() -> HashMap<(u8, u8), u8> {
    HashMap::from([((1, 2), 3)])
}

#[post("/login")]
async fn login(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
    let token = jwt.create_access_token(unserialisable())?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": token })))
}

#[post("/cookie-login")]
async fn cookie_login(jwt: JwtManager) -> actix_web::Result<HttpResponse> {
    let token = jwt.create_access_token("alice")?;
    let mut response = HttpResponse::Ok();
    let options = CookieOptions::new().domain("not a domain");
    jwt.set_access_cookies(&mut response, &token, options)?;
    Ok(response.finish())
}

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[actix_web::test]
async fn a_token_that_cannot_be_created_is_a_generic_500_and_the_details_are_logged() {
    let (log, _guard) = Captured::start();
    let jwt = hs256().build().unwrap();
    let app = test::init_service(
        App::new()
            .app_data(jwt)
            .service(login)
            .service(cookie_login),
    )
    .await;
    for path in ["/login", "/cookie-login"] {
        let req = test::TestRequest::post().uri(path).to_request();
        let resp = test::call_service(&app, req).await;
        assert_eq!(resp.status(), 500, "{path}");
        let body: Value = test::read_body_json(resp).await;
        assert_eq!(body, json!({"msg": "Internal Server Error"}), "{path}");
    }
    let log = log.text();
    assert!(
        log.contains("Could not create the token: key must be a string"),
        "{log}"
    );
    assert!(
        log.contains("Invalid cookie domain \"not a domain\""),
        "{log}"
    );
}

#[actix_web::test]
async fn without_a_manager_the_client_gets_no_configuration_hint_and_the_log_gets_it_once() {
    let (log, _guard) = Captured::start();
    let app = test::init_service(App::new().service(protected).service(login)).await;
    for path in ["/protected", "/protected", "/login"] {
        let req = match path {
            "/login" => test::TestRequest::post(),
            _ => test::TestRequest::get(),
        };
        let resp = test::call_service(&app, req.uri(path).to_request()).await;
        assert_eq!(resp.status(), 500);
        let body: Value = test::read_body_json(resp).await;
        assert_eq!(body, json!({"msg": "Internal Server Error"}));
    }
    let log = log.text();
    assert_eq!(
        log.matches("No JwtManager is registered: add `.app_data(manager.clone())`")
            .count(),
        1,
        "{log}"
    );
}
