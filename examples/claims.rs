//! Declarative requirements with `#[require_token]`, typed users and the
//! claims Flask-PyJWT users know.
//!
//! ```sh
//! cargo run --example claims
//! curl -X POST -H "Content-Type: application/json" \
//!      -d '{"username":"alice","password":"test"}' http://localhost:5000/login
//! curl -H "Authorization: Bearer <access_token>" http://localhost:5000/admin
//! ```
//!
//! Users: `alice` (admin, team blue) and `bob` (team red); password `test`.

use actix_jwt_extended::{
    CurrentUser, JwtManager, JwtManagerBuilder, Rejection, jwt_refresh_required, jwt_required,
    require_token,
};
use actix_web::{App, HttpResponse, HttpServer, get, post, web};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// A user of this example.
#[derive(Debug, Clone, Serialize)]
struct User {
    username: &'static str,
    team: &'static str,
    #[serde(skip)]
    scope: fn() -> Value,
}

const USERS: [User; 2] = [
    User {
        username: "alice",
        team: "blue",
        scope: || json!({"admin": true, "perms": ["read", "write", "delete"]}),
    },
    User {
        username: "bob",
        team: "red",
        scope: || json!({"admin": false, "perms": ["read"]}),
    },
];

fn find_user(name: &str) -> Option<&'static User> {
    USERS.iter().find(|user| user.username == name)
}

#[derive(Deserialize)]
struct Login {
    username: Option<String>,
    password: Option<String>,
}

#[post("/login")]
async fn login(jwt: JwtManager, body: web::Json<Login>) -> Result<HttpResponse, Rejection> {
    let user = body.username.as_deref().and_then(find_user);
    let (Some(user), Some("test")) = (user, body.password.as_deref()) else {
        return Ok(HttpResponse::Unauthorized().json(json!({"msg": "Bad username or password"})));
    };
    let access_token = jwt.create_access_token(user.username)?;
    let refresh_token = jwt.create_refresh_token(user.username)?;
    Ok(HttpResponse::Ok().json(json!({
        "access_token": access_token,
        "refresh_token": refresh_token,
    })))
}

/// Only the user named in the path.
#[get("/users/{username}")]
#[require_token(sub = "username")]
async fn user_page(username: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "username": username.into_inner() }))
}

#[get("/admin")]
#[require_token(scope = {"admin": true})]
async fn admin() -> HttpResponse {
    HttpResponse::Ok().json(json!({"msg": "Hello admin!"}))
}

#[get("/perms")]
#[require_token(scope = {"perms": ["read", "write"]})]
async fn perms() -> HttpResponse {
    HttpResponse::Ok().json(json!({"msg": "You may read and write"}))
}

#[get("/team")]
#[require_token(team = "blue")]
async fn team() -> HttpResponse {
    HttpResponse::Ok().json(json!({"msg": "Welcome, team blue"}))
}

#[get("/token/info")]
#[jwt_required]
async fn token_info() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "token_type": current_token.token_type(),
        "sub": current_token.sub(),
        "scope": current_token.scope(),
        "claims": current_token.claims(),
        "is_signed": current_token.is_verified(),
        "signed": current_token.encoded(),
    }))
}

#[post("/refresh")]
#[jwt_refresh_required]
async fn refresh(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
    let access_token = jwt.create_access_token(current_token.identity())?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

#[get("/me")]
#[jwt_required]
async fn me(current_user: CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "username": current_user.username,
        "team": current_user.team,
    }))
}

/// The manager of this example: scope and team claims from the user table,
/// and the user lookup behind `current_user`.
fn manager() -> std::io::Result<JwtManager> {
    settings()?
        .additional_claims_loader(|identity| {
            let mut claims = Map::new();
            if let Some(user) = identity.as_str().and_then(find_user) {
                claims.insert("scope".into(), (user.scope)());
                claims.insert("team".into(), Value::from(user.team));
            }
            claims
        })
        .user_lookup_loader(|token| {
            let user = token.sub().and_then(find_user).cloned();
            async move { user }
        })
        .build()
        .map_err(std::io::Error::other)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    init_logging();
    let jwt = manager()?;
    let port = port();
    println!("Listening on http://127.0.0.1:{port}");
    HttpServer::new(move || {
        App::new()
            .app_data(jwt.clone())
            .service(login)
            .service(user_page)
            .service(admin)
            .service(perms)
            .service(team)
            .service(token_info)
            .service(refresh)
            .service(me)
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
