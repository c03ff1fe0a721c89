//! The connected topology: what the store and its mirror send commands
//! through, whatever the [`Topology`].
//!
//! Every topology answers the same questions:
//!
//! * [`Backend::conn`]: a connection for one operation (cheap to take). One
//!   server and Sentinel give a redis-rs `ConnectionManager` (for Sentinel,
//!   the one of the current primary); a cluster gives its
//!   `ClusterConnection`, which routes each command by its key and follows
//!   redirections and failovers by itself.
//! * [`Backend::saw_error`]: an operation failed — Sentinel asks the
//!   sentinels at once whether the primary has moved.
//! * [`Backend::subscriber`]: a server to subscribe to the event channel on.
//!   A `PUBLISH` reaches the subscribers of every node of a cluster, so any
//!   node will do; each new attempt takes the next one.
//! * [`Backend::mark`]: a mark of the topology, which changes when a
//!   failover happens (the slot owners of a cluster, the primary followed
//!   through Sentinel). The mirror reloads when it changes: entries
//!   acknowledged by a primary that died before replicating them are gone
//!   from Redis, and every mirror converges on what Redis has.
//! * [`Backend::moved`]: completes as soon as a failover is known (the
//!   primary followed through Sentinel was replaced).
//! * [`Backend::load`]: every entry under a pattern (`SCAN` on the server,
//!   or on every primary of a cluster — all of them, or an error).

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::{Client, Cmd, Pipeline, RedisFuture, Value};

use crate::revocation::store::StoreError;

use super::cluster::Cluster;
use super::sentinel::{Followed, Watcher};
use super::server::{Server, Timeouts};
use super::topology::Topology;

/// A connection for one operation.
#[derive(Clone)]
pub(super) enum Conn {
    Server(ConnectionManager),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Server(conn) => conn.req_packed_command(cmd),
            Conn::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Server(conn) => conn.req_packed_commands(pipeline, offset, count),
            Conn::Cluster(conn) => conn.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Server(conn) => conn.get_db(),
            Conn::Cluster(conn) => conn.get_db(),
        }
    }
}

/// The connected topology.
#[derive(Clone)]
pub(super) enum Backend {
    Server(Server),
    Cluster(Cluster),
    Sentinel(std::sync::Arc<Followed>),
}

impl Backend {
    /// Connects to `topology` within the command timeout. For Sentinel, also
    /// returns the task that follows the primary, to be spawned.
    pub(super) async fn connect(
        topology: Topology,
        timeouts: Timeouts,
    ) -> Result<(Self, Option<Watcher>), StoreError> {
        let connecting = async {
            match topology {
                Topology::Single(info) => {
                    let client = Client::open(info).map_err(StoreError::message)?;
                    Ok((
                        Backend::Server(Server::connect(client, &timeouts).await?),
                        None,
                    ))
                }
                Topology::Cluster(nodes) => Ok((
                    Backend::Cluster(Cluster::connect(nodes, &timeouts).await?),
                    None,
                )),
                Topology::Sentinel {
                    sentinels,
                    master,
                    primary,
                } => {
                    let (followed, watcher) =
                        Followed::connect(sentinels, master, primary, timeouts).await?;
                    Ok((Backend::Sentinel(followed), Some(watcher)))
                }
            }
        };
        // Each step is bounded; this bounds their sum.
        tokio::time::timeout(timeouts.command * 3, connecting)
            .await
            .map_err(|_| {
                StoreError::new(format!(
                    "could not connect to Redis within {:?}",
                    timeouts.command * 3
                ))
            })?
    }

    /// A connection for one operation.
    pub(super) fn conn(&self) -> Conn {
        match self {
            Backend::Server(server) => Conn::Server(server.conn()),
            Backend::Cluster(cluster) => Conn::Cluster(cluster.conn()),
            Backend::Sentinel(followed) => Conn::Server(followed.primary().server.conn()),
        }
    }

    /// An operation failed.
    pub(super) fn saw_error(&self) {
        if let Backend::Sentinel(followed) = self {
            followed.check_now();
        }
    }

    /// A server to subscribe on, for the `attempt`-th try.
    pub(super) async fn subscriber(
        &self,
        attempt: usize,
        timeouts: &Timeouts,
    ) -> Result<Client, StoreError> {
        match self {
            Backend::Server(server) => Ok(server.client().clone()),
            Backend::Cluster(cluster) => cluster.subscriber(attempt, timeouts).await,
            Backend::Sentinel(followed) => Ok(followed.primary().server.client().clone()),
        }
    }

    /// A mark of the topology that changes on failover.
    pub(super) async fn mark(&self, timeouts: &Timeouts) -> Result<String, StoreError> {
        match self {
            Backend::Server(_) => Ok(String::new()),
            Backend::Cluster(cluster) => cluster.mark(timeouts).await,
            Backend::Sentinel(followed) => Ok(followed.generation().to_string()),
        }
    }

    /// Completes when the topology is known to have changed (Sentinel:
    /// the primary was replaced); a cluster's change shows in its
    /// [`mark`](Self::mark) only.
    pub(super) async fn moved(&self) {
        match self {
            Backend::Sentinel(followed) => followed.moved().await,
            Backend::Server(_) | Backend::Cluster(_) => std::future::pending().await,
        }
    }

    /// Calls `apply(key, value)` for every entry under `pattern`.
    pub(super) async fn load(
        &self,
        pattern: &str,
        apply: &mut (dyn FnMut(&str, &str) + Send),
        timeouts: &Timeouts,
    ) -> Result<(), StoreError> {
        match self {
            Backend::Server(server) => server.load(pattern, apply).await,
            Backend::Cluster(cluster) => cluster.load(pattern, apply, timeouts).await,
            Backend::Sentinel(followed) => followed.primary().server.load(pattern, apply).await,
        }
    }
}
