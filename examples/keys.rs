//! Key rotation without downtime, a JWKS endpoint, and tokens of an
//! identity provider — see docs/keys.md.
//!
//! ```sh
//! cargo run --example keys
//! curl -X POST -H "Content-Type: application/json" \
//!      -d '{"username":"test","password":"test"}' http://localhost:5000/login
//! curl -H "Authorization: Bearer <access_token>" http://localhost:5000/protected
//! curl http://localhost:5000/.well-known/jwks.json
//! curl -X POST -H "Authorization: Bearer <access_token>" http://localhost:5000/rotate
//! ```
//!
//! RS256 with a key pair generated at start, unless keys are configured
//! (`JWT_ALGORITHM`, `JWT_PRIVATE_KEY`, `JWT_PUBLIC_KEY`, …). With
//! `JWT_JWKS_URL` or `JWT_OIDC_ISSUER` set, tokens of that identity provider
//! are accepted too (set `JWT_DECODE_AUDIENCE` to this service's audience).
//! `PORT` changes the port (default 5000).

use actix_jwt_extended::{
    Algorithm, JwksEndpoint, JwtManager, JwtManagerBuilder, Key, Rejection, jwt_required,
};
use actix_web::{App, HttpResponse, HttpServer, get, post, web};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct Login {
    username: Option<String>,
    password: Option<String>,
}

/// Exchanges a username and password for an access token, signed with the
/// current key (its `kid` is in the token's header).
#[post("/login")]
async fn login(jwt: JwtManager, body: web::Json<Login>) -> Result<HttpResponse, Rejection> {
    let (Some("test"), Some("test")) = (body.username.as_deref(), body.password.as_deref()) else {
        return Ok(HttpResponse::Unauthorized().json(json!({"msg": "Bad username or password"})));
    };
    let access_token = jwt.create_access_token("test")?;
    Ok(HttpResponse::Ok().json(json!({ "access_token": access_token })))
}

/// Our tokens, and the identity provider's when one is configured.
#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "logged_in_as": current_token.identity() }))
}

/// Signs with a new key from now on: earlier tokens keep verifying, and the
/// JWKS lists both keys until the old one is retired.
#[post("/rotate")]
#[jwt_required]
async fn rotate(jwt: JwtManager) -> actix_web::Result<HttpResponse> {
    let algorithm = jwt.config().algorithm;
    let key = Key::generate(algorithm).map_err(actix_web::error::ErrorInternalServerError)?;
    let kid = jwt
        .rotate_signing_key(key)
        .map_err(actix_web::error::ErrorInternalServerError)?;
    Ok(HttpResponse::Ok().json(json!({ "kid": kid })))
}

/// The configured keys, or RS256 with a key pair generated now.
fn manager() -> Result<JwtManager, Box<dyn std::error::Error + Send + Sync>> {
    let builder = JwtManagerBuilder::from_env()?;
    let configured = ["JWT_ALGORITHM", "JWT_PRIVATE_KEY", "JWT_SECRET_KEY"]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    let builder = if configured {
        builder
    } else {
        eprintln!("No keys configured: signing with an RS256 key pair generated at start.");
        let key = Key::generate(Algorithm::RS256)?;
        let private = key.private_pem().map(<[u8]>::to_vec).unwrap_or_default();
        builder
            .algorithm(Algorithm::RS256)
            .private_key_pem(private)
            .add_key(key)
    };
    Ok(builder.build()?)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let jwt = manager().map_err(std::io::Error::other)?;
    let port = std::env::var("PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .unwrap_or(5000);
    println!("Listening on http://127.0.0.1:{port}");
    HttpServer::new(move || {
        App::new()
            .app_data(jwt.clone())
            .service(login)
            .service(protected)
            .service(rotate)
            .service(JwksEndpoint::new())
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
