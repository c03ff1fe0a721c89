//! Tokens of an identity provider: the manager fetches the provider's JWKS
//! (JWT_JWKS_URL, or OpenID Connect discovery with JWT_OIDC_ISSUER) from a
//! real HTTP server started here, whose key set and availability the tests
//! change — rotation, refetch on an unknown `kid`, a burst of random `kid`s,
//! an outage, a provider never reached, a discovery document with another
//! issuer.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_jwt_extended::{JwtManager, jwt_required};
use actix_jwt_extended_examples::{key, now, sign_with};
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, get, test, web};
use jsonwebtoken::EncodingKey;
use serde_json::{Value, json};

/// The provider: its JWKS (and discovery document), how often they were
/// fetched, and whether it is down.
#[derive(Clone, Default)]
struct Provider {
    jwks: Arc<Mutex<Value>>,
    discovery: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
    down: Arc<AtomicBool>,
}

impl Provider {
    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    fn set_keys(&self, keys: Vec<Value>) {
        *self.jwks.lock().unwrap() = json!({ "keys": keys });
    }
}

async fn jwks(provider: web::Data<Provider>) -> HttpResponse {
    provider.fetches.fetch_add(1, Ordering::SeqCst);
    if provider.down.load(Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let body = provider.jwks.lock().unwrap().clone();
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=1"))
        .json(body)
}

async fn discovery(provider: web::Data<Provider>) -> HttpResponse {
    let body = provider.discovery.lock().unwrap().clone();
    HttpResponse::Ok().json(body)
}

/// Starts the provider on a free loopback port.
fn start(provider: &Provider) -> actix_test::TestServer {
    let data = web::Data::new(provider.clone());
    actix_test::start(move || {
        App::new()
            .app_data(data.clone())
            .route("/jwks", web::get().to(jwks))
            .route(
                "/realms/test/.well-known/openid-configuration",
                web::get().to(discovery),
            )
    })
}

/// The public JWK of a test key with `kid`.
fn jwk(public_pem: &str, kid: &str) -> Value {
    let public = actix_jwt_extended::Key::public_pem(public_pem);
    let jwt = JwtManager::builder()
        .algorithm(actix_jwt_extended::Algorithm::RS256)
        .add_key(public.kid(kid))
        .build()
        .unwrap();
    jwt.jwks()["keys"][0].clone()
}

/// A provider token signed by `private_pem` with `kid`.
fn provider_token(private_pem: &str, kid: &str, claims: Value) -> String {
    let key = EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap();
    let header = json!({"alg": "RS256", "kid": kid, "typ": "JWT"});
    sign_with(
        jsonwebtoken::Algorithm::RS256,
        &header.to_string(),
        &claims.to_string(),
        &key,
    )
}

fn claims() -> Value {
    // An access token as Keycloak or Auth0 issue them: no type, fresh or
    // csrf claims.
    json!({"sub": "bob", "iss": "https://idp.test", "aud": "api", "exp": now() + 600,
           "iat": now(), "scope": "openid profile"})
}

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": current_token.sub() }))
}

async fn call(jwt: &JwtManager, token: &str) -> (StatusCode, Value) {
    let app = test::init_service(App::new().app_data(jwt.clone()).service(protected)).await;
    let req = test::TestRequest::get()
        .uri("/protected")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    let resp = test::call_service(&app, req).await;
    (resp.status(), test::read_body_json(resp).await)
}

fn manager(options: &[(&str, &str)]) -> JwtManager {
    JwtManager::builder()
        .options(
            [("JWT_ALGORITHM", "RS256"), ("JWT_DECODE_AUDIENCE", "api")]
                .into_iter()
                .chain(options.iter().copied()),
        )
        .unwrap()
        .build()
        .unwrap()
}

#[actix_web::test]
async fn provider_tokens_verify_and_a_rotation_is_followed_on_first_sight() {
    let provider = Provider::default();
    provider.set_keys(vec![jwk(&key("rsa_public.pem"), "k1")]);
    let server = start(&provider);
    let url = server.url("/jwks");
    let jwt = manager(&[("JWT_JWKS_URL", url.as_str()), ("JWT_JWKS_COOLDOWN", "0")]);
    assert_eq!(
        provider.fetches(),
        1,
        "fetched before the manager was built"
    );
    let keys = jwt.keys();
    assert!(keys.iter().all(|k| k.remote) && keys.len() == 1);

    let bob = provider_token(&key("rsa_private.pem"), "k1", claims());
    assert_eq!(
        call(&jwt, &bob).await,
        (StatusCode::OK, json!({"sub": "bob"}))
    );

    // The provider rotates: a new key, then tokens signed with it.
    provider.set_keys(vec![
        jwk(&key("rsa_public.pem"), "k1"),
        jwk(&key("rsa2_public.pem"), "k2"),
    ]);
    let rotated = provider_token(&key("rsa2_private.pem"), "k2", claims());
    assert_eq!(call(&jwt, &rotated).await.0, StatusCode::OK);
    assert_eq!(provider.fetches(), 2, "one refetch for the unknown kid");
    assert_eq!(call(&jwt, &rotated).await.0, StatusCode::OK);
    assert_eq!(provider.fetches(), 2, "known now");
    // The provider's keys are not republished by this service.
    assert_eq!(jwt.jwks(), json!({"keys": []}));
}

