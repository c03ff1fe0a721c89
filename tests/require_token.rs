//! `#[require_token]`: token types, the `sub` binding, claim equality (also
//! nested), scopes (maps key by key, lists as subsets), override, typed
//! claims and `current_user`.

use actix_jwt_extended::{
    CurrentToken, CurrentUser, JwtManager, TokenOptions, TypedToken, require_token,
};
use actix_jwt_extended_examples::{Runs, hs256};
use actix_web::{App, HttpResponse, get, post, test, web};
use serde::Deserialize;
use serde_json::{Value, json};

#[get("/access")]
#[require_token]
async fn access(runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    HttpResponse::Ok().json(json!({ "type": current_token.token_type() }))
}

#[get("/auth")]
#[require_token("auth")]
async fn auth() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "type": current_token.token_type() }))
}

#[post("/refresh")]
#[require_token("refresh")]
async fn refresh() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "type": current_token.token_type() }))
}

#[post("/refresh2")]
#[require_token(token_type = "refresh")]
async fn refresh2() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "type": current_token.token_type() }))
}

#[get("/users/{username}")]
#[require_token(sub = "username")]
async fn by_name(username: web::Path<String>, runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    HttpResponse::Ok().json(json!({ "username": username.into_inner() }))
}

#[derive(Deserialize)]
struct Account {
    org: u32,
    owner: String,
}

#[get("/orgs/{org}/owners/{owner}")]
#[require_token(sub = "owner")]
async fn by_struct(path: web::Path<Account>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "org": path.org, "owner": path.owner }))
}

#[get("/team")]
#[require_token(team = "blue", level = 3, admin = true)]
async fn team(runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    HttpResponse::Ok().finish()
}

#[get("/org")]
#[require_token(org.id = 7, "x-tenant" = "acme")]
async fn org() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/scope/nested")]
#[require_token(scope = {"a": {"x": 1}, "b": 2})]
async fn scope_nested(runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    HttpResponse::Ok().finish()
}

#[get("/scope/list")]
#[require_token(scope = ["read", "write"])]
async fn scope_list() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/scope/string")]
#[require_token(scope = "admin")]
async fn scope_string() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/override")]
#[require_token(team = "blue", scope = {"admin": true}, override = {"role": "root"})]
async fn with_override() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/fresh-scope")]
#[require_token(fresh, scope = {"admin": true})]
async fn fresh_scope() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/optional-team")]
#[require_token(optional, team = "blue")]
async fn optional_team() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "present": current_token.is_some() }))
}

#[derive(Debug, Deserialize)]
struct MyClaims {
    sub: String,
    role: String,
    level: u32,
}

#[get("/typed")]
#[require_token(claims = MyClaims, role = "admin", level = 3)]
async fn typed() -> HttpResponse {
    let claims: &MyClaims = &current_token.typed;
    HttpResponse::Ok().json(json!({ "sub": claims.sub, "role": claims.role, "level": claims.level, "jti_is_str": current_token.jti().is_some() }))
}

/// A claim named by a Rust keyword, checked against a claims type whose
/// field is the raw identifier (a fuzzing finding: the field check once
/// wrote `claims.const`).
#[derive(Debug, Deserialize)]
struct KeywordClaims {
    r#const: String,
}

#[get("/keyword")]
#[require_token(claims = KeywordClaims, const = "admin" | "owner")]
async fn keyword() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "const": current_token.typed.r#const }))
}

#[get("/typed-param")]
#[require_token]
async fn typed_param(current_token: TypedToken<MyClaims>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "role": current_token.typed.role }))
}

/// No attribute: `TypedToken` is an extractor on its own.
#[get("/typed-extractor")]
async fn typed_extractor(token: TypedToken<MyClaims>) -> HttpResponse {
    HttpResponse::Ok()
        .json(json!({ "role": token.typed.role, "jti": token.claims()["jti"].is_string() }))
}

#[derive(Debug)]
struct User {
    name: String,
}

