//! The CSRF double submit for tokens found in cookies: methods, header and
//! form-field modes, custom names, optional handlers and the check order.

mod transport_support;

use std::collections::BTreeMap;

use actix_jwt_extended::{
    JwtManager, TokenLocation, TokenOptions, jwt_optional, jwt_refresh_required, jwt_required,
};
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, post, route, web};
use serde_json::{Value, json};
use transport_support::{csrf_claim, expired_access_token, json_of, manager, token_without_csrf};

#[route(
    "/protected",
    method = "GET",
    method = "HEAD",
    method = "POST",
    method = "PUT",
    method = "PATCH",
    method = "DELETE"
)]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "sub": current_token.identity(),
        "loc": current_token.location().map(TokenLocation::as_str),
    }))
}

#[post("/refresh")]
#[jwt_refresh_required]
async fn refresh() -> HttpResponse {
    HttpResponse::Ok().json(json!({"sub": current_token.identity()}))
}

#[post("/optional")]
#[jwt_optional]
async fn optional() -> HttpResponse {
    HttpResponse::Ok().json(json!({"sub": current_token.map(|t| t.identity().clone())}))
}

#[post("/form")]
#[jwt_required]
async fn form(fields: web::Form<BTreeMap<String, String>>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"sub": current_token.identity(), "form": fields.into_inner()}))
}

#[post("/upload")]
#[jwt_required]
async fn upload(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().json(json!({"sub": current_token.identity(), "len": body.len()}))
}

async fn call(jwt: &JwtManager, request: TestRequest) -> (StatusCode, Value) {
    let app = test::init_service(
        App::new()
            .app_data(jwt.clone())
            .service(protected)
            .service(upload)
            .service(refresh)
            .service(optional)
            .service(form),
    )
    .await;
    json_of(test::call_service(&app, request.to_request()).await).await
}

fn cookies_jwt() -> JwtManager {
    manager(|b| b.token_location([TokenLocation::Cookies]))
}

fn with_cookie(method: Method, uri: &str, name: &str, token: &str) -> TestRequest {
    TestRequest::default()
        .method(method)
        .uri(uri)
        .insert_header((COOKIE, format!("{name}={token}")))
}

fn access(method: Method, token: &str) -> TestRequest {
    with_cookie(method, "/protected", "access_token_cookie", token)
}

fn ok_alice() -> (StatusCode, Value) {
    (StatusCode::OK, json!({"sub": "alice", "loc": "cookies"}))
}

fn missing_csrf() -> (StatusCode, Value) {
    (
        StatusCode::UNAUTHORIZED,
        json!({"msg": "Missing CSRF token"}),
    )
}

fn mismatch() -> (StatusCode, Value) {
    (
        StatusCode::UNAUTHORIZED,
        json!({"msg": "CSRF double submit tokens do not match"}),
    )
}

const CHECKED: [Method; 4] = [Method::POST, Method::PUT, Method::PATCH, Method::DELETE];

#[actix_web::test]
async fn safe_methods_need_no_csrf_value() {
    let jwt = cookies_jwt();
    let token = jwt.create_access_token("alice").unwrap();
    assert_eq!(call(&jwt, access(Method::GET, &token)).await, ok_alice());
    let app = test::init_service(App::new().app_data(jwt.clone()).service(protected)).await;
    let head = test::call_service(&app, access(Method::HEAD, &token).to_request()).await;
    assert_eq!(head.status(), StatusCode::OK);
}

