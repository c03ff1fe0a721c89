//! Revoking tokens: log out this device, log out everywhere, and refresh-token
//! rotation with reuse detection — Flask-JWT-Extended's "blocklist and token
//! revoking" with a working store.
//!
//! ```sh
//! cargo run --example blocklist                                   # in-memory store
//! REDIS_URL=redis://127.0.0.1:6379 cargo run --example blocklist  # shared Redis store
//!
//! curl -X POST -H "Content-Type: application/json" \
//!      -d '{"username":"test","password":"test"}' http://localhost:5000/login
//! curl -H "Authorization: Bearer <access_token>" http://localhost:5000/protected
//! curl -X DELETE -H "Authorization: Bearer <access_token>" http://localhost:5000/logout
//! curl -X POST -H "Authorization: Bearer <refresh_token>" http://localhost:5000/refresh
//! curl -X POST -H "Authorization: Bearer <access_token>" http://localhost:5000/logout/all
//! ```
//!
//! * `POST /login` `{"username": "test", "password": "test"}` → `{"access_token", "refresh_token"}`
//! * `GET /protected` (access token) → `{"hello": "<identity>"}`
//! * `DELETE /logout` (access or refresh token) → ends that session: the
//!   access and refresh tokens of that login (this device)
//! * `POST /logout/all` (any token) → revokes every token of the identity
//!   (every device)
//! * `POST /refresh` (refresh token) → rotates: a new pair, the old refresh
//!   token is used up; presenting it again revokes the whole family
//!
//! Configuration comes from `JWT_*` environment variables; `REDIS_URL`
//! selects the Redis store; `PORT` changes the port (default 5000).

use actix_jwt_extended::revocation::RedisStore;
use actix_jwt_extended::{
    JwtManager, JwtManagerBuilder, Rejection, jwt_refresh_required, jwt_required,
};
use actix_web::{App, HttpResponse, HttpServer, delete, get, post, web};
use serde::Deserialize;
use serde_json::json;

/// Exchanges a username and password for an access and a refresh token
/// (a new rotation family).
#[post("/login")]
async fn login(jwt: JwtManager, body: web::Json<Credentials>) -> Result<HttpResponse, Rejection> {
    if !body.are("test", "test") {
        return Ok(HttpResponse::Unauthorized().json(json!({"msg": "Bad username or password"})));
    }
    let pair = jwt.create_token_pair(body.username.as_deref())?;
    Ok(HttpResponse::Ok().json(pair))
}

/// Only reachable with a valid, unrevoked access token.
#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "hello": current_token.identity() }))
}

/// Logs this device out: revokes the session of the presented token (access
/// or refresh) — the access and refresh tokens of that login, rotated ones
/// included. Other devices stay logged in.
#[delete("/logout")]
#[jwt_required(verify_type = false)]
async fn logout(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
    jwt.revoke_session(&current_token).await?;
    Ok(HttpResponse::Ok().json(json!({"msg": "Logged out"})))
}

/// Revokes every token of the identity issued so far.
#[post("/logout/all")]
#[jwt_required(verify_type = false)]
async fn logout_all(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
    jwt.revoke_all_tokens(current_token.identity()).await?;
    Ok(HttpResponse::Ok().json(json!({"msg": "All tokens revoked"})))
}

/// Rotates the refresh token: a new access and refresh token of the same
/// family. A refresh token used twice revokes the whole family.
#[post("/refresh")]
#[jwt_refresh_required]
async fn refresh(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
    let pair = jwt.rotate_refresh_token(&current_token).await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// The routes of this example.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(login)
        .service(protected)
        .service(logout)
        .service(logout_all)
        .service(refresh);
}

/// The manager: `JWT_*` settings from the environment, and the Redis store
/// at `redis_url` when given, the in-memory store otherwise. A Redis server
/// that cannot be reached is an error that names it.
pub async fn manager(redis_url: Option<String>) -> Result<JwtManager, String> {
    let mut builder = settings().map_err(|e| e.to_string())?;
    if let Some(url) = redis_url {
        let store = RedisStore::builder()
            .url(url)
            .connect()
            .await
            .map_err(|e| e.to_string())?;
        println!("Revocations are shared through Redis");
        builder = builder.revocation_store(store);
    } else {
        println!("Revocations are kept in memory (set REDIS_URL to share them)");
    }
    builder.build().map_err(|e| e.to_string())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    init_logging();
    let redis_url = std::env::var("REDIS_URL")
        .ok()
        .filter(|url| !url.is_empty());
    // Built once, outside the factory: every worker shares the same store.
    let jwt = match manager(redis_url).await {
        Ok(jwt) => jwt,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    };

    let port = port();
    println!("Listening on http://127.0.0.1:{port}");
    HttpServer::new(move || App::new().app_data(jwt.clone()).configure(routes))
        .bind(("127.0.0.1", port))?
        .run()
        .await
}

/// The JSON body of `POST /login`.
#[derive(Debug, Deserialize)]
struct Credentials {
    username: Option<String>,
    password: Option<String>,
}

impl Credentials {
    /// Whether both fields are present and equal these values.
    fn are(&self, username: &str, password: &str) -> bool {
        self.username.as_deref() == Some(username) && self.password.as_deref() == Some(password)
    }
}

/// `JWT_*` settings from the environment, with a development secret (and a
/// warning) when JWT_SECRET_KEY is not set.
fn settings() -> std::io::Result<JwtManagerBuilder> {
    let builder = JwtManagerBuilder::from_env().map_err(std::io::Error::other)?;
    if std::env::var_os("JWT_SECRET_KEY").is_some() {
        return Ok(builder);
    }
    eprintln!("WARNING: JWT_SECRET_KEY is not set; using a development secret.");
    Ok(builder.secret_key("super-secret-development-key"))
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// `PORT`, or 5000 as in the Flask examples.
fn port() -> u16 {
    std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(5000)
}
