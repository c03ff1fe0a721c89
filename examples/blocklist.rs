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
use actix_jwt_extended::{JwtManager, jwt_refresh_required, jwt_required};
use actix_jwt_extended_examples::Credentials;
use actix_web::{App, HttpResponse, HttpServer, delete, get, post, web};
use serde_json::json;

/// Exchanges a username and password for an access and a refresh token
/// (a new rotation family).
#[post("/login")]
async fn login(jwt: JwtManager, body: web::Json<Credentials>) -> HttpResponse {
    if !body.are("test", "test") {
        return HttpResponse::Unauthorized().json(json!({"msg": "Bad username or password"}));
    }
    match jwt.create_token_pair(body.username.as_deref()) {
        Ok(pair) => HttpResponse::Ok().json(pair),
        Err(error) => jwt.error_response(error),
    }
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
async fn logout(jwt: JwtManager) -> HttpResponse {
    match jwt.revoke_session(&current_token).await {
        Ok(()) => HttpResponse::Ok().json(json!({"msg": "Logged out"})),
        Err(error) => jwt.error_response(error),
    }
}

/// Revokes every token of the identity issued so far.
#[post("/logout/all")]
#[jwt_required(verify_type = false)]
async fn logout_all(jwt: JwtManager) -> HttpResponse {
    match jwt.revoke_all_tokens(current_token.identity()).await {
        Ok(()) => HttpResponse::Ok().json(json!({"msg": "All tokens revoked"})),
        Err(error) => jwt.error_response(error),
    }
}

/// Rotates the refresh token: a new access and refresh token of the same
/// family. A refresh token used twice revokes the whole family.
#[post("/refresh")]
#[jwt_refresh_required]
async fn refresh(jwt: JwtManager) -> HttpResponse {
    match jwt.rotate_refresh_token(&current_token).await {
        Ok(pair) => HttpResponse::Ok().json(pair),
        Err(rejection) => jwt.error_response(rejection),
    }
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
/// at `redis_url` when given, the in-memory store otherwise.
pub async fn manager(redis_url: Option<String>) -> std::io::Result<JwtManager> {
    let mut builder = actix_jwt_extended_examples::builder_from_env()?;
    if let Some(url) = redis_url {
        let store = RedisStore::builder()
            .url(url)
            .connect()
            .await
            .map_err(std::io::Error::other)?;
        println!("Revocations are shared through Redis");
        builder = builder.revocation_store(store);
    } else {
        println!("Revocations are kept in memory (set REDIS_URL to share them)");
    }
    builder.build().map_err(std::io::Error::other)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    actix_jwt_extended_examples::init_logging();
    let redis_url = std::env::var("REDIS_URL")
        .ok()
        .filter(|url| !url.is_empty());
    // Built once, outside the factory: every worker shares the same store.
    let jwt = manager(redis_url).await?;

    let port = actix_jwt_extended_examples::port();
    println!("Listening on http://127.0.0.1:{port}");
    HttpServer::new(move || App::new().app_data(jwt.clone()).configure(routes))
        .bind(("127.0.0.1", port))?
        .run()
        .await
}
