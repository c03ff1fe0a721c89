//! A throw-away Sentinel setup on free loopback ports: a primary, one
//! replica, and three sentinels (quorum two) watching them as `mymaster`,
//! run by the same server binary (`redis-server <file> --sentinel`).
//! `down-after-milliseconds` is one second, so that a killed primary is
//! replaced within a few seconds. Ready once every sentinel sees the
//! replica and the two other sentinels.

#![allow(dead_code)]

use std::time::Duration;

use super::redis_cluster::{command, free_ports, info_field, wait_for};
use super::redis_server::{RedisServer, binary_or_skip};

/// The name the sentinels watch the primary under.
pub const MASTER: &str = "mymaster";

/// The data nodes (node 0 starts as the primary) and the sentinels.
pub struct RedisSentinel {
    nodes: Vec<RedisServer>,
    sentinels: Vec<RedisServer>,
}

impl RedisSentinel {
    /// Starts everything, or returns `None` (after a loud message) when the
    /// server binary is missing and `CI` is not `true`.
    pub fn start(test: &str) -> Option<Self> {
        let binary = binary_or_skip(test)?;
        let ports = free_ports(5);
        let common = ["--repl-diskless-sync-delay", "0", "--protected-mode", "no"];
        let primary = RedisServer::launch(&binary, ports[0], &common);
        let primary_port = ports[0].to_string();
        let mut replica_args = common.to_vec();
        replica_args.extend(["--replicaof", "127.0.0.1", &primary_port]);
        let replica = RedisServer::launch(&binary, ports[1], &replica_args);
        wait_for("the replica's link", Duration::from_secs(10), || {
            info_field(ports[1], &["INFO", "replication"], "master_link_status").as_deref()
                == Some("up")
        });
        let config = format!(
            "sentinel monitor {MASTER} 127.0.0.1 {primary_port} 2\n\
             sentinel down-after-milliseconds {MASTER} 1000\n\
             sentinel failover-timeout {MASTER} 3000\n\
             sentinel parallel-syncs {MASTER} 1"
        );
        let sentinels: Vec<RedisServer> = ports[2..]
            .iter()
            .map(|port| RedisServer::launch_sentinel(&binary, *port, &config))
            .collect();
        for sentinel in &sentinels {
            let port = sentinel.port();
            wait_for(
                "the sentinels see each other",
                Duration::from_secs(20),
                || {
                    let Ok(fields) = command::<Vec<String>>(port, &["SENTINEL", "MASTER", MASTER])
                    else {
                        return false;
                    };
                    let field = |name: &str| {
                        fields
                            .chunks(2)
                            .find(|pair| pair[0] == name)
                            .map(|pair| pair[1].clone())
                    };
                    field("num-slaves").as_deref() == Some("1")
                        && field("num-other-sentinels").as_deref() == Some("2")
                },
            );
        }
        Some(Self {
            nodes: vec![primary, replica],
            sentinels,
        })
    }

    /// `redis+sentinel://127.0.0.1:<port>,…/mymaster`.
    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .sentinels
            .iter()
            .map(|sentinel| format!("127.0.0.1:{}", sentinel.port()))
            .collect();
        format!("redis+sentinel://{}/{MASTER}", hosts.join(","))
    }

    /// The sentinels as redis-rs URLs.
    pub fn sentinel_urls(&self) -> Vec<String> {
        self.sentinels.iter().map(RedisServer::url).collect()
    }

    /// The port of the primary the sentinels name, if one answers.
    pub fn named_primary(&self) -> Option<u16> {
        self.sentinels.iter().find_map(|sentinel| {
            let (_, port): (String, u16) = command(
                sentinel.port(),
                &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER],
            )
            .ok()?;
            Some(port)
        })
    }

    /// Data node `index` (0: the first primary, 1: the first replica).
    pub fn node(&mut self, index: usize) -> &mut RedisServer {
        &mut self.nodes[index]
    }

    /// The index of the data node on `port`.
    pub fn index_of(&self, port: u16) -> usize {
        self.nodes
            .iter()
            .position(|node| node.port() == port)
            .expect("a data node of this setup")
    }

    /// The port of a sentinel.
    pub fn sentinel_port(&self) -> u16 {
        self.sentinels[0].port()
    }
}
