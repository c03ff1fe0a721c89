//! The Redis store on a real Redis Cluster of three primaries and three
//! replicas, started by the tests on free loopback ports: instances sharing
//! revocations across every shard, a primary failover, and what the
//! replication wait keeps through one.
//!
//! Without `redis-server` installed these tests skip loudly, except with
//! `CI=true`, where they fail.

mod support;

#[cfg(not(feature = "redis"))]
#[test]
fn the_redis_cluster_tests_are_compiled_in_ci() {
    support::redis_feature_missing("the Redis Cluster tests");
}

#[cfg(feature = "redis")]
mod cluster_tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use actix_jwt_extended::JwtManager;
    use actix_jwt_extended::revocation::{RedisStore, RevocationStore as _};
    use actix_web::http::{Method, StatusCode};
    use actix_web::{App, test};

    use super::support::redis_cluster::{RedisCluster, command};
    use super::support::redis_store::{
        eventually, instance, jti_key, or_skip, store, synced, until_revoked,
    };
    use super::support::{
        assert_fail_closed, assert_instances_share_revocations, builder, get_with, hello,
        logout_within, routes, send,
    };

    /// An access token of `identity` whose `jti` entry lives on the shard
    /// of primary `primary`.
    fn token_on(
        cluster: &RedisCluster,
        jwt: &JwtManager,
        prefix: &str,
        primary: usize,
        identity: &str,
    ) -> String {
        loop {
            let token = jwt.create_access_token(identity).unwrap();
            if cluster.primary_of(&jti_key(prefix, &token)) == primary {
                return token;
            }
        }
    }

    async fn logout<S, B>(app: &S, token: &str) -> StatusCode
    where
        S: actix_web::dev::Service<
                actix_http::Request,
                Response = actix_web::dev::ServiceResponse<B>,
                Error = actix_web::Error,
            >,
        B: actix_web::body::MessageBody,
    {
        send(app, Method::DELETE, "/logout", Some(token)).await.0
    }

    #[actix_web::test]
    async fn instances_on_a_cluster_honour_each_others_revocations_on_every_shard() {
        let cluster = or_skip!(RedisCluster::start(
            "instances_on_a_cluster_honour_each_others_revocations_on_every_shard"
        ));
        // A from the URL form, B from the builder's list of nodes.
        let (jwt_a, store_a) = instance(&cluster.url(), "shared:").await;
        let store_b = RedisStore::builder()
            .cluster(cluster.node_urls())
            .key_prefix("shared:")
            .connect()
            .await
            .unwrap();
        let jwt_b = builder().revocation_store(store_b.clone()).build().unwrap();
        let app_a = test::init_service(App::new().app_data(jwt_a.clone()).configure(routes)).await;
        let app_b = test::init_service(App::new().app_data(jwt_b.clone()).configure(routes)).await;
        synced(&store_a).await;
        synced(&store_b).await;

        // Two tokens on each shard, revoked through A…
        let mut tokens = Vec::new();
        for primary in 0..3 {
            for n in 0..2 {
                tokens.push(token_on(
                    &cluster,
                    &jwt_a,
                    "shared:",
                    primary,
                    &format!("u{primary}{n}"),
                ));
            }
        }
        for token in &tokens {
            assert_eq!(
                get_with(&app_b, "/protected", token).await.0,
                StatusCode::OK
            );
            assert_eq!(logout(&app_a, token).await, StatusCode::OK);
        }
        // …are rejected by B, from its mirror (soon: see until_revoked).
        assert!(store_b.is_synced());
        for token in &tokens {
            until_revoked(&app_b, token).await;
        }
        let mut per_primary = BTreeMap::new();
        for node in 0..3 {
            let keys: i64 = command(cluster.port(node), &["DBSIZE"]).unwrap();
            per_primary.insert(node, keys);
        }
        assert!(
            per_primary.values().all(|keys| *keys >= 2),
            "entries on every shard: {per_primary:?}"
        );

        // A store without the mirror looks up the three keys of a token (on
        // up to three shards) directly.
        let direct = RedisStore::builder()
            .url(cluster.url())
            .key_prefix("shared:")
            .mirror(false)
            .connect()
            .await
            .unwrap();
        let jwt_c = builder().revocation_store(direct).build().unwrap();
        let app_c = test::init_service(App::new().app_data(jwt_c.clone()).configure(routes)).await;
        for token in &tokens {
            until_revoked(&app_c, token).await;
        }
        let fresh = jwt_a.create_access_token("fresh").unwrap();
        assert_eq!(
            get_with(&app_c, "/protected", &fresh).await,
            (StatusCode::OK, hello("fresh"))
        );

        assert_instances_share_revocations((&app_a, &jwt_a), (&app_b, &jwt_b)).await;

        // An instance started now loads everything, from every primary.
        let (jwt_d, store_d) = instance(&cluster.url(), "shared:").await;
        synced(&store_d).await;
        for token in &tokens {
            let decoded = jwt_d.decode_token(token).unwrap();
            assert!(jwt_d.is_token_revoked(&decoded).await.unwrap());
        }
    }

    #[actix_web::test]
    async fn a_primary_failover_keeps_the_store_working() {
        let mut cluster = or_skip!(RedisCluster::start(
            "a_primary_failover_keeps_the_store_working"
        ));
        let (jwt_a, store_a) = instance(&cluster.url(), "failover:").await;
        let (jwt_b, store_b) = instance(&cluster.url(), "failover:").await;
        let app_a = test::init_service(App::new().app_data(jwt_a.clone()).configure(routes)).await;
        let app_b = test::init_service(App::new().app_data(jwt_b.clone()).configure(routes)).await;
        synced(&store_a).await;
        synced(&store_b).await;

        let primary = 1;
        let replica = cluster.replica_of(primary);
        let gone = token_on(&cluster, &jwt_a, "failover:", primary, "gone");
        let valid = token_on(&cluster, &jwt_a, "failover:", primary, "valid");
        assert_eq!(logout(&app_a, &gone).await, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(50)).await;

        cluster.node(primary).stop();
        // Until the replica has taken over, and after: a revoked token is
        // never let through, a valid one is served or answered 503.
        let mut answers = BTreeMap::<(u16, u16), usize>::new();
        let mut took_over = false;
        for _ in 0..600 {
            for app in [&app_a, &app_b] {
                let (revoked, valid) = assert_fail_closed(app, &gone, &valid, "valid").await;
                *answers
                    .entry((revoked.as_u16(), valid.as_u16()))
                    .or_default() += 1;
            }
            if cluster.is_serving_primary(replica) {
                took_over = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(took_over, "the replica took over; answers {answers:?}");

        // Writes to the failed-over shard work again, and both mirrors
        // converge (they reload after the topology change).
        let after = token_on(&cluster, &jwt_a, "failover:", replica, "after");
        logout_within(&app_a, &after, Duration::from_secs(5)).await;
        synced(&store_a).await;
        synced(&store_b).await;
        for app in [&app_a, &app_b] {
            for token in [&gone, &after] {
                until_revoked(app, token).await;
            }
            assert_eq!(
                get_with(app, "/protected", &valid).await,
                (StatusCode::OK, hello("valid"))
            );
        }

        // The old primary comes back as a replica; nothing changes.
        cluster.node(primary).restart();
        cluster.wait_until_healthy();
        let last = jwt_b.create_access_token("last").unwrap();
        assert_eq!(logout(&app_b, &last).await, StatusCode::OK);
        until_revoked(&app_a, &last).await;
    }

    #[actix_web::test]
    async fn with_the_replication_wait_a_revocation_survives_the_failover_of_its_primary() {
        let mut cluster = or_skip!(RedisCluster::start(
            "with_the_replication_wait_a_revocation_survives_the_failover_of_its_primary"
        ));
        let prefix = "durable:";
        let waiting = RedisStore::builder()
            .url(cluster.url())
            .key_prefix(prefix)
            .replication_wait(1, Duration::from_millis(300))
            .connect()
            .await
            .unwrap();
        let plain = store(&cluster.url(), prefix).await;
        let jwt = builder().build().unwrap();
        // The store's own answer, with its reason.
        let revoke = async |store: &RedisStore, token: &str| {
            let token = jwt.decode_token(token).unwrap();
            store.revoke(token.jti().unwrap(), token.exp()).await
        };

        let primary = 2;
        let replica = cluster.replica_of(primary);

        // Acknowledged by the replica: reported as done.
        let kept = token_on(&cluster, &jwt, prefix, primary, "kept");
        revoke(&waiting, &kept).await.expect("revoked, replicated");

        // Cut the replica off: it is frozen, and the primary drops its link.
        cluster.node(replica).freeze(true);
        let _: i64 = command(
            cluster.port(primary),
            &["CLIENT", "KILL", "TYPE", "replica"],
        )
        .expect("CLIENT KILL TYPE replica");
        // With the wait, an unreplicated revocation is not reported as done…
        let unconfirmed = token_on(&cluster, &jwt, prefix, primary, "unconfirmed");
        let error = revoke(&waiting, &unconfirmed)
            .await
            .expect_err("no replica acknowledged it");
        assert!(
            error
                .to_string()
                .contains("acknowledged by 0 of the 1 replicas required"),
            "{error}"
        );
        // …without it, it is.
        let lost = token_on(&cluster, &jwt, prefix, primary, "lost");
        revoke(&plain, &lost).await.expect("reported as done");

        // The primary dies before the replica is back.
        cluster.node(primary).stop();
        cluster.node(replica).freeze(false);
        eventually("the replica takes over", Duration::from_secs(20), || {
            cluster.is_serving_primary(replica)
        })
        .await;

        // A store without the mirror sees what the cluster kept.
        let check = RedisStore::builder()
            .url(cluster.url())
            .key_prefix(prefix)
            .mirror(false)
            .connect()
            .await
            .unwrap();
        let jwt_check = builder().revocation_store(check).build().unwrap();
        // (Retried while the rest of the cluster learns of the failover.)
        let is_revoked = async |token: &str| {
            let token = jwt_check.decode_token(token).unwrap();
            for _ in 0..50 {
                if let Ok(revoked) = jwt_check.is_token_revoked(&token).await {
                    return revoked;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("the cluster does not answer after the failover");
        };
        assert!(is_revoked(&kept).await, "confirmed by the wait: survives");
        assert!(
            !is_revoked(&lost).await,
            "without the wait, the revocation the dead primary had not replicated is lost"
        );
        assert!(!is_revoked(&unconfirmed).await, "never reported as done");

        // The new primary has no replica until the old one is back: writes
        // with the wait are not confirmed meanwhile…
        let later = token_on(&cluster, &jwt, prefix, replica, "later");
        assert!(revoke(&waiting, &later).await.is_err());
        // …and are again once it is.
        cluster.node(primary).restart();
        cluster.wait_until_healthy();
        let mut result = revoke(&waiting, &later).await;
        for _ in 0..20 {
            if result.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            result = revoke(&waiting, &later).await;
        }
        result.expect("acknowledged by the returning replica");
        assert!(is_revoked(&later).await);
    }
}
