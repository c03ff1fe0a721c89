//! Token locations: headers, cookies, query string and JSON body; lookup
//! order, the aggregated "missing" message and the JSON-body edge cases.

mod transport_support;

use actix_jwt_extended::{
    CurrentToken, CurrentUser, JwtManager, TokenLocation, jwt_optional, jwt_refresh_required,
    jwt_required,
};
use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, get, post, route, web};
use serde_json::{Value, json};
use transport_support::{json_of, manager};

use TokenLocation::{Cookies, Headers, Json, QueryString};

#[route("/protected", method = "GET", method = "POST")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "loc": current_token.location().map(TokenLocation::as_str),
        "sub": current_token.identity(),
    }))
}

#[post("/refresh")]
#[jwt_refresh_required]
async fn refresh() -> HttpResponse {
    HttpResponse::Ok().json(json!({"loc": current_token.location().map(TokenLocation::as_str)}))
}

#[post("/echo-json")]
#[jwt_required]
async fn echo_json(body: web::Json<Value>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "loc": current_token.location().map(TokenLocation::as_str),
        "body": body.into_inner(),
    }))
}

#[post("/echo-bytes")]
#[jwt_required]
async fn echo_bytes(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "loc": current_token.location().map(TokenLocation::as_str),
        "len": body.len(),
    }))
}

#[get("/cookies-first")]
#[jwt_required(locations = [cookies, headers])]
async fn cookies_first() -> HttpResponse {
    HttpResponse::Ok().json(json!({"loc": current_token.location().map(TokenLocation::as_str)}))
}

#[post("/json-only")]
#[jwt_required(locations = [json])]
async fn json_only() -> HttpResponse {
    HttpResponse::Ok().json(json!({"loc": current_token.location().map(TokenLocation::as_str)}))
}

#[post("/optional")]
#[jwt_optional]
async fn optional() -> HttpResponse {
    HttpResponse::Ok().json(json!({"sub": current_token.map(|t| t.identity().clone())}))
}

#[post("/extractor")]
async fn extractor(token: CurrentToken, body: web::Json<Value>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "loc": token.location().map(TokenLocation::as_str),
        "body": body.into_inner(),
    }))
}

#[post("/user")]
async fn user(current_user: CurrentUser<String>, body: web::Json<Value>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"user": *current_user, "body": body.into_inner()}))
}

async fn call(jwt: &JwtManager, request: TestRequest) -> (StatusCode, Value) {
    let app = test::init_service(
        App::new()
            .app_data(jwt.clone())
            .service(protected)
            .service(refresh)
            .service(echo_json)
            .service(echo_bytes)
            .service(cookies_first)
            .service(json_only)
            .service(optional)
            .service(extractor)
            .service(user),
    )
    .await;
    json_of(test::call_service(&app, request.to_request()).await).await
}

fn jwt_with(locations: &[TokenLocation]) -> JwtManager {
    let locations = locations.to_vec();
    manager(move |b| b.token_location(locations))
}

fn bearer(token: &str) -> (actix_web::http::header::HeaderName, String) {
    (AUTHORIZATION, format!("Bearer {token}"))
}

fn access_cookie(token: &str) -> (actix_web::http::header::HeaderName, String) {
    (COOKIE, format!("access_token_cookie={token}"))
}

fn json_body(value: &Value) -> TestRequest {
    TestRequest::post()
        .insert_header((CONTENT_TYPE, "application/json"))
        .set_payload(value.to_string())
}

// ---- every location on its own -------------------------------------------

#[actix_web::test]
async fn headers_location() {
    let jwt = jwt_with(&[Headers]);
    let token = jwt.create_access_token("alice").unwrap();
    let request = TestRequest::get()
        .uri("/protected")
        .insert_header(bearer(&token));
    assert_eq!(
        call(&jwt, request).await,
        (StatusCode::OK, json!({"loc": "headers", "sub": "alice"}))
    );
}

#[actix_web::test]
async fn cookies_location() {
    let jwt = jwt_with(&[Cookies]);
    let token = jwt.create_access_token("alice").unwrap();
    let request = TestRequest::get()
        .uri("/protected")
        .insert_header(access_cookie(&token));
    assert_eq!(
        call(&jwt, request).await,
        (StatusCode::OK, json!({"loc": "cookies", "sub": "alice"}))
    );
    let missing = TestRequest::get().uri("/protected");
    assert_eq!(
        call(&jwt, missing).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing cookie \"access_token_cookie\""})
        )
    );
    let empty = TestRequest::get()
        .uri("/protected")
        .insert_header((COOKIE, "access_token_cookie="));
    assert_eq!(
        call(&jwt, empty).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing cookie \"access_token_cookie\""})
        )
    );
}

