//! Rejections emit a `tracing` event with the reason — and never the token.

use std::io::Write;
use std::sync::{Arc, Mutex};

use actix_jwt_extended::jwt_required;
use actix_jwt_extended_examples::{hs256, hs256_token, now};
use actix_web::{App, HttpResponse, get, test};
use serde_json::json;

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().finish()
}

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

#[actix_web::test]
async fn rejections_are_logged_without_the_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let m = hs256().build().unwrap();
    let app = test::init_service(App::new().app_data(m).service(protected)).await;
    let expired = hs256_token(&json!({"sub": "alice", "exp": now() - 5}));
    let req = test::TestRequest::get()
        .uri("/protected")
        .insert_header(("Authorization", format!("Bearer {expired}")))
        .to_request();
    assert_eq!(test::call_service(&app, req).await.status(), 401);

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("request rejected"), "{log}");
    assert!(log.contains("reason=\"expired\""), "{log}");
    assert!(log.contains("error=Token has expired"), "{log}");
    assert!(log.contains("status=401"), "{log}");
    let signature = expired.rsplit('.').next().unwrap();
    assert!(
        !log.contains(signature),
        "the token must not be logged: {log}"
    );
    assert!(
        !log.contains(&expired[..20]),
        "the token must not be logged: {log}"
    );
}