#[actix_web::test]
async fn every_checked_method_needs_the_csrf_header() {
    let jwt = cookies_jwt();
    let token = jwt.create_access_token("alice").unwrap();
    let csrf = csrf_claim(&jwt, &token);
    for method in CHECKED {
        assert_eq!(
            call(&jwt, access(method.clone(), &token)).await,
            missing_csrf(),
            "{method}"
        );
        let wrong = access(method.clone(), &token).insert_header(("X-CSRF-TOKEN", "wrong"));
        assert_eq!(call(&jwt, wrong).await, mismatch(), "{method}");
        let empty = access(method.clone(), &token).insert_header(("X-CSRF-TOKEN", ""));
        assert_eq!(call(&jwt, empty).await, missing_csrf(), "{method}");
        let right = access(method.clone(), &token).insert_header(("X-CSRF-TOKEN", csrf.as_str()));
        assert_eq!(call(&jwt, right).await, ok_alice(), "{method}");
        // The header name is case-insensitive.
        let lower = access(method.clone(), &token).insert_header(("x-csrf-token", csrf.as_str()));
        assert_eq!(call(&jwt, lower).await, ok_alice(), "{method}");
    }
}

#[actix_web::test]
async fn a_prefix_or_extension_of_the_value_does_not_match() {
    let jwt = cookies_jwt();
    let token = jwt.create_access_token("alice").unwrap();
    let csrf = csrf_claim(&jwt, &token);
    for submitted in [
        csrf[..csrf.len() - 1].to_owned(),
        format!("{csrf}0"),
        csrf.to_uppercase(),
        format!(" {csrf}x"),
    ] {
        let request = access(Method::POST, &token).insert_header(("X-CSRF-TOKEN", submitted));
        assert_eq!(call(&jwt, request).await, mismatch());
    }
}

#[actix_web::test]
async fn access_and_refresh_values_differ() {
    let jwt = cookies_jwt();
    let access_token = jwt.create_access_token("alice").unwrap();
    let refresh_token = jwt.create_refresh_token("alice").unwrap();
    let refresh_csrf = csrf_claim(&jwt, &refresh_token);
    let request =
        access(Method::POST, &access_token).insert_header(("X-CSRF-TOKEN", refresh_csrf.as_str()));
    assert_eq!(call(&jwt, request).await, mismatch());
    let refresh_request = || {
        with_cookie(
            Method::POST,
            "/refresh",
            "refresh_token_cookie",
            &refresh_token,
        )
    };
    assert_eq!(call(&jwt, refresh_request()).await, missing_csrf());
    let ok = refresh_request().insert_header(("X-CSRF-TOKEN", refresh_csrf));
    assert_eq!(
        call(&jwt, ok).await,
        (StatusCode::OK, json!({"sub": "alice"}))
    );
}

#[actix_web::test]
async fn custom_csrf_header_names() {
    let jwt = manager(|b| {
        b.token_location([TokenLocation::Cookies])
            .access_csrf_header_name("X-ACCESS-CSRF")
            .refresh_csrf_header_name("X-REFRESH-CSRF")
    });
    let access_token = jwt.create_access_token("alice").unwrap();
    let refresh_token = jwt.create_refresh_token("alice").unwrap();
    let access_csrf = csrf_claim(&jwt, &access_token);
    let refresh_csrf = csrf_claim(&jwt, &refresh_token);
    let default_name =
        access(Method::POST, &access_token).insert_header(("X-CSRF-TOKEN", access_csrf.as_str()));
    assert_eq!(call(&jwt, default_name).await, missing_csrf());
    let custom =
        access(Method::POST, &access_token).insert_header(("X-ACCESS-CSRF", access_csrf.as_str()));
    assert_eq!(call(&jwt, custom).await, ok_alice());
    let refresh_request = with_cookie(
        Method::POST,
        "/refresh",
        "refresh_token_cookie",
        &refresh_token,
    )
    .insert_header(("X-REFRESH-CSRF", refresh_csrf));
    assert_eq!(
        call(&jwt, refresh_request).await,
        (StatusCode::OK, json!({"sub": "alice"}))
    );
}