#[actix_web::test]
async fn refresh_cookie_is_read_by_refresh_handlers() {
    let jwt = jwt_with(&[Cookies]);
    let access = jwt.create_access_token("alice").unwrap();
    let refresh_token = jwt.create_refresh_token("alice").unwrap();
    let csrf = jwt.get_csrf_token(&refresh_token).unwrap();
    let ok = TestRequest::post()
        .uri("/refresh")
        .insert_header((COOKIE, format!("refresh_token_cookie={refresh_token}")))
        .insert_header(("X-CSRF-TOKEN", csrf));
    assert_eq!(
        call(&jwt, ok).await,
        (StatusCode::OK, json!({"loc": "cookies"}))
    );
    // The access cookie is not looked at by a refresh handler.
    let wrong_cookie = TestRequest::post()
        .uri("/refresh")
        .insert_header(access_cookie(&access));
    assert_eq!(
        call(&jwt, wrong_cookie).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing cookie \"refresh_token_cookie\""})
        )
    );
}

#[actix_web::test]
async fn query_string_location() {
    let jwt = jwt_with(&[QueryString]);
    let token = jwt.create_access_token("alice").unwrap();
    let ok = TestRequest::get().uri(&format!("/protected?jwt={token}"));
    assert_eq!(
        call(&jwt, ok).await,
        (
            StatusCode::OK,
            json!({"loc": "query_string", "sub": "alice"})
        )
    );
    for uri in ["/protected", "/protected?jwt=", "/protected?other=1"] {
        assert_eq!(
            call(&jwt, TestRequest::get().uri(uri)).await,
            (
                StatusCode::UNAUTHORIZED,
                json!({"msg": "Missing 'jwt' query paramater"})
            ),
            "{uri}"
        );
    }
    // A header is not looked at when only the query string is configured.
    let header_only = TestRequest::get()
        .uri("/protected")
        .insert_header(bearer(&token));
    assert_eq!(
        call(&jwt, header_only).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing 'jwt' query paramater"})
        )
    );
    // A repeated parameter is refused (Werkzeug would use the first value;
    // tests/policy.rs has the other locations).
    let repeated = TestRequest::get().uri(&format!("/protected?jwt={token}&jwt=garbage"));
    assert_eq!(
        call(&jwt, repeated).await,
        (
            StatusCode::BAD_REQUEST,
            json!({"msg": "Ambiguous request: more than one 'jwt' query parameter"})
        )
    );
}

#[actix_web::test]
async fn query_string_name_and_prefix() {
    let jwt = manager(|b| {
        b.token_location([QueryString])
            .query_string_name("token")
            .query_string_value_prefix("Bearer ")
    });
    let token = jwt.create_access_token("alice").unwrap();
    let ok = TestRequest::get().uri(&format!("/protected?token=Bearer%20{token}"));
    assert_eq!(
        call(&jwt, ok).await,
        (
            StatusCode::OK,
            json!({"loc": "query_string", "sub": "alice"})
        )
    );
    let no_prefix = TestRequest::get().uri(&format!("/protected?token={token}"));
    assert_eq!(
        call(&jwt, no_prefix).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Invalid value for query parameter 'token'. Expected the value to start with 'Bearer '"})
        )
    );
    let old_name = TestRequest::get().uri(&format!("/protected?jwt=Bearer%20{token}"));
    assert_eq!(
        call(&jwt, old_name).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing 'token' query paramater"})
        )
    );
}

#[actix_web::test]
async fn json_location() {
    let jwt = jwt_with(&[Json]);
    let token = jwt.create_access_token("alice").unwrap();
    let ok = json_body(&json!({"access_token": token})).uri("/protected");
    assert_eq!(
        call(&jwt, ok).await,
        (StatusCode::OK, json!({"loc": "json", "sub": "alice"}))
    );
    for content_type in [
        "application/json;charset=UTF-8",
        "application/vnd.api+json",
        "Application/JSON",
    ] {
        let request = TestRequest::post()
            .uri("/protected")
            .insert_header((CONTENT_TYPE, content_type))
            .set_payload(json!({"access_token": token}).to_string());
        assert_eq!(
            call(&jwt, request).await.0,
            StatusCode::OK,
            "{content_type}"
        );
    }
}

