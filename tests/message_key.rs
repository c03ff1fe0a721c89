//! JWT_ERROR_MESSAGE_KEY is honoured by every answer the crate renders:
//! rejections of the attributes, the guard's requirement checks, the
//! extractors, `verify_jwt_in_request`, errors returned by the manager's
//! methods, the login endpoint, and the answer given where no manager is
//! registered.
//!
//! One test in its own binary: the answer without a manager uses the
//! manager built first in the process, so this test builds it first.

use actix_jwt_extended::{
    AuthEndpoint, CookieOptions, CurrentToken, CurrentUser, JwtManager, Rejection, TokenOptions,
    VerifyOptions, jwt_refresh_required, jwt_required, require_token, verify_jwt_in_request,
};
use actix_jwt_extended_examples::{SECRET, key_pair};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{App, HttpRequest, HttpResponse, get, post, test, web};
use serde_json::{Value, json};

#[get("/required")]
#[jwt_required]
async fn required() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/admin")]
#[require_token(role = "admin")]
async fn admin() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Claims {
    level: u32,
}

#[get("/typed")]
#[require_token(claims = Claims)]
async fn typed() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/extractor")]
async fn extractor(token: CurrentToken) -> HttpResponse {
    HttpResponse::Ok().json(json!({"sub": token.sub()}))
}

#[get("/user")]
async fn user(user: CurrentUser<String>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"user": *user}))
}

#[get("/custom-guard")]
async fn custom_guard(req: HttpRequest) -> Result<HttpResponse, Rejection> {
    verify_jwt_in_request(&req, VerifyOptions::new().fresh(true)).await?;
    Ok(HttpResponse::Ok().finish())
}

#[post("/cookies")]
async fn cookies(jwt: JwtManager, token: web::Json<String>) -> Result<HttpResponse, Rejection> {
    let mut response = HttpResponse::Ok();
    jwt.set_access_cookies(&mut response, &token, CookieOptions::new())?;
    Ok(response.finish())
}

#[post("/rotate")]
#[jwt_refresh_required]
async fn rotate(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
    Ok(HttpResponse::Ok().json(jwt.rotate_refresh_token(&current_token).await?))
}

#[post("/revoke")]
#[jwt_required]
async fn revoke(jwt: JwtManager) -> HttpResponse {
    // A manager error without a token, answered through the manager.
    match jwt.decode_token("not a token") {
        Ok(_) => HttpResponse::Ok().finish(),
        Err(rejection) => jwt.error_response(rejection),
    }
}

async fn answer(response: ServiceResponse) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, test::read_body_json(response).await)
}

fn body(message: &str) -> Value {
    json!({ "message": message })
}

#[actix_web::test]
async fn the_configured_message_key_is_used_everywhere() {
    // Built first in this process: it renders answers without a manager.
    let jwt = JwtManager::builder()
        .secret_key(SECRET)
        .error_message_key("message")
        .build()
        .unwrap();
    let app = test::init_service(
        App::new()
            .app_data(jwt.clone())
            .service(required)
            .service(admin)
            .service(typed)
            .service(extractor)
            .service(user)
            .service(custom_guard)
            .service(cookies)
            .service(rotate)
            .service(revoke)
            .service(AuthEndpoint::new(|u, _| async move { Some(u) })),
    )
    .await;
    let get = |path: &str, token: Option<&str>| {
        let mut req = test::TestRequest::get().uri(path);
        if let Some(token) = token {
            req = req.insert_header(("Authorization", format!("Bearer {token}")));
        }
        req.to_request()
    };
    let access = jwt.create_access_token("alice").unwrap();
    let refresh = jwt.create_refresh_token("alice").unwrap();
    let expired = jwt
        .create_access_token_with("alice", TokenOptions::new().claim("exp", 1))
        .unwrap();

    // The attribute's pipeline.
    let missing = body("Missing Authorization Header");
    assert_eq!(
        answer(app.call(get("/required", None)).await.unwrap()).await,
        (401, missing.clone())
    );
    // The guard's requirement and typed-claims checks.
    assert_eq!(
        answer(app.call(get("/admin", Some(&access))).await.unwrap()).await,
        (403, body("Missing required claim(s)"))
    );
    let (status, answer_body) = answer(app.call(get("/typed", Some(&access))).await.unwrap()).await;
    assert_eq!(status, 422);
    assert!(
        answer_body["message"].as_str().unwrap().contains("level"),
        "{answer_body}"
    );
    // The extractors.
    assert_eq!(
        answer(app.call(get("/extractor", None)).await.unwrap()).await,
        (401, missing.clone())
    );
    assert_eq!(
        answer(app.call(get("/user", Some(&access))).await.unwrap()).await,
        (500, body("Internal Server Error"))
    );
    // verify_jwt_in_request, returned with `?`.
    assert_eq!(
        answer(app.call(get("/custom-guard", Some(&access))).await.unwrap()).await,
        (401, body("Fresh token required"))
    );
    // The manager's methods, returned with `?`.
    let set_expired = test::TestRequest::post()
        .uri("/cookies")
        .set_json(&expired)
        .to_request();
    assert_eq!(
        answer(app.call(set_expired).await.unwrap()).await,
        (401, body("Token has expired"))
    );
    let rotate_twice = || {
        test::TestRequest::post()
            .uri("/rotate")
            .insert_header(("Authorization", format!("Bearer {refresh}")))
            .to_request()
    };
    assert_eq!(app.call(rotate_twice()).await.unwrap().status(), 200);
    assert_eq!(
        answer(app.call(rotate_twice()).await.unwrap()).await,
        (
            401,
            body("Refresh token reuse detected: every token of this session has been revoked")
        )
    );
    let revoke_request = test::TestRequest::post()
        .uri("/revoke")
        .insert_header(("Authorization", format!("Bearer {access}")))
        .to_request();
    assert_eq!(
        answer(app.call(revoke_request).await.unwrap()).await,
        (422, body("Not enough segments"))
    );

    // The login endpoint: a manager that cannot sign answers with its key.
    let (_, public) = key_pair(actix_jwt_extended::Algorithm::RS256);
    let cannot_sign = JwtManager::builder()
        .algorithm(actix_jwt_extended::Algorithm::RS256)
        .public_key_pem(public)
        .error_message_key("error_text")
        .build()
        .unwrap();
    let login_app = test::init_service(
        App::new()
            .app_data(cannot_sign)
            .service(AuthEndpoint::new(|u, _| async move { Some(u) })),
    )
    .await;
    let login = || {
        test::TestRequest::post()
            .uri("/auth")
            .set_json(json!({"username": "alice", "password": "x"}))
            .to_request()
    };
    let (status, login_body) = answer(login_app.call(login()).await.unwrap()).await;
    assert_eq!(status, 500);
    assert!(login_body["error_text"].is_string(), "{login_body}");

    // No manager registered: the manager built first renders the answer.
    let bare = test::init_service(
        App::new()
            .service(required)
            .service(extractor)
            .service(AuthEndpoint::new(|u, _| async move { Some(u) })),
    )
    .await;
    for request in [
        get("/required", Some(&access)),
        get("/extractor", Some(&access)),
        login(),
    ] {
        let (status, answer_body) = answer(bare.call(request).await.unwrap()).await;
        assert_eq!(status, 500);
        assert!(answer_body["message"].is_string(), "{answer_body}");
        assert!(answer_body.get("msg").is_none(), "{answer_body}");
    }
}