#[actix_web::test]
async fn custom_csrf_methods() {
    let jwt = manager(|b| {
        b.token_location([TokenLocation::Cookies])
            .csrf_methods([Method::GET])
    });
    let token = jwt.create_access_token("alice").unwrap();
    let csrf = csrf_claim(&jwt, &token);
    assert_eq!(call(&jwt, access(Method::POST, &token)).await, ok_alice());
    assert_eq!(
        call(&jwt, access(Method::GET, &token)).await,
        missing_csrf()
    );
    let with_header = access(Method::GET, &token).insert_header(("X-CSRF-TOKEN", csrf));
    assert_eq!(call(&jwt, with_header).await, ok_alice());
}

fn form_request(token: &str, body: &str) -> TestRequest {
    with_cookie(Method::POST, "/form", "access_token_cookie", token)
        .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(body.to_owned())
}

#[actix_web::test]
async fn form_field_mode() {
    let jwt = manager(|b| {
        b.token_location([TokenLocation::Cookies])
            .csrf_check_form(true)
    });
    let token = jwt.create_access_token("alice").unwrap();
    let csrf = csrf_claim(&jwt, &token);
    // The field is accepted and the handler still reads the whole form.
    let ok = form_request(&token, &format!("name=bob&csrf_token={csrf}"));
    assert_eq!(
        call(&jwt, ok).await,
        (
            StatusCode::OK,
            json!({"sub": "alice", "form": {"name": "bob", "csrf_token": csrf}})
        )
    );
    let missing = form_request(&token, "name=bob");
    assert_eq!(call(&jwt, missing).await, missing_csrf());
    let empty = form_request(&token, "csrf_token=&name=bob");
    assert_eq!(call(&jwt, empty).await, missing_csrf());
    let wrong = form_request(&token, "csrf_token=nope");
    assert_eq!(call(&jwt, wrong).await, mismatch());
    // The header still works, and wins over the form field.
    let header =
        form_request(&token, "csrf_token=nope").insert_header(("X-CSRF-TOKEN", csrf.as_str()));
    assert_eq!(call(&jwt, header).await.0, StatusCode::OK);
    // A JSON body is not a form.
    let json_body = with_cookie(Method::POST, "/protected", "access_token_cookie", &token)
        .insert_header((CONTENT_TYPE, "application/json"))
        .set_payload(json!({"csrf_token": csrf}).to_string());
    assert_eq!(call(&jwt, json_body).await, missing_csrf());
    // A percent-encoded value is decoded.
    let encoded = form_request(&token, &format!("csrf_token={}", csrf.replace('-', "%2D")));
    assert_eq!(call(&jwt, encoded).await.0, StatusCode::OK);
}

fn multipart(parts: &[(&str, Option<&str>, &str)]) -> String {
    let mut body = String::new();
    for (name, filename, value) in parts {
        body.push_str("--XyZ\r\n");
        match filename {
            Some(file) => body.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                 Content-Type: text/plain\r\n"
            )),
            None => body.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"\r\n"
            )),
        }
        body.push_str(&format!("\r\n{value}\r\n"));
    }
    body.push_str("--XyZ--\r\n");
    body
}

#[actix_web::test]
async fn form_field_mode_with_multipart_forms() {
    let jwt = manager(|b| {
        b.token_location([TokenLocation::Cookies])
            .csrf_check_form(true)
    });
    let token = jwt.create_access_token("alice").unwrap();
    let csrf = csrf_claim(&jwt, &token);
    let request = |body: &str| {
        with_cookie(Method::POST, "/upload", "access_token_cookie", &token)
            .insert_header((CONTENT_TYPE, "multipart/form-data; boundary=\"XyZ\""))
            .set_payload(body.to_owned())
    };
    let ok = multipart(&[
        ("file", Some("a.txt"), "file contents"),
        ("csrf_token", None, &csrf),
    ]);
    assert_eq!(
        call(&jwt, request(&ok)).await,
        (StatusCode::OK, json!({"sub": "alice", "len": ok.len()}))
    );
    // A file part with the field's name is not a form field.
    let file_only = multipart(&[("csrf_token", Some("csrf.txt"), &csrf)]);
    assert_eq!(call(&jwt, request(&file_only)).await, missing_csrf());
    let wrong = multipart(&[("csrf_token", None, "nope")]);
    assert_eq!(call(&jwt, request(&wrong)).await, mismatch());
    let other = multipart(&[("name", None, "bob")]);
    assert_eq!(call(&jwt, request(&other)).await, missing_csrf());
    assert_eq!(
        call(&jwt, request("not multipart at all")).await,
        missing_csrf()
    );
}

