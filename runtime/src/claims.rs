//! Reading claims: the registered claims every request looks at, read in
//! one pass over the payload ([`Registered`]), the whole claims map for the
//! handlers that ask for it, and NumericDate values.
//!
//! The one pass reads exactly what parsing the payload into a map would:
//! the same JSON (every value is parsed, so malformed JSON is refused
//! alike), the last value of a repeated name, the same error messages. Only
//! the values of the registered claims are kept; the payload bytes stay
//! with the token, and the map is built from them on first use.

use std::fmt;

use serde::de::{Deserialize, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::JwtError;

/// `map[name]`. A token has a handful of claims: comparing the names is
/// cheaper than hashing the one looked up.
pub(crate) fn lookup<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if map.len() <= 16 {
        map.iter()
            .find_map(|(key, value)| (key == name).then_some(value))
    } else {
        map.get(name)
    }
}

/// The claim names read in the one pass, with the index of their slot.
const REGISTERED: [&str; 11] = [
    "exp", "nbf", "iat", "iss", "aud", "sub", "jti", "type", "fresh", "csrf", "fam",
];

/// The slot of a registered claim.
fn slot_of(name: &str) -> Option<usize> {
    REGISTERED.iter().position(|registered| *registered == name)
}

/// Where the identity claim's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IdentitySlot {
    /// One of the registered claims (`sub`, by default).
    Registered(usize),
    /// Its own slot (`identity`).
    Own,
}

/// The registered claims of a token, and its identity claim.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Registered {
    values: [Option<Value>; REGISTERED.len()],
    /// The identity claim's value, when it is not a registered claim.
    identity: Option<Value>,
    identity_slot: IdentitySlot,
    /// Whether `type`, `fresh` or `jti` was filled in.
    filled: bool,
}

impl Registered {
    /// No claims (the placeholder token of a CORS preflight).
    pub(crate) fn empty() -> Self {
        Self {
            values: Default::default(),
            identity: None,
            identity_slot: IdentitySlot::Registered(slot_of("sub").unwrap_or(0)),
            filled: false,
        }
    }

    /// Reads the claims of `payload` whose identity claim is `identity_claim`.
    /// The error is the message of a payload that is not a JSON object.
    pub(crate) fn parse(payload: &[u8], identity_claim: &str) -> Result<Self, String> {
        let identity_slot = match slot_of(identity_claim) {
            Some(slot) => IdentitySlot::Registered(slot),
            None => IdentitySlot::Own,
        };
        let seed = Reader {
            identity_claim,
            identity_slot,
        };
        let mut deserializer = serde_json::Deserializer::from_slice(payload);
        let read = seed
            .deserialize(&mut deserializer)
            .and_then(|registered| deserializer.end().map(|()| registered));
        match read {
            Ok(registered) => Ok(registered),
            // The message a map parser gives (the rare, cold path).
            Err(_) => Err(match serde_json::from_slice::<Value>(payload) {
                Ok(_) => "must be a json object".to_owned(),
                Err(error) => error.to_string(),
            }),
        }
    }

    /// A registered claim: `None` when `name` is not a registered claim,
    /// `Some(None)` when it is one the token does not carry.
    pub(crate) fn get(&self, name: &str) -> Option<Option<&Value>> {
        slot_of(name).map(|slot| self.values[slot].as_ref())
    }

    /// The value of a registered claim the token carries.
    pub(crate) fn value(&self, name: &str) -> Option<&Value> {
        self.get(name).flatten()
    }

    /// The identity claim's value.
    pub(crate) fn identity(&self) -> Option<&Value> {
        match self.identity_slot {
            IdentitySlot::Registered(slot) => self.values[slot].as_ref(),
            IdentitySlot::Own => self.identity.as_ref(),
        }
    }

    /// Fills in what Flask-JWT-Extended fills in for tokens minted
    /// elsewhere: `type` = `"access"`, `fresh` = `false`, `jti` = `null`.
    pub(crate) fn fill_defaults(&mut self) {
        for (name, default) in DEFAULTS {
            let slot = &mut self.values[slot_of(name).unwrap_or(0)];
            if slot.is_none() {
                *slot = Some(default());
                self.filled = true;
            }
        }
    }

    /// Whether a default was filled in (the payload alone is then not the
    /// whole claims map).
    pub(crate) fn was_filled(&self) -> bool {
        self.filled
    }
}

/// Makes the value of a default claim.
type DefaultValue = fn() -> Value;

/// Flask-JWT-Extended's defaults, in the order it adds them.
const DEFAULTS: [(&str, DefaultValue); 3] = [
    ("type", || Value::from("access")),
    ("fresh", || Value::Bool(false)),
    ("jti", || Value::Null),
];

/// Every claim of `payload` (a JSON object already read once), with the
/// defaults filled in at the end, as Flask-JWT-Extended does.
pub(crate) fn full_claims(payload: &[u8]) -> Map<String, Value> {
    let mut claims: Map<String, Value> = serde_json::from_slice(payload).unwrap_or_default();
    for (name, default) in DEFAULTS {
        if !claims.contains_key(name) {
            claims.insert(name.to_owned(), default());
        }
    }
    claims
}

