//! The server of the load benchmark (`scripts/load_bench.sh`, see
//! BENCHMARKS.md): one actix worker serving the same small JSON response
//! behind each kind of protection, so that their throughputs can be compared
//! in one run.
//!
//! ```sh
//! cargo run --release --example bench_server -- 8089
//! curl http://127.0.0.1:8089/token/hs256          # a token for /hs256
//! curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8089/hs256
//! ```
//!
//! Endpoints (all `GET`, all answering `{"hello": <identity>}`):
//!
//! | path | protection |
//! |---|---|
//! | `/plain` | none (the limit) |
//! | `/handwritten/hs256`, `/handwritten/rs256` | `jsonwebtoken::decode` written in the handler |
//! | `/hs256`, `/rs256`, `/es256`, `/eddsa` | `#[jwt_required]`, verified-token cache off |
//! | `/hs256-cache`, `/rs256-cache`, `/es256-cache`, `/eddsa-cache` | `#[jwt_required]`, cache on (the default) |
//! | `/hs256-cache-unchecked`, `/rs256-cache-unchecked` | `#[jwt_required(skip_revocation_check)]`, cache on |
//!
//! Every `#[jwt_required]` endpoint but the `-unchecked` ones consults the
//! default in-memory revocation store, which holds 10 000 revoked tokens.
//!
//! `/token/<endpoint>` answers an access token for that endpoint (valid for
//! an hour). `/plain` ignores any token: the load script sends it the same
//! `Authorization` header as the endpoint it is compared with, so that both
//! receive the same bytes. The first argument (or `PORT`) is the port
//! (default 8089); the server runs one worker.

use std::sync::Arc;

use actix_jwt_extended::revocation::{MemoryStore, RevocationStore};
use actix_jwt_extended::{Algorithm, JwtManager, TokenCache, jwt_required};
use actix_web::http::header::AUTHORIZATION;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use jsonwebtoken::{DecodingKey, Validation};
use serde::Deserialize;
use serde_json::json;

const SECRET: &str = "benchmark-secret-of-reasonable-length";
const IDENTITY: &str = "alice";

/// The unprotected handler: the upper bound.
async fn plain() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "hello": IDENTITY }))
}

/// What a hand-written handler typically deserialises.
#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[allow(dead_code)]
    exp: u64,
}

/// The hand-written alternative: `jsonwebtoken::decode` in the handler.
struct Handwritten {
    key: DecodingKey,
    validation: Validation,
}

async fn handwritten(req: HttpRequest, verifier: web::Data<Handwritten>) -> HttpResponse {
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let Some(token) = token else {
        return HttpResponse::Unauthorized().json(json!({ "msg": "Missing Authorization Header" }));
    };
    match jsonwebtoken::decode::<Claims>(token, &verifier.key, &verifier.validation) {
        Ok(data) => HttpResponse::Ok().json(json!({ "hello": data.claims.sub })),
        Err(error) => HttpResponse::Unauthorized().json(json!({ "msg": error.to_string() })),
    }
}

/// Ours: the attribute does all the work.
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "hello": current_token.identity() }))
}

/// Ours without the revocation check, to measure what the check costs.
#[jwt_required(skip_revocation_check)]
async fn unchecked() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "hello": current_token.identity() }))
}

/// A manager for `algorithm` with the test keys, whose in-memory revocation
/// store holds `REVOKED` revoked tokens (so that its lookups are real ones).
async fn manager(algorithm: Algorithm, cache: TokenCache) -> JwtManager {
    let builder = JwtManager::builder()
        .algorithm(algorithm)
        .verified_token_cache(cache)
        .access_token_expires(std::time::Duration::from_secs(3600));
    let builder = if algorithm.is_asymmetric() {
        let (private, public) = key_pair(algorithm);
        builder.private_key_pem(private).public_key_pem(public)
    } else {
        builder.secret_key(SECRET)
    };
    let store = Arc::new(MemoryStore::new());
    let in_an_hour = now() + 3600;
    for i in 0..REVOKED {
        store
            .revoke(&format!("revoked-{i}"), Some(in_an_hour))
            .await
            .expect("revoked");
    }
    builder
        .revocation_store_arc(store)
        .build()
        .expect("benchmark manager")
}

/// Revoked tokens in every manager's store.
const REVOKED: usize = 10_000;

/// The text of a throw-away key of the repository's `tests/keys/` (or of
/// `BENCH_KEYS_DIR`).
fn key(name: &str) -> String {
    let dir = std::env::var("BENCH_KEYS_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/tests/keys").to_owned());
    let path = std::path::Path::new(&dir).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The private and public key of an asymmetric algorithm.
