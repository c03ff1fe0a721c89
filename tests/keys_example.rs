//! `examples/keys.rs` keeps its documented contract — login, protected,
//! JWKS, rotation; and, pointed at an identity provider's JWKS, it accepts
//! that provider's tokens — over real HTTP against the running example.

use actix_jwt_extended_examples::{ExampleServer, key, now, sign_with};
use actix_web::{App, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::EncodingKey;
use serde_json::{Value, json};

async fn send(
    http: &awc::Client,
    server: &ExampleServer,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let url = server.url(path);
    let mut req = match method {
        "POST" => http.post(url),
        _ => http.get(url),
    };
    if let Some(token) = token {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let mut resp = match body {
        Some(body) => req.send_json(&body).await,
        None => req.send().await,
    }
    .expect("request");
    (
        resp.status().as_u16(),
        resp.json().await.expect("JSON body"),
    )
}

fn kid_of(token: &str) -> Value {
    let header = URL_SAFE_NO_PAD
        .decode(token.split('.').next().unwrap())
        .unwrap();
    serde_json::from_slice::<Value>(&header).unwrap()["kid"].clone()
}

fn kids(jwks: &Value) -> Vec<Value> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].clone())
        .collect()
}

#[actix_web::test]
async fn login_protected_jwks_and_rotation() {
    let server = ExampleServer::start("keys", &[]);
    let http = awc::Client::default();
    let login = json!({"username": "test", "password": "test"});
    let (status, body) = send(&http, &server, "POST", "/login", None, Some(login.clone())).await;
    assert_eq!(status, 200, "{body}");
    let first = body["access_token"].as_str().unwrap().to_owned();
    let wrong = json!({"username": "test", "password": "nope"});
    assert_eq!(
        send(&http, &server, "POST", "/login", None, Some(wrong))
            .await
            .0,
        401
    );

    let (status, jwks) = send(&http, &server, "GET", "/.well-known/jwks.json", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(kids(&jwks), [kid_of(&first)]);
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
    assert_eq!(
        send(&http, &server, "GET", "/protected", Some(&first), None).await,
        (200, json!({"logged_in_as": "test"}))
    );

    let (status, rotated) = send(&http, &server, "POST", "/rotate", Some(&first), None).await;
    assert_eq!(status, 200, "{rotated}");
    let new_kid = rotated["kid"].clone();
    assert_ne!(new_kid, kid_of(&first));
    let (_, body) = send(&http, &server, "POST", "/login", None, Some(login)).await;
    let second = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(kid_of(&second), new_kid, "later tokens use the new key");
    for token in [&first, &second] {
        assert_eq!(
            send(&http, &server, "GET", "/protected", Some(token), None)
                .await
                .0,
            200
        );
    }
    let (_, jwks) = send(&http, &server, "GET", "/.well-known/jwks.json", None, None).await;
    assert_eq!(kids(&jwks), [kid_of(&first), new_kid]);
    assert_eq!(
        send(&http, &server, "POST", "/rotate", None, None).await.0,
        401
    );
}

#[actix_web::test]
async fn tokens_of_the_configured_identity_provider_are_accepted() {
    // The provider: a JWKS with the second test RSA key.
    let jwk = {
        let jwt = actix_jwt_extended::JwtManager::builder()
            .algorithm(actix_jwt_extended::Algorithm::RS256)
            .add_key(actix_jwt_extended::Key::public_pem(key("rsa2_public.pem")).kid("idp-1"))
            .build()
            .unwrap();
        jwt.jwks()
    };
    let provider = actix_test::start(move || {
        let jwks = jwk.clone();
        App::new().route(
            "/jwks",
            web::get().to(move || {
                let jwks = jwks.clone();
                async move { HttpResponse::Ok().json(jwks) }
            }),
        )
    });
    let url = provider.url("/jwks");
    let server = ExampleServer::start(
        "keys",
        &[
            ("JWT_JWKS_URL", &url),
            ("JWT_DECODE_AUDIENCE", "api"),
            ("JWT_ENCODE_AUDIENCE", "api"),
        ],
    );
    let http = awc::Client::default();
    let claims = json!({"sub": "carol", "aud": "api", "iat": now(), "exp": now() + 600});
    let token = sign_with(
        jsonwebtoken::Algorithm::RS256,
        r#"{"alg":"RS256","kid":"idp-1","typ":"JWT"}"#,
        &claims.to_string(),
        &EncodingKey::from_rsa_pem(key("rsa2_private.pem").as_bytes()).unwrap(),
    );
    assert_eq!(
        send(&http, &server, "GET", "/protected", Some(&token), None).await,
        (200, json!({"logged_in_as": "carol"}))
    );
    // Its own tokens still work next to the provider's.
    let login = json!({"username": "test", "password": "test"});
    let (_, body) = send(&http, &server, "POST", "/login", None, Some(login)).await;
    let own = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        send(&http, &server, "GET", "/protected", Some(&own), None).await,
        (200, json!({"logged_in_as": "test"}))
    );
}
