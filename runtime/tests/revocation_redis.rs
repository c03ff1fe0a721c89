//! The Redis store against a real `redis-server` started by the tests on a
//! free loopback port: keys and TTLs, cut-offs and rotation, two instances
//! sharing one Redis, and a Redis outage.
//!
//! Without `redis-server` installed these tests skip loudly, except with
//! `CI=true`, where they fail.

mod support;

#[cfg(not(feature = "redis"))]
#[test]
fn the_redis_tests_are_compiled_in_ci() {
    support::redis_feature_missing("the Redis store tests");
}

#[cfg(feature = "redis")]
mod redis_tests {
    use std::time::{Duration, Instant};

    use actix_jwt_extended::JwtManager;
    use actix_jwt_extended::revocation::{RedisStore, TokenPair};
    use actix_web::http::{Method, StatusCode};
    use actix_web::{App, test};
    use redis::AsyncCommands as _;
    use serde_json::json;

    use super::support::redis_server::RedisServer;
    use super::support::redis_store::{self, or_skip, store, synced};
    use super::support::{
        assert_instances_share_revocations, builder, get_with, hello, post_with, reused, revoked,
        routes, send, unavailable,
    };

    async fn raw(server: &RedisServer) -> redis::aio::MultiplexedConnection {
        redis::Client::open(server.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    #[actix_web::test]
    async fn revocations_are_keys_under_the_prefix_with_the_token_lifetime_as_ttl() {
        let server = or_skip!(RedisServer::start(
            "revocations_are_keys_under_the_prefix_with_the_token_lifetime_as_ttl"
        ));
        let store = store(&server.url(), "test-app:").await;
        assert_eq!(store.key_prefix(), "test-app:");
        let jwt = builder()
            .access_token_expires(Duration::from_secs(600))
            .revocation_store(store.clone())
            .build()
            .unwrap();
        let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
        let token = jwt.create_access_token("alice").unwrap();
        let decoded = jwt.decode_token(&token).unwrap();

        assert_eq!(
            get_with(&app, "/protected", &token).await,
            (StatusCode::OK, hello("alice"))
        );
        assert_eq!(
            send(&app, Method::DELETE, "/logout", Some(&token)).await,
            (StatusCode::OK, json!({ "msg": "Token revoked" }))
        );
        assert_eq!(
            get_with(&app, "/protected", &token).await,
            (StatusCode::UNAUTHORIZED, revoked())
        );

        let mut conn = raw(&server).await;
        let key = format!("test-app:jti:{}", decoded.jti().unwrap());
        let value: String = conn.get(&key).await.unwrap();
        assert_eq!(value, format!("r|{}", decoded.exp().unwrap()));
        let ttl: i64 = conn.ttl(&key).await.unwrap();
        assert!(
            (590..=600).contains(&ttl),
            "TTL {ttl} is the remaining lifetime"
        );
        let keys: Vec<String> = conn.keys("*").await.unwrap();
        assert_eq!(keys, vec![key], "one key, under the prefix");
    }

    #[actix_web::test]
    async fn identity_cutoff_and_rotation_work_through_redis() {
        let server = or_skip!(RedisServer::start(
            "identity_cutoff_and_rotation_work_through_redis"
        ));
        let store = store(&server.url(), "ajwt:").await;
        let jwt = builder().revocation_store(store.clone()).build().unwrap();
        let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
        let alice = jwt.create_access_token("alice").unwrap();
        let bob = jwt.create_access_token("bob").unwrap();

        let (status, _) = post_with(&app, "/logout/all", &alice).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            get_with(&app, "/protected", &alice).await,
            (StatusCode::UNAUTHORIZED, revoked())
        );
        assert_eq!(
            get_with(&app, "/protected", &bob).await,
            (StatusCode::OK, hello("bob"))
        );
        let mut conn = raw(&server).await;
        let cutoff: String = conn.get("ajwt:cut:alice").await.unwrap();
        let ttl: i64 = conn.ttl("ajwt:cut:alice").await.unwrap();
        assert!(cutoff.contains('|'));
        assert!(
            ttl > 29 * 24 * 3600,
            "kept for the refresh-token lifetime, TTL {ttl}"
        );

        let login = jwt.create_token_pair("alice").unwrap();
        let (status, body) = post_with(&app, "/refresh", &login.refresh_token).await;
        assert_eq!(status, StatusCode::OK);
        let rotated: TokenPair = serde_json::from_value(body).unwrap();
        assert_eq!(
            post_with(&app, "/refresh", &login.refresh_token).await,
            (StatusCode::UNAUTHORIZED, reused())
        );
        assert_eq!(
            get_with(&app, "/protected", &rotated.access_token).await,
            (StatusCode::UNAUTHORIZED, revoked())
        );
    }

    /// Two application instances, each with its own connection and mirror.
    async fn instance(server: &RedisServer) -> (JwtManager, RedisStore) {
        redis_store::instance(&server.url(), "shared:").await
    }

    #[actix_web::test]
    async fn two_instances_on_one_redis_honour_each_others_revocations() {
        let server = or_skip!(RedisServer::start(
            "two_instances_on_one_redis_honour_each_others_revocations"
        ));
        let (jwt_a, store_a) = instance(&server).await;
        let (jwt_b, store_b) = instance(&server).await;
        let app_a = test::init_service(App::new().app_data(jwt_a.clone()).configure(routes)).await;
        let app_b = test::init_service(App::new().app_data(jwt_b.clone()).configure(routes)).await;
        synced(&store_a).await;
        synced(&store_b).await;

        // Answered from B's mirror.
        assert_instances_share_revocations((&app_a, &jwt_a), (&app_b, &jwt_b)).await;
        assert!(store_b.is_synced());
    }

    #[actix_web::test]
    async fn without_the_mirror_every_check_asks_redis_directly() {
        let server = or_skip!(RedisServer::start(
            "without_the_mirror_every_check_asks_redis_directly"
        ));
        let (jwt_a, _store_a) = instance(&server).await;
        let direct = RedisStore::builder()
            .url(server.url())
            .key_prefix("shared:")
            .mirror(false)
            .connect()
            .await
            .unwrap();
        assert!(!direct.is_synced());
        let jwt_b = builder().revocation_store(direct).build().unwrap();
        let app_b = test::init_service(App::new().app_data(jwt_b.clone()).configure(routes)).await;

        let token = jwt_a.create_access_token("alice").unwrap();
        let refresh = jwt_a.create_refresh_token("alice").unwrap();
        assert_eq!(
            get_with(&app_b, "/protected", &token).await,
            (StatusCode::OK, hello("alice"))
        );
        jwt_a
            .revoke_token(&jwt_a.decode_token(&token).unwrap())
            .await
            .unwrap();
        jwt_a
            .rotate_refresh_token(&jwt_a.decode_token(&refresh).unwrap())
            .await
            .unwrap();
        // No wait: the lookup goes to Redis.
        assert_eq!(
            get_with(&app_b, "/protected", &token).await,
            (StatusCode::UNAUTHORIZED, revoked())
        );
        assert_eq!(
            post_with(&app_b, "/refresh", &refresh).await,
            (StatusCode::UNAUTHORIZED, reused())
        );
    }

    #[actix_web::test]
    async fn redis_down_fails_closed_with_503_and_redis_back_serves_again() {
        let mut server = or_skip!(RedisServer::start(
            "redis_down_fails_closed_with_503_and_redis_back_serves_again"
        ));
        let store = store(&server.url(), "outage:").await;
        let jwt = builder()
            .revocation_store(store.clone())
            .revocation_timeout(Duration::from_millis(500))
            .build()
            .unwrap();
        let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
        synced(&store).await;
        let token = jwt.create_access_token("alice").unwrap();
        assert_eq!(
            get_with(&app, "/protected", &token).await,
            (StatusCode::OK, hello("alice"))
        );

        server.stop();
        // The mirror notices the lost subscription at once; from then on
        // every check goes to Redis, fails, and is answered 503.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let started = Instant::now();
            let (status, body) = get_with(&app, "/protected", &token).await;
            assert!(started.elapsed() < Duration::from_secs(3), "no hang");
            if status == StatusCode::SERVICE_UNAVAILABLE {
                assert_eq!(body, unavailable());
                break;
            }
            assert_eq!(
                (status, body),
                (StatusCode::OK, hello("alice")),
                "never a 500"
            );
            assert!(
                Instant::now() < deadline,
                "still 200 5 s after Redis stopped"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for _ in 0..3 {
            let started = Instant::now();
            assert_eq!(
                get_with(&app, "/protected", &token).await,
                (StatusCode::SERVICE_UNAVAILABLE, unavailable())
            );
            assert!(started.elapsed() < Duration::from_secs(3), "no hang");
        }
        assert_eq!(
            send(&app, Method::DELETE, "/logout", Some(&token)).await,
            (StatusCode::SERVICE_UNAVAILABLE, unavailable())
        );

        server.restart();
        // The same app, not restarted, serves again once Redis is back.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (status, body) = get_with(&app, "/protected", &token).await;
            if status == StatusCode::OK {
                assert_eq!(body, hello("alice"));
                break;
            }
            assert_eq!(
                (status, body),
                (StatusCode::SERVICE_UNAVAILABLE, unavailable())
            );
            assert!(
                Instant::now() < deadline,
                "still 503 10 s after Redis came back"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Revocation works again, and the mirror resynchronises.
        assert_eq!(
            send(&app, Method::DELETE, "/logout", Some(&token)).await,
            (StatusCode::OK, json!({ "msg": "Token revoked" }))
        );
        synced(&store).await;
        assert_eq!(
            get_with(&app, "/protected", &token).await,
            (StatusCode::UNAUTHORIZED, revoked())
        );
    }

    #[actix_web::test]
    async fn a_frozen_redis_is_cut_off_by_timeouts_and_recovers() {
        let server = or_skip!(RedisServer::start(
            "a_frozen_redis_is_cut_off_by_timeouts_and_recovers"
        ));
        let store = RedisStore::builder()
            .url(server.url())
            .key_prefix("frozen:")
            .command_timeout(Duration::from_millis(300))
            .connect()
            .await
            .unwrap();
        let jwt = builder()
            .revocation_store(store.clone())
            .revocation_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let app = test::init_service(App::new().app_data(jwt.clone()).configure(routes)).await;
        synced(&store).await;
        let token = jwt.create_access_token("alice").unwrap();

        // Redis stops answering but keeps its connections open.
        server.freeze(true);
        assert_eq!(
            send(&app, Method::DELETE, "/logout", Some(&token)).await,
            (StatusCode::SERVICE_UNAVAILABLE, unavailable())
        );
        // Once the mirror's ping has gone unanswered, checks go to Redis and
        // time out: 503, each within a bounded time.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let started = Instant::now();
            let (status, body) = get_with(&app, "/protected", &token).await;
            assert!(started.elapsed() < Duration::from_secs(2), "no hang");
            if status == StatusCode::SERVICE_UNAVAILABLE {
                assert_eq!(body, unavailable());
                break;
            }
            assert_eq!((status, body), (StatusCode::OK, hello("alice")));
            assert!(
                Instant::now() < deadline,
                "still answered from the mirror after 5 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        server.freeze(false);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let (status, body) = get_with(&app, "/protected", &token).await;
            if status == StatusCode::OK {
                assert_eq!(body, hello("alice"));
                break;
            }
            assert_eq!(
                (status, body),
                (StatusCode::SERVICE_UNAVAILABLE, unavailable())
            );
            assert!(
                Instant::now() < deadline,
                "still 503 10 s after Redis thawed"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            send(&app, Method::DELETE, "/logout", Some(&token)).await,
            (StatusCode::OK, json!({ "msg": "Token revoked" }))
        );
        assert_eq!(
            get_with(&app, "/protected", &token).await,
            (StatusCode::UNAUTHORIZED, revoked())
        );
    }

    #[actix_web::test]
    async fn the_mirror_loads_revocations_made_before_it_started() {
        let server = or_skip!(RedisServer::start(
            "the_mirror_loads_revocations_made_before_it_started"
        ));
        let (jwt_a, _store_a) = instance(&server).await;
        let token = jwt_a.create_access_token("alice").unwrap();
        jwt_a
            .revoke_token(&jwt_a.decode_token(&token).unwrap())
            .await
            .unwrap();

        let (jwt_b, store_b) = instance(&server).await;
        synced(&store_b).await;
        assert!(
            jwt_b
                .is_token_revoked(&jwt_b.decode_token(&token).unwrap())
                .await
                .unwrap()
        );
    }

    #[actix_web::test]
    async fn connecting_to_an_unreachable_redis_fails_within_the_timeout() {
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let started = Instant::now();
        let result = RedisStore::builder()
            .url(format!("redis://app:hunter2@127.0.0.1:{port}/0"))
            .command_timeout(Duration::from_millis(300))
            .connect()
            .await;
        assert!(started.elapsed() < Duration::from_secs(3));
        // The message names the server, not its password.
        let message = result.unwrap_err().to_string();
        assert!(
            message.contains(&format!("Redis at redis://app:***@127.0.0.1:{port}/0")),
            "{message}"
        );
        assert!(!message.contains("hunter2"), "{message}");
    }
}
