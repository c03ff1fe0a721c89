//! OpenAPI from the same declaration: every handler's security requirement
//! matches its attribute, in both attribute orders; the hidden guard
//! parameter leaves utoipa's inference alone; the schemes follow the
//! configuration; and the document passes an independent validator
//! (`tests/fixtures/openapi/validate.py`, openapi-spec-validator, run by
//! `$OPENAPI_PYTHON` or `python3`; skipped locally without it, a failure
//! when `CI=true`).

use actix_jwt_extended::{JwtManager, TokenLocation, openapi};
use actix_jwt_extended_examples::{hs256, run_python_fixture};
use actix_web::App;
use actix_web::test as service;
use serde_json::{Value, json};
use utoipa::OpenApi;

mod handlers {
    use actix_jwt_extended::{
        fresh_jwt_required, jwt_optional, jwt_refresh_required, jwt_required, require_token,
    };
    use actix_web::{HttpResponse, delete, get, post, put, web};
    use serde::Deserialize;
    use utoipa::ToSchema;

    /// A request body.
    #[derive(Deserialize, ToSchema)]
    pub struct Item {
        #[allow(dead_code)]
        pub name: String,
    }

    fn ok() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    #[utoipa::path(responses((status = 200, description = "OK")))]
    #[get("/public")]
    pub async fn public() -> HttpResponse {
        ok()
    }

    // Our attribute above #[utoipa::path]: the marker.
    #[jwt_required]
    #[utoipa::path(responses((status = 200, description = "OK")))]
    #[get("/above/{id}")]
    pub async fn above(id: web::Path<u32>) -> HttpResponse {
        let _ = (id, current_token);
        ok()
    }

    // #[utoipa::path] above the route and our attribute: the record.
    #[utoipa::path(responses((status = 200, description = "OK")))]
    #[get("/below/{id}")]
    #[jwt_required]
    pub async fn below(id: web::Path<u32>) -> HttpResponse {
        let _ = (id, current_token);
        ok()
    }

    // #[utoipa::path] above our attribute, above the route.
    #[utoipa::path(responses((status = 200, description = "OK")))]
    #[jwt_required]
    #[post("/between")]
    pub async fn between(item: web::Json<Item>) -> HttpResponse {
        let _ = item;
        ok()
    }

    #[jwt_required]
    #[utoipa::path(responses((status = 200, description = "OK")))]
    #[post("/above_body")]
    pub async fn above_body(item: web::Json<Item>) -> HttpResponse {
        let _ = item;
        ok()
    }

    #[fresh_jwt_required]
    #[utoipa::path(responses((status = 200, description = "OK")))]
    #[put("/fresh")]
    pub async fn fresh() -> HttpResponse {
        ok()
    }

    #[utoipa::path(responses((status = 200, description = "OK")))]
    #[post("/refresh")]
    #[jwt_refresh_required]
    pub async fn refresh() -> HttpResponse {
        ok()
    }

    #[jwt_optional]
    #[utoipa::path(responses((status = 200, description = "OK")))]
    #[get("/optional")]
    pub async fn optional() -> HttpResponse {
        ok()
    }

    #[jwt_required(locations = [query_string])]
    #[utoipa::path(responses((status = 200, description = "OK")))]
    #[get("/query")]
    pub async fn query() -> HttpResponse {
        ok()
    }

    #[jwt_required(locations = [json])]
    #[utoipa::path(responses((status = 200, description = "OK")))]
    #[post("/json")]
    pub async fn json_body() -> HttpResponse {
        ok()
    }

    #[utoipa::path(responses((status = 200, description = "OK")))]
    #[get("/any")]
    #[jwt_required(verify_type = false)]
    pub async fn any_type() -> HttpResponse {
        ok()
    }

    #[require_token(scope = {"admin": true, "perms": ["read"]})]
    #[utoipa::path(responses((status = 200, description = "OK")))]
    #[delete("/scoped")]
    pub async fn scoped() -> HttpResponse {
        ok()
    }

    #[utoipa::path(responses((status = 200, description = "OK")))]
    #[get("/scoped_below")]
    #[require_token(scope = ["write"])]
    pub async fn scoped_below() -> HttpResponse {
        ok()
    }

    // A security the user wrote is theirs.
    #[jwt_required]
    #[utoipa::path(security(()), responses((status = 200, description = "OK")))]
    #[get("/custom")]
    pub async fn custom() -> HttpResponse {
        ok()
    }

    pub mod first {
        use super::*;

        // Recorded under a name that another handler shares with other
        // requirements: not documented, rather than documented wrongly.
        #[utoipa::path(responses((status = 200, description = "OK")))]
        #[get("/first/index")]
        #[jwt_required]
        pub async fn index() -> HttpResponse {
            ok()
        }
    }

    pub mod second {
        use super::*;

