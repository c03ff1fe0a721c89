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

use actix_jwt_extended::{JwtManager, JwtManagerBuilder, jwt_required};
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
async fn login(jwt: JwtManager, body: web::Json<Login>) -> actix_web::Result<HttpResponse> {
    let (Some("test"), Some("test")) = (body.username.as_deref(), body.password.as_deref()) else {
        return Ok(HttpResponse::Unauthorized().json(json!({"msg": "Bad username or password"})));
    };
    let access_token = jwt
        .create_access_token(body.username.as_deref())
        .map_err(actix_web::error::ErrorInternalServerError)?;
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
    actix_jwt_extended_examples::init_logging();
    let mut builder = JwtManagerBuilder::from_env().map_err(std::io::Error::other)?;
    if std::env::var_os("JWT_SECRET_KEY").is_none() {
        eprintln!(
            "WARNING: JWT_SECRET_KEY is not set; using a development secret. \
             Set JWT_SECRET_KEY before deploying."
        );
        builder = builder.secret_key("super-secret-development-key");
    }
    let jwt = builder.build().map_err(std::io::Error::other)?;

    let port = actix_jwt_extended_examples::port();
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
