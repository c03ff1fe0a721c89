//! One Redis server through a redis-rs `ConnectionManager` (which
//! reconnects by itself), and the bounds every command runs within. Used
//! for a single server and for the primary followed through Sentinel.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Cmd};

use crate::revocation::store::StoreError;

/// Bounds on connecting and on each command, as the builder set them.
#[derive(Debug, Clone, Copy)]
pub(super) struct Timeouts {
    /// The bound on connecting and on each command.
    pub(super) command: Duration,
    /// The bound on one write, replication wait included.
    pub(super) write: Duration,
}

impl Timeouts {
    /// The configuration of a `ConnectionManager` to one server: it
    /// reconnects by itself, quickly, and never waits past a write's bound.
    pub(super) fn manager_config(&self) -> ConnectionManagerConfig {
        ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.command))
            .set_response_timeout(Some(self.write))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(25))
            .set_max_delay(Duration::from_millis(250))
    }

    /// Runs `future` within the command timeout, as a [`StoreError`].
    pub(super) async fn command<T>(
        &self,
        what: &str,
        future: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, StoreError> {
        within(self.command, what, future).await
    }
}

/// Runs `future` within `timeout`, as a [`StoreError`] naming `what`.
pub(super) async fn within<T>(
    timeout: Duration,
    what: &str,
    future: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(timeout, future).await {
        Ok(result) => result.map_err(StoreError::message),
        Err(_) => Err(StoreError::new(format!(
            "Redis did not answer {what} within {timeout:?}"
        ))),
    }
}

/// One server.
#[derive(Clone)]
pub(super) struct Server {
    client: Client,
    conn: ConnectionManager,
}

impl Server {
    /// Connects to `client`'s server and checks that it answers.
    pub(super) async fn connect(client: Client, timeouts: &Timeouts) -> Result<Self, StoreError> {
        let config = timeouts.manager_config();
        let mut conn = match tokio::time::timeout(
            timeouts.command,
            ConnectionManager::new_with_config(client.clone(), config),
        )
        .await
        {
            Ok(conn) => conn.map_err(StoreError::message)?,
            Err(_) => {
                return Err(StoreError::new(format!(
                    "could not connect to Redis within {:?}",
                    timeouts.command
                )));
            }
        };
        let _: String = timeouts
            .command("PING", redis::cmd("PING").query_async(&mut conn))
            .await?;
        Ok(Self { client, conn })
    }

    pub(super) fn client(&self) -> &Client {
        &self.client
    }

    pub(super) fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Every entry under `pattern`: `SCAN` and `MGET`, page by page.
    pub(super) async fn load(
        &self,
        pattern: &str,
        apply: &mut (dyn FnMut(&str, &str) + Send),
    ) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = scan_page(cursor, pattern)
                .query_async(&mut conn)
                .await
                .map_err(StoreError::message)?;
            if !keys.is_empty() {
                let values: Vec<Option<String>> = redis::cmd("MGET")
                    .arg(&keys)
                    .query_async(&mut conn)
                    .await
                    .map_err(StoreError::message)?;
                for (key, value) in keys.iter().zip(values) {
                    if let Some(value) = value {
                        apply(key, &value);
                    }
                }
            }
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
    }
}

/// `SCAN <cursor> MATCH <pattern> COUNT 500`.
pub(super) fn scan_page(cursor: u64, pattern: &str) -> Cmd {
    let mut cmd = redis::cmd("SCAN");
    cmd.arg(cursor)
        .arg("MATCH")
        .arg(pattern)
        .arg("COUNT")
        .arg(500);
    cmd
}