#[actix_web::test]
async fn json_refresh_key_and_custom_keys() {
    let jwt = jwt_with(&[Json]);
    let refresh_token = jwt.create_refresh_token("alice").unwrap();
    let ok = json_body(&json!({"refresh_token": refresh_token})).uri("/refresh");
    assert_eq!(
        call(&jwt, ok).await,
        (StatusCode::OK, json!({"loc": "json"}))
    );
    let access_key = json_body(&json!({"access_token": refresh_token})).uri("/refresh");
    assert_eq!(
        call(&jwt, access_key).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing \"refresh_token\" key in json data."})
        )
    );

    let custom = manager(|b| {
        b.token_location([Json])
            .json_key("Foo")
            .refresh_json_key("Bar")
    });
    let access = custom.create_access_token("alice").unwrap();
    let refresh_token = custom.create_refresh_token("alice").unwrap();
    let default_key = json_body(&json!({"access_token": access})).uri("/protected");
    assert_eq!(
        call(&custom, default_key).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing \"Foo\" key in json data."})
        )
    );
    let default_refresh_key = json_body(&json!({"refresh_token": refresh_token})).uri("/refresh");
    assert_eq!(
        call(&custom, default_refresh_key).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing \"Bar\" key in json data."})
        )
    );
    let foo = json_body(&json!({"Foo": access})).uri("/protected");
    assert_eq!(call(&custom, foo).await.0, StatusCode::OK);
    let bar = json_body(&json!({"Bar": refresh_token})).uri("/refresh");
    assert_eq!(call(&custom, bar).await.0, StatusCode::OK);
}

#[actix_web::test]
async fn json_content_type_must_be_json() {
    let jwt = jwt_with(&[Json]);
    let token = jwt.create_access_token("alice").unwrap();
    let wrong_type = json!({"msg": "Invalid content-type. Must be application/json."});
    let get = TestRequest::get().uri("/protected");
    assert_eq!(
        call(&jwt, get).await,
        (StatusCode::UNAUTHORIZED, wrong_type.clone())
    );
    let form = TestRequest::post()
        .uri("/protected")
        .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(format!("access_token={token}"));
    assert_eq!(
        call(&jwt, form).await,
        (StatusCode::UNAUTHORIZED, wrong_type.clone())
    );
    let text = TestRequest::post()
        .uri("/protected")
        .insert_header((CONTENT_TYPE, "text/plain"))
        .set_payload(json!({"access_token": token}).to_string());
    assert_eq!(
        call(&jwt, text).await,
        (StatusCode::UNAUTHORIZED, wrong_type.clone())
    );
    let refresh_form = TestRequest::post()
        .uri("/refresh")
        .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload("refresh_token=x");
    assert_eq!(
        call(&jwt, refresh_form).await,
        (StatusCode::UNAUTHORIZED, wrong_type)
    );
}

#[actix_web::test]
async fn json_bodies_without_a_token_are_401_never_500() {
    let jwt = jwt_with(&[Json]);
    let missing = json!({"msg": "Missing \"access_token\" key in json data."});
    let bodies = [
        "",
        "   ",
        "{not json",
        "[]",
        "[\"access_token\"]",
        "[{\"access_token\": \"x\"}]",
        "\"access_token\"",
        "42",
        "null",
        "true",
        "{}",
        "{\"other\": 1}",
        "{\"access_token\": \"\"}",
        "{\"access_token\": null}",
        "{\"access_token\": false}",
        "{\"access_token\": 0}",
        "{\"access_token\": []}",
        "{\"access_token\": {}}",
        "\u{feff}{\"access_token\": 1",
    ];
    for body in bodies {
        let request = TestRequest::post()
            .uri("/protected")
            .insert_header((CONTENT_TYPE, "application/json"))
            .set_payload(body);
        assert_eq!(
            call(&jwt, request).await,
            (StatusCode::UNAUTHORIZED, missing.clone()),
            "body {body:?}"
        );
    }
    let invalid_utf8 = TestRequest::post()
        .uri("/protected")
        .insert_header((CONTENT_TYPE, "application/json"))
        .set_payload(vec![b'{', 0xff, 0xfe, b'}']);
    assert_eq!(
        call(&jwt, invalid_utf8).await,
        (StatusCode::UNAUTHORIZED, missing)
    );
}