#[actix_web::test]
async fn form_field_is_ignored_unless_enabled() {
    let jwt = cookies_jwt();
    let token = jwt.create_access_token("alice").unwrap();
    let csrf = csrf_claim(&jwt, &token);
    let request = form_request(&token, &format!("csrf_token={csrf}"));
    assert_eq!(call(&jwt, request).await, missing_csrf());
}

#[actix_web::test]
async fn custom_form_field_names() {
    let jwt = manager(|b| {
        b.token_location([TokenLocation::Cookies])
            .csrf_check_form(true)
            .access_csrf_field_name("my_csrf")
    });
    let token = jwt.create_access_token("alice").unwrap();
    let csrf = csrf_claim(&jwt, &token);
    let default_field = form_request(&token, &format!("csrf_token={csrf}"));
    assert_eq!(call(&jwt, default_field).await, missing_csrf());
    let custom = form_request(&token, &format!("my_csrf={csrf}"));
    assert_eq!(call(&jwt, custom).await.0, StatusCode::OK);

    let refresh_fields = manager(|b| {
        b.token_location([TokenLocation::Cookies])
            .csrf_check_form(true)
            .refresh_csrf_field_name("r_csrf")
    });
    let refresh_token = refresh_fields.create_refresh_token("alice").unwrap();
    let refresh_csrf = csrf_claim(&refresh_fields, &refresh_token);
    let refresh_form = |body: String| {
        with_cookie(
            Method::POST,
            "/refresh",
            "refresh_token_cookie",
            &refresh_token,
        )
        .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(body)
    };
    assert_eq!(
        call(
            &refresh_fields,
            refresh_form(format!("csrf_token={refresh_csrf}"))
        )
        .await,
        missing_csrf()
    );
    assert_eq!(
        call(
            &refresh_fields,
            refresh_form(format!("r_csrf={refresh_csrf}"))
        )
        .await,
        (StatusCode::OK, json!({"sub": "alice"}))
    );
}

#[actix_web::test]
async fn form_body_larger_than_the_limit_is_not_read_for_csrf() {
    let jwt = manager(|b| {
        b.token_location([TokenLocation::Cookies])
            .csrf_check_form(true)
            .max_body_size(64)
    });
    let token = jwt.create_access_token("alice").unwrap();
    let csrf = csrf_claim(&jwt, &token);
    let body = format!("csrf_token={csrf}&padding={}", "x".repeat(200));
    assert_eq!(
        call(&jwt, form_request(&token, &body)).await,
        missing_csrf()
    );
}

#[actix_web::test]
async fn token_without_csrf_claim() {
    let jwt = cookies_jwt();
    let token = token_without_csrf();
    let request = access(Method::POST, &token).insert_header(("X-CSRF-TOKEN", "anything"));
    assert_eq!(
        call(&jwt, request).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Missing claim: csrf"})
        )
    );
    // GET does not look at the claim.
    assert_eq!(call(&jwt, access(Method::GET, &token)).await, ok_alice());
    // A claim that is not a string never matches.
    let numeric = jwt
        .create_access_token_with("alice", TokenOptions::new().claim("csrf", 5))
        .unwrap();
    let request = access(Method::POST, &numeric).insert_header(("X-CSRF-TOKEN", "5"));
    assert_eq!(call(&jwt, request).await, mismatch());
}

