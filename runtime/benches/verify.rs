//! Micro-benchmarks of token creation and verification (see BENCHMARKS.md).
//!
//! ```sh
//! cargo bench -p actix-jwt-extended --bench verify
//! cargo bench -p actix-jwt-extended --bench verify -- 'request/'   # one group
//! ```
//!
//! * `create/<alg>`: `create_access_token` (the login path).
//! * `verify/<alg>/ours`: `decode_token`, full verification of one token;
//!   `verify/<alg>/jsonwebtoken`: `jsonwebtoken::decode` of the same token.
//! * `request/<alg>/<case>`: the whole request pipeline (`verify_jwt_in_request`,
//!   which the attribute macros run): `full` with the cache off,
//!   `cache-hit`, and `cache-miss` (the cache emptied before each request).
//! * `revocation/<case>`: the same with the default in-memory revocation
//!   store (10 000 revoked tokens in it) against `skip_revocation_check`.

use std::hint::black_box;
use std::time::Duration;

use actix_jwt_extended::{
    Algorithm, JwtManager, JwtManagerBuilder, TokenCache, VerifyOptions, verify_jwt_in_request,
};
use actix_web::HttpRequest;
use actix_web::test::TestRequest;
use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::FutureExt as _;

const SECRET: &str = "benchmark-secret-of-reasonable-length";

fn key(name: &str) -> String {
    let path = format!("{}/../tests/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn stem(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::ES256 => "ec256",
        Algorithm::ES384 => "ec384",
        Algorithm::EdDSA => "ed25519",
        _ => "rsa",
    }
}

fn builder(algorithm: Algorithm, cache: TokenCache) -> JwtManagerBuilder {
    let builder = JwtManager::builder()
        .algorithm(algorithm)
        .verified_token_cache(cache);
    if algorithm.is_asymmetric() {
        let stem = stem(algorithm);
        builder
            .private_key_pem(key(&format!("{stem}_private.pem")))
            .public_key_pem(key(&format!("{stem}_public.pem")))
    } else {
        builder.secret_key(SECRET)
    }
}

fn manager(algorithm: Algorithm, cache: TokenCache) -> JwtManager {
    builder(algorithm, cache).build().expect("manager")
}

fn decoding_key(algorithm: Algorithm) -> jsonwebtoken::DecodingKey {
    use jsonwebtoken::DecodingKey;
    let public = || key(&format!("{}_public.pem", stem(algorithm)));
    match algorithm {
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
            Ok(DecodingKey::from_secret(SECRET.as_bytes()))
        }
        Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(public().as_bytes()),
        Algorithm::EdDSA => DecodingKey::from_ed_pem(public().as_bytes()),
        _ => DecodingKey::from_rsa_pem(public().as_bytes()),
    }
    .expect("decoding key")
}

fn jsonwebtoken_algorithm(algorithm: Algorithm) -> jsonwebtoken::Algorithm {
    algorithm.as_str().parse().expect("same names")
}

fn request(jwt: &JwtManager, token: &str) -> HttpRequest {
    TestRequest::get()
        .insert_header(("Authorization", format!("Bearer {token}")))
        .app_data(jwt.clone())
        .to_http_request()
}

/// One pass of the request pipeline; every hook here is synchronous.
fn verify(jwt: &JwtManager, req: &HttpRequest) {
    verify_with(jwt, req, VerifyOptions::new());
}

fn verify_with(_jwt: &JwtManager, req: &HttpRequest, options: VerifyOptions) {
    let verified = verify_jwt_in_request(req, options)
        .now_or_never()
        .expect("no await")
        .expect("valid token");
    black_box(verified);
}

const ALGORITHMS: [Algorithm; 7] = [
    Algorithm::HS256,
    Algorithm::RS256,
    Algorithm::PS256,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
    Algorithm::HS512,
];

fn create(c: &mut Criterion) {
    let mut group = c.benchmark_group("create");
    for algorithm in ALGORITHMS {
        let jwt = manager(algorithm, TokenCache::Off);
        group.bench_function(algorithm.as_str(), |b| {
            b.iter(|| black_box(jwt.create_access_token("alice").expect("token")))
        });
    }
    group.finish();
}

fn verify_token(c: &mut Criterion) {
    let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
    );
    let mut group = c.benchmark_group("verify");
    for algorithm in ALGORITHMS {
        let jwt = manager(algorithm, TokenCache::Off);
        let token = jwt.create_access_token("alice").expect("token");
        group.bench_function(format!("{algorithm}/ours"), |b| {
            b.iter(|| black_box(jwt.decode_token(black_box(&token)).expect("valid")))
        });
        let key = decoding_key(algorithm);
        let validation = jsonwebtoken::Validation::new(jsonwebtoken_algorithm(algorithm));
        group.bench_function(format!("{algorithm}/jsonwebtoken"), |b| {
            b.iter(|| {
                black_box(
                    jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &key, &validation)
                        .expect("valid"),
                )
            })
        });
    }
    group.finish();
}

fn request_pipeline(c: &mut Criterion) {
    let mut group = c.benchmark_group("request");
    for algorithm in [
        Algorithm::HS256,
        Algorithm::RS256,
        Algorithm::ES256,
        Algorithm::EdDSA,
    ] {
        let full = manager(algorithm, TokenCache::Off);
        let token = full.create_access_token("alice").expect("token");
        let req = request(&full, &token);
        group.bench_function(format!("{algorithm}/full"), |b| {
            b.iter(|| verify(&full, &req))
        });

        let cached = manager(algorithm, TokenCache::On);
        let req = request(&cached, &token);
        verify(&cached, &req);
        group.bench_function(format!("{algorithm}/cache-hit"), |b| {
            b.iter(|| verify(&cached, &req))
        });
        group.bench_function(format!("{algorithm}/cache-miss"), |b| {
            b.iter(|| {
                cached.clear_verified_token_cache();
                verify(&cached, &req)
            })
        });
    }
    group.finish();
}

fn revocation(c: &mut Criterion) {
    let mut group = c.benchmark_group("revocation");
    for (name, algorithm, cache) in [
        ("HS256", Algorithm::HS256, TokenCache::Off),
        ("HS256-cache-hit", Algorithm::HS256, TokenCache::On),
        ("RS256-cache-hit", Algorithm::RS256, TokenCache::On),
    ] {
        let jwt = manager(algorithm, cache);
        // A populated store, so that the lookup is a real one.
        for _ in 0..10_000 {
            let token = jwt.create_access_token("someone").expect("token");
            let token = jwt.decode_token(&token).expect("valid");
            jwt.revoke_token(&token)
                .now_or_never()
                .expect("the in-memory store answers at once")
                .expect("revoked");
        }
        let token = jwt.create_access_token("alice").expect("token");
        let req = request(&jwt, &token);
        let skip = VerifyOptions::new().skip_revocation_check(true);
        verify(&jwt, &req);
        group.bench_function(format!("{name}/skipped"), |b| {
            b.iter(|| verify_with(&jwt, &req, skip))
        });
        group.bench_function(format!("{name}/in-memory-store"), |b| {
            b.iter(|| verify(&jwt, &req))
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! {
    name = benches;
    config = config();
    targets = create, verify_token, request_pipeline, revocation
}
criterion_main!(benches);