#[actix_web::test]
async fn a_burst_of_random_kids_costs_at_most_one_fetch_per_cooldown() {
    let provider = Provider::default();
    provider.set_keys(vec![jwk(&key("rsa_public.pem"), "k1")]);
    let server = start(&provider);
    let url = server.url("/jwks");
    let jwt = manager(&[("JWT_JWKS_URL", url.as_str()), ("JWT_JWKS_COOLDOWN", "30")]);
    let app = test::init_service(App::new().app_data(jwt.clone()).service(protected)).await;
    let requests = (0..1000).map(|i| {
        let token = provider_token(&key("rsa_private.pem"), &format!("random-{i}"), claims());
        test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/protected")
                .insert_header(("Authorization", format!("Bearer {token}")))
                .to_request(),
        )
    });
    let responses = futures_util::future::join_all(requests).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|&s| s == 422), "{statuses:?}");
    // The fetch at build, and at most one for the whole burst.
    assert!(provider.fetches() <= 2, "{} fetches", provider.fetches());
}

#[actix_web::test]
async fn an_outage_keeps_the_previous_keys_then_recovers() {
    let provider = Provider::default();
    provider.set_keys(vec![jwk(&key("rsa_public.pem"), "k1")]);
    let server = start(&provider);
    let url = server.url("/jwks");
    let jwt = manager(&[
        ("JWT_JWKS_URL", url.as_str()),
        ("JWT_JWKS_COOLDOWN", "0"),
        ("JWT_JWKS_REFRESH_MIN", "1"),
        ("JWT_JWKS_REFRESH_MAX", "1"),
    ]);
    let bob = provider_token(&key("rsa_private.pem"), "k1", claims());
    provider.down.store(true, Ordering::SeqCst);
    let fetches = provider.fetches();
    // Refreshes fail (the server answers 503), the keys stay in use.
    while provider.fetches() < fetches + 2 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(call(&jwt, &bob).await.0, StatusCode::OK);
    let rotated = provider_token(&key("rsa2_private.pem"), "k2", claims());
    assert_eq!(
        call(&jwt, &rotated).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Back, with a new key: recovered.
    provider.set_keys(vec![
        jwk(&key("rsa_public.pem"), "k1"),
        jwk(&key("rsa2_public.pem"), "k2"),
    ]);
    provider.down.store(false, Ordering::SeqCst);
    let mut recovered = false;
    for _ in 0..50 {
        if call(&jwt, &rotated).await.0 == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the new key is used once the provider is back");
    assert_eq!(call(&jwt, &bob).await.0, StatusCode::OK);
}

#[actix_web::test]
async fn without_keys_ever_fetched_verification_fails_closed() {
    // A loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/jwks");
    let jwt = manager(&[("JWT_JWKS_URL", url.as_str()), ("JWT_JWKS_TIMEOUT", "1")]);
    let bob = provider_token(&key("rsa_private.pem"), "k1", claims());
    assert_eq!(
        call(&jwt, &bob).await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"msg": "No verification keys are available"})
        )
    );
}

#[actix_web::test]
async fn discovery_requires_the_configured_issuer() {
    let provider = Provider::default();
    provider.set_keys(vec![jwk(&key("rsa_public.pem"), "k1")]);
    let server = start(&provider);
    let issuer = server.url("/realms/test");
    let jwks_uri = server.url("/jwks");
    let token_of = |iss: &str| {
        let mut claims = claims();
        claims["iss"] = json!(iss);
        provider_token(&key("rsa_private.pem"), "k1", claims)
    };

    *provider.discovery.lock().unwrap() = json!({"issuer": issuer, "jwks_uri": jwks_uri});
    let jwt = manager(&[("JWT_OIDC_ISSUER", issuer.as_str())]);
    assert_eq!(call(&jwt, &token_of(&issuer)).await.0, StatusCode::OK);
    // Discovery also makes the issuer required in tokens.
    assert_eq!(
        call(&jwt, &token_of("https://elsewhere.test")).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"msg": "Invalid issuer"})
        )
    );

    // A document that names another issuer is refused: no keys.
    *provider.discovery.lock().unwrap() =
        json!({"issuer": "https://evil.test/realms/test", "jwks_uri": jwks_uri});
    let refused = manager(&[
        ("JWT_OIDC_ISSUER", issuer.as_str()),
        ("JWT_JWKS_TIMEOUT", "1"),
    ]);
    assert!(refused.keys().is_empty());
    assert_eq!(
        call(&refused, &token_of(&issuer)).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[actix_web::test]
async fn remote_sources_are_checked_at_startup() {
    for (options, option) in [
        (
            vec![("JWT_JWKS_URL", "http://idp.example/jwks")],
            "JWT_JWKS_URL",
        ),
        (vec![("JWT_JWKS_URL", "not a url")], "JWT_JWKS_URL"),
        (
            vec![("JWT_OIDC_ISSUER", "ftp://idp.example")],
            "JWT_OIDC_ISSUER",
        ),
        (
            vec![
                ("JWT_JWKS_URL", "https://idp.example/jwks"),
                ("JWT_JWKS_REFRESH_MIN", "600"),
                ("JWT_JWKS_REFRESH_MAX", "60"),
            ],
            "JWT_JWKS_REFRESH_MIN",
        ),
    ] {
        let error = JwtManager::builder()
            .options(
                [("JWT_ALGORITHM", "RS256"), ("JWT_JWKS_PREFETCH", "false")]
                    .into_iter()
                    .chain(options),
            )
            .and_then(|b| b.build())
            .unwrap_err();
        assert_eq!(error.option(), Some(option), "{error}");
    }
}