#[actix_web::test]
async fn csrf_protect_off_disables_the_check() {
    let jwt = manager(|b| {
        b.token_location([TokenLocation::Cookies])
            .cookie_csrf_protect(false)
    });
    let token = jwt.create_access_token("alice").unwrap();
    assert!(jwt.decode_token(&token).unwrap().claim("csrf").is_none());
    for method in CHECKED {
        assert_eq!(call(&jwt, access(method, &token)).await, ok_alice());
    }
}

#[actix_web::test]
async fn optional_handlers_enforce_csrf_when_a_cookie_is_present() {
    let jwt = cookies_jwt();
    let token = jwt.create_access_token("alice").unwrap();
    let csrf = csrf_claim(&jwt, &token);
    let anonymous = TestRequest::post().uri("/optional");
    assert_eq!(
        call(&jwt, anonymous).await,
        (StatusCode::OK, json!({"sub": null}))
    );
    let cookie = with_cookie(Method::POST, "/optional", "access_token_cookie", &token);
    assert_eq!(call(&jwt, cookie).await, missing_csrf());
    let ok = with_cookie(Method::POST, "/optional", "access_token_cookie", &token)
        .insert_header(("X-CSRF-TOKEN", csrf));
    assert_eq!(
        call(&jwt, ok).await,
        (StatusCode::OK, json!({"sub": "alice"}))
    );
}

#[actix_web::test]
async fn check_order_for_expired_cookie_tokens() {
    let jwt = cookies_jwt();
    let expired = expired_access_token(&jwt);
    // No CSRF value: reported before the token is decoded.
    assert_eq!(
        call(&jwt, access(Method::POST, &expired)).await,
        missing_csrf()
    );
    // A wrong value: the mismatch wins over the expiry.
    let wrong = access(Method::POST, &expired).insert_header(("X-CSRF-TOKEN", "wrong"));
    assert_eq!(call(&jwt, wrong).await, mismatch());
    // The right value: the token has expired.
    let csrf = jwt
        .decode_token(&expired)
        .unwrap_err()
        .token()
        .and_then(|t| t.claim("csrf").cloned())
        .and_then(|c| c.as_str().map(str::to_owned))
        .unwrap();
    let right = access(Method::POST, &expired).insert_header(("X-CSRF-TOKEN", csrf));
    assert_eq!(
        call(&jwt, right).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Token has expired"})
        )
    );
    // A token that does not decode is reported as such, after the CSRF presence.
    let garbage = access(Method::POST, "foobarbaz").insert_header(("X-CSRF-TOKEN", "x"));
    assert_eq!(
        call(&jwt, garbage).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Not enough segments"})
        )
    );
}

#[actix_web::test]
async fn tokens_from_other_locations_need_no_csrf_value() {
    let jwt = manager(|b| {
        b.token_location([
            TokenLocation::Headers,
            TokenLocation::Cookies,
            TokenLocation::QueryString,
            TokenLocation::Json,
        ])
    });
    let token = jwt.create_access_token("alice").unwrap();
    let header = TestRequest::post()
        .uri("/protected")
        .insert_header((AUTHORIZATION, format!("Bearer {token}")));
    assert_eq!(call(&jwt, header).await.0, StatusCode::OK);
    let query = TestRequest::post().uri(&format!("/protected?jwt={token}"));
    assert_eq!(call(&jwt, query).await.0, StatusCode::OK);
    let json_body = TestRequest::post()
        .uri("/protected")
        .insert_header((CONTENT_TYPE, "application/json"))
        .set_payload(json!({"access_token": token}).to_string());
    assert_eq!(call(&jwt, json_body).await.0, StatusCode::OK);
    // A cookie is checked even when it comes second in the list.
    let cookie = access(Method::POST, &token);
    assert_eq!(call(&jwt, cookie).await, missing_csrf());
}
