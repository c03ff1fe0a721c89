//! What the fuzz targets share: the fixed key of the seed tokens, and a
//! protected actix-web application that answers raw HTTP requests.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

use actix_jwt_extended::{JwtManager, jwt_optional, jwt_refresh_required, jwt_required};
use actix_web::body::{MessageBody, to_bytes};
use actix_web::dev::Service;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, Uri};
use actix_web::{App, HttpResponse, test, web};
use serde_json::Value;

/// The HMAC secret of the checked-in test tokens
/// (`tests/fixtures/flask/tokens.json`), so that seeds verify.
pub const SECRET: &str = "flask-fixture-secret";

/// A manager with [`SECRET`] and the given options.
pub fn manager(options: &[(&str, &str)]) -> JwtManager {
    JwtManager::builder()
        .secret_key(SECRET)
        .options(options.iter().copied())
        .and_then(|builder| builder.build())
        .expect("the fuzz targets' configuration is valid")
}

#[jwt_required]
async fn access() -> HttpResponse {
    HttpResponse::Ok().body(current_token.identity().to_string())
}

#[jwt_refresh_required]
async fn refresh() -> HttpResponse {
    HttpResponse::Ok().body(current_token.identity().to_string())
}

#[jwt_optional]
async fn optional() -> HttpResponse {
    HttpResponse::Ok().body(
        current_token
            .map(|t| t.identity().to_string())
            .unwrap_or_default(),
    )
}

type Answer = Pin<Box<dyn Future<Output = (u16, Vec<u8>)>>>;

/// An application with one route per protection (`/access`, `/refresh`,
/// `/optional`, any method), served in-process.
pub struct Harness {
    runner: actix_rt::SystemRunner,
    call: Box<dyn Fn(actix_http::Request) -> Answer>,
}

impl Harness {
    /// The application, protected by `manager`.
    pub fn new(manager: JwtManager) -> Self {
        let runner = actix_rt::System::new();
        let service = runner.block_on(test::init_service(
            App::new()
                .app_data(manager)
                .route("/access", web::to(access))
                .route("/refresh", web::to(refresh))
                .route("/optional", web::to(optional)),
        ));
        let service: &'static _ = Box::leak(Box::new(service));
        let call = Box::new(move |req: actix_http::Request| -> Answer {
            Box::pin(async move {
                match service.call(req).await {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let body = to_bytes(response.into_body().boxed())
                            .await
                            .map(|b| b.to_vec())
                            .unwrap_or_default();
                        (status, body)
                    }
                    Err(error) => {
                        let response = error.error_response();
                        (response.status().as_u16(), Vec::new())
                    }
                }
            })
        });
        Self { runner, call }
    }

    /// Sends a raw HTTP/1.1 request (request line, headers, blank line,
    /// body) and checks the answer: the handler's 200, or a 4xx JSON
    /// `{"msg": "..."}`. Input that is not an HTTP request is skipped.
    pub fn check(&self, data: &[u8]) {
        let Some(request) = parse(data) else { return };
        let (status, body) = self.runner.block_on((self.call)(request));
        if status == 200 {
            return;
        }
        assert!(
            (400..500).contains(&status),
            "status {status} for {:?}",
            String::from_utf8_lossy(data)
        );
        let json: Value = serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("{status} with a body that is not JSON ({e}): {body:?}"));
        assert!(json["msg"].is_string(), "{status} without msg: {json}");
    }
}

thread_local! {
    static HARNESSES: RefCell<Vec<(&'static str, &'static Harness)>> = const { RefCell::new(Vec::new()) };
}

/// The harness named `name`, built once per thread with `options`.
pub fn harness(name: &'static str, options: &[(&str, &str)]) -> &'static Harness {
    HARNESSES.with(|all| {
        let mut all = all.borrow_mut();
        if let Some((_, harness)) = all.iter().find(|(n, _)| *n == name) {
            return *harness;
        }
        let harness: &'static Harness = Box::leak(Box::new(Harness::new(manager(options))));
        all.push((name, harness));
        harness
    })
}

/// The request in `data`, routed by the first letter of its path: `r` to
/// `/refresh`, `o` to `/optional`, anything else to `/access`; the query
/// string is kept.
fn parse(data: &[u8]) -> Option<actix_http::Request> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut headers);
    let httparse::Status::Complete(offset) = request.parse(data).ok()? else {
        return None;
    };
    let method = Method::from_bytes(request.method?.as_bytes()).ok()?;
    let target = request.path?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let route = match path.trim_start_matches('/').chars().next() {
        Some('r') => "/refresh",
        Some('o') => "/optional",
        _ => "/access",
    };
    let uri = if query.is_empty() {
        route.to_owned()
    } else {
        format!("{route}?{query}")
    };
    let uri: Uri = uri.parse().ok()?;
    let mut builder = test::TestRequest::default()
        .method(method)
        .uri(&uri.to_string());
    for header in request.headers.iter() {
        let name = HeaderName::from_bytes(header.name.as_bytes()).ok()?;
        let value = HeaderValue::from_bytes(header.value).ok()?;
        builder = builder.append_header((name, value));
    }
    Some(builder.set_payload(data[offset..].to_vec()).to_request())
}
