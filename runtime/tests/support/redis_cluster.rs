//! A throw-away Redis Cluster of three primaries and three replicas, on free
//! loopback ports, built without `redis-cli` (so that a `valkey-server`
//! given as `REDIS_SERVER_BIN` works too): six nodes with explicit cluster
//! bus ports, `CLUSTER MEET`, `CLUSTER ADDSLOTSRANGE` on the first three,
//! `CLUSTER REPLICATE` on the others; ready once every node says
//! `cluster_state:ok` and every replica's link is up.
//!
//! `cluster-node-timeout` is one second, so that a killed primary's replica
//! takes over within about three seconds.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use redis::Value;

use super::redis_server::{RedisServer, binary_or_skip, free_port};

/// The running nodes; the first three start as primaries, node `i + 3`
/// as the replica of node `i`.
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

/// Distinct free ports.
pub fn free_ports(count: usize) -> Vec<u16> {
    let mut ports = BTreeSet::new();
    while ports.len() < count {
        ports.insert(free_port());
    }
    ports.into_iter().collect()
}

/// A synchronous connection to a node on loopback.
pub fn connect(port: u16) -> redis::RedisResult<redis::Connection> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}"))?;
    let conn = client.get_connection_with_timeout(Duration::from_millis(500))?;
    conn.set_read_timeout(Some(Duration::from_secs(2)))?;
    Ok(conn)
}

/// Runs one command on a node.
pub fn command<T: redis::FromRedisValue>(port: u16, args: &[&str]) -> redis::RedisResult<T> {
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query(&mut connect(port)?)
}

