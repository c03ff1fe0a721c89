//! Where the store's Redis is — one server, a Redis Cluster, or a primary
//! watched by Sentinel — and the text forms that name each.
//!
//! | form | topology |
//! |---|---|
//! | any redis-rs URL: `redis://[user:password@]host:port[/db]`, `valkey://…`, `unix://…` | one server |
//! | `redis+cluster://[user:password@]host:port[,host:port…]` | a cluster, from these seed nodes |
//! | `redis+sentinel://[user:password@]host:port[,host:port…]/<master>[/<db>]` | the primary that these sentinels name `<master>` |
//!
//! In the `+cluster` form the credentials and the query (`?protocol=resp3`…)
//! apply to every node. In the `+sentinel` form they, and the database,
//! apply to the primary; the sentinels themselves are reached without
//! credentials (give sentinel URLs with credentials to
//! `RedisStoreBuilder::sentinel` instead). `rediss+…` and `valkey+…` /
//! `valkeys+…` work the same way.

use redis::{ConnectionInfo, IntoConnectionInfo, RedisConnectionInfo};

use crate::revocation::store::StoreError;

/// What the builder was given.
#[derive(Debug, Clone)]
pub(super) enum Target {
    /// A text form (above).
    Url(String),
    /// Seed nodes of a cluster, each a redis-rs URL.
    Cluster(Vec<String>),
    /// Sentinel URLs (redis-rs form) and the master's name.
    Sentinel(Vec<String>, String),
}

/// A parsed [`Target`].
#[derive(Debug, Clone)]
pub(super) enum Topology {
    Single(ConnectionInfo),
    Cluster(Vec<ConnectionInfo>),
    Sentinel {
        sentinels: Vec<ConnectionInfo>,
        master: String,
        /// The credentials and database of the primary.
        primary: RedisConnectionInfo,
    },
}

const CLUSTER_FORM: &str = "redis+cluster://[user:password@]host:port[,host:port…]";
const SENTINEL_FORM: &str =
    "redis+sentinel://[user:password@]host:port[,host:port…]/<master>[/<db>]";

/// A redis-rs URL, without repeating it in the error (it may hold a password).
fn info(url: &str, what: &str) -> Result<ConnectionInfo, StoreError> {
    url.into_connection_info()
        .map_err(|error| StoreError::new(format!("invalid Redis {what} URL: {error}")))
}

impl Target {
    pub(super) fn parse(&self) -> Result<Topology, StoreError> {
        match self {
            Target::Url(text) => parse_text(text),
            Target::Cluster(nodes) => {
                if nodes.is_empty() {
                    return Err(StoreError::new(
                        "a Redis cluster needs at least one node URL",
                    ));
                }
                let nodes = nodes.iter().map(|url| info(url, "cluster node"));
                Ok(Topology::Cluster(nodes.collect::<Result<_, _>>()?))
            }
            Target::Sentinel(sentinels, master) => {
                if sentinels.is_empty() {
                    return Err(StoreError::new("Sentinel needs at least one sentinel URL"));
                }
                if master.is_empty() {
                    return Err(StoreError::new("Sentinel needs the master's name"));
                }
                let sentinels = sentinels.iter().map(|url| info(url, "sentinel"));
                Ok(Topology::Sentinel {
                    sentinels: sentinels.collect::<Result<_, _>>()?,
                    master: master.clone(),
                    primary: RedisConnectionInfo::default(),
                })
            }
        }
    }
}

/// The parts of `scheme+mode://[userinfo@]h1,h2[/path][?query]`.
struct MultiHost<'a> {
    scheme: &'a str,
    userinfo: Option<&'a str>,
    hosts: Vec<&'a str>,
    path: &'a str,
    query: &'a str,
}

impl<'a> MultiHost<'a> {
    fn split(scheme: &'a str, rest: &'a str, form: &str) -> Result<Self, StoreError> {
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let (userinfo, hosts) = match authority.rsplit_once('@') {
            Some((userinfo, hosts)) => (Some(userinfo), hosts),
            None => (None, authority),
        };
        let hosts: Vec<&str> = hosts.split(',').collect();
        if hosts.iter().any(|host| host.is_empty()) {
            return Err(StoreError::new(format!(
                "a Redis URL lists an empty host; the form is {form}"
            )));
        }
        let (path, query) = tail.split_at(tail.find('?').unwrap_or(tail.len()));
        Ok(Self {
            scheme,
            userinfo,
            hosts,
            path,
            query,
        })
    }

    /// `scheme://[userinfo@]host[path][query]`.
    fn url(&self, host: &str, with_userinfo: bool, path: &str, with_query: bool) -> String {
        let userinfo = match self.userinfo {
            Some(userinfo) if with_userinfo && !userinfo.is_empty() => format!("{userinfo}@"),
            _ => String::new(),
        };
        let query = if with_query { self.query } else { "" };
        format!("{}://{userinfo}{host}{path}{query}", self.scheme)
    }
}

