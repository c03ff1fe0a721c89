//! Token compatibility with Flask-JWT-Extended 4.7.4, in both directions.
//!
//! * `tests/fixtures/flask/tokens.json` holds tokens minted by a real
//!   Flask-JWT-Extended 4.7.4 app (made by `tests/fixtures/flask/mint.py`;
//!   see the README there); they must verify here with the same keys.
//! * Tokens minted here are handed to `tests/fixtures/flask/verify.py`, which
//!   checks them with Flask-JWT-Extended and prints what it answered. The
//!   interpreter is `$FLASK_PYTHON` (default `python3`) and needs the packages
//!   of `tests/fixtures/flask/requirements.txt`. Without them the test is
//!   skipped locally and fails when `CI=true`.

use std::time::{Duration, SystemTime};

use actix_jwt_extended::testing::ManualClock;
use actix_jwt_extended::{
    Algorithm, DecodeOptions, Expires, JwtError, JwtManager, JwtManagerBuilder, TokenOptions,
};
use actix_jwt_extended_examples::{key_pair, now, repo_root, run_python_fixture, sign_hs};
use serde_json::{Value, json};

const SECRET: &str = "flask-fixture-secret";

fn builder(algorithm: Algorithm) -> JwtManagerBuilder {
    let builder = JwtManager::builder().algorithm(algorithm);
    if algorithm.is_asymmetric() {
        let (private, public) = key_pair(algorithm);
        builder.private_key_pem(private).public_key_pem(public)
    } else {
        builder.secret_key(SECRET)
    }
}

