//! The Redis store on a real Sentinel setup (a primary, a replica, three
//! sentinels), started by the tests on free loopback ports: the store
//! follows the primary through a failover after a crash, and through a
//! manual failover while the old primary still accepts writes.
//!
//! Without `redis-server` installed these tests skip loudly, except with
//! `CI=true`, where they fail.

mod support;

#[cfg(not(feature = "redis"))]
#[test]
fn the_redis_sentinel_tests_are_compiled_in_ci() {
    support::redis_feature_missing("the Redis Sentinel tests");
}

#[cfg(feature = "redis")]
mod sentinel_tests {
    use std::time::{Duration, Instant};

    use actix_jwt_extended::revocation::RedisStore;
    use actix_web::http::{Method, StatusCode};
    use actix_web::{App, test};

    use super::support::redis_cluster::{command, role};
    use super::support::redis_sentinel::{MASTER, RedisSentinel};
    use super::support::redis_store::{
        eventually, instance, jti_key, or_skip, synced, until_revoked,
    };
    use super::support::{assert_fail_closed, builder, logout_within, routes, send};

    /// Whether the server on `port` holds `key`.
    fn holds(port: u16, key: &str) -> bool {
        command::<i64>(port, &["EXISTS", key]).is_ok_and(|n| n == 1)
    }

    #[actix_web::test]
    async fn the_store_follows_the_primary_when_it_dies() {
        let mut setup = or_skip!(RedisSentinel::start(
            "the_store_follows_the_primary_when_it_dies"
        ));
        // A from the URL form, B from the builder's list of sentinels.
        let (jwt_a, store_a) = instance(&setup.url(), "sentinel:").await;
        let store_b = RedisStore::builder()
            .sentinel(setup.sentinel_urls(), MASTER)
            .key_prefix("sentinel:")
            .connect()
            .await
            .unwrap();
        let jwt_b = builder().revocation_store(store_b.clone()).build().unwrap();
        let app_a = test::init_service(App::new().app_data(jwt_a.clone()).configure(routes)).await;
        let app_b = test::init_service(App::new().app_data(jwt_b.clone()).configure(routes)).await;
        synced(&store_a).await;
        synced(&store_b).await;

        let gone = jwt_a.create_access_token("gone").unwrap();
        let valid = jwt_a.create_access_token("valid").unwrap();
        assert_eq!(
            send(&app_a, Method::DELETE, "/logout", Some(&gone)).await.0,
            StatusCode::OK
        );
        until_revoked(&app_b, &gone).await;

        let old = setup.index_of(setup.named_primary().unwrap());
        let new = 1 - old;
        let new_port = setup.node(new).port();
        setup.node(old).stop();
        // Never a revoked token through, never another error than 503.
        let mut moved = false;
        for _ in 0..750 {
            for app in [&app_a, &app_b] {
                assert_fail_closed(app, &gone, &valid, "valid").await;
            }
            if setup.named_primary() == Some(new_port) {
                moved = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(moved, "Sentinel promoted the replica");

        // Writes reach the new primary soon after Sentinel names it.
        let after = jwt_a.create_access_token("after").unwrap();
        logout_within(&app_a, &after, Duration::from_secs(5)).await;
        assert!(holds(new_port, &jti_key("sentinel:", &after)));
        synced(&store_a).await;
        synced(&store_b).await;
        for app in [&app_a, &app_b] {
            for token in [&gone, &after] {
                until_revoked(app, token).await;
            }
        }

        // The old primary comes back (empty, and a primary until Sentinel
        // turns it into a replica): the store stays with the named one.
        setup.node(old).restart();
        let last = jwt_b.create_access_token("last").unwrap();
        assert_eq!(
            send(&app_b, Method::DELETE, "/logout", Some(&last)).await.0,
            StatusCode::OK
        );
        assert!(holds(new_port, &jti_key("sentinel:", &last)));
        until_revoked(&app_a, &last).await;
    }

    #[actix_web::test]
    async fn after_a_manual_failover_writes_move_to_the_new_primary_at_once() {
        let mut setup = or_skip!(RedisSentinel::start(
            "after_a_manual_failover_writes_move_to_the_new_primary_at_once"
        ));
        let (jwt_a, store_a) = instance(&setup.url(), "manual:").await;
        let (jwt_b, store_b) = instance(&setup.url(), "manual:").await;
        synced(&store_a).await;
        synced(&store_b).await;
        let old_port = setup.named_primary().unwrap();
        let new_port = setup.node(1 - setup.index_of(old_port)).port();

        let _: String = command(setup.sentinel_port(), &["SENTINEL", "FAILOVER", MASTER])
            .expect("SENTINEL FAILOVER");
        eventually(
            "Sentinel names the new primary",
            Duration::from_secs(10),
            || setup.named_primary() == Some(new_port),
        )
        .await;
        let named = Instant::now();
        // The old primary still takes writes for a while; the store must
        // not: within a second, every revocation lands on the new one.
        let mut landed = None;
        for n in 0..100 {
            let token = jwt_a.create_access_token(format!("t{n}")).unwrap();
            let decoded = jwt_a.decode_token(&token).unwrap();
            if jwt_a.revoke_token(&decoded).await.is_ok()
                && holds(new_port, &jti_key("manual:", &token))
            {
                landed = Some((named.elapsed(), token));
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (after, token) = landed.expect("a revocation reached the new primary");
        assert!(after < Duration::from_secs(2), "took {after:?}");
        assert_eq!(role(new_port).as_deref(), Some("master"));
        // The other instance honours it within a second too: it follows
        // the new primary and reloads its mirror from it.
        let decoded = jwt_b.decode_token(&token).unwrap();
        while !jwt_b.is_token_revoked(&decoded).await.unwrap_or(false) {
            assert!(
                named.elapsed() < Duration::from_secs(2),
                "instance B still accepts the token"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        synced(&store_a).await;
        synced(&store_b).await;
    }
}