#[get("/me")]
#[require_token(team = "blue")]
async fn me(current_user: CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "name": current_user.name, "sub": current_token.sub() }))
}

#[get("/me-visible")]
#[require_token]
async fn me_visible(current_user: CurrentUser<User>, current_token: CurrentToken) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "name": current_user.name, "sub": current_token.sub() }))
}

fn manager() -> JwtManager {
    hs256()
        .user_lookup_loader(|token| {
            let name = token.sub().map(str::to_owned);
            async move { name.filter(|n| n != "ghost").map(|name| User { name }) }
        })
        .build()
        .unwrap()
}

async fn call(m: &JwtManager, req: test::TestRequest) -> (u16, Value, usize) {
    let runs = Runs::default();
    let app = test::init_service(
        App::new()
            .app_data(m.clone())
            .app_data(web::Data::new(runs.clone()))
            .service(access)
            .service(auth)
            .service(refresh)
            .service(refresh2)
            .service(by_name)
            .service(by_struct)
            .service(team)
            .service(org)
            .service(scope_nested)
            .service(scope_list)
            .service(scope_string)
            .service(with_override)
            .service(fresh_scope)
            .service(optional_team)
            .service(typed)
            .service(typed_param)
            .service(keyword)
            .service(typed_extractor)
            .service(me)
            .service(me_visible),
    )
    .await;
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status().as_u16();
    let body = test::read_body(resp).await;
    (
        status,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
        runs.count(),
    )
}

fn get(path: &str, token: &str) -> test::TestRequest {
    test::TestRequest::get()
        .uri(path)
        .insert_header(("Authorization", format!("Bearer {token}")))
}

fn token(m: &JwtManager, sub: &str, claims: Value) -> String {
    m.create_access_token_with(sub, TokenOptions::new().claims(claims))
        .unwrap()
}

const MISSING_CLAIMS: (u16, &str) = (403, "Missing required claim(s)");
const MISSING_SCOPE: (u16, &str) = (403, "Missing required scope(s)");

async fn refused(m: &JwtManager, req: test::TestRequest, (status, msg): (u16, &str)) {
    assert_eq!(call(m, req).await, (status, json!({ "msg": msg }), 0));
}

#[actix_web::test]
async fn token_types() {
    let m = manager();
    let access_token = m.create_access_token("alice").unwrap();
    let refresh_token = m.create_refresh_token("alice").unwrap();
    assert_eq!(
        call(&m, get("/access", &access_token)).await.1,
        json!({"type": "access"})
    );
    assert_eq!(
        call(&m, get("/auth", &access_token)).await.1,
        json!({"type": "access"})
    );
    refused(
        &m,
        get("/access", &refresh_token),
        (422, "Only non-refresh tokens are allowed"),
    )
    .await;
    for path in ["/refresh", "/refresh2"] {
        let post = |t: &str| {
            test::TestRequest::post()
                .uri(path)
                .insert_header(("Authorization", format!("Bearer {t}")))
        };
        assert_eq!(
            call(&m, post(&refresh_token)).await.1,
            json!({"type": "refresh"})
        );
        assert_eq!(call(&m, post(&access_token)).await.0, 422);
    }
    assert_eq!(
        call(&m, test::TestRequest::get().uri("/access")).await.0,
        401
    );
}

#[actix_web::test]
async fn sub_must_equal_the_path_binding() {
    let m = manager();
    let alice = m.create_access_token("alice").unwrap();
    assert_eq!(
        call(&m, get("/users/alice", &alice)).await,
        (200, json!({"username": "alice"}), 1)
    );
    refused(&m, get("/users/bob", &alice), MISSING_CLAIMS).await;
    assert_eq!(
        call(&m, get("/orgs/3/owners/alice", &alice)).await.1,
        json!({"org": 3, "owner": "alice"})
    );
    refused(&m, get("/orgs/3/owners/bob", &alice), MISSING_CLAIMS).await;
}

