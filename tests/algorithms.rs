//! Every supported algorithm signs and verifies end to end, and keys of the
//! wrong family are refused.

use actix_jwt_extended::{Algorithm, ConfigError, JwtError, JwtManager, jwt_required};
use actix_jwt_extended_examples::{SECRET, key, key_pair, manager_for};
use actix_web::{App, HttpResponse, get, test as actix_test};
use serde_json::{Value, json};

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok()
        .json(json!({ "sub": current_token.sub(), "alg": current_token.header()["alg"] }))
}

async fn call(m: &JwtManager, token: &str) -> (u16, Value) {
    let app = actix_test::init_service(App::new().app_data(m.clone()).service(protected)).await;
    let req = actix_test::TestRequest::get()
        .uri("/protected")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    let resp = actix_test::call_service(&app, req).await;
    (
        resp.status().as_u16(),
        actix_test::read_body_json(resp).await,
    )
}

#[actix_web::test]
async fn every_algorithm_round_trips() {
    for algorithm in Algorithm::ALL {
        let m = manager_for(algorithm);
        let token = m.create_access_token("alice").unwrap();
        let decoded = m.decode_token(&token).unwrap();
        assert_eq!(decoded.header()["alg"], algorithm.as_str());
        assert_eq!(decoded.header()["typ"], "JWT");
        assert_eq!(
            call(&m, &token).await,
            (200, json!({"sub": "alice", "alg": algorithm.as_str()})),
            "{algorithm}"
        );
        let refresh = m.create_refresh_token("alice").unwrap();
        assert_eq!(m.decode_token(&refresh).unwrap().token_type(), "refresh");
    }
}

#[actix_web::test]
async fn tokens_of_another_algorithm_are_not_allowed() {
    let es = manager_for(Algorithm::ES256);
    for algorithm in [
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::EdDSA,
        Algorithm::HS256,
        Algorithm::ES384,
    ] {
        let token = manager_for(algorithm).create_access_token("alice").unwrap();
        assert_eq!(
            call(&es, &token).await,
            (
                422,
                json!({"msg": "The specified alg value is not allowed"})
            ),
            "{algorithm} token on an ES256 app"
        );
    }
}

#[actix_web::test]
async fn decode_allow_list_of_one_family() {
    let (private, public) = key_pair(Algorithm::RS256);
    let m = JwtManager::builder()
        .algorithm(Algorithm::RS256)
        .decode_algorithms([Algorithm::PS512, Algorithm::RS384])
        .private_key_pem(&private)
        .public_key_pem(&public)
        .build()
        .unwrap();
    for algorithm in [Algorithm::PS512, Algorithm::RS384, Algorithm::RS256] {
        let token = manager_for(algorithm).create_access_token("alice").unwrap();
        assert_eq!(call(&m, &token).await.0, 200, "{algorithm}");
    }
    let ps256 = manager_for(Algorithm::PS256)
        .create_access_token("alice")
        .unwrap();
    assert_eq!(call(&m, &ps256).await.0, 422);
}

#[test]
fn keys_must_fit_the_algorithm() {
    // A different public key than the private one.
    let err = JwtManager::builder()
        .algorithm(Algorithm::RS256)
        .private_key_pem(key("rsa_private.pem"))
        .public_key_pem(key("rsa2_public.pem"))
        .build()
        .unwrap_err();
    assert_eq!(err.option(), Some("JWT_PUBLIC_KEY"));
    // An EC key for an RSA algorithm.
    let err = JwtManager::builder()
        .algorithm(Algorithm::RS256)
        .public_key_pem(key("ec256_public.pem"))
        .build()
        .unwrap_err();
    assert_eq!(err.option(), Some("JWT_PUBLIC_KEY"));
    // Mixed families in the allow-list.
    let err = JwtManager::builder()
        .algorithm(Algorithm::RS256)
        .decode_algorithms([Algorithm::HS256])
        .secret_key(SECRET)
        .public_key_pem(key("rsa_public.pem"))
        .build()
        .unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::Invalid {
                option: "JWT_DECODE_ALGORITHMS",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn verification_only_services_need_no_private_key() {
    let m = JwtManager::builder()
        .algorithm(Algorithm::EdDSA)
        .public_key_pem(key("ed25519_public.pem"))
        .build()
        .unwrap();
    let token = manager_for(Algorithm::EdDSA)
        .create_access_token("alice")
        .unwrap();
    assert_eq!(m.decode_token(&token).unwrap().sub(), Some("alice"));
    let err = m.create_access_token("alice").unwrap_err();
    assert!(
        matches!(err.error(), JwtError::Encode(m) if m.contains("JWT_PRIVATE_KEY")),
        "{err}"
    );
}