#[actix_web::test]
async fn json_values_that_are_not_strings_are_invalid_tokens() {
    let jwt = jwt_with(&[Json]);
    for value in [json!(12), json!(true), json!(["a.b.c"]), json!({"a": 1})] {
        let request = json_body(&json!({"access_token": value})).uri("/protected");
        assert_eq!(
            call(&jwt, request).await,
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"msg": "Invalid token type. Token must be a <class 'bytes'>"})
            ),
            "{value}"
        );
    }
    let garbage = json_body(&json!({"access_token": "foobarbaz"})).uri("/protected");
    assert_eq!(
        call(&jwt, garbage).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Not enough segments"})
        )
    );
}

#[actix_web::test]
async fn handler_still_reads_the_json_body() {
    let jwt = jwt_with(&[Json]);
    let token = jwt.create_access_token("alice").unwrap();
    let body = json!({"access_token": token, "payload": {"n": 1, "list": [1, 2, 3]}});
    let request = json_body(&body).uri("/echo-json");
    assert_eq!(
        call(&jwt, request).await,
        (StatusCode::OK, json!({"loc": "json", "body": body}))
    );
    // The extractor form reads and replays the body too.
    let request = json_body(&body).uri("/extractor");
    assert_eq!(
        call(&jwt, request).await,
        (StatusCode::OK, json!({"loc": "json", "body": body}))
    );
    // Per-handler `locations = [json]` with the global default (headers).
    let headers_default = jwt_with(&[Headers]);
    let token = headers_default.create_access_token("alice").unwrap();
    let request = json_body(&json!({"access_token": token})).uri("/json-only");
    assert_eq!(
        call(&headers_default, request).await,
        (StatusCode::OK, json!({"loc": "json"}))
    );
}

/// The `CurrentUser` extractor verifies through the same pipeline as the
/// attributes and `CurrentToken`: it finds a token in a JSON body too, and
/// the handler still reads the body.
#[actix_web::test]
async fn current_user_finds_a_json_body_token() {
    let jwt = manager(|b| {
        b.token_location([Json])
            .user_lookup_loader(|token| async move { token.sub().map(|s| format!("user {s}")) })
    });
    let token = jwt.create_access_token("alice").unwrap();
    let body = json!({"access_token": token, "n": 1});
    assert_eq!(
        call(&jwt, json_body(&body).uri("/user")).await,
        (StatusCode::OK, json!({"user": "user alice", "body": body}))
    );
    assert_eq!(
        call(&jwt, json_body(&json!({"n": 1})).uri("/user")).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing \"access_token\" key in json data."})
        )
    );
}

#[actix_web::test]
async fn body_larger_than_the_limit() {
    let jwt = manager(|b| b.token_location([Headers, Json]).max_body_size(1024));
    let token = jwt.create_access_token("alice").unwrap();
    let padding = "x".repeat(4096);
    let big = json!({"access_token": token, "padding": padding});
    // The token had to come from the body: 413.
    let request = json_body(&big).uri("/protected");
    assert_eq!(
        call(&jwt, request).await,
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"msg": "Request body is too large"})
        )
    );
    // A header token decides first; the handler still gets the whole body.
    let request = json_body(&big)
        .uri("/echo-bytes")
        .insert_header(bearer(&token));
    assert_eq!(
        call(&jwt, request).await,
        (
            StatusCode::OK,
            json!({"loc": "headers", "len": big.to_string().len()})
        )
    );
}

// ---- several locations ----------------------------------------------------

#[actix_web::test]
async fn aggregated_message_when_no_location_has_a_token() {
    let jwt = jwt_with(&[Headers, Cookies, QueryString, Json]);
    assert_eq!(
        call(&jwt, TestRequest::get().uri("/protected")).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing JWT in headers, cookies, query_string or json (Missing Authorization Header; Missing cookie \"access_token_cookie\"; Missing 'jwt' query paramater; Invalid content-type. Must be application/json.)"})
        )
    );
    let json_typed = json_body(&json!({})).uri("/protected");
    assert_eq!(
        call(&jwt, json_typed).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing JWT in headers, cookies, query_string or json (Missing Authorization Header; Missing cookie \"access_token_cookie\"; Missing 'jwt' query paramater; Missing \"access_token\" key in json data.)"})
        )
    );
    let two = jwt_with(&[Cookies, Headers]);
    assert_eq!(
        call(&two, TestRequest::get().uri("/protected")).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing JWT in cookies or headers (Missing cookie \"access_token_cookie\"; Missing Authorization Header)"})
        )
    );
    let json_and_qs = jwt_with(&[Json, QueryString]);
    assert_eq!(
        call(&json_and_qs, TestRequest::get().uri("/protected")).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing JWT in json or query_string (Invalid content-type. Must be application/json.; Missing 'jwt' query paramater)"})
        )
    );
}

