//! A primary watched by Sentinel, followed through failovers.
//!
//! redis-rs finds the primary through the sentinels (and checks its `ROLE`)
//! but keeps no connection that follows it. Here the current primary is
//! swappable, and a watcher task asks a sentinel where the master is
//! (`SENTINEL GET-MASTER-ADDR-BY-NAME`) every [`POLL`], and at once when an
//! operation failed. When a sentinel names another address, the primary is
//! found again through redis-rs, connected, and swapped in; the
//! [generation](Followed::generation) moves on, so that the mirror reloads.
//!
//! Polling, not only reacting to errors, matters: after a failover the old
//! primary goes on accepting writes until Sentinel reconfigures it (seconds
//! later), and writes it takes then are lost.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::sentinel::{Sentinel, SentinelNodeConnectionInfo};
use redis::{Client, ConnectionAddr, ConnectionInfo, RedisConnectionInfo};
use tokio::sync::Notify;

use crate::revocation::store::StoreError;

use super::server::{Server, Timeouts, within};

/// How often a sentinel is asked where the primary is.
const POLL: Duration = Duration::from_millis(250);
/// The shortest pause between two questions, however many operations fail.
const MIN_GAP: Duration = Duration::from_millis(50);

/// The primary in use.
pub(super) struct Primary {
    /// `host:port`, as the sentinels name it.
    address: String,
    pub(super) server: Server,
}

/// A primary followed through Sentinel.
pub(super) struct Followed {
    current: RwLock<Arc<Primary>>,
    generation: AtomicU64,
    /// Wakes the watcher.
    wake: Notify,
    /// Wakes those waiting for the primary to move.
    moved: Notify,
}

/// The task that follows the primary; it ends with the store.
pub(super) type Watcher = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What the watcher needs to ask the sentinels.
struct Sentinels {
    resolver: Sentinel,
    each: Vec<ConnectionInfo>,
    master: String,
    node: SentinelNodeConnectionInfo,
    timeouts: Timeouts,
    /// A connection to `each[asking]`, when open.
    open: Option<MultiplexedConnection>,
    asking: usize,
}

fn describe(addr: &ConnectionAddr) -> String {
    match addr {
        ConnectionAddr::Tcp(host, port) | ConnectionAddr::TcpTls { host, port, .. } => {
            format!("{host}:{port}")
        }
        other => other.to_string(),
    }
}

impl Sentinels {
    /// Finds and connects to the primary (its `ROLE` checked by redis-rs).
    async fn resolve(&mut self) -> Result<Primary, StoreError> {
        let client: Client = within(
            self.timeouts.command,
            "finding the primary through Sentinel",
            self.resolver
                .async_master_for(&self.master, Some(&self.node)),
        )
        .await?;
        let address = describe(client.get_connection_info().addr());
        let server = Server::connect(client, &self.timeouts).await?;
        Ok(Primary { address, server })
    }

    /// The address a sentinel names for the master (`None`: none known).
    async fn ask(&mut self) -> Result<Option<String>, StoreError> {
        let timeout = self.timeouts.command;
        let conn = match &self.open {
            Some(conn) => conn.clone(),
            None => {
                let client =
                    Client::open(self.each[self.asking].clone()).map_err(StoreError::message)?;
                let conn = within(
                    timeout,
                    "connecting to a sentinel",
                    client.get_multiplexed_async_connection(),
                )
                .await?;
                self.open = Some(conn.clone());
                conn
            }
        };
        let mut conn = conn;
        let mut question = redis::cmd("SENTINEL");
        question.arg("GET-MASTER-ADDR-BY-NAME").arg(&self.master);
        let answer: Result<Option<(String, u16)>, _> =
            within(timeout, "the sentinel", question.query_async(&mut conn)).await;
        if answer.is_err() {
            // Ask the next sentinel next time.
            self.open = None;
            self.asking = (self.asking + 1) % self.each.len();
        }
        Ok(answer?.map(|(host, port)| format!("{host}:{port}")))
    }
}

impl Followed {
    /// Finds the primary through `sentinels` and connects to it; returns
    /// the followed primary and the watcher to spawn.
    pub(super) async fn connect(
        sentinels: Vec<ConnectionInfo>,
        master: String,
        primary: RedisConnectionInfo,
        timeouts: Timeouts,
    ) -> Result<(Arc<Self>, Watcher), StoreError> {
        let mut asking = Sentinels {
            resolver: Sentinel::build(sentinels.clone()).map_err(StoreError::message)?,
            each: sentinels,
            master,
            node: SentinelNodeConnectionInfo::default().set_redis_connection_info(primary),
            timeouts,
            open: None,
            asking: 0,
        };
        let first = asking.resolve().await?;
        let followed = Arc::new(Self {
            current: RwLock::new(Arc::new(first)),
            generation: AtomicU64::new(0),
            wake: Notify::new(),
            moved: Notify::new(),
        });
        let watcher = Box::pin(watch(Arc::downgrade(&followed), asking));
        Ok((followed, watcher))
    }

    /// The primary in use.
    pub(super) fn primary(&self) -> Arc<Primary> {
        Arc::clone(&self.current.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// How many times the primary has been replaced.
    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// An operation failed: ask the sentinels now.
    pub(super) fn check_now(&self) {
        self.wake.notify_one();
    }

    /// Completes when the primary is next replaced.
    pub(super) async fn moved(&self) {
        self.moved.notified().await;
    }
}

async fn watch(followed: Weak<Followed>, mut sentinels: Sentinels) {
    loop {
        let Some(this) = followed.upgrade() else {
            return;
        };
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = this.wake.notified() => {}
        }
        let current = this.primary();
        match sentinels.ask().await {
            Ok(Some(named)) if named != current.address => match sentinels.resolve().await {
                Ok(primary) if primary.address != current.address => {
                    tracing::warn!(
                        target: "actix_jwt_extended",
                        from = %current.address,
                        to = %primary.address,
                        "the Redis primary has moved; following it"
                    );
                    *this.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(primary);
                    this.generation.fetch_add(1, Ordering::AcqRel);
                    this.moved.notify_waiters();
                }
                Ok(_) => {}
                Err(error) => tracing::debug!(
                    target: "actix_jwt_extended",
                    %error,
                    "the new Redis primary is not reachable yet"
                ),
            },
            Ok(_) => {}
            Err(error) => tracing::debug!(
                target: "actix_jwt_extended",
                %error,
                "a sentinel did not answer"
            ),
        }
        drop(this);
        tokio::time::sleep(MIN_GAP).await;
    }
}