        #[get("/second/index")]
        #[jwt_optional]
        pub async fn index() -> HttpResponse {
            ok()
        }
    }
}

#[derive(OpenApi)]
#[openapi(paths(
    handlers::public,
    handlers::above,
    handlers::below,
    handlers::between,
    handlers::above_body,
    handlers::fresh,
    handlers::refresh,
    handlers::optional,
    handlers::query,
    handlers::json_body,
    handlers::any_type,
    handlers::scoped,
    handlers::scoped_below,
    handlers::custom,
    handlers::first::index,
))]
struct ApiDoc;

fn manager() -> JwtManager {
    hs256()
        .token_location([
            TokenLocation::Headers,
            TokenLocation::Cookies,
            TokenLocation::QueryString,
        ])
        .build()
        .unwrap()
}

fn documented(jwt: &JwtManager) -> Value {
    let mut document = ApiDoc::openapi();
    openapi::apply(&mut document, jwt.config());
    serde_json::to_value(&document).unwrap()
}

/// The operation of `method` at `path`.
fn operation<'a>(document: &'a Value, path: &str, method: &str) -> &'a Value {
    let operation = &document["paths"][path][method];
    assert!(operation.is_object(), "no {method} {path} in {document:#}");
    operation
}

/// `{"jwt_header": s}`, `{"jwt_cookie": s, +csrf}`, `{"jwt_query": s}`.
fn everywhere(scopes: Value, cookie: &str, csrf: Option<&str>) -> Vec<Value> {
    let mut with_cookie = json!({ cookie: scopes.clone() });
    if let Some(csrf) = csrf {
        with_cookie[csrf] = json!([]);
    }
    vec![
        json!({ "jwt_header": scopes.clone() }),
        with_cookie,
        json!({ "jwt_query": scopes }),
    ]
}

/// The `x-jwt` extension.
fn x_jwt(token_type: &str, fresh: bool, optional: bool) -> Value {
    json!({"token_type": token_type, "fresh": fresh, "optional": optional})
}

#[test]
fn each_handler_is_secured_as_its_attribute_says() {
    let document = documented(&manager());
    let none = json!([]);
    let access_safe = everywhere(none.clone(), "jwt_cookie", None);
    let access_unsafe = everywhere(none.clone(), "jwt_cookie", Some("jwt_csrf"));
    let mut optional = access_safe.clone();
    optional.push(json!({}));
    let scoped = everywhere(
        json!(["admin", "perms:read"]),
        "jwt_cookie",
        Some("jwt_csrf"),
    );
    let access = x_jwt("access", false, false);
    let public = (Value::Null, Value::Null);
    // path, method: the expected `security` and `x-jwt`.
    let cases = [
        ("/public", "get", public.clone()),
        ("/above/{id}", "get", (json!(access_safe), access.clone())),
        ("/below/{id}", "get", (json!(access_safe), access.clone())),
        ("/between", "post", (json!(access_unsafe), access.clone())),
        (
            "/above_body",
            "post",
            (json!(access_unsafe), access.clone()),
        ),
        (
            "/fresh",
            "put",
            (json!(access_unsafe), x_jwt("access", true, false)),
        ),
        (
            "/refresh",
            "post",
            (
                json!(everywhere(
                    none.clone(),
                    "jwt_refresh_cookie",
                    Some("jwt_refresh_csrf")
                )),
                x_jwt("refresh", false, false),
            ),
        ),
        (
            "/optional",
            "get",
            (json!(optional), x_jwt("access", false, true)),
        ),
        (
            "/query",
            "get",
            (json!([{"jwt_query": []}]), access.clone()),
        ),
        ("/json", "post", (Value::Null, access.clone())),
        (
            "/any",
            "get",
            (json!(access_safe), x_jwt("any", false, false)),
        ),
        ("/scoped", "delete", (json!(scoped), access.clone())),
        (
            "/scoped_below",
            "get",
            (
                json!(everywhere(json!(["write"]), "jwt_cookie", None)),
                access,
            ),
        ),
        ("/custom", "get", (json!([{}]), Value::Null)),
        ("/first/index", "get", public),
    ];
    for (path, method, (security, x_jwt)) in cases {
        let operation = operation(&document, path, method);
        assert_eq!(operation["security"], security, "{method} {path}");
        assert_eq!(operation["x-jwt"], x_jwt, "{method} {path}");
    }
    // The JSON location is a body property.
    let body = &operation(&document, "/json", "post")["requestBody"];
    assert_eq!(body["required"], true);
    let schema = &body["content"]["application/json"]["schema"];
    assert_eq!(schema["required"], json!(["access_token"]));
    assert_eq!(schema["properties"]["access_token"]["type"], "string");
}