#[actix_web::test]
async fn every_location_works_when_all_are_configured() {
    let jwt = jwt_with(&[Headers, Cookies, QueryString, Json]);
    let token = jwt.create_access_token("alice").unwrap();
    let cases = [
        (
            "headers",
            TestRequest::get()
                .uri("/protected")
                .insert_header(bearer(&token)),
        ),
        (
            "cookies",
            TestRequest::get()
                .uri("/protected")
                .insert_header(access_cookie(&token)),
        ),
        (
            "query_string",
            TestRequest::get().uri(&format!("/protected?jwt={token}")),
        ),
        (
            "json",
            json_body(&json!({"access_token": token})).uri("/protected"),
        ),
    ];
    for (location, request) in cases {
        assert_eq!(
            call(&jwt, request).await,
            (StatusCode::OK, json!({"loc": location, "sub": "alice"})),
        );
    }
}

#[actix_web::test]
async fn the_first_location_holding_a_token_decides() {
    let jwt = jwt_with(&[Headers, Cookies, QueryString, Json]);
    let token = jwt.create_access_token("alice").unwrap();
    // An unusable header token fails the request although the query string is fine.
    let bad_header = TestRequest::get()
        .uri(&format!("/protected?jwt={token}"))
        .insert_header(bearer("aaaaa.bbbbb.ccccc"));
    assert_eq!(
        call(&jwt, bad_header).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Invalid header padding"})
        )
    );
    // A header of another scheme counts as absent.
    let basic = TestRequest::get()
        .uri(&format!("/protected?jwt={token}"))
        .insert_header((AUTHORIZATION, "Basic dXNlcjpwYXNz"));
    assert_eq!(
        call(&jwt, basic).await,
        (
            StatusCode::OK,
            json!({"loc": "query_string", "sub": "alice"})
        )
    );
    // Cookie and header both valid: the header comes first.
    let both = TestRequest::get()
        .uri("/protected")
        .insert_header(bearer(&token))
        .insert_header(access_cookie(&token));
    assert_eq!(
        call(&jwt, both).await,
        (StatusCode::OK, json!({"loc": "headers", "sub": "alice"}))
    );
    // A valid query-string token comes before a bad JSON one and wins.
    let qs_then_json =
        json_body(&json!({"access_token": "foobarbaz"})).uri(&format!("/protected?jwt={token}"));
    assert_eq!(
        call(&jwt, qs_then_json).await,
        (
            StatusCode::OK,
            json!({"loc": "query_string", "sub": "alice"})
        )
    );
}

#[actix_web::test]
async fn order_decides_between_a_bad_header_and_a_good_cookie() {
    let headers_first = jwt_with(&[Headers, Cookies]);
    let token = headers_first.create_access_token("alice").unwrap();
    let request = || {
        TestRequest::get()
            .uri("/protected")
            .insert_header(bearer("aaaaa.bbbbb.ccccc"))
            .insert_header(access_cookie(&token))
    };
    assert_eq!(
        call(&headers_first, request()).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Invalid header padding"})
        )
    );
    let cookies_then_headers = jwt_with(&[Cookies, Headers]);
    assert_eq!(
        call(&cookies_then_headers, request()).await,
        (StatusCode::OK, json!({"loc": "cookies", "sub": "alice"}))
    );
    // Only a valid cookie: 200 whatever the order.
    let cookie_only = TestRequest::get()
        .uri("/protected")
        .insert_header(access_cookie(&token));
    assert_eq!(call(&headers_first, cookie_only).await.0, StatusCode::OK);
}

#[actix_web::test]
async fn per_handler_locations_override_the_configuration() {
    let jwt = jwt_with(&[Headers]);
    let token = jwt.create_access_token("alice").unwrap();
    let cookie = TestRequest::get()
        .uri("/cookies-first")
        .insert_header(access_cookie(&token));
    assert_eq!(
        call(&jwt, cookie).await,
        (StatusCode::OK, json!({"loc": "cookies"}))
    );
    let nothing = TestRequest::get().uri("/cookies-first");
    assert_eq!(
        call(&jwt, nothing).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing JWT in cookies or headers (Missing cookie \"access_token_cookie\"; Missing Authorization Header)"})
        )
    );
    // The global setting still applies elsewhere.
    let cookie_elsewhere = TestRequest::get()
        .uri("/protected")
        .insert_header(access_cookie(&token));
    assert_eq!(
        call(&jwt, cookie_elsewhere).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing Authorization Header"})
        )
    );
}

