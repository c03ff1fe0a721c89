//! The token decoder with fixed keys: header, claims and signature parsing.
//!
//! Input starting with byte 1 is `header JSON \0 claims JSON`, encoded and
//! signed with HS256 and the fixed secret so that claims parsing is reached;
//! any other input is decoded as a compact token as it stands.

#![no_main]

use std::sync::LazyLock;

use actix_jwt_extended::JwtManager;
use actix_jwt_extended_fuzz::{SECRET, manager};
use aws_lc_rs::hmac;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;

static MANAGERS: LazyLock<Vec<JwtManager>> = LazyLock::new(|| {
    let asymmetric = |algorithm: &str, public: &str| {
        JwtManager::builder()
            .options([("JWT_ALGORITHM", algorithm), ("JWT_PUBLIC_KEY", public)])
            .and_then(|b| b.build())
            .expect("test key")
    };
    vec![
        manager(&[("JWT_DECODE_ALGORITHMS", "HS256,HS384,HS512")]),
        asymmetric("ES256", include_str!("../../tests/keys/ec256_public.pem")),
        asymmetric("RS256", include_str!("../../tests/keys/rsa_public.pem")),
        asymmetric("EdDSA", include_str!("../../tests/keys/ed25519_public.pem")),
    ]
});

fuzz_target!(|data: &[u8]| {
    let token = match data.split_first() {
        Some((1, rest)) => {
            let split = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
            let (header, claims) = rest.split_at(split);
            let claims = claims.get(1..).unwrap_or_default();
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header),
                URL_SAFE_NO_PAD.encode(claims)
            );
            let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes());
            let signature = hmac::sign(&key, input.as_bytes());
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
        }
        _ => match std::str::from_utf8(data) {
            Ok(text) => text.to_owned(),
            Err(_) => return,
        },
    };
    for manager in MANAGERS.iter() {
        if let Ok(decoded) = manager.decode_token(&token) {
            // A verified token's views never panic, and its header and
            // claims are the JSON objects that were signed.
            let _ = (decoded.identity(), decoded.kind(), decoded.is_fresh());
            let _ = (decoded.jti(), decoded.exp(), decoded.iat(), decoded.scope());
            assert!(decoded.header().contains_key("alg"));
            assert_eq!(decoded.encoded(), token);
        }
    }
});
