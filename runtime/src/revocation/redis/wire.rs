//! The wire format of the Redis store: the keys, the entry values, the
//! events published on the channel, and the script that writes them.
//!
//! Layout, under a key prefix (default `actix-jwt-extended:`):
//!
//! | key | value | TTL |
//! |---|---|---|
//! | `<prefix>jti:<jti>` | `r\|<until>` (revoked) or `x\|<until>` (exchanged) | the token's remaining lifetime |
//! | `<prefix>fam:<family>` | `<until>` | the longest token lifetime |
//! | `<prefix>cut:<identity>` | `<cutoff>\|<until>` | the longest token lifetime |
//!
//! `<until>` is the UNIX second at which the entry may be forgotten (`-` for
//! never). Every write also publishes `<kind>\|<value>\|<id>` on
//! `<prefix>events`, atomically (one Lua script), so that each instance's
//! local mirror learns it at once.

use crate::revocation::memory::{JtiState, MemoryStore};

/// Writes a key unless the mode forbids it, then publishes the change.
///
/// KEYS[1]: key. ARGV: value, ttl (0: none), channel, message, mode, cutoff.
/// The modes are those of [`WriteMode`].
pub(super) const WRITE_SCRIPT: &str = r"
local cur = redis.call('GET', KEYS[1])
local mode = ARGV[5]
if cur then
  if mode == 'nx' then return 0 end
  if mode == 'jti' and string.sub(cur, 1, 1) == 'x' then return 0 end
  if mode == 'max' then
    local c = tonumber(string.match(cur, '^(-?%d+)'))
    if c and c >= tonumber(ARGV[6]) then return 0 end
  end
end
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
";

/// How a write treats an existing entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WriteMode {
    /// Always writes.
    Set,
    /// Keeps an exchanged token exchanged.
    Jti,
    /// Writes only a new key.
    New,
    /// Keeps a later cut-off.
    Max,
}

impl WriteMode {
    /// The mode's name in [`WRITE_SCRIPT`].
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Set => "set",
            Self::Jti => "jti",
            Self::New => "nx",
            Self::Max => "max",
        }
    }
}

pub(super) fn until_text(until: Option<i64>) -> String {
    until.map_or_else(|| "-".to_owned(), |u| u.to_string())
}

fn parse_until(text: &str) -> Option<Option<i64>> {
    if text == "-" {
        Some(None)
    } else {
        text.parse().ok().map(Some)
    }
}

/// The three kinds of entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Jti,
    Family,
    Cutoff,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Jti, Kind::Family, Kind::Cutoff];

    pub(super) fn tag(self) -> &'static str {
        match self {
            Kind::Jti => "jti",
            Kind::Family => "fam",
            Kind::Cutoff => "cut",
        }
    }

    pub(super) fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.tag() == tag)
    }
}

/// A parsed entry value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Record {
    Jti(JtiState, Option<i64>),
    Family(Option<i64>),
    Cutoff(i64, Option<i64>),
}

impl Record {
    pub(super) fn parse(kind: Kind, value: &str) -> Option<Self> {
        match kind {
            Kind::Jti => {
                let (state, until) = value.split_once('|')?;
                let state = match state {
                    "r" => JtiState::Revoked,
                    "x" => JtiState::Exchanged,
                    _ => return None,
                };
                Some(Record::Jti(state, parse_until(until)?))
            }
            Kind::Family => Some(Record::Family(parse_until(value)?)),
            Kind::Cutoff => {
                let (cutoff, until) = value.split_once('|')?;
                Some(Record::Cutoff(cutoff.parse().ok()?, parse_until(until)?))
            }
        }
    }

    pub(super) fn apply(self, mirror: &MemoryStore, id: &str) {
        match self {
            Record::Jti(state, until) => mirror.set_jti(id, state, until),
            Record::Family(until) => mirror.revoke_family_now(id, until),
            Record::Cutoff(cutoff, until) => mirror.cut_off_now(id, cutoff, until),
        }
    }
}
