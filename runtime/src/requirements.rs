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

/// Whether `actual` satisfies one of `alternatives` (`role = "admin" |
/// "owner"`).
pub(crate) fn satisfies_any(actual: &Value, alternatives: &[Value]) -> bool {
    alternatives
        .iter()
        .any(|required| satisfies(actual, required))
}

/// Whether a claim equals a value of the request (a path or query value,
/// as text): a string claim by its text, a number or a boolean by its JSON
/// text (`7` equals the path segment `7`); anything else never does.
pub(crate) fn equals_request_value(actual: &Value, value: &str) -> bool {
    match actual {
        Value::String(text) => text == value,
        Value::Number(number) => number.to_string() == value,
        Value::Bool(flag) => value.parse() == Ok(*flag),
        _ => false,
    }
}

/// A scope requirement as RFC 6750 scope tokens, space-separated, for the
/// `scope="…"` of an `insufficient_scope` challenge: a string is its own
/// tokens; in a map, `"admin": true` is `admin`, a list `"perms": ["read"]`
/// is `perms:read`, any other value `key:value`, and nested maps join their
/// keys with `.` (`org.id:7`); `false` and `null` require nothing.
pub(crate) fn scope_tokens(required: &Value) -> String {
    let mut tokens = Vec::new();
    collect_scope_tokens("", required, &mut tokens);
    tokens.join(" ")
}

fn collect_scope_tokens(prefix: &str, value: &Value, tokens: &mut Vec<String>) {
    let with_prefix = |text: &str| match prefix {
        "" => text.to_owned(),
        prefix => format!("{prefix}:{text}"),
    };
    match value {
        Value::Null | Value::Bool(false) => {}
        Value::Bool(true) if !prefix.is_empty() => tokens.push(prefix.to_owned()),
        Value::String(text) => tokens.extend(text.split_whitespace().map(with_prefix)),
        Value::Array(items) => {
            for item in items {
                collect_scope_tokens(prefix, item, tokens);
            }
        }
        Value::Object(map) => {
            for (key, value) in map {
                let key = match prefix {
                    "" => key.clone(),
                    prefix => format!("{prefix}.{key}"),
                };
                collect_scope_tokens(&key, value, tokens);
            }
        }
        other => tokens.push(with_prefix(&other.to_string())),
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
    fn any_of_and_request_values() {
        let alternatives = [json!("admin"), json!("owner")];
        assert!(satisfies_any(&json!("owner"), &alternatives));
        assert!(!satisfies_any(&json!("guest"), &alternatives));
        assert!(equals_request_value(&json!("acme"), "acme"));
        assert!(equals_request_value(&json!(7), "7"));
        assert!(equals_request_value(&json!(true), "true"));
        assert!(!equals_request_value(&json!(7.5), "7"));
        assert!(!equals_request_value(&json!(["acme"]), "acme"));
        assert!(!equals_request_value(&Value::Null, "null"));
    }

    #[test]
    fn scope_requirements_as_rfc_6750_tokens() {
        assert_eq!(
            scope_tokens(&json!({"admin": true, "perms": ["read", "write"], "off": false})),
            "admin perms:read perms:write"
        );
        assert_eq!(scope_tokens(&json!("read write")), "read write");
        assert_eq!(scope_tokens(&json!({"org": {"id": 7}})), "org.id:7");
        assert_eq!(scope_tokens(&json!(["a", "b"])), "a b");
    }

    #[test]
    fn dotted_paths() {
        let claims = json!({"org": {"id": 7}});
        let claims = claims.as_object().unwrap();
        assert_eq!(claim_at(claims, &["org", "id"]), Some(&json!(7)));
        assert_eq!(claim_at(claims, &["org", "name"]), None);
        assert_eq!(claim_at(claims, &["missing"]), None);
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
}
