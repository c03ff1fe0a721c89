//! Key sets: key ids, rotation without downtime, the JWKS endpoint, extra
//! keys from JWT_PUBLIC_KEYS, the encode/decode key loaders and the OAuth
//! scope forms — over HTTP where a request is involved.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_jwt_extended::{
    Algorithm, ConfigError, JwksEndpoint, JwtError, JwtManager, Key, TokenOptions, jwt_required,
    require_token,
};
use actix_jwt_extended_examples::{SECRET, b64, key, key_pair, sign_with};
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, get, test, web};
use jsonwebtoken::EncodingKey;
use serde_json::{Value, json};

/// RFC 7638 thumbprints of the test keys (computed independently with
/// PyJWT's `to_jwk` and `hashlib`).
const RSA_KID: &str = "U77ZtGO_4g1mige-3v9VMJ-F-JVL5IEtBuybwt8ZukA";
const RSA2_KID: &str = "eYhEpDVzOguuGwdhbiAV56pYpyDSi9Kjqz6ICQtZt7o";
const EC256_KID: &str = "rWI7PdNzWMlwBsld46TH1VP9lzyXQT4FVdmSGrSps0g";

#[get("/protected")]
#[jwt_required]
async fn protected(runs: web::Data<AtomicUsize>) -> HttpResponse {
    runs.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().json(json!({ "sub": current_token.sub() }))
}

#[get("/items")]
#[require_token(scope = "read:items")]
async fn items() -> HttpResponse {
    HttpResponse::Ok().json(json!({"items": []}))
}

/// Status and body of `GET path` with `token`, and whether the handler ran.
async fn call(jwt: &JwtManager, path: &str, token: &str) -> (StatusCode, Value, bool) {
    let runs = web::Data::new(AtomicUsize::new(0));
    let app = test::init_service(
        App::new()
            .app_data(jwt.clone())
            .app_data(runs.clone())
            .service(protected)
            .service(items)
            .service(JwksEndpoint::new()),
    )
    .await;
    let req = test::TestRequest::get()
        .uri(path)
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    let resp = test::call_service(&app, req).await;
    let status = resp.status();
    let body = test::read_body_json(resp).await;
    (status, body, runs.load(Ordering::SeqCst) > 0)
}

fn rs256() -> JwtManager {
    let (private, public) = key_pair(Algorithm::RS256);
    JwtManager::builder()
        .algorithm(Algorithm::RS256)
        .private_key_pem(private)
        .public_key_pem(public)
        .build()
        .unwrap()
}

/// A token signed by `private_pem` with exactly `header`.
fn signed(
    algorithm: jsonwebtoken::Algorithm,
    private_pem: &str,
    header: Value,
    claims: Value,
) -> String {
    let key = match algorithm {
        jsonwebtoken::Algorithm::ES256 => EncodingKey::from_ec_pem(private_pem.as_bytes()),
        _ => EncodingKey::from_rsa_pem(private_pem.as_bytes()),
    }
    .unwrap();
    sign_with(algorithm, &header.to_string(), &claims.to_string(), &key)
}

fn claims() -> Value {
    let now = actix_jwt_extended_examples::now();
    json!({"sub": "alice", "iat": now, "nbf": now, "exp": now + 600, "jti": "j", "type": "access", "fresh": false})
}

fn kid_of(jwt: &JwtManager, token: &str) -> Option<String> {
    jwt.decode_token(token)
        .unwrap()
        .header()
        .get("kid")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

#[actix_web::test]
async fn asymmetric_tokens_carry_their_keys_thumbprint_and_secrets_no_kid() {
    let jwt = rs256();
    let token = jwt.create_access_token("alice").unwrap();
    assert_eq!(kid_of(&jwt, &token).as_deref(), Some(RSA_KID));
    let hs = JwtManager::builder().secret_key(SECRET).build().unwrap();
    let token = hs.create_access_token("alice").unwrap();
    assert_eq!(
        kid_of(&hs, &token),
        None,
        "an HMAC secret has no default kid"
    );
    let keys = jwt.keys();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].kid.as_deref(), Some(RSA_KID));
    assert!(keys[0].signing && !keys[0].remote && keys[0].retired_until.is_none());
}

/// The only configured key verifies tokens whatever their `kid`, as before
/// key sets (Flask-JWT-Extended ignores `kid`).
#[actix_web::test]
async fn a_single_configured_key_ignores_the_kid() {
    let jwt = rs256();
    let (private, _) = key_pair(Algorithm::RS256);
    let token = signed(
        jsonwebtoken::Algorithm::RS256,
        &private,
        json!({"alg": "RS256", "kid": "k1", "typ": "JWT"}),
        claims(),
    );
    assert_eq!(call(&jwt, "/protected", &token).await.0, StatusCode::OK);
}

