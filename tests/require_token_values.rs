//! `#[require_token]` values beyond equality: one of several values
//! (`role = "admin" | "owner"`), any claim bound to a path or query value
//! (`org = param(org_id)`), and the RFC 6750 `insufficient_scope`
//! challenge of an unmet scope.

use actix_jwt_extended::testing::{TestRequestExt, TestTokens};
use actix_jwt_extended::{JwtManager, WwwAuthenticate, require_token};
use actix_jwt_extended_examples::{Runs, hs256};
use actix_web::http::header::WWW_AUTHENTICATE;
use actix_web::{App, HttpResponse, get, test, web};
use serde::Deserialize;
use serde_json::{Value, json};

#[get("/staff")]
#[require_token(role = "admin" | "owner", level = 1 | 2 | 3)]
async fn staff(runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    HttpResponse::Ok().finish()
}

#[derive(Deserialize)]
struct Claims {
    role: String,
    org: u64,
}

#[get("/typed-staff")]
#[require_token(claims = Claims, role = "admin" | "owner")]
async fn typed_staff() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "role": current_token.typed.role }))
}

#[get("/orgs/{org_id}/projects")]
#[require_token(org = param(org_id))]
async fn org_projects(org_id: web::Path<u64>, runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    HttpResponse::Ok().json(json!({ "org": org_id.into_inner() }))
}

#[derive(Deserialize)]
struct TenantPath {
    tenant: String,
    item: u32,
}

#[get("/tenants/{tenant}/items/{item}")]
#[require_token("x-tenant" = param(tenant), sub = param(query.owner))]
async fn tenant_item(path: web::Path<TenantPath>, query: web::Query<Owner>) -> HttpResponse {
    HttpResponse::Ok()
        .json(json!({ "item": path.item, "tenant": path.tenant, "owner": query.owner }))
}

#[derive(Deserialize)]
struct Owner {
    owner: String,
}

#[get("/typed-orgs/{org}")]
#[require_token(claims = Claims, org = param(org))]
async fn typed_org(org: web::Path<u64>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "org": current_token.typed.org, "path": org.into_inner() }))
}

#[get("/reports")]
#[require_token(scope = {"admin": true, "perms": ["read"]})]
async fn reports() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/team")]
#[require_token(team = "blue")]
async fn team() -> HttpResponse {
    HttpResponse::Ok().finish()
}

async fn call(jwt: &JwtManager, req: test::TestRequest) -> (u16, Value, usize) {
    let runs = Runs::default();
    let app = test::init_service(
        App::new()
            .app_data(jwt.clone())
            .app_data(web::Data::new(runs.clone()))
            .service(staff)
            .service(typed_staff)
            .service(org_projects)
            .service(tenant_item)
            .service(typed_org)
            .service(reports)
            .service(team),
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

fn forbidden_claims() -> Value {
    json!({"msg": "Missing required claim(s)"})
}

#[actix_web::test]
async fn one_of_several_values() {
    let jwt = hs256().build().unwrap();
    let tokens = TestTokens::new(&jwt);
    let get = |uri: &str, role: Value, level: Value| {
        let token = tokens
            .access("alice")
            .claim("role", role)
            .claim("level", level)
            .mint();
        test::TestRequest::get().uri(uri).jwt_header(&token)
    };
    for role in ["admin", "owner"] {
        assert_eq!(
            call(&jwt, get("/staff", json!(role), json!(2))).await.0,
            200
        );
    }
    assert_eq!(
        call(&jwt, get("/staff", json!("guest"), json!(2))).await,
        (403, forbidden_claims(), 0)
    );
    assert_eq!(
        call(&jwt, get("/staff", json!("admin"), json!(4))).await,
        (403, forbidden_claims(), 0)
    );
    let (status, body, _) = call(&jwt, get("/typed-staff", json!("owner"), json!(0))).await;
    assert_eq!(status, 422, "{body}"); // `org` is missing from the claims
    let token = tokens
        .access("alice")
        .claims(json!({"role": "owner", "org": 1}))
        .mint();
    let req = test::TestRequest::get()
        .uri("/typed-staff")
        .jwt_header(&token);
    assert_eq!(call(&jwt, req).await.1, json!({"role": "owner"}));
}

#[actix_web::test]
async fn any_claim_bound_to_a_path_or_query_value() {
    let jwt = hs256().build().unwrap();
    let tokens = TestTokens::new(&jwt);
    let member_of_7 = tokens.access("alice").claim("org", 7).mint();
    let member_of_7_as_text = tokens.access("alice").claim("org", "7").mint();
    let get = |uri: &str, token| test::TestRequest::get().uri(uri).jwt_header(token);
    assert_eq!(
        call(&jwt, get("/orgs/7/projects", &member_of_7)).await,
        (200, json!({"org": 7}), 1)
    );
    assert_eq!(
        call(&jwt, get("/orgs/7/projects", &member_of_7_as_text))
            .await
            .0,
        200
    );
    assert_eq!(
        call(&jwt, get("/orgs/8/projects", &member_of_7)).await,
        (403, forbidden_claims(), 0)
    );
    let typed = tokens
        .access("a")
        .claims(json!({"role": "x", "org": 7}))
        .mint();
    assert_eq!(
        call(&jwt, get("/typed-orgs/7", &typed)).await.1,
        json!({"org": 7, "path": 7})
    );

    // A quoted claim name bound to a field of the path struct, and the
    // identity bound to a query value.
    let tenant_token = tokens.access("bob").claim("x-tenant", "acme").mint();
    assert_eq!(
        call(&jwt, get("/tenants/acme/items/3?owner=bob", &tenant_token)).await,
        (200, json!({"item": 3, "tenant": "acme", "owner": "bob"}), 0)
    );
    for uri in [
        "/tenants/other/items/3?owner=bob",
        "/tenants/acme/items/3?owner=eve",
    ] {
        assert_eq!(call(&jwt, get(uri, &tenant_token)).await.0, 403, "{uri}");
    }
    // A request value that cannot be extracted never matches.
    assert_eq!(
        call(&jwt, get("/tenants/acme/items/3", &tenant_token))
            .await
            .0,
        403
    );
}

#[actix_web::test]
async fn an_unmet_scope_is_an_rfc_6750_insufficient_scope_naming_the_scope() {
    let jwt = hs256()
        .www_authenticate(WwwAuthenticate::Bearer)
        .build()
        .unwrap();
    let tokens = TestTokens::new(&jwt);
    let reader = tokens
        .access("alice")
        .claim("scope", json!({"perms": ["read"]}))
        .mint();
    let req = test::TestRequest::get().uri("/reports").jwt_header(&reader);
    let app = test::init_service(
        App::new()
            .app_data(jwt.clone())
            .service(reports)
            .service(team),
    )
    .await;
    let resp = test::call_service(&app, req.to_request()).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.headers().get(WWW_AUTHENTICATE).unwrap(),
        "Bearer realm=\"Login Required\", error=\"insufficient_scope\", \
         error_description=\"Missing required scope(s)\", scope=\"admin perms:read\""
    );
    let req = test::TestRequest::get().uri("/team").jwt_header(&reader);
    let resp = test::call_service(&app, req.to_request()).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.headers().get(WWW_AUTHENTICATE).unwrap(),
        "Bearer realm=\"Login Required\", error=\"insufficient_scope\", \
         error_description=\"Missing required claim(s)\""
    );
}
