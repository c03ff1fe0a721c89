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

/// Whether the token's scopes satisfy `required`. The `scope` claim is
/// matched as any claim ([`satisfies`]: maps key by key, lists as subsets);
/// and the OAuth forms are understood — `scope` as a space-separated string
/// (RFC 8693, RFC 9068), or `scp` as such a string or a list of strings
/// (Microsoft Entra ID, Okta) — against a required string of
/// space-separated scopes or a list of scopes, each of which must be
/// granted.
pub(crate) fn scope_satisfies(claims: &Map<String, Value>, required: &Value) -> bool {
    let scope = claims.get("scope");
    if scope.is_some_and(|scope| satisfies(scope, required)) {
        return true;
    }
    let wanted: Option<Vec<&str>> = match required {
        Value::String(scopes) => Some(scopes.split(' ').filter(|s| !s.is_empty()).collect()),
        Value::Array(scopes) => scopes.iter().map(Value::as_str).collect(),
        _ => None,
    };
    let granted: Option<Vec<&str>> = match (scope, claims.get("scp")) {
        (Some(Value::String(scopes)), _) | (None, Some(Value::String(scopes))) => {
            Some(scopes.split(' ').filter(|s| !s.is_empty()).collect())
        }
        (None, Some(Value::Array(scopes))) => scopes.iter().map(Value::as_str).collect(),
        _ => None,
    };
    match (wanted, granted) {
        (Some(wanted), Some(granted)) => {
            !wanted.is_empty() && wanted.iter().all(|scope| granted.contains(scope))
        }
        _ => false,
    }
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
    fn oauth_scopes_are_understood() {
        let claims = |value: Value| value.as_object().unwrap().clone();
        let oauth = claims(json!({"scope": "openid read:items write:items"}));
        assert!(scope_satisfies(&oauth, &json!("read:items")));
        assert!(scope_satisfies(&oauth, &json!("write:items read:items")));
        assert!(scope_satisfies(&oauth, &json!(["read:items"])));
        assert!(!scope_satisfies(&oauth, &json!("admin")));
        assert!(!scope_satisfies(&oauth, &json!({"read:items": true})));
        assert!(!scope_satisfies(&oauth, &json!("")));
        let entra = claims(json!({"scp": "User.Read Mail.Read"}));
        assert!(scope_satisfies(&entra, &json!("Mail.Read")));
        let okta = claims(json!({"scp": ["openid", "profile"]}));
        assert!(scope_satisfies(&okta, &json!(["profile", "openid"])));
        assert!(!scope_satisfies(&okta, &json!("email")));
        // Our map form is matched as before.
        let ours = claims(json!({"scope": {"admin": true, "perms": ["read"]}}));
        assert!(scope_satisfies(&ours, &json!({"perms": ["read"]})));
        assert!(!scope_satisfies(&ours, &json!("admin")));
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