#[actix_web::test]
async fn rotation_without_downtime() {
    let jwt = rs256();
    let before = jwt.create_access_token("alice").unwrap();
    let (private2, public2) = (key("rsa2_private.pem"), key("rsa2_public.pem"));
    let kid = jwt
        .rotate_signing_key(Key::pem_pair(&private2, &public2))
        .unwrap();
    assert_eq!(kid.as_deref(), Some(RSA2_KID));
    let after = jwt.create_access_token("alice").unwrap();
    assert_eq!(kid_of(&jwt, &after).as_deref(), Some(RSA2_KID));
    // Both verify, on every worker at once (one manager, shared).
    assert_eq!(call(&jwt, "/protected", &before).await.0, StatusCode::OK);
    assert_eq!(call(&jwt, "/protected", &after).await.0, StatusCode::OK);
    // The old key is retired once every token it signed has expired.
    let keys = jwt.keys();
    let old = keys
        .iter()
        .find(|k| k.kid.as_deref() == Some(RSA_KID))
        .unwrap();
    let now = actix_jwt_extended_examples::now() as f64;
    let until = old.retired_until.unwrap();
    assert!(!old.signing);
    assert!(
        until > now + 2_592_000.0 - 5.0 && until < now + 2_592_000.0 + 5.0,
        "{until}"
    );
    assert!(
        keys.iter()
            .any(|k| k.kid.as_deref() == Some(RSA2_KID) && k.signing)
    );
    // The JWKS lists both keys.
    let (status, jwks, _) = call(&jwt, "/.well-known/jwks.json", "").await;
    assert_eq!(status, StatusCode::OK);
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [RSA_KID, RSA2_KID]);
    // Removed, the old key verifies nothing any more.
    assert!(jwt.remove_key(RSA_KID).unwrap());
    assert_eq!(
        call(&jwt, "/protected", &before).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": format!("Unable to find a signing key that matches: \"{RSA_KID}\"")}),
            false
        )
    );
    assert_eq!(call(&jwt, "/protected", &after).await.0, StatusCode::OK);
    // The signing key cannot be removed.
    assert!(matches!(
        jwt.remove_key(RSA2_KID),
        Err(ConfigError::InvalidKey(_))
    ));
}

#[actix_web::test]
async fn an_unknown_kid_is_refused_and_the_handler_never_runs() {
    let jwt = rs256();
    jwt.add_key(Key::public_pem(key("rsa2_public.pem")))
        .unwrap();
    let (private, _) = key_pair(Algorithm::RS256);
    let unknown = signed(
        jsonwebtoken::Algorithm::RS256,
        &private,
        json!({"alg": "RS256", "kid": "nope\u{1}", "typ": "JWT"}),
        claims(),
    );
    assert_eq!(
        call(&jwt, "/protected", &unknown).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Unable to find a signing key that matches: \"nope?\""}),
            false
        )
    );
    // A kid names the key: the other key's kid with this key's signature fails.
    let wrong = signed(
        jsonwebtoken::Algorithm::RS256,
        &private,
        json!({"alg": "RS256", "kid": RSA2_KID, "typ": "JWT"}),
        claims(),
    );
    let (status, body, ran) = call(&jwt, "/protected", &wrong).await;
    assert_eq!(
        (status, body["msg"].as_str(), ran),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("Signature verification failed"),
            false
        )
    );
}

#[actix_web::test]
async fn a_token_without_kid_needs_exactly_one_fitting_key() {
    let jwt = rs256();
    let (private, _) = key_pair(Algorithm::RS256);
    let no_kid = signed(
        jsonwebtoken::Algorithm::RS256,
        &private,
        json!({"alg": "RS256", "typ": "JWT"}),
        claims(),
    );
    jwt.add_key(Key::public_pem(key("rsa2_public.pem")))
        .unwrap();
    assert_eq!(
        call(&jwt, "/protected", &no_kid).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Token has no key ID (kid) and several keys could verify it"}),
            false
        )
    );
    // HMAC rotation: tokens of the old, unnamed secret keep verifying, as
    // tokens without kid go to the keys without kid.
    let hs = JwtManager::builder().secret_key(SECRET).build().unwrap();
    let old = hs.create_access_token("alice").unwrap();
    let kid = hs
        .rotate_signing_key(Key::secret("the next secret, as long").kid("2026-12"))
        .unwrap();
    assert_eq!(kid.as_deref(), Some("2026-12"));
    let new = hs.create_access_token("alice").unwrap();
    assert_eq!(kid_of(&hs, &new).as_deref(), Some("2026-12"));
    assert_eq!(call(&hs, "/protected", &old).await.0, StatusCode::OK);
    assert_eq!(call(&hs, "/protected", &new).await.0, StatusCode::OK);
    // The secrets are never published.
    assert_eq!(hs.jwks(), json!({"keys": []}));
}

