//! The cost of the revocation check, with the in-memory store and with the
//! Redis store (local mirror in sync, and direct lookups for comparison),
//! alone and as part of a request to a protected endpoint.
//!
//! ```sh
//! cargo bench -p actix-jwt-extended --features redis --bench revocation
//! ```
//!
//! The Redis cases need `redis-server` (started here on a free loopback
//! port); without it they are skipped with a message.

#[path = "../tests/support/redis_server.rs"]
mod redis_server;

use std::hint::black_box;
use std::time::{Duration, Instant};

use actix_jwt_extended::revocation::{MemoryStore, RedisStore};
use actix_jwt_extended::{DecodedToken, JwtManager, jwt_required};
use actix_web::{App, HttpResponse, get, test, web};
use criterion::{Criterion, criterion_group, criterion_main};
use redis_server::RedisServer;

/// Revoked tokens already in each store, so lookups hit populated maps.
const REVOKED: usize = 10_000;

#[get("/protected")]
#[jwt_required]
async fn protected() -> HttpResponse {
    HttpResponse::Ok().finish()
}

#[get("/skip")]
#[jwt_required(skip_revocation_check)]
async fn skip() -> HttpResponse {
    HttpResponse::Ok().finish()
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(protected).service(skip);
}

async fn manager(store: Option<RedisStore>) -> JwtManager {
    let builder = JwtManager::builder().secret_key("bench-secret");
    let jwt = match store {
        Some(store) => builder.revocation_store(store),
        None => builder.revocation_store(MemoryStore::new()),
    }
    .build()
    .unwrap();
    for _ in 0..REVOKED {
        let token = jwt.create_access_token("someone").unwrap();
        jwt.revoke_token(&jwt.decode_token(&token).unwrap())
            .await
            .unwrap();
    }
    jwt
}

struct Case {
    name: &'static str,
    jwt: JwtManager,
}

fn bench(c: &mut Criterion) {
    let system = actix_rt::System::new();
    let server = RedisServer::start("the Redis revocation benchmarks");
    let cases: Vec<Case> = system.block_on(async {
        let mut cases = vec![Case {
            name: "memory",
            jwt: manager(None).await,
        }];
        if let Some(server) = &server {
            let mirrored = RedisStore::connect(server.url()).await.unwrap();
            let jwt = manager(Some(mirrored.clone())).await;
            let deadline = Instant::now() + Duration::from_secs(10);
            while !mirrored.is_synced() {
                assert!(Instant::now() < deadline, "mirror not in sync");
                actix_rt::time::sleep(Duration::from_millis(10)).await;
            }
            cases.push(Case {
                name: "redis_mirror",
                jwt,
            });
            let direct = RedisStore::builder()
                .url(server.url())
                .mirror(false)
                .connect()
                .await
                .unwrap();
            cases.push(Case {
                name: "redis_direct",
                jwt: manager(Some(direct)).await,
            });
        }
        cases
    });

    let mut group = c.benchmark_group("revocation_check");
    for case in &cases {
        let token: DecodedToken = case
            .jwt
            .decode_token(&case.jwt.create_access_token("alice").unwrap())
            .unwrap();
        group.bench_function(case.name, |b| {
            b.iter_custom(|iters| {
                system.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let revoked = case.jwt.is_token_revoked(black_box(&token)).await;
                        assert!(!black_box(revoked.unwrap()));
                    }
                    start.elapsed()
                })
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("protected_endpoint");
    for case in &cases {
        let app = system.block_on(test::init_service(
            App::new().app_data(case.jwt.clone()).configure(routes),
        ));
        let header = format!("Bearer {}", case.jwt.create_access_token("alice").unwrap());
        let paths: &[(&str, &str)] = if case.name == "memory" {
            &[("/skip", "skip_check"), ("/protected", "memory")]
        } else {
            &[("/protected", case.name)]
        };
        for &(path, name) in paths {
            group.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    system.block_on(async {
                        let start = Instant::now();
                        for _ in 0..iters {
                            let request = test::TestRequest::get()
                                .uri(path)
                                .insert_header(("Authorization", header.as_str()))
                                .to_request();
                            let response = test::call_service(&app, request).await;
                            assert!(response.status().is_success());
                        }
                        start.elapsed()
                    })
                })
            });
        }
    }
    group.finish();

    interleaved_ratios(&system, &cases);
    drop(server);
}

/// Criterion measures one case after the other, so on a busy machine a
/// change of load between two cases shows up as a difference between them.
/// This measures the protected endpoint in alternating slices (memory,
/// Redis, memory, Redis, …) and prints the median of the per-round ratios
/// against the in-memory store.
fn interleaved_ratios(system: &actix_rt::SystemRunner, cases: &[Case]) {
    const ROUNDS: usize = 40;
    const REQUESTS: u32 = 2_000;
    let apps: Vec<_> = cases
        .iter()
        .map(|case| {
            let app = system.block_on(test::init_service(
                App::new().app_data(case.jwt.clone()).configure(routes),
            ));
            let header = format!("Bearer {}", case.jwt.create_access_token("alice").unwrap());
            (case.name, app, header)
        })
        .collect();
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); apps.len()];
    for _ in 0..ROUNDS {
        let mut times = Vec::with_capacity(apps.len());
        for (name, app, header) in &apps {
            let requests = if *name == "redis_direct" {
                REQUESTS / 10
            } else {
                REQUESTS
            };
            let elapsed = system.block_on(async {
                let start = Instant::now();
                for _ in 0..requests {
                    let request = test::TestRequest::get()
                        .uri("/protected")
                        .insert_header(("Authorization", header.as_str()))
                        .to_request();
                    let response = test::call_service(app, request).await;
                    assert!(response.status().is_success());
                }
                start.elapsed()
            });
            times.push(elapsed.as_secs_f64() / f64::from(requests));
        }
        for (i, time) in times.iter().enumerate() {
            ratios[i].push(time / times[0]);
        }
    }
    println!(
        "protected_endpoint, interleaved ({ROUNDS} rounds): time per request relative to memory"
    );
    for ((name, _, _), mut ratios) in apps.iter().zip(ratios) {
        ratios.sort_by(f64::total_cmp);
        let median = ratios[ratios.len() / 2];
        let (low, high) = (ratios[ratios.len() / 10], ratios[ratios.len() * 9 / 10]);
        println!("  {name:<14} median {median:.3}  (p10 {low:.3}, p90 {high:.3})");
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