#[actix_web::test]
async fn claim_equality_plain_and_nested() {
    let m = manager();
    let good = token(&m, "a", json!({"team": "blue", "level": 3, "admin": true}));
    assert_eq!(call(&m, get("/team", &good)).await.0, 200);
    for claims in [
        json!({"team": "red", "level": 3, "admin": true}),
        json!({"team": "blue", "level": 4, "admin": true}),
        json!({"team": "blue", "level": "3", "admin": true}),
        json!({"team": "blue", "level": 3}),
    ] {
        refused(&m, get("/team", &token(&m, "a", claims)), MISSING_CLAIMS).await;
    }
    let nested = token(&m, "a", json!({"org": {"id": 7}, "x-tenant": "acme"}));
    assert_eq!(call(&m, get("/org", &nested)).await.0, 200);
    let other = token(&m, "a", json!({"org": {"id": 8}, "x-tenant": "acme"}));
    refused(&m, get("/org", &other), MISSING_CLAIMS).await;
}

#[actix_web::test]
async fn scopes() {
    let m = manager();
    let nested_ok = token(&m, "a", json!({"scope": {"a": {"x": 1, "y": 0}, "b": 2}}));
    assert_eq!(call(&m, get("/scope/nested", &nested_ok)).await.0, 200);
    // A later key that mismatches is caught (Flask-PyJWT would let it pass).
    let later_key = token(&m, "a", json!({"scope": {"a": {"x": 1}, "b": 3}}));
    refused(&m, get("/scope/nested", &later_key), MISSING_SCOPE).await;
    let no_scope = m.create_access_token("a").unwrap();
    refused(&m, get("/scope/nested", &no_scope), MISSING_SCOPE).await;

    let superset = token(&m, "a", json!({"scope": ["read", "write", "delete"]}));
    assert_eq!(call(&m, get("/scope/list", &superset)).await.0, 200);
    let subset = token(&m, "a", json!({"scope": ["read"]}));
    refused(&m, get("/scope/list", &subset), MISSING_SCOPE).await;

    let admin = token(&m, "a", json!({"scope": "admin"}));
    assert_eq!(call(&m, get("/scope/string", &admin)).await.0, 200);
    let admins = token(&m, "a", json!({"scope": "administrators"}));
    refused(&m, get("/scope/string", &admins), MISSING_SCOPE).await;
}

#[actix_web::test]
async fn override_skips_claims_and_scope() {
    let m = manager();
    let root = token(&m, "a", json!({"role": "root"}));
    assert_eq!(call(&m, get("/override", &root)).await.0, 200);
    let both = token(&m, "a", json!({"team": "blue", "scope": {"admin": true}}));
    assert_eq!(call(&m, get("/override", &both)).await.0, 200);
    let scope_only = token(&m, "a", json!({"scope": {"admin": true}}));
    refused(&m, get("/override", &scope_only), MISSING_CLAIMS).await;
    let team_only = token(&m, "a", json!({"team": "blue"}));
    refused(&m, get("/override", &team_only), MISSING_SCOPE).await;
}

#[actix_web::test]
async fn requirements_come_after_the_core_checks() {
    let m = manager();
    let stale = token(&m, "a", json!({"scope": {"admin": false}}));
    refused(
        &m,
        get("/fresh-scope", &stale),
        (401, "Fresh token required"),
    )
    .await;
    let fresh = m
        .create_access_token_with(
            "a",
            TokenOptions::new()
                .fresh(true)
                .claim("scope", json!({"admin": false})),
        )
        .unwrap();
    refused(&m, get("/fresh-scope", &fresh), MISSING_SCOPE).await;
    assert_eq!(
        call(&m, test::TestRequest::get().uri("/optional-team"))
            .await
            .1,
        json!({"present": false})
    );
    let red = token(&m, "a", json!({"team": "red"}));
    refused(&m, get("/optional-team", &red), MISSING_CLAIMS).await;
}

