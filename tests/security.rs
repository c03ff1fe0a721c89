//! Attacks and malformed input: each gets a 4xx JSON error and the handler
//! body never runs.

use std::time::Duration;

use actix_jwt_extended::{Algorithm, Expires, JwtManager, jwt_required};
use actix_jwt_extended_examples::{
    Runs, SECRET, b64, hs256, hs256_token, key, manager_for, now, sign_hs,
};
use actix_web::{App, HttpResponse, get, test, web};
use serde_json::{Value, json};

#[get("/protected")]
#[jwt_required]
async fn protected(runs: web::Data<Runs>) -> HttpResponse {
    runs.hit();
    HttpResponse::Ok().json(json!({ "sub": current_token.sub() }))
}

async fn call(m: &JwtManager, token: &str) -> (u16, Value, usize) {
    let runs = Runs::default();
    let app = test::init_service(
        App::new()
            .app_data(m.clone())
            .app_data(web::Data::new(runs.clone()))
            .service(protected),
    )
    .await;
    let req = test::TestRequest::get()
        .uri("/protected")
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    let resp = test::call_service(&app, req).await;
    let status = resp.status().as_u16();
    (status, test::read_body_json(resp).await, runs.count())
}

async fn rejected(m: &JwtManager, token: &str, status: u16, msg: &str) {
    assert_eq!(
        call(m, token).await,
        (status, json!({ "msg": msg }), 0),
        "token: {:.60}",
        token
    );
}

const NOT_ALLOWED: &str = "The specified alg value is not allowed";

#[actix_web::test]
async fn alg_none_in_every_casing() {
    let m = hs256().build().unwrap();
    let payload = b64(json!({"sub": "admin", "exp": now() + 600}).to_string());
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = b64(json!({"alg": alg, "typ": "JWT"}).to_string());
        rejected(&m, &format!("{header}.{payload}."), 422, NOT_ALLOWED).await;
        // Even with a signature made with the secret.
        let signed = sign_hs(
            "HS256",
            &json!({"alg": alg}).to_string(),
            &json!({"sub": "admin", "exp": now() + 600}).to_string(),
            SECRET.as_bytes(),
        );
        rejected(&m, &signed, 422, NOT_ALLOWED).await;
    }
    let no_alg = sign_hs(
        "HS256",
        r#"{"typ":"JWT"}"#,
        r#"{"sub":"a"}"#,
        SECRET.as_bytes(),
    );
    rejected(&m, &no_alg, 422, NOT_ALLOWED).await;
}

#[actix_web::test]
async fn hs256_signed_with_the_public_key_as_secret() {
    let rs = manager_for(Algorithm::RS256);
    let public = key("rsa_public.pem");
    let forged = sign_hs(
        "HS256",
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &json!({"sub": "admin", "exp": now() + 600}).to_string(),
        public.as_bytes(),
    );
    rejected(&rs, &forged, 422, NOT_ALLOWED).await;
}

#[actix_web::test]
async fn tampering() {
    let m = hs256().build().unwrap();
    let token = m.create_access_token("alice").unwrap();
    let (input, _) = token.rsplit_once('.').unwrap();
    rejected(
        &m,
        &format!("{input}."),
        422,
        "Signature verification failed",
    )
    .await;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = b64(json!({"sub": "admin", "exp": now() + 600, "type": "access"}).to_string());
    rejected(&m, &parts.join("."), 422, "Signature verification failed").await;
    // A signature from another token.
    let other = m.create_access_token("mallory").unwrap();
    let forged = format!("{input}.{}", other.rsplit_once('.').unwrap().1);
    rejected(&m, &forged, 422, "Signature verification failed").await;
}

#[actix_web::test]
async fn string_and_missing_expiry() {
    let m = hs256().build().unwrap();
    let string_exp = hs256_token(&json!({"sub": "a", "exp": (now() + 600).to_string()}));
    rejected(
        &m,
        &string_exp,
        422,
        "Expiration Time claim (exp) must be an integer.",
    )
    .await;
    let no_exp = hs256_token(&json!({"sub": "a"}));
    rejected(&m, &no_exp, 422, "Token is missing the \"exp\" claim").await;
    let never = hs256()
        .access_token_expires(Expires::Never)
        .build()
        .unwrap();
    assert_eq!(call(&never, &no_exp).await, (200, json!({"sub": "a"}), 1));
    let minted = never.create_access_token("a").unwrap();
    assert!(never.decode_token(&minted).unwrap().exp().is_none());
    // Refresh tokens follow the refresh setting.
    let refresh_no_exp = hs256_token(&json!({"sub": "a", "type": "refresh"}));
    assert!(never.decode_token(&refresh_no_exp).is_err());
}

#[actix_web::test]
async fn oversized_token() {
    let m = hs256().build().unwrap();
    let huge = hs256_token(&json!({"sub": "a", "exp": now() + 600, "pad": "x".repeat(100 * 1024)}));
    assert!(huge.len() > 100 * 1024);
    rejected(&m, &huge, 422, "Token is too large").await;
    let roomy = hs256().max_token_size(256 * 1024).build().unwrap();
    assert_eq!(call(&roomy, &huge).await.0, 200);
}

