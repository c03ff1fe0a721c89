//! Declarative claim and scope requirements (`#[require_token(...)]`), with
//! Flask-PyJWT's matching rules — except that nested maps are checked key by
//! key all the way down.

use serde_json::{Map, Value};

/// Whether `actual` satisfies `required`:
///
/// * a map requires every one of its keys, each matched recursively;
/// * a list requires each of its items to be in the actual list (a subset);
/// * anything else requires equality.
pub(crate) fn satisfies(actual: &Value, required: &Value) -> bool {
    match required {
        Value::Object(required) => actual
            .as_object()
            .is_some_and(|actual| map_satisfies(actual, required)),
        Value::Array(required) => match actual {
            Value::Array(actual) => required.iter().all(|item| actual.contains(item)),
            _ => false,
        },
        scalar => actual == scalar,
    }
}

/// Whether every key of `required` is in `actual` with a value that
/// satisfies it (see [`satisfies`]).
pub(crate) fn map_satisfies(actual: &Map<String, Value>, required: &Map<String, Value>) -> bool {
    required.iter().all(|(key, required)| {
        actual
            .get(key)
            .is_some_and(|actual| satisfies(actual, required))
    })
}

/// The claim at a dotted path (`["org", "id"]` for `org.id`).
pub(crate) fn claim_at<'a>(claims: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(claims.get(*first)?, |value, key| value.get(*key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_maps_are_matched_key_by_key_all_the_way() {
        let token = json!({"a": {"x": 1}, "b": 3});
        assert!(satisfies(&token, &json!({"a": {"x": 1}})));
        // Flask-PyJWT returns after the first nested key; later keys count here.
        assert!(!satisfies(&token, &json!({"a": {"x": 1}, "b": 2})));
        assert!(satisfies(&token, &json!({"a": {"x": 1}, "b": 3})));
    }

    #[test]
    fn lists_are_subsets_and_scalars_equal() {
        let perms = json!(["read", "write", "delete"]);
        assert!(satisfies(&perms, &json!(["read", "write"])));
        assert!(!satisfies(&perms, &json!(["read", "admin"])));
        assert!(!satisfies(&json!("read"), &json!(["read"])));
        assert!(satisfies(&json!("blue"), &json!("blue")));
        assert!(!satisfies(&json!(3), &json!("3")));
    }

    #[test]
    fn dotted_paths() {
        let claims = json!({"org": {"id": 7}});
        let claims = claims.as_object().unwrap();
        assert_eq!(claim_at(claims, &["org", "id"]), Some(&json!(7)));
        assert_eq!(claim_at(claims, &["org", "name"]), None);
        assert_eq!(claim_at(claims, &["missing"]), None);
    }
}