#[actix_web::test]
async fn optional_handlers_and_json() {
    let jwt = jwt_with(&[Json]);
    let token = jwt.create_access_token("alice").unwrap();
    let anonymous = json_body(&json!({"other": 1})).uri("/optional");
    assert_eq!(
        call(&jwt, anonymous).await,
        (StatusCode::OK, json!({"sub": null}))
    );
    let with_token = json_body(&json!({"access_token": token})).uri("/optional");
    assert_eq!(
        call(&jwt, with_token).await,
        (StatusCode::OK, json!({"sub": "alice"}))
    );
    let bad = json_body(&json!({"access_token": "foobarbaz"})).uri("/optional");
    assert_eq!(
        call(&jwt, bad).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Not enough segments"})
        )
    );
}

#[actix_web::test]
async fn token_location_from_text_options() {
    let jwt = JwtManager::builder()
        .secret_key(transport_support::SECRET)
        .options([
            ("JWT_TOKEN_LOCATION", "cookies, json"),
            ("JWT_JSON_KEY", "tok"),
            ("JWT_ACCESS_COOKIE_NAME", "jar"),
        ])
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(jwt.config().token_location, vec![Cookies, Json]);
    assert_eq!(
        call(&jwt, TestRequest::get().uri("/protected")).await,
        (
            StatusCode::UNAUTHORIZED,
            json!({"msg": "Missing JWT in cookies or json (Missing cookie \"jar\"; Invalid content-type. Must be application/json.)"})
        )
    );
    let token = jwt.create_access_token("alice").unwrap();
    let request = json_body(&json!({"tok": token})).uri("/protected");
    assert_eq!(call(&jwt, request).await.0, StatusCode::OK);
    let error = JwtManager::builder()
        .options([("JWT_TOKEN_LOCATION", "headers, body")])
        .unwrap_err();
    assert_eq!(error.option(), Some("JWT_TOKEN_LOCATION"));
}

/// A real server, so the body arrives in several chunks.
async fn serve(jwt: JwtManager) -> (String, actix_web::dev::ServerHandle) {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = actix_web::HttpServer::new(move || {
        App::new()
            .app_data(jwt.clone())
            .service(echo_json)
            .service(echo_bytes)
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (base, handle)
}

/// `text` split into chunks of `size` bytes, as a request body stream.
fn chunked(
    text: String,
    size: usize,
) -> impl futures_util::Stream<Item = Result<web::Bytes, std::io::Error>> {
    let chunks: Vec<Result<web::Bytes, std::io::Error>> = text
        .into_bytes()
        .chunks(size)
        .map(|chunk| Ok(web::Bytes::copy_from_slice(chunk)))
        .collect();
    futures_util::stream::iter(chunks)
}

#[actix_web::test]
async fn streamed_bodies_are_read_and_replayed() {
    let jwt = manager(|b| b.token_location([Headers, Json]).max_body_size(1024));
    let token = jwt.create_access_token("alice").unwrap();
    let (base, server) = serve(jwt).await;
    let client = awc::Client::default();

    // A token in a body that arrives in small chunks.
    let body = json!({"access_token": token, "list": (0..20).collect::<Vec<_>>()});
    let mut response = client
        .post(format!("{base}/echo-json"))
        .insert_header((CONTENT_TYPE, "application/json"))
        .send_stream(chunked(body.to_string(), 7))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer, json!({"loc": "json", "body": body}));

    // A body over the limit: read in part, then handed whole to the handler.
    let big = json!({"padding": "y".repeat(10_000)}).to_string();
    let mut response = client
        .post(format!("{base}/echo-bytes"))
        .insert_header((CONTENT_TYPE, "application/json"))
        .insert_header(bearer(&token))
        .send_stream(chunked(big.clone(), 1000))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer, json!({"loc": "headers", "len": big.len()}));

    // The same body without a header token: 413, not 5xx.
    let mut response = client
        .post(format!("{base}/echo-bytes"))
        .insert_header((CONTENT_TYPE, "application/json"))
        .send_stream(chunked(big, 1000))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer, json!({"msg": "Request body is too large"}));

    server.stop(true).await;
}