fn fixtures() -> Value {
    let path = repo_root().join("tests/fixtures/flask/tokens.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn flask_minted_tokens_verify_here() {
    let fixtures = fixtures();
    let tokens = fixtures["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 84, "12 algorithms × 7 cases");
    for fixture in tokens {
        let name = fixture["name"].as_str().unwrap();
        let algorithm: Algorithm = fixture["alg"].as_str().unwrap().parse().unwrap();
        let token = fixture["token"].as_str().unwrap();
        let never = builder(algorithm)
            .access_token_expires(Expires::Never)
            .build()
            .unwrap();
        let m = builder(algorithm).build().unwrap();
        let context = format!("{algorithm} {name}");
        match name {
            "expired" => {
                let rejection = m.decode_token(token).unwrap_err();
                assert_eq!(rejection.error(), &JwtError::Expired, "{context}");
                // The expired-token loader still gets the verified claims.
                assert_eq!(rejection.token().unwrap().sub(), Some("alice"));
            }
            "never_expires" => {
                // Without `exp` a token is accepted only where the
                // configuration says tokens never expire.
                let rejection = m.decode_token(token).unwrap_err();
                assert_eq!(
                    rejection.error(),
                    &JwtError::MissingRequiredClaim("exp"),
                    "{context}"
                );
                let decoded = never.decode_token(token).unwrap();
                assert_eq!(
                    Value::Object(decoded.claims().clone()),
                    fixture["payload"],
                    "{context}"
                );
            }
            _ => {
                let decoded = m
                    .decode_token(token)
                    .unwrap_or_else(|e| panic!("{context}: {:?}", e.error()));
                assert_eq!(
                    Value::Object(decoded.header().clone()),
                    fixture["header"],
                    "{context}"
                );
                assert_eq!(
                    Value::Object(decoded.claims().clone()),
                    fixture["payload"],
                    "{context}"
                );
                assert_eq!(decoded.is_refresh(), name == "refresh", "{context}");
                let fresh = matches!(name, "fresh_access" | "timed_fresh_access");
                assert_eq!(decoded.is_fresh(), fresh, "{context}");
            }
        }
    }
}

#[test]
fn our_claim_layout_is_flask_jwt_extendeds() {
    let fixtures = fixtures();
    let theirs = &fixtures["tokens"][0]["payload"];
    let m = builder(Algorithm::HS256).build().unwrap();
    let ours = m
        .decode_token(&m.create_access_token("alice").unwrap())
        .unwrap();
    let their_keys: Vec<&String> = theirs.as_object().unwrap().keys().collect();
    let our_keys: Vec<&String> = ours.claims().keys().collect();
    assert_eq!(our_keys, their_keys);
}

/// Runs `verify.py` over `tokens`; `None` when Flask-JWT-Extended is missing.
fn verify_in_flask(tokens: &[Value]) -> Option<Vec<Value>> {
    run_in_flask("verify.py", json!({ "tokens": tokens }))
}

/// Runs a script of `tests/fixtures/flask/` with `input` on stdin and
/// returns its `results`; `None` when Flask-JWT-Extended is missing.
fn run_in_flask(script: &str, input: Value) -> Option<Vec<Value>> {
    let output = run_python_fixture(
        "FLASK_PYTHON",
        &format!("flask/{script}"),
        &input.to_string(),
        "Flask-JWT-Extended (pip install -r tests/fixtures/flask/requirements.txt)",
    )?;
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    Some(answer["results"].as_array().unwrap().clone())
}

#[test]
fn tokens_minted_here_verify_in_flask() {
    let mut tokens = Vec::new();
    let mut expected = Vec::new();
    for algorithm in Algorithm::ALL {
        let m = builder(algorithm).build().unwrap();
        let cases = [
            (m.create_access_token("alice").unwrap(), false),
            (
                m.create_access_token_with("alice", TokenOptions::new().fresh(true))
                    .unwrap(),
                false,
            ),
            (
                m.create_access_token_with(
                    "alice",
                    TokenOptions::new()
                        .fresh(std::time::Duration::from_secs(600))
                        .claim("role", "admin")
                        .claim("scope", json!({"perms": ["read"]}))
                        .header("kid", "k1"),
                )
                .unwrap(),
                false,
            ),
            (m.create_refresh_token("alice").unwrap(), true),
        ];
        for (token, refresh) in cases {
            let decoded = m.decode_token(&token).unwrap();
            expected.push(json!({
                "header": decoded.header(),
                "payload": decoded.claims(),
            }));
            tokens.push(json!({ "alg": algorithm.as_str(), "token": token, "refresh": refresh }));
        }
    }
    let Some(results) = verify_in_flask(&tokens) else {
        return;
    };
    assert_eq!(results.len(), expected.len());
    for ((result, expected), token) in results.iter().zip(&expected).zip(&tokens) {
        assert_eq!(
            result["status"], 200,
            "{} → {}",
            token["alg"], result["body"]
        );
        assert_eq!(&result["body"], expected, "{}", token["alg"]);
    }
    // And Flask-JWT-Extended rejects what it should: a refresh token on an
    // access route, and a token signed with another key.
    let m = builder(Algorithm::HS256).build().unwrap();
    let other = JwtManager::builder()
        .secret_key("not-the-fixture-secret")
        .build()
        .unwrap();
    let negatives = [
        json!({"alg": "HS256", "token": m.create_refresh_token("alice").unwrap(), "refresh": false}),
        json!({"alg": "HS256", "token": other.create_access_token("alice").unwrap(), "refresh": false}),
    ];
    let results = verify_in_flask(&negatives).unwrap();
    assert_eq!(results[0]["status"], 422);
    assert_eq!(
        results[0]["body"]["msg"],
        "Only non-refresh tokens are allowed"
    );
    assert_eq!(results[1]["status"], 422);
    assert_eq!(results[1]["body"]["msg"], "Signature verification failed");
}

/// `decode_token(csrf_value, allow_expired)`, `get_jti` and
/// `get_unverified_jwt_headers` answer what Flask-JWT-Extended's answer,
/// status and message included, on the same tokens.
#[test]
fn token_utilities_answer_as_flask_jwt_extendeds() {
    let m = builder(Algorithm::HS256).build().unwrap();
    let an_hour_ago = ManualClock::at(SystemTime::now() - Duration::from_secs(3600));
    let past = builder(Algorithm::HS256)
        .clock(&an_hour_ago)
        .build()
        .unwrap();
    let good = m.create_access_token("alice").unwrap();
    let expired = past.create_access_token("alice").unwrap();
    let header = r#"{"alg":"HS256","typ":"JWT"}"#;
    // Minted elsewhere: no `jti`, no `csrf` (an `exp`, which this crate
    // requires by default).
    let payload = json!({"sub": "bob", "exp": now() + 600}).to_string();
    let foreign = sign_hs("HS256", header, &payload, SECRET.as_bytes());
    let other_key = sign_hs("HS256", header, &payload, b"another-secret");
    let numeric_kid = sign_hs(
        "HS256",
        r#"{"alg":"HS256","kid":5,"typ":"JWT"}"#,
        &payload,
        SECRET.as_bytes(),
    );
    let array_header = sign_hs("HS256", "[1]", &payload, SECRET.as_bytes());
    let csrf_of = |token: &str| {
        let options = DecodeOptions::new().allow_expired(true);
        let decoded = m.decode_token_with(token, options).unwrap();
        decoded.claim("csrf").unwrap().as_str().unwrap().to_owned()
    };
    let (good_csrf, expired_csrf) = (csrf_of(&good), csrf_of(&expired));

    let decode = |token: &str, csrf: Option<&str>, allow_expired: bool| json!({"function": "decode_token", "token": token, "csrf_value": csrf, "allow_expired": allow_expired});
    let call = |function: &str, token: &str| json!({"function": function, "token": token});
    let calls = [
        decode(&good, None, false),
        decode(&expired, None, false),
        decode(&expired, None, true),
        decode(&other_key, None, true),
        decode(&good, Some(&good_csrf), false),
        decode(&good, Some("wrong"), false),
        decode(&good, Some(""), false),
        decode(&foreign, Some("any"), false),
        decode(&expired, Some("wrong"), false),
        decode(&expired, Some(&expired_csrf), false),
        decode(&expired, Some(&expired_csrf), true),
        call("get_jti", &good),
        call("get_jti", &foreign),
        call("get_jti", &expired),
        call("get_jti", &other_key),
        call("get_unverified_jwt_headers", &good),
        call("get_unverified_jwt_headers", &other_key),
        call("get_unverified_jwt_headers", &numeric_kid),
        call("get_unverified_jwt_headers", &array_header),
        call("get_unverified_jwt_headers", "abc"),
        call("get_unverified_jwt_headers", "a.b.c"),
        call("get_unverified_jwt_headers", "a.b"),
    ];
    let ours: Vec<Value> = calls
        .iter()
        .map(|call| {
            let token = call["token"].as_str().unwrap();
            let result = match call["function"].as_str().unwrap() {
                "decode_token" => {
                    let mut options =
                        DecodeOptions::new().allow_expired(call["allow_expired"] == true);
                    if let Some(csrf) = call["csrf_value"].as_str() {
                        options = options.csrf_value(csrf);
                    }
                    m.decode_token_with(token, options)
                        .map(|t| Value::Object(t.claims().clone()))
                }
                "get_jti" => m.get_jti(token).map(|jti| json!(jti)),
                _ => m.get_unverified_jwt_headers(token).map(Value::Object),
            };
            match result {
                Ok(result) => json!({"status": 200, "body": {"result": result}}),
                Err(rejection) => json!({
                    "status": rejection.error().status().as_u16(),
                    "body": {"msg": rejection.error().client_message()},
                }),
            }
        })
        .collect();
    let Some(theirs) = run_in_flask("utilities.py", json!({ "calls": calls })) else {
        return;
    };
    for ((call, ours), theirs) in calls.iter().zip(&ours).zip(&theirs) {
        let what = format!(
            "{}(csrf_value={}, allow_expired={})",
            call["function"], call["csrf_value"], call["allow_expired"]
        );
        assert_eq!(ours, theirs, "{what}");
    }
    assert_eq!(ours.len(), theirs.len());
}