fn parse_text(text: &str) -> Result<Topology, StoreError> {
    let Some((scheme, rest)) = text.split_once("://") else {
        return info(text, "server").map(Topology::Single);
    };
    if let Some(base) = scheme.strip_suffix("+cluster") {
        let url = MultiHost::split(base, rest, CLUSTER_FORM)?;
        let nodes = url
            .hosts
            .iter()
            .map(|host| info(&url.url(host, true, url.path, true), "cluster node"));
        return Ok(Topology::Cluster(nodes.collect::<Result<_, _>>()?));
    }
    if let Some(base) = scheme.strip_suffix("+sentinel") {
        let url = MultiHost::split(base, rest, SENTINEL_FORM)?;
        let mut segments = url.path.trim_start_matches('/').splitn(2, '/');
        let master = segments.next().unwrap_or_default();
        if master.is_empty() {
            return Err(StoreError::new(format!(
                "a redis+sentinel URL names the master in its path: {SENTINEL_FORM}"
            )));
        }
        let db = segments
            .next()
            .map(|db| format!("/{db}"))
            .unwrap_or_default();
        let sentinels = url
            .hosts
            .iter()
            .map(|host| info(&url.url(host, false, "", false), "sentinel"));
        let primary = info(&url.url(url.hosts[0], true, &db, true), "primary")?;
        return Ok(Topology::Sentinel {
            sentinels: sentinels.collect::<Result<_, _>>()?,
            master: master.to_owned(),
            primary: primary.redis_settings().clone(),
        });
    }
    info(text, "server").map(Topology::Single)
}

#[cfg(test)]
mod tests {
    use redis::ConnectionAddr;

    use super::*;

    fn addr(info: &ConnectionInfo) -> String {
        match info.addr() {
            ConnectionAddr::Tcp(host, port) => format!("{host}:{port}"),
            other => format!("{other:?}"),
        }
    }

    fn text(url: &str) -> Result<Topology, StoreError> {
        Target::Url(url.to_owned()).parse()
    }

    #[test]
    fn a_plain_url_is_one_server() {
        let Ok(Topology::Single(info)) = text("redis://:secret@10.0.0.1:6380/2") else {
            panic!("one server");
        };
        assert_eq!(addr(&info), "10.0.0.1:6380");
        assert_eq!(info.redis_settings().password(), Some("secret"));
        assert_eq!(info.redis_settings().db(), 2);
        assert!(matches!(text("valkey://h:1"), Ok(Topology::Single(_))));
    }

    #[test]
    fn the_cluster_form_lists_seed_nodes_sharing_credentials() {
        let Ok(Topology::Cluster(nodes)) =
            text("redis+cluster://app:pw@10.0.0.1:7000,10.0.0.2:7001?protocol=resp3")
        else {
            panic!("a cluster");
        };
        let addrs: Vec<_> = nodes.iter().map(addr).collect();
        assert_eq!(addrs, ["10.0.0.1:7000", "10.0.0.2:7001"]);
        for node in &nodes {
            assert_eq!(node.redis_settings().username(), Some("app"));
            assert_eq!(node.redis_settings().password(), Some("pw"));
            assert_eq!(
                node.redis_settings().protocol(),
                redis::ProtocolVersion::RESP3
            );
        }
    }

    #[test]
    fn the_sentinel_form_names_the_master_and_the_primary_credentials() {
        let Ok(Topology::Sentinel {
            sentinels,
            master,
            primary,
        }) = text("redis+sentinel://:pw@s1:26379,s2:26380/mymaster/3")
        else {
            panic!("sentinel");
        };
        let addrs: Vec<_> = sentinels.iter().map(addr).collect();
        assert_eq!(addrs, ["s1:26379", "s2:26380"]);
        for sentinel in &sentinels {
            assert_eq!(sentinel.redis_settings().password(), None);
        }
        assert_eq!(master, "mymaster");
        assert_eq!(primary.password(), Some("pw"));
        assert_eq!(primary.db(), 3);
    }

    #[test]
    fn builder_lists_are_redis_rs_urls() {
        let Ok(Topology::Cluster(nodes)) =
            Target::Cluster(vec!["redis://a:1".into(), "redis://b:2".into()]).parse()
        else {
            panic!("a cluster");
        };
        assert_eq!(nodes.len(), 2);
        let Ok(Topology::Sentinel {
            sentinels, master, ..
        }) = Target::Sentinel(vec!["redis://:spw@s:26379".into()], "m".into()).parse()
        else {
            panic!("sentinel");
        };
        assert_eq!(sentinels[0].redis_settings().password(), Some("spw"));
        assert_eq!(master, "m");
    }

    #[test]
    fn malformed_forms_are_named_without_echoing_the_url() {
        let message = |result: Result<Topology, StoreError>| match result {
            Err(error) => error.to_string(),
            Ok(topology) => panic!("accepted: {topology:?}"),
        };
        let no_master = message(text("redis+sentinel://:hunter2@s1:26379"));
        assert!(no_master.contains("names the master"), "{no_master}");
        assert!(!no_master.contains("hunter2"));
        let empty_host = message(text("redis+cluster://a:1,,b:2"));
        assert!(empty_host.contains("empty host"), "{empty_host}");
        assert!(message(text("http://x")).contains("invalid Redis server URL"));
        assert!(message(Target::Cluster(vec![]).parse()).contains("at least one"));
        assert!(
            message(Target::Sentinel(vec!["redis://s:1".into()], String::new()).parse())
                .contains("master's name")
        );
    }
}
