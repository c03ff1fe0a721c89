//! Reading claims: lookups by name and NumericDate values.

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

/// A NumericDate claim as whole seconds.
pub(crate) fn whole_seconds(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_f64().map(|v| v as i64))
}

/// A NumericDate claim, truncated to whole seconds as PyJWT does; an error
/// when it is not a number.
pub(crate) fn time_claim(
    claims: &Map<String, Value>,
    name: &'static str,
) -> Result<Option<f64>, JwtError> {
    match lookup(claims, name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .map(|v| Some(v.trunc()))
            .ok_or(JwtError::InvalidTimeClaim(name)),
        Some(_) => Err(JwtError::InvalidTimeClaim(name)),
    }
}