/// A key never lets a token choose an algorithm outside it: a JWK's `alg`
/// binds it, and the allow-list still rules.
#[actix_web::test]
async fn keys_verify_only_their_own_algorithms() {
    let (private, public) = key_pair(Algorithm::RS256);
    let jwt = JwtManager::builder()
        .algorithm(Algorithm::RS256)
        .decode_algorithms([Algorithm::PS256])
        .private_key_pem(&private)
        .add_key(Key::public_pem(key("rsa2_public.pem")).algorithm(Algorithm::RS256))
        .public_key_pem(&public)
        .build()
        .unwrap();
    let private2 = key("rsa2_private.pem");
    let ps256 = signed(
        jsonwebtoken::Algorithm::PS256,
        &private2,
        json!({"alg": "PS256", "kid": RSA2_KID, "typ": "JWT"}),
        claims(),
    );
    assert_eq!(
        call(&jwt, "/protected", &ps256).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "The specified alg value is not allowed"}),
            false
        )
    );
    let rs256 = signed(
        jsonwebtoken::Algorithm::RS256,
        &private2,
        json!({"alg": "RS256", "kid": RSA2_KID, "typ": "JWT"}),
        claims(),
    );
    assert_eq!(call(&jwt, "/protected", &rs256).await.0, StatusCode::OK);
    // HS256 with the public key as the secret and its kid: refused.
    let confused = actix_jwt_extended_examples::sign_hs(
        "HS256",
        &json!({"alg": "HS256", "kid": RSA2_KID, "typ": "JWT"}).to_string(),
        &claims().to_string(),
        key("rsa2_public.pem").as_bytes(),
    );
    assert_eq!(
        call(&jwt, "/protected", &confused).await.1["msg"],
        "The specified alg value is not allowed"
    );
}

#[actix_web::test]
async fn extra_keys_from_jwt_public_keys() {
    let (private, public) = key_pair(Algorithm::ES256);
    let ec = JwtManager::builder()
        .algorithm(Algorithm::ES256)
        .public_key_pem(&public)
        .build()
        .unwrap();
    let jwks = ec.jwks();
    assert_eq!(jwks["keys"][0]["kid"], EC256_KID);
    // A verification-only service configured with that JWKS document alone.
    let verifier = JwtManager::builder()
        .options([
            ("JWT_ALGORITHM", "ES256"),
            ("JWT_PUBLIC_KEYS", jwks.to_string().as_str()),
        ])
        .unwrap()
        .build()
        .unwrap();
    let token = signed(
        jsonwebtoken::Algorithm::ES256,
        &private,
        json!({"alg": "ES256", "kid": EC256_KID, "typ": "JWT"}),
        claims(),
    );
    assert_eq!(
        call(&verifier, "/protected", &token).await.0,
        StatusCode::OK
    );
    // Unusable documents are startup errors naming the option.
    for bad in [
        "{\"keys\": 5}".to_owned(),
        "{not json".to_owned(),
        json!({"keys": [{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}]}).to_string(),
        json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}).to_string(),
        json!({"keys": [dict_with(&jwks["keys"][0], "use", json!("enc"))]}).to_string(),
        json!({"keys": [dict_with(&jwks["keys"][0], "alg", json!("ES384"))]}).to_string(),
        "/nonexistent/jwks.json".to_owned(),
    ] {
        let error = JwtManager::builder()
            .options([
                ("JWT_ALGORITHM", "ES256"),
                ("JWT_PUBLIC_KEYS", bad.as_str()),
            ])
            .and_then(|b| b.build())
            .unwrap_err();
        assert_eq!(error.option(), Some("JWT_PUBLIC_KEYS"), "{bad}: {error}");
    }
}

fn dict_with(value: &Value, name: &str, member: Value) -> Value {
    let mut map = value.as_object().unwrap().clone();
    map.insert(name.to_owned(), member);
    Value::Object(map)
}