#[actix_web::test]
async fn typed_claims() {
    let m = manager();
    let admin = token(&m, "alice", json!({"role": "admin", "level": 3}));
    assert_eq!(
        call(&m, get("/typed", &admin)).await.1,
        json!({"sub": "alice", "role": "admin", "level": 3, "jti_is_str": true})
    );
    assert_eq!(
        call(&m, get("/typed-param", &admin)).await.1,
        json!({"role": "admin"})
    );
    let user = token(&m, "alice", json!({"role": "user", "level": 3}));
    refused(&m, get("/typed", &user), MISSING_CLAIMS).await;
    // Claims that do not deserialise: 422 naming the claim.
    let missing = token(&m, "alice", json!({"level": 3}));
    refused(
        &m,
        get("/typed-param", &missing),
        (422, "Invalid claims: missing field `role`"),
    )
    .await;
    assert_eq!(
        call(&m, get("/typed-extractor", &admin)).await.1,
        json!({"role": "admin", "jti": true})
    );
    refused(
        &m,
        get("/typed-extractor", &missing),
        (422, "Invalid claims: missing field `role`"),
    )
    .await;
    let anonymous = test::TestRequest::get().uri("/typed-extractor");
    refused(&m, anonymous, (401, "Missing Authorization Header")).await;
    let wrong = token(&m, "alice", json!({"role": "admin", "level": "three"}));
    let (status, body, _) = call(&m, get("/typed-param", &wrong)).await;
    assert_eq!(status, 422);
    assert!(
        body["msg"]
            .as_str()
            .unwrap()
            .starts_with("Invalid claim \"level\": invalid type"),
        "{body}"
    );
}

#[actix_web::test]
async fn current_user() {
    let m = manager();
    let blue = token(&m, "alice", json!({"team": "blue"}));
    assert_eq!(
        call(&m, get("/me", &blue)).await.1,
        json!({"name": "alice", "sub": "alice"})
    );
    assert_eq!(
        call(&m, get("/me-visible", &blue)).await.1,
        json!({"name": "alice", "sub": "alice"})
    );
    let ghost = token(&m, "ghost", json!({"team": "blue"}));
    refused(
        &m,
        get("/me", &ghost),
        (401, "Error loading the user ghost"),
    )
    .await;
    // Without a user-lookup loader, asking for current_user is a server error.
    let bare = hs256().build().unwrap();
    let (status, body, _) = call(
        &bare,
        get("/me", &token(&bare, "alice", json!({"team": "blue"}))),
    )
    .await;
    assert_eq!(
        (status, body),
        (500, json!({"msg": "Internal Server Error"}))
    );
}

#[actix_web::test]
async fn forbidden_responses_are_overridable() {
    let m = hs256()
        .missing_claims_loader(|t| {
            HttpResponse::NotFound().json(json!({"code": "claims", "sub": t.sub()}))
        })
        .missing_scope_loader(|t| {
            HttpResponse::NotFound().json(json!({"code": "scope", "sub": t.sub()}))
        })
        .build()
        .unwrap();
    let red = token(&m, "a", json!({"team": "red"}));
    assert_eq!(
        call(&m, get("/team", &red)).await.1,
        json!({"code": "claims", "sub": "a"})
    );
    let none = m.create_access_token("a").unwrap();
    assert_eq!(
        call(&m, get("/scope/list", &none)).await.1,
        json!({"code": "scope", "sub": "a"})
    );
}

#[actix_web::test]
async fn a_claim_named_by_a_keyword() {
    let m = manager();
    let owner = token(&m, "alice", json!({ "const": "owner" }));
    assert_eq!(
        call(&m, get("/keyword", &owner)).await,
        (200, json!({ "const": "owner" }), 0)
    );
    let guest = token(&m, "alice", json!({ "const": "guest" }));
    refused(&m, get("/keyword", &guest), MISSING_CLAIMS).await;
}