#[actix_web::test]
async fn non_base64_and_extra_segments() {
    let m = hs256().build().unwrap();
    let token = m.create_access_token("alice").unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    rejected(
        &m,
        &format!("{}$.{}.{}", parts[0], parts[1], parts[2]),
        422,
        "Invalid header padding",
    )
    .await;
    rejected(
        &m,
        &format!("{}.{}*.{}", parts[0], parts[1], parts[2]),
        422,
        "Invalid payload padding",
    )
    .await;
    rejected(
        &m,
        &format!("{}.{}.{}!", parts[0], parts[1], parts[2]),
        422,
        "Invalid crypto padding",
    )
    .await;
    // Padding characters are not part of a JWT segment.
    rejected(
        &m,
        &format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
        422,
        "Invalid header padding",
    )
    .await;
    rejected(
        &m,
        &format!("{token}.{}", parts[2]),
        422,
        "Invalid payload padding",
    )
    .await;
    rejected(
        &m,
        &format!("{}.{token}", parts[0]),
        422,
        "Invalid payload padding",
    )
    .await;
}

#[actix_web::test]
async fn critical_headers_and_bad_kid_are_refused() {
    let m = hs256().build().unwrap();
    let payload = json!({"sub": "a", "exp": now() + 600}).to_string();
    let crit = sign_hs(
        "HS256",
        r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
        &payload,
        SECRET.as_bytes(),
    );
    rejected(&m, &crit, 422, "Unsupported critical header parameter(s)").await;
    let kid = sign_hs(
        "HS256",
        r#"{"alg":"HS256","kid":7}"#,
        &payload,
        SECRET.as_bytes(),
    );
    rejected(&m, &kid, 422, "Key ID header parameter must be a string").await;
}

#[actix_web::test]
async fn expiry_is_checked_with_zero_leeway_by_default() {
    let m = hs256().build().unwrap();
    let just_expired = hs256_token(&json!({"sub": "a", "exp": now() - 1}));
    rejected(&m, &just_expired, 401, "Token has expired").await;
    let _ = Duration::ZERO;
}

/// `b64` (RFC 7797) is only honoured when listed in `crit`, which is
/// refused; without `crit` it is an unknown header parameter, ignored: the
/// payload is still the base64url segment the signature covers.
#[actix_web::test]
async fn b64_header_without_crit_is_ignored_and_with_crit_refused() {
    let m = hs256().build().unwrap();
    let payload = json!({"sub": "a", "exp": now() + 600}).to_string();
    let plain_b64 = sign_hs(
        "HS256",
        r#"{"alg":"HS256","b64":false}"#,
        &payload,
        SECRET.as_bytes(),
    );
    assert_eq!(call(&m, &plain_b64).await, (200, json!({"sub": "a"}), 1));
    let critical_b64 = sign_hs(
        "HS256",
        r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#,
        &payload,
        SECRET.as_bytes(),
    );
    rejected(
        &m,
        &critical_b64,
        422,
        "Unsupported critical header parameter(s)",
    )
    .await;
    // An unencoded payload in the token is not base64url: refused.
    let unencoded = format!(
        "{}.{payload}.{}",
        b64(r#"{"alg":"HS256","b64":false,"crit":["b64"]}"#),
        critical_b64.rsplit('.').next().unwrap()
    );
    assert_eq!(call(&m, &unencoded).await.2, 0);
}

/// `n - s` for big-endian numbers of equal length (`s < n`).
fn order_minus(n: &[u8], s: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; n.len()];
    let mut borrow = 0i16;
    for i in (0..n.len()).rev() {
        let mut digit = i16::from(n[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(digit < 0);
        if digit < 0 {
            digit += 256;
        }
        out[i] = digit as u8;
    }
    out
}

/// ECDSA signatures are malleable: `(r, n - s)` verifies wherever `(r, s)`
/// does, and the backends accept both (they do not require low S; neither
/// do RFC 7518 nor PyJWT, and half of the signatures they create have a
/// high S). The twin carries exactly the same header and claims, and
/// nothing in this crate identifies a token by its signature: revocation
/// goes by `jti`, so revoking one revokes the other.
#[actix_web::test]
async fn ecdsa_high_s_twins_verify_to_the_same_token_and_share_its_revocation() {
    const P256_ORDER: &str = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
    const P384_ORDER: &str = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973";
    let hex = |text: &str| -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    };
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    for (algorithm, order) in [
        (Algorithm::ES256, hex(P256_ORDER)),
        (Algorithm::ES384, hex(P384_ORDER)),
    ] {
        let m = manager_for(algorithm);
        let token = m.create_access_token("alice").unwrap();
        let (input, signature) = token.rsplit_once('.').unwrap();
        let signature = engine.decode(signature).unwrap();
        let (r, s) = signature.split_at(order.len());
        let twin_signature = [r, &order_minus(&order, s)].concat();
        let twin = format!("{input}.{}", engine.encode(twin_signature));
        assert_ne!(twin, token);
        let original = m.decode_token(&token).unwrap();
        let decoded = m.decode_token(&twin).unwrap();
        assert_eq!(decoded.header(), original.header(), "{algorithm}");
        assert_eq!(decoded.claims(), original.claims(), "{algorithm}");
        m.revoke_token(&original).await.unwrap();
        assert!(m.is_token_revoked(&decoded).await.unwrap(), "{algorithm}");
    }
}