#[actix_web::test]
async fn the_jwks_endpoint_publishes_public_keys_only() {
    let jwt = rs256();
    let app = test::init_service(
        App::new().app_data(jwt.clone()).service(
            JwksEndpoint::new()
                .path("/keys")
                .max_age(std::time::Duration::from_secs(60)),
        ),
    )
    .await;
    let resp = test::call_service(&app, test::TestRequest::get().uri("/keys").to_request()).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers().get("cache-control").unwrap(),
        "public, max-age=60"
    );
    let body: Value = test::read_body_json(resp).await;
    let key = &body["keys"][0];
    let mut members: Vec<&str> = key
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(members, ["alg", "e", "kid", "kty", "n", "use"]);
    assert_eq!(
        (
            key["kty"].as_str(),
            key["alg"].as_str(),
            key["use"].as_str()
        ),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    assert_eq!(key["e"], "AQAB");
    // The published key verifies the manager's tokens.
    let consumer = JwtManager::builder()
        .algorithm(Algorithm::RS256)
        .add_key(Key::jwk(key).unwrap())
        .build()
        .unwrap();
    let token = jwt.create_access_token("alice").unwrap();
    assert_eq!(consumer.decode_token(&token).unwrap().sub(), Some("alice"));
    let post = test::TestRequest::post().uri("/keys").to_request();
    assert_eq!(
        test::call_service(&app, post).await.status(),
        StatusCode::METHOD_NOT_ALLOWED
    );
}

/// Flask-JWT-Extended's `encode_key_loader` / `decode_key_loader`: a key
/// per tenant, the decode loader async.
#[actix_web::test]
async fn keys_chosen_per_token_by_the_loaders() {
    let secret_of = |tenant: &str| format!("secret of tenant {tenant}, long enough");
    let loads = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&loads);
    let jwt = JwtManager::builder()
        .secret_key(SECRET)
        .encode_key_loader(move |identity| {
            let tenant = identity
                .as_str()
                .and_then(|i| i.split(':').next())
                .unwrap_or("none");
            Key::secret(secret_of(tenant)).kid(tenant)
        })
        .decode_key_loader(move |header, claims| {
            counter.fetch_add(1, Ordering::SeqCst);
            let tenant = header.get("kid").and_then(Value::as_str).map(str::to_owned);
            let sub = claims.get("sub").cloned();
            async move {
                tokio::task::yield_now().await;
                let tenant = tenant?;
                let known = ["a", "b"].contains(&tenant.as_str());
                let _ = sub;
                known.then(|| Key::secret(secret_of(&tenant)))
            }
        })
        .build()
        .unwrap();
    let token_a = jwt.create_access_token("a:alice").unwrap();
    let token_c = jwt.create_access_token("c:carol").unwrap();
    let header = |token: &str| {
        let segment = token.split('.').next().unwrap();
        serde_json::from_slice::<Value>(&base64_decode(segment)).unwrap()
    };
    assert_eq!(header(&token_a)["kid"], "a");
    assert_eq!(
        call(&jwt, "/protected", &token_a).await.1,
        json!({"sub": "a:alice"})
    );
    assert!(loads.load(Ordering::SeqCst) >= 1);
    // Tenant c's key is unknown to the decode loader.
    assert_eq!(
        call(&jwt, "/protected", &token_c).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Unable to find a signing key that matches: \"c\""}),
            false
        )
    );
    // A token of tenant a relabelled as tenant b fails its signature check.
    let forged = {
        let mut parts: Vec<String> = token_a.split('.').map(str::to_owned).collect();
        parts[0] = b64(json!({"alg": "HS256", "kid": "b", "typ": "JWT"}).to_string());
        parts.join(".")
    };
    assert_eq!(
        call(&jwt, "/protected", &forged).await.1["msg"],
        "Signature verification failed"
    );
    // decode_token uses a loader that answers at once… or says it cannot.
    assert_eq!(
        jwt.decode_token(&token_a).unwrap_err().error(),
        &JwtError::KeysUnavailable,
        "this loader awaits"
    );
}

fn base64_decode(segment: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap()
}

/// `#[require_token(scope = …)]` understands OAuth's `scope` string and
/// `scp` (string or list), as identity providers write them.
#[actix_web::test]
async fn oauth_scopes_satisfy_scope_requirements() {
    let jwt = JwtManager::builder().secret_key(SECRET).build().unwrap();
    let with = |name: &str, value: Value| {
        jwt.create_access_token_with("alice", TokenOptions::new().claim(name, value))
            .unwrap()
    };
    for (token, expected) in [
        (with("scope", json!("openid read:items")), StatusCode::OK),
        (with("scp", json!("read:items write:items")), StatusCode::OK),
        (with("scp", json!(["openid", "read:items"])), StatusCode::OK),
        (
            with("scope", json!("openid write:items")),
            StatusCode::FORBIDDEN,
        ),
        (with("scp", json!(["openid"])), StatusCode::FORBIDDEN),
    ] {
        assert_eq!(call(&jwt, "/items", &token).await.0, expected, "{token}");
    }
}
