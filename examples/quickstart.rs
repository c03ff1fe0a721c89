//! The Flask-JWT-Extended "Basic Usage" quickstart, in actix-web.
//!
//! ```sh
//! cargo run --example quickstart
//! curl -i http://localhost:5000/protected
//! curl -X POST -H "Content-Type: application/json" \
//!      -d '{"username":"test","password":"test"}' http://localhost:5000/login
//! curl -H "Authorization: Bearer <access_token>" http://localhost:5000/protected
//! ```
//!
//! Configuration comes from `JWT_*` environment variables; `PORT` changes the
//! port (default 5000).

use actix_jwt_extended::{JwtManager, JwtManagerBuilder, Rejection, jwt_required};
use actix_web::{App, HttpResponse, HttpServer, get, post, web};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Login {
    username: Option<String>,
    password: Option<String>,
}

/// Exchanges a username and password for an access token.
#[post("/login")]
async fn login(jwt: JwtManager, body: web::Json<Login>) -> Result<HttpResponse, Rejection> {
    let (Some("test"), Some("test")) = (body.username.as_deref(), body.password.as_deref()) else {
        return Ok(HttpResponse::Unauthorized().json(json!({"msg": "Bad username or password"})));
    };
    let access_token = jwt.create_access_token(body.username.as_deref())?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

/// Only reachable with a valid access token.
#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({"hello": "world"}))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    init_logging();
    let jwt = settings()?.build().map_err(std::io::Error::other)?;
    let port = port();
    println!("Listening on http://127.0.0.1:{port}");
    HttpServer::new(move || {
        App::new()
            .app_data(jwt.clone())
            .service(login)
            .service(protected)
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
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