/// The one pass over the payload.
struct Reader<'a> {
    identity_claim: &'a str,
    identity_slot: IdentitySlot,
}

impl<'de> DeserializeSeed<'de> for Reader<'_> {
    type Value = Registered;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Registered, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Reader<'_> {
    type Value = Registered;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Registered, A::Error> {
        let mut registered = Registered {
            identity_slot: self.identity_slot,
            ..Registered::empty()
        };
        let names = Names {
            identity_claim: self.identity_claim,
        };
        while let Some(name) = map.next_key_seed(names)? {
            match name {
                Name::Registered(slot) => registered.values[slot] = Some(map.next_value()?),
                Name::Identity => registered.identity = Some(map.next_value()?),
                Name::Other => {
                    map.next_value::<Skip>()?;
                }
            }
        }
        Ok(registered)
    }
}

/// What a claim name is, told without copying it.
enum Name {
    Registered(usize),
    Identity,
    Other,
}

/// Reads a claim name as a [`Name`], escaped or not.
#[derive(Clone, Copy)]
struct Names<'a> {
    identity_claim: &'a str,
}

impl<'de> DeserializeSeed<'de> for Names<'_> {
    type Value = Name;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Name, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Names<'_> {
    type Value = Name;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a claim name")
    }

    fn visit_str<E>(self, name: &str) -> Result<Name, E> {
        Ok(match slot_of(name) {
            Some(slot) => Name::Registered(slot),
            None if name == self.identity_claim => Name::Identity,
            None => Name::Other,
        })
    }
}

/// A value read and dropped — read as fully as into a [`Value`] (numbers in
/// range, strings valid), unlike serde's `IgnoredAny`, which only skips.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Skip)
    }
}

/// A NumericDate claim as whole seconds.
pub(crate) fn whole_seconds(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_f64().map(|v| v as i64))
}

/// A NumericDate claim `name` with value `value`, truncated to whole
/// seconds as PyJWT does; an error when it is not a number.
pub(crate) fn time_claim(
    value: Option<&Value>,
    name: &'static str,
) -> Result<Option<f64>, JwtError> {
    match value {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .map(|v| Some(v.trunc()))
            .ok_or(JwtError::InvalidTimeClaim(name)),
        Some(_) => Err(JwtError::InvalidTimeClaim(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Registered, String> {
        Registered::parse(text.as_bytes(), "sub")
    }

    /// The one pass agrees with parsing the payload into a map, including
    /// for repeated names and odd JSON, and gives the map's errors.
    #[test]
    fn the_one_pass_reads_what_a_map_would() {
        for text in [
            r#"{"sub":"a","exp":1,"x":{"deep":[1,2,{"y":null}]}}"#,
            r#"{"sub":"a","sub":"b","jti":1,"jti":"j"}"#,
            r#"{"sub":"a","n":18446744073709551615,"f":-1.5e300,"s":"\u00e9\n"}"#,
            r#"{"su\u0062":"escaped name","type":"refresh"}"#,
            r#" { "fresh" : 1.5e3 , "nbf": -1 } "#,
            "{}",
        ] {
            let registered = parse(text).unwrap();
            let map: Map<String, Value> = serde_json::from_str(text).unwrap();
            for name in REGISTERED {
                assert_eq!(registered.value(name), map.get(name), "{text}: {name}");
            }
        }
        for text in [
            "[1]",
            "\"sub\"",
            "{\"sub\":}",
            "{\"sub\":\"a\"} trailing",
            "{\"sub\":\"a\"",
            "",
            "{\"x\":1e400}",
            "{\"x\":[1e400]}",
            "{\"x\":{\"y\":1e400}}",
            "{\"x\":\"\\uD800\"}",
            "{\"x\":\"\\q\"}",
        ] {
            let expected = match serde_json::from_str::<Value>(text) {
                Ok(_) => "must be a json object".to_owned(),
                Err(error) => error.to_string(),
            };
            assert_eq!(parse(text).unwrap_err(), expected, "{text:?}");
        }
    }

    #[test]
    fn a_custom_identity_claim_has_its_own_slot() {
        let registered =
            Registered::parse(br#"{"sub":"s","identity":{"id":7}}"#, "identity").unwrap();
        assert_eq!(registered.identity(), Some(&serde_json::json!({"id": 7})));
        let registered = Registered::parse(br#"{"sub":"s","identity":1}"#, "sub").unwrap();
        assert_eq!(registered.identity(), Some(&Value::from("s")));
    }

    #[test]
    fn defaults_are_filled_as_in_the_full_map() {
        let payload = br#"{"sub":"a","fresh":true}"#;
        let mut registered = Registered::parse(payload, "sub").unwrap();
        registered.fill_defaults();
        assert!(registered.was_filled());
        let map = full_claims(payload);
        for name in ["type", "fresh", "jti"] {
            assert_eq!(registered.value(name), map.get(name), "{name}");
        }
        let keys: Vec<&String> = map.keys().collect();
        assert_eq!(keys, ["sub", "fresh", "type", "jti"]);
    }
}