/// Waits (bounded) until `ready` holds.
pub fn wait_for(what: &str, within: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !ready() {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The `field:value` lines of an `INFO` or `CLUSTER INFO` reply.
pub fn info_field(port: u16, args: &[&str], field: &str) -> Option<String> {
    let text: String = command(port, args).ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .map(str::to_owned)
}

/// The role of a node (`master` or `slave`), if it answers.
pub fn role(port: u16) -> Option<String> {
    info_field(port, &["INFO", "replication"], "role")
}

impl RedisCluster {
    /// Starts and joins the six nodes, or returns `None` (after a loud
    /// message) when the server binary is missing and `CI` is not `true`.
    pub fn start(test: &str) -> Option<Self> {
        let binary = binary_or_skip(test)?;
        let ports = free_ports(12);
        let (ports, bus) = ports.split_at(6);
        let nodes: Vec<RedisServer> = ports
            .iter()
            .zip(bus)
            .map(|(port, bus)| {
                let bus = bus.to_string();
                RedisServer::launch(
                    &binary,
                    *port,
                    &[
                        "--cluster-enabled",
                        "yes",
                        "--cluster-port",
                        &bus,
                        "--cluster-config-file",
                        "nodes.conf",
                        "--cluster-node-timeout",
                        "1000",
                        "--repl-diskless-sync-delay",
                        "0",
                        "--protected-mode",
                        "no",
                    ],
                )
            })
            .collect();
        let cluster = Self { nodes };
        let first = cluster.port(0);
        for (port, bus) in ports.iter().zip(bus).skip(1) {
            let _: String = command(
                first,
                &[
                    "CLUSTER",
                    "MEET",
                    "127.0.0.1",
                    &port.to_string(),
                    &bus.to_string(),
                ],
            )
            .expect("CLUSTER MEET");
        }
        for (index, (start, end)) in [("0", "5460"), ("5461", "10922"), ("10923", "16383")]
            .into_iter()
            .enumerate()
        {
            let _: String = command(
                cluster.port(index),
                &["CLUSTER", "ADDSLOTSRANGE", start, end],
            )
            .expect("CLUSTER ADDSLOTSRANGE");
        }
        for port in ports {
            wait_for(
                "every node knows the others",
                Duration::from_secs(10),
                || {
                    info_field(*port, &["CLUSTER", "INFO"], "cluster_known_nodes").as_deref()
                        == Some("6")
                },
            );
        }
        for replica in 3..6 {
            let primary: String =
                command(cluster.port(replica - 3), &["CLUSTER", "MYID"]).expect("CLUSTER MYID");
            wait_for("CLUSTER REPLICATE", Duration::from_secs(10), || {
                command::<String>(cluster.port(replica), &["CLUSTER", "REPLICATE", &primary])
                    .is_ok()
            });
        }
        cluster.wait_until_healthy();
        Some(cluster)
    }

    /// The port of node `index`.
    pub fn port(&self, index: usize) -> u16 {
        self.nodes[index].port()
    }

    /// Node `index`.
    pub fn node(&mut self, index: usize) -> &mut RedisServer {
        &mut self.nodes[index]
    }

    /// `redis+cluster://127.0.0.1:<port>,…` with every node as a seed.
    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|node| format!("127.0.0.1:{}", node.port()))
            .collect();
        format!("redis+cluster://{}", hosts.join(","))
    }

    /// The nodes as redis-rs URLs.
    pub fn node_urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// Waits until every running node says `cluster_state:ok` and every
    /// replica's link to its primary is up.
    pub fn wait_until_healthy(&self) {
        for node in self.nodes.iter().filter(|node| node.pid().is_some()) {
            let port = node.port();
            wait_for("cluster_state:ok", Duration::from_secs(20), || {
                info_field(port, &["CLUSTER", "INFO"], "cluster_state").as_deref() == Some("ok")
            });
            wait_for(
                "replication link up",
                Duration::from_secs(20),
                || match role(port).as_deref() {
                    Some("master") => true,
                    Some(_) => {
                        info_field(port, &["INFO", "replication"], "master_link_status").as_deref()
                            == Some("up")
                    }
                    None => false,
                },
            );
        }
    }

    /// The index of the node serving `key` as primary (asked of any running
    /// node).
    pub fn primary_of(&self, key: &str) -> usize {
        let ask = self
            .nodes
            .iter()
            .filter(|node| node.pid().is_some())
            .find_map(|node| {
                let slot: i64 = command(node.port(), &["CLUSTER", "KEYSLOT", key]).ok()?;
                let slots: Value = command(node.port(), &["CLUSTER", "SLOTS"]).ok()?;
                Some((slot, slots))
            });
        let (slot, Value::Array(ranges)) = ask.expect("a node answers CLUSTER SLOTS") else {
            panic!("unreadable CLUSTER SLOTS reply");
        };
        for range in ranges {
            let Value::Array(items) = range else { continue };
            let start: i64 = redis::from_redis_value(items[0].clone()).unwrap();
            let end: i64 = redis::from_redis_value(items[1].clone()).unwrap();
            if (start..=end).contains(&slot) {
                let Value::Array(primary) = &items[2] else {
                    continue;
                };
                let port: u16 = redis::from_redis_value(primary[1].clone()).unwrap();
                return self.index_of(port);
            }
        }
        panic!("no node serves slot {slot}");
    }

    /// The index of a replica of primary `index` (by asking it).
    pub fn replica_of(&self, index: usize) -> usize {
        let port = self.port(index);
        let text: String = command(port, &["INFO", "replication"]).expect("INFO replication");
        // slave0:ip=127.0.0.1,port=1234,state=online,...
        let replica_port = text
            .lines()
            .find_map(|line| {
                let rest = line.strip_prefix("slave0:")?;
                rest.split(',')
                    .find_map(|field| field.strip_prefix("port="))
                    .and_then(|port| port.parse::<u16>().ok())
            })
            .expect("the primary has a replica");
        self.index_of(replica_port)
    }

    fn index_of(&self, port: u16) -> usize {
        self.nodes
            .iter()
            .position(|node| node.port() == port)
            .expect("a node of this cluster")
    }

    /// Whether node `index` is a primary of a cluster in `cluster_state:ok`.
    pub fn is_serving_primary(&self, index: usize) -> bool {
        let port = self.port(index);
        role(port).as_deref() == Some("master")
            && info_field(port, &["CLUSTER", "INFO"], "cluster_state").as_deref() == Some("ok")
    }
}