fn key_pair(algorithm: Algorithm) -> (String, String) {
    let stem = match algorithm {
        Algorithm::ES256 => "ec256",
        Algorithm::ES384 => "ec384",
        Algorithm::EdDSA => "ed25519",
        _ => "rsa",
    };
    (
        key(&format!("{stem}_private.pem")),
        key(&format!("{stem}_public.pem")),
    )
}

/// Seconds since the epoch.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("PORT").ok())
        .and_then(|p| p.parse().ok())
        .unwrap_or(8089);
    // (path, manager, revocation checked), in the order the router tries
    // them. An `-unchecked` endpoint shares the manager (and cache) of the
    // endpoint after it and comes just before it: one route fewer to try,
    // which if anything flatters the unchecked side of the comparison.
    let mut ours: Vec<(&'static str, JwtManager, bool)> = Vec::new();
    for (name, algorithm, cache) in [
        ("hs256", Algorithm::HS256, TokenCache::Off),
        ("hs256-cache", Algorithm::HS256, TokenCache::On),
        ("rs256", Algorithm::RS256, TokenCache::Off),
        ("rs256-cache", Algorithm::RS256, TokenCache::On),
        ("es256", Algorithm::ES256, TokenCache::Off),
        ("es256-cache", Algorithm::ES256, TokenCache::On),
        ("eddsa", Algorithm::EdDSA, TokenCache::Off),
        ("eddsa-cache", Algorithm::EdDSA, TokenCache::On),
    ] {
        let jwt = manager(algorithm, cache).await;
        if matches!(name, "hs256-cache" | "rs256-cache") {
            let unchecked = if name == "hs256-cache" {
                "hs256-cache-unchecked"
            } else {
                "rs256-cache-unchecked"
            };
            ours.push((unchecked, jwt.clone(), false));
        }
        ours.push((name, jwt, true));
    }
    let hs256 = ours[0].1.clone();
    let rs256 = ours[3].1.clone();
    let handwritten_hs256 = web::Data::new(Handwritten {
        key: DecodingKey::from_secret(SECRET.as_bytes()),
        validation: Validation::new(jsonwebtoken::Algorithm::HS256),
    });
    let handwritten_rs256 = web::Data::new(Handwritten {
        key: DecodingKey::from_rsa_pem(key("rsa_public.pem").as_bytes()).expect("RSA public key"),
        validation: Validation::new(jsonwebtoken::Algorithm::RS256),
    });
    // Tokens for every endpoint, minted once.
    let mut tokens: Vec<(String, String)> = ours
        .iter()
        .map(|(name, jwt, _)| {
            let token = jwt.create_access_token(IDENTITY).expect("token");
            ((*name).to_owned(), token)
        })
        .collect();
    tokens.push((
        "handwritten/hs256".into(),
        hs256.create_access_token(IDENTITY).expect("token"),
    ));
    tokens.push((
        "handwritten/rs256".into(),
        rs256.create_access_token(IDENTITY).expect("token"),
    ));
    let tokens = web::Data::new(tokens);

    println!("bench_server listening on http://127.0.0.1:{port} (1 worker)");
    HttpServer::new(move || {
        // Every measured endpoint is a plain resource; `/plain` is checked
        // last by the router (the most routing work) and the token route,
        // a pattern, after all of them.
        let mut app = App::new().app_data(tokens.clone());
        for (name, jwt, checked) in &ours {
            let resource = web::resource(format!("/{name}")).app_data(jwt.clone());
            app = app.service(if *checked {
                resource.route(web::get().to(protected))
            } else {
                resource.route(web::get().to(unchecked))
            });
        }
        app.service(
            web::resource("/handwritten/hs256")
                .app_data(handwritten_hs256.clone())
                .route(web::get().to(handwritten)),
        )
        .service(
            web::resource("/handwritten/rs256")
                .app_data(handwritten_rs256.clone())
                .route(web::get().to(handwritten)),
        )
        .route("/plain", web::get().to(plain))
        .route(
            "/token/{name:.*}",
            web::get().to(
                |tokens: web::Data<Vec<(String, String)>>, name: web::Path<String>| async move {
                    match tokens.iter().find(|(n, _)| *n == *name) {
                        Some((_, token)) => HttpResponse::Ok().body(token.clone()),
                        None => HttpResponse::NotFound().finish(),
                    }
                },
            ),
        )
    })
    .workers(1)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
