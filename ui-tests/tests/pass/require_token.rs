//! `#[require_token]` with each supported binding shape, typed claims and users.
use actix_jwt_extended::{CurrentUser, TypedToken, require_token};
use actix_web::{App, HttpResponse, get, web};
use serde::Deserialize;

#[get("/users/{username}")]
#[require_token(sub = "username")]
async fn path_string(username: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().body(username.into_inner())
}

#[derive(Deserialize)]
struct Ids {
    org: u32,
    owner: String,
}

#[require_token(sub = "owner")]
#[get("/orgs/{org}/{owner}")]
async fn path_struct(ids: web::Path<Ids>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {}", ids.org, ids.owner))
}

#[derive(Deserialize)]
struct Search {
    user: String,
}

#[require_token(sub = "user")]
async fn query_struct(search: web::Query<Search>) -> HttpResponse {
    HttpResponse::Ok().body(search.user.clone())
}

#[derive(Deserialize)]
struct Org {
    id: u64,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    role: String,
    level: u32,
    admin: bool,
    ratio: f64,
    org: Org,
    scope: serde_json::Value,
    tags: Vec<String>,
    nickname: Option<String>,
}

#[require_token(
    "auth",
    claims = Claims,
    sub = "username",
    role = "admin",
    level = 3,
    admin = true,
    ratio = 0.5,
    org.id = 7,
    tags = ["a"],
    nickname = "al",
    scope = {"perms": ["read", "write"], "admin": true, "nested": {"deep": [1, -2, 3.5, null]}},
    override = {"role": "root"},
)]
async fn typed(username: web::Path<String>) -> HttpResponse {
    let claims: &Claims = &current_token.typed;
    let _ = (&claims.sub, &claims.role, claims.level, claims.admin, claims.ratio, claims.org.id, &claims.scope, &claims.tags, &claims.nickname, username);
    HttpResponse::Ok().finish()
}

#[require_token(optional)]
async fn typed_optional(current_token: Option<TypedToken<Claims>>) -> HttpResponse {
    HttpResponse::Ok().body(current_token.map(|t| t.typed.role.clone()).unwrap_or_default())
}

struct User {
    name: String,
}

#[require_token("refresh", fresh = false, "x-tenant" = "acme")]
async fn with_user(current_user: CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {}", current_user.name, current_token.token_type()))
}

fn main() {
    let _ = App::new()
        .service(path_string)
        .service(path_struct)
        .route("/search", web::get().to(query_struct))
        .route("/typed/{username}", web::get().to(typed))
        .route("/typed-optional", web::get().to(typed_optional))
        .route("/user", web::post().to(with_user))
        .route("/any-of", web::get().to(any_of))
        .route("/typed-any-of/{username}", web::get().to(typed_any_of))
        .service(bound);
}

#[derive(Deserialize)]
struct OrgSearch {
    org: u64,
}

#[require_token(role = "admin" | "owner", level = 1 | 2, "x-team" = ["a"] | ["b"])]
async fn any_of() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[require_token(claims = Claims, role = "admin" | "owner", level = 1 | 2, sub = param(username))]
async fn typed_any_of(username: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {}", current_token.typed.role, username.into_inner()))
}

#[get("/orgs/{org}/teams/{team}")]
#[require_token(org = param(search.org), team = param(team), "x-owner" = param(owner))]
async fn bound(team: web::Path<String>, search: web::Query<OrgSearch>, owner: web::Query<String>) -> HttpResponse {
    HttpResponse::Ok().body(format!("{} {} {}", team.into_inner(), search.org, owner.into_inner()))
}
