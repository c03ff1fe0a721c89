//! A Redis Cluster: the `ClusterConnection` every operation goes through,
//! and what the mirror needs beyond it — a node to subscribe on, the mark of
//! the slot owners, and a load from every primary.
//!
//! Every write is one key, so one slot: the write script declares its key,
//! and its `PUBLISH` names a channel, which is no key (a cluster forwards it
//! to every node). The direct status lookup (`MGET` of up to three keys) is
//! split by slot by the client. A hash tag in the key prefix (`{app}:jwt:`)
//! puts every entry on one shard: it works, without the spread.

use std::sync::Arc;

use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use redis::{Client, ConnectionAddr, ConnectionInfo, Value};

use crate::revocation::store::StoreError;

use super::server::{Timeouts, scan_page, within};

/// Attempts per command (redirections and reconnections included), and the
/// bounds of the wait between two, in milliseconds: a failover is followed
/// well within the command timeout.
const RETRIES: u32 = 3;
const MIN_RETRY_WAIT_MS: u64 = 10;
const MAX_RETRY_WAIT_MS: u64 = 200;

/// A connected cluster.
#[derive(Clone)]
pub(super) struct Cluster {
    conn: ClusterConnection,
    seeds: Arc<[ConnectionInfo]>,
}

/// What `CLUSTER SLOTS` says.
#[derive(Debug, PartialEq, Eq)]
struct Slots {
    /// `start-end:primary-id` for every slot range, sorted.
    mark: String,
    /// The primaries (`host`, `port`).
    primaries: Vec<(String, u16)>,
    /// Every node, replicas first.
    nodes: Vec<(String, u16)>,
}

impl Cluster {
    /// Connects through the seed nodes; the client then learns every node.
    pub(super) async fn connect(
        seeds: Vec<ConnectionInfo>,
        timeouts: &Timeouts,
    ) -> Result<Self, StoreError> {
        let client = ClusterClient::builder(seeds.clone())
            .connection_timeout(timeouts.command)
            .response_timeout(timeouts.write)
            .retries(RETRIES)
            .min_retry_wait(MIN_RETRY_WAIT_MS)
            .max_retry_wait(MAX_RETRY_WAIT_MS)
            .build()
            .map_err(StoreError::message)?;
        let conn = within(
            timeouts.command,
            "connecting",
            client.get_async_connection(),
        )
        .await?;
        Ok(Self {
            conn,
            seeds: seeds.into(),
        })
    }

    pub(super) fn conn(&self) -> ClusterConnection {
        self.conn.clone()
    }

    async fn slots(&self, timeouts: &Timeouts) -> Result<Slots, StoreError> {
        let mut conn = self.conn.clone();
        let reply: Value = timeouts
            .command(
                "CLUSTER SLOTS",
                redis::cmd("CLUSTER").arg("SLOTS").query_async(&mut conn),
            )
            .await?;
        parse_slots(reply).ok_or_else(|| StoreError::new("unreadable CLUSTER SLOTS reply"))
    }

    /// The mark of the slot owners: changes when a replica takes over.
    pub(super) async fn mark(&self, timeouts: &Timeouts) -> Result<String, StoreError> {
        Ok(self.slots(timeouts).await?.mark)
    }

    /// The `attempt`-th node to subscribe on, replicas first: losing a
    /// replica does not stop the cluster, so the mirror's fallback to
    /// direct lookups then works. Falls back to the seeds when the cluster
    /// cannot say.
    pub(super) async fn subscriber(
        &self,
        attempt: usize,
        timeouts: &Timeouts,
    ) -> Result<Client, StoreError> {
        let info = match self.slots(timeouts).await {
            Ok(slots) if !slots.nodes.is_empty() => {
                let (host, port) = &slots.nodes[attempt % slots.nodes.len()];
                let seed = self.seeds[0].clone();
                let addr = match seed.addr().clone() {
                    ConnectionAddr::TcpTls {
                        insecure,
                        tls_params,
                        ..
                    } => ConnectionAddr::TcpTls {
                        host: host.clone(),
                        port: *port,
                        insecure,
                        tls_params,
                    },
                    _ => ConnectionAddr::Tcp(host.clone(), *port),
                };
                seed.set_addr(addr)
            }
            _ => self.seeds[attempt % self.seeds.len()].clone(),
        };
        Client::open(info).map_err(StoreError::message)
    }