#[test]
fn the_hidden_guard_leaves_utoipa_s_inference_alone_in_both_orders() {
    let document = documented(&manager());
    for path in ["/above/{id}", "/below/{id}"] {
        let parameters = &operation(&document, path, "get")["parameters"];
        assert_eq!(parameters.as_array().map(Vec::len), Some(1), "{path}");
        assert_eq!(parameters[0]["name"], "id", "{path}");
        assert_eq!(parameters[0]["in"], "path", "{path}");
    }
    for path in ["/between", "/above_body"] {
        let body = &operation(&document, path, "post")["requestBody"];
        assert_eq!(
            body["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Item",
            "{path}"
        );
    }
}

#[test]
fn schemes_follow_the_configuration() {
    let document = documented(&manager());
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(
        schemes["jwt_header"],
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
               "description": "A JWT in `Authorization: Bearer <token>`"})
    );
    assert_eq!(schemes["jwt_cookie"]["type"], "apiKey");
    assert_eq!(schemes["jwt_cookie"]["in"], "cookie");
    assert_eq!(schemes["jwt_cookie"]["name"], "access_token_cookie");
    assert_eq!(
        schemes["jwt_refresh_cookie"]["name"],
        "refresh_token_cookie"
    );
    assert_eq!(schemes["jwt_csrf"]["in"], "header");
    assert_eq!(schemes["jwt_csrf"]["name"], "X-CSRF-TOKEN");
    assert!(
        schemes["jwt_csrf"]["description"]
            .as_str()
            .unwrap()
            .contains("csrf_access_token"),
        "{schemes:#}"
    );
    assert!(
        schemes["jwt_refresh_csrf"]["description"]
            .as_str()
            .unwrap()
            .contains("csrf_refresh_token"),
        "{schemes:#}"
    );
    assert_eq!(
        (&schemes["jwt_query"]["in"], &schemes["jwt_query"]["name"]),
        (&json!("query"), &json!("jwt"))
    );

    // Another header scheme, another header; no CSRF without its protection.
    let jwt = hs256()
        .header_name("X-Token")
        .header_type("JWT")
        .cookie_csrf_protect(false)
        .token_location([TokenLocation::Headers, TokenLocation::Cookies])
        .build()
        .unwrap();
    let other = documented(&jwt);
    let schemes = &other["components"]["securitySchemes"];
    assert_eq!(
        schemes["jwt_header"],
        json!({"type": "apiKey", "in": "header", "name": "X-Token",
               "description": "`JWT <token>`: the JWT after `JWT `"})
    );
    assert!(schemes.get("jwt_csrf").is_none(), "{schemes:#}");
    // Only the handler that overrides its locations looks in the query.
    assert_eq!(schemes["jwt_query"]["in"], "query");
    assert_eq!(
        operation(&other, "/optional", "get")["security"],
        json!([{"jwt_header": []}, {"jwt_cookie": []}, {}])
    );
    assert_eq!(
        operation(&other, "/between", "post")["security"],
        json!([{"jwt_header": []}, {"jwt_cookie": []}])
    );
}

#[test]
fn every_requirement_names_a_defined_scheme() {
    let document = documented(&manager());
    let schemes = document["components"]["securitySchemes"]
        .as_object()
        .unwrap();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for requirement in operation["security"].as_array().into_iter().flatten() {
                for name in requirement.as_object().unwrap().keys() {
                    assert!(
                        schemes.contains_key(name),
                        "{method} {path} names the undefined scheme {name}"
                    );
                }
            }
        }
    }
}

#[test]
fn the_document_passes_openapi_spec_validator() {
    let text = documented(&manager()).to_string();
    let Some(output) = run_python_fixture(
        "OPENAPI_PYTHON",
        "openapi/validate.py",
        &text,
        "openapi-spec-validator (pip install -r tests/fixtures/openapi/requirements.txt)",
    ) else {
        return;
    };
    assert!(
        output.status.success(),
        "openapi-spec-validator rejects the document: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "valid");
}

#[actix_web::test]
async fn handlers_stay_protected_in_both_orders() {
    let jwt = manager();
    let token = jwt.create_access_token("alice").unwrap();
    let app = service::init_service(
        App::new()
            .app_data(jwt)
            .service(handlers::above)
            .service(handlers::below)
            .service(handlers::between),
    )
    .await;
    for uri in ["/above/1", "/below/1"] {
        let req = service::TestRequest::get().uri(uri).to_request();
        assert_eq!(
            service::call_service(&app, req).await.status(),
            401,
            "{uri}"
        );
        let req = service::TestRequest::get()
            .uri(uri)
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request();
        assert_eq!(
            service::call_service(&app, req).await.status(),
            200,
            "{uri}"
        );
    }
    let req = service::TestRequest::post()
        .uri("/between")
        .set_json(json!({"name": "x"}))
        .to_request();
    assert_eq!(service::call_service(&app, req).await.status(), 401);
}
