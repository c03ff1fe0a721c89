//! OpenAPI from the same declaration: utoipa documents the routes, and each
//! protected operation's security comes from its attribute
//! (`#[jwt_required]`, `#[require_token(scope = …)]`, …), with the security
//! schemes of the manager's configuration. Nothing is written twice.
//!
//! ```sh
//! cargo run --example openapi
//! # then open http://127.0.0.1:5000/docs — or fetch the document:
//! curl http://127.0.0.1:5000/openapi.json
//! ```
//!
//! Routes:
//! * `GET /health`: public.
//! * `POST /login` with `{"username": "admin", "password": "admin"}` (scope
//!   `["read", "write"]`) or `"test"`/`"test"` (scope `["read"]`): a token
//!   pair; other credentials get 401.
//! * `GET /items`: with or without a token (`#[jwt_optional]`).
//! * `GET /me`: any access token (`#[jwt_required]`).
//! * `DELETE /items/{id}`: a token whose `scope` holds `"write"`
//!   (`#[require_token(scope = ["write"])]`).
//! * `POST /refresh`: a refresh token (`#[jwt_refresh_required]`, written
//!   below `#[utoipa::path]`: found by its name).
//! * `GET /openapi.json`: the document; `GET /docs`: Swagger UI.
//!
//! `JWT_*` variables apply (try `JWT_TOKEN_LOCATION=headers,cookies`: the
//! document follows); `PORT` changes the port (5000).

use actix_jwt_extended::{
    JwtManager, JwtManagerBuilder, Rejection, TokenOptions, jwt_optional, jwt_refresh_required,
    jwt_required, openapi, require_token,
};
use actix_web::{App, HttpResponse, HttpServer, delete, get, post, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::{OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

/// Credentials.
#[derive(Deserialize, ToSchema)]
struct Login {
    username: String,
    password: String,
}

/// Whether the service is up. Public.
#[utoipa::path(responses((status = 200, description = "The service is up")))]
#[get("/health")]
async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Exchanges a username and password for an access and a refresh token.
#[utoipa::path(
    request_body = Login,
    responses(
        (status = 200, description = "`{\"access_token\": …, \"refresh_token\": …}`"),
        (status = 401, description = "Bad username or password"),
    )
)]
#[post("/login")]
async fn login(jwt: JwtManager, body: web::Json<Login>) -> Result<HttpResponse, Rejection> {
    let scope = match (body.username.as_str(), body.password.as_str()) {
        ("admin", "admin") => json!(["read", "write"]),
        ("test", "test") => json!(["read"]),
        _ => {
            return Ok(
                HttpResponse::Unauthorized().json(json!({"msg": "Bad username or password"}))
            );
        }
    };
    let access = TokenOptions::new().claim("scope", scope);
    let pair = jwt.create_token_pair_with(&body.username, access)?;
    Ok(HttpResponse::Ok().json(pair))
}

/// The items; the caller's identity too when a token is sent.
#[jwt_optional]
#[utoipa::path(responses((status = 200, description = "The items")))]
#[get("/items")]
async fn items() -> HttpResponse {
    let user = current_token.map(|token| token.identity().clone());
    HttpResponse::Ok().json(json!({"items": [1, 2, 3], "user": user}))
}

/// Who am I?
#[jwt_required]
#[utoipa::path(responses(
    (status = 200, description = "The token's identity"),
    (status = 401, description = "No token, or an expired one"),
))]
#[get("/me")]
async fn me() -> HttpResponse {
    HttpResponse::Ok().json(json!({"user": current_token.identity()}))
}

/// Deletes an item; needs the `write` scope.
#[require_token(scope = ["write"])]
#[utoipa::path(
    params(("id" = u32, Path, description = "The item")),
    responses(
        (status = 200, description = "Deleted"),
        (status = 403, description = "Missing required scope(s)"),
    )
)]
#[delete("/items/{id}")]
async fn delete_item(id: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"deleted": id.into_inner()}))
}

/// A new access token for a refresh token.
#[utoipa::path(responses((status = 200, description = "`{\"access_token\": …}`")))]
#[post("/refresh")]
#[jwt_refresh_required]
async fn refresh(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
    let access_token = jwt.create_access_token(current_token.identity())?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "actix-jwt-extended OpenAPI example"),
    paths(health, login, items, me, delete_item, refresh)
)]
struct ApiDoc;

/// The document, secured for `jwt`'s configuration.
pub fn document(jwt: &JwtManager) -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    openapi::apply(&mut document, jwt.config());
    document
}

/// The example's manager: `JWT_*` variables, with a development secret
/// (and a warning) when JWT_SECRET_KEY is not set.
pub fn jwt_manager() -> std::io::Result<JwtManager> {
    let builder = JwtManagerBuilder::from_env().map_err(std::io::Error::other)?;
    let builder = match std::env::var_os("JWT_SECRET_KEY") {
        Some(_) => builder,
        None => {
            eprintln!("WARNING: JWT_SECRET_KEY is not set; using a development secret.");
            builder.secret_key("super-secret-development-key")
        }
    };
    builder.build().map_err(std::io::Error::other)
}

/// Serves the example on `listener`: the routes, `/openapi.json` and
/// Swagger UI at `/docs`.
pub fn serve(
    listener: std::net::TcpListener,
    jwt: JwtManager,
) -> std::io::Result<actix_web::dev::Server> {
    let document = document(&jwt);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(jwt.clone())
            .service(health)
            .service(login)
            .service(items)
            .service(me)
            .service(delete_item)
            .service(refresh)
            // Swagger UI's assets are relative: the page must end in `/`.
            .service(web::redirect("/docs", "/docs/"))
            .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", document.clone()))
    })
    .listen(listener)?
    .run())
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    init_logging();
    let jwt = jwt_manager()?;
    let port = port();
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
    println!("Listening on http://127.0.0.1:{port} (Swagger UI at /docs)");
    serve(listener, jwt)?.await
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