    /// Every entry under `pattern`, from every primary that `CLUSTER SLOTS`
    /// names: `SCAN` on each, and the values of each page by a pipeline of
    /// `GET`s to the same node (the keys of a page span many slots). A
    /// primary that cannot be reached fails the load — never a partial one.
    pub(super) async fn load(
        &self,
        pattern: &str,
        apply: &mut (dyn FnMut(&str, &str) + Send),
        timeouts: &Timeouts,
    ) -> Result<(), StoreError> {
        let slots = self.slots(timeouts).await?;
        if slots.primaries.is_empty() {
            return Err(StoreError::new("the cluster names no primary"));
        }
        let mut conn = self.conn.clone();
        for (host, port) in slots.primaries {
            let route = SingleNodeRoutingInfo::ByAddress { host, port };
            let mut cursor = 0;
            loop {
                let reply = conn
                    .route_command(
                        scan_page(cursor, pattern),
                        RoutingInfo::SingleNode(route.clone()),
                    )
                    .await
                    .map_err(StoreError::message)?;
                let keys: Vec<String>;
                (cursor, keys) = redis::from_redis_value(reply).map_err(StoreError::message)?;
                if !keys.is_empty() {
                    let mut pipe = redis::pipe();
                    for key in &keys {
                        pipe.cmd("GET").arg(key);
                    }
                    let values = conn
                        .route_pipeline(pipe, 0, keys.len(), route.clone())
                        .await
                        .map_err(StoreError::message)?;
                    for (key, value) in keys.iter().zip(values) {
                        let value: Option<String> =
                            redis::from_redis_value(value).map_err(StoreError::message)?;
                        if let Some(value) = value {
                            apply(key, &value);
                        }
                    }
                }
                if cursor == 0 {
                    break;
                }
            }
        }
        Ok(())
    }
}

/// Reads a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, …]
/// (primary), [host, port, id, …] (replicas)…], …]`.
fn parse_slots(reply: Value) -> Option<Slots> {
    let Value::Array(ranges) = reply else {
        return None;
    };
    let mut mark = Vec::with_capacity(ranges.len());
    let (mut primaries, mut replicas) = (Vec::new(), Vec::new());
    for range in ranges {
        let Value::Array(items) = range else {
            return None;
        };
        let mut items = items.into_iter();
        let start: i64 = redis::from_redis_value(items.next()?).ok()?;
        let end: i64 = redis::from_redis_value(items.next()?).ok()?;
        for (index, node) in items.enumerate() {
            let Value::Array(fields) = node else {
                return None;
            };
            let mut fields = fields.into_iter();
            let host: String = redis::from_redis_value(fields.next()?).ok()?;
            let port: u16 = redis::from_redis_value(fields.next()?).ok()?;
            let id: String = redis::from_redis_value(fields.next()?).ok()?;
            if index == 0 {
                mark.push(format!("{start}-{end}:{id}"));
            }
            // An unknown endpoint is announced as "" or "?".
            if !host.is_empty() && host != "?" {
                let list = if index == 0 {
                    &mut primaries
                } else {
                    &mut replicas
                };
                list.push((host, port));
            }
        }
    }
    mark.sort();
    for list in [&mut primaries, &mut replicas] {
        list.sort();
        list.dedup();
    }
    replicas.retain(|node| !primaries.contains(node));
    let mut nodes = replicas;
    nodes.extend(primaries.iter().cloned());
    Some(Slots {
        mark: mark.join(","),
        primaries,
        nodes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    fn node(host: &str, port: i64, id: &str) -> Value {
        Value::Array(vec![text(host), Value::Int(port), text(id)])
    }

    #[test]
    fn the_mark_names_each_range_s_primary_and_replicas_come_first() {
        let reply = Value::Array(vec![
            Value::Array(vec![
                Value::Int(5461),
                Value::Int(16383),
                node("10.0.0.2", 7001, "bbb"),
                node("10.0.0.4", 7003, "ddd"),
            ]),
            Value::Array(vec![
                Value::Int(0),
                Value::Int(5460),
                node("10.0.0.1", 7000, "aaa"),
                node("?", 7002, "ccc"),
            ]),
        ]);
        assert_eq!(
            parse_slots(reply),
            Some(Slots {
                mark: "0-5460:aaa,5461-16383:bbb".to_owned(),
                primaries: vec![("10.0.0.1".to_owned(), 7000), ("10.0.0.2".to_owned(), 7001),],
                nodes: vec![
                    ("10.0.0.4".to_owned(), 7003),
                    ("10.0.0.1".to_owned(), 7000),
                    ("10.0.0.2".to_owned(), 7001),
                ],
            })
        );
        assert_eq!(parse_slots(Value::Int(1)), None);
    }
}
