//! Properties of the token format, checked on generated inputs: every
//! algorithm round-trips any identity and claims; no change to a valid
//! token's bytes yields different header or claims; the typed views of a
//! token agree with its claims map.

use std::sync::LazyLock;

use actix_jwt_extended::{Algorithm, JwtManager, TokenOptions};
use actix_jwt_extended_examples::manager_for;
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// One manager per algorithm, keyed with the test keys.
static MANAGERS: LazyLock<Vec<(Algorithm, JwtManager)>> = LazyLock::new(|| {
    Algorithm::ALL
        .into_iter()
        .map(|algorithm| (algorithm, manager_for(algorithm)))
        .collect()
});

/// The claims this crate writes itself; generated claims use other names.
const RESERVED: [&str; 11] = [
    "sub", "exp", "iat", "nbf", "jti", "type", "fresh", "csrf", "iss", "aud", "scope",
];

/// `cases` cases; failures are reported, not persisted.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn algorithm() -> impl Strategy<Value = usize> {
    0..Algorithm::ALL.len()
}

/// JSON values of every kind, nested two levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        proptest::num::f64::NORMAL.prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn extra_claims() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("[a-z_]{1,10}", json_value(), 0..6).prop_map(|claims| {
        claims
            .into_iter()
            .filter(|(name, _)| !RESERVED.contains(&name.as_str()))
            .collect()
    })
}

/// One change to a token's text: a replaced, removed or inserted character.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, char),
    Remove(usize),
    Insert(usize, char),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // The base64url alphabet, the separator and a few characters outside it.
    let character = prop::sample::select(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/= %"
            .chars()
            .collect::<Vec<_>>(),
    );
    prop_oneof![
        (any::<prop::sample::Index>(), character.clone())
            .prop_map(|(i, c)| Mutation::Replace(i.index(usize::MAX), c)),
        any::<prop::sample::Index>().prop_map(|i| Mutation::Remove(i.index(usize::MAX))),
        (any::<prop::sample::Index>(), character)
            .prop_map(|(i, c)| Mutation::Insert(i.index(usize::MAX), c)),
    ]
}

impl Mutation {
    fn apply(&self, token: &str) -> String {
        let mut bytes: Vec<char> = token.chars().collect();
        match *self {
            Mutation::Replace(i, c) => bytes[i % token.len()] = c,
            Mutation::Remove(i) => {
                bytes.remove(i % token.len());
            }
            Mutation::Insert(i, c) => bytes.insert(i % (token.len() + 1), c),
        }
        bytes.into_iter().collect()
    }
}

proptest! {
    #![proptest_config(config(96))]

    /// Any identity and claims come back exactly, with every algorithm.
    #[test]
    fn every_algorithm_round_trips(
        algorithm in algorithm(),
        identity in "\\PC{0,24}",
        claims in extra_claims(),
        fresh in any::<bool>(),
    ) {
        let (algorithm, manager) = &MANAGERS[algorithm];
        let options = TokenOptions::new()
            .fresh(fresh)
            .claims(Value::Object(claims.clone()));
        let token = manager.create_access_token_with(&identity, options).unwrap();
        let decoded = manager.decode_token(&token).unwrap();
        prop_assert_eq!(&decoded.header()["alg"], algorithm.as_str());
        prop_assert_eq!(decoded.identity(), &json!(identity));
        prop_assert_eq!(decoded.is_fresh(), fresh);
        for (name, value) in &claims {
            prop_assert_eq!(decoded.claim(name), Some(value), "claim {}", name);
        }
        let refresh = manager.create_refresh_token(&identity).unwrap();
        let decoded = manager.decode_token(&refresh).unwrap();
        prop_assert!(decoded.is_refresh());
        prop_assert_eq!(decoded.identity(), &json!(identity));
    }
}

/// Found by `every_algorithm_round_trips`: JSON's default float parsing
/// could be one unit in the last place off.
#[test]
fn float_claims_round_trip_exactly() {
    let manager = &MANAGERS[0].1;
    for value in [
        1.1337364567204155e-70,
        0.1,
        2.2250738585072014e-308,
        1.7976931348623157e308,
    ] {
        let options = TokenOptions::new().claim("x", value);
        let token = manager.create_access_token_with("alice", options).unwrap();
        let decoded = manager.decode_token(&token).unwrap();
        assert_eq!(decoded.claim("x"), Some(&json!(value)), "{value:e}");
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// A changed token is refused, or (a change that base64url decoding
    /// does not see) verifies to exactly the same header and claims.
    #[test]
    fn a_changed_token_is_refused_or_unchanged(
        algorithm in algorithm(),
        claims in extra_claims(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let (_, manager) = &MANAGERS[algorithm];
        let options = TokenOptions::new().claims(Value::Object(claims));
        let token = manager.create_access_token_with("alice", options).unwrap();
        let original = manager.decode_token(&token).unwrap();
        let mut changed = token.clone();
        for mutation in &mutations {
            changed = mutation.apply(&changed);
        }
        if let Ok(decoded) = manager.decode_token(&changed) {
            prop_assert_eq!(decoded.header(), original.header());
            prop_assert_eq!(decoded.claims(), original.claims());
        }
    }
}

/// The claims of an access token this crate writes, as a struct.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: String,
    #[serde(rename = "type")]
    token_type: String,
    fresh: bool,
    role: String,
    level: i64,
}

proptest! {
    #![proptest_config(config(128))]

    /// `claims_as` and the accessors of a token read what its claims map
    /// holds.
    #[test]
    fn typed_claims_agree_with_the_claims_map(
        algorithm in algorithm(),
        identity in "\\PC{0,24}",
        role in "\\PC{0,12}",
        level in any::<i64>(),
        fresh in any::<bool>(),
    ) {
        let (_, manager) = &MANAGERS[algorithm];
        let options = TokenOptions::new()
            .fresh(fresh)
            .claim("role", role.clone())
            .claim("level", level);
        let token = manager.create_access_token_with(&identity, options).unwrap();
        let decoded = manager.decode_token(&token).unwrap();
        let map = decoded.claims();
        let typed: Claims = decoded.claims_as().unwrap();

        prop_assert_eq!(&map["sub"], &json!(typed.sub));
        prop_assert_eq!(&map["iat"], &json!(typed.iat));
        prop_assert_eq!(&map["nbf"], &json!(typed.nbf));
        prop_assert_eq!(&map["exp"], &json!(typed.exp));
        prop_assert_eq!(&map["jti"], &json!(typed.jti));
        prop_assert_eq!(&map["type"], &json!(typed.token_type));
        prop_assert_eq!(&map["fresh"], &json!(typed.fresh));
        prop_assert_eq!((typed.role.as_str(), typed.level), (role.as_str(), level));

        prop_assert_eq!(decoded.identity(), &map["sub"]);
        prop_assert_eq!(decoded.sub(), Some(typed.sub.as_str()));
        prop_assert_eq!(decoded.iat(), Some(typed.iat));
        prop_assert_eq!(decoded.exp(), Some(typed.exp));
        prop_assert_eq!(decoded.jti(), Some(typed.jti.as_str()));
        prop_assert_eq!(decoded.token_type(), typed.token_type.as_str());
        prop_assert_eq!(decoded.is_fresh(), typed.fresh);
        prop_assert!(!decoded.is_refresh());
    }
}
