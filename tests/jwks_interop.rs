//! JWKS interoperability with code written elsewhere, in both directions:
//!
//! * Python PyJWT's `PyJWKClient` fetches this crate's `JwksEndpoint` (a
//!   real HTTP server) and verifies this crate's tokens, across a signing-key
//!   rotation, for RS256, PS256, ES256, ES384 and EdDSA.
//! * An identity provider written with PyJWT serves its own JWKS over HTTP;
//!   its RS256, ES256 and EdDSA tokens verify here through JWT_JWKS_URL.
//!
//! The interpreter is `$FLASK_PYTHON` (default `python3`) with the packages
//! of `tests/fixtures/flask/requirements.txt` (PyJWT and cryptography).
//! Without them the tests are skipped locally and fail when `CI=true`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use actix_jwt_extended::{Algorithm, JwksEndpoint, JwtManager, Key};
use actix_jwt_extended_examples::{key_pair, repo_root};
use actix_web::App;
use serde_json::{Value, json};

fn python() -> String {
    std::env::var("FLASK_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Reports a missing PyJWT: a loud skip, or a failure when `CI=true`.
fn missing(why: &str) {
    let message = format!(
        "PyJWT is not available ({}). Install it with \
         `pip install -r tests/fixtures/flask/requirements.txt` and/or set FLASK_PYTHON.",
        why.trim()
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
    eprintln!("\n!!!!! SKIPPED: {message}\n");
}

/// Runs `pyjwk_client.py` on `tokens` against `url`; `None` when PyJWT is
/// missing.
fn verify_with_pyjwk_client(url: &str, tokens: &[String]) -> Option<Vec<Value>> {
    let script = repo_root().join("tests/fixtures/jwks/pyjwk_client.py");
    let mut child = match Command::new(python())
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            missing(&format!("cannot run {}: {e}", python()));
            return None;
        }
    };
    let input = json!({ "url": url, "tokens": tokens }).to_string();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    if output.status.code() == Some(3) {
        missing(&String::from_utf8_lossy(&output.stderr));
        return None;
    }
    assert!(
        output.status.success(),
        "pyjwk_client.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    Some(answer["results"].as_array().unwrap().clone())
}

fn manager(algorithm: Algorithm) -> JwtManager {
    let (private, public) = key_pair(algorithm);
    JwtManager::builder()
        .algorithm(algorithm)
        .private_key_pem(private)
        .public_key_pem(public)
        .build()
        .unwrap()
}

#[actix_web::test]
async fn pyjwk_client_verifies_our_tokens_from_our_jwks_endpoint() {
    for algorithm in [
        Algorithm::RS256,
        Algorithm::PS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ] {
        let jwt = manager(algorithm);
        let data = jwt.clone();
        let server = actix_test::start(move || {
            App::new()
                .app_data(data.clone())
                .service(JwksEndpoint::new())
        });
        let url = server.url("/.well-known/jwks.json");
        let before = jwt.create_access_token("alice").unwrap();
        let new_kid = jwt
            .rotate_signing_key(Key::generate(algorithm).unwrap())
            .unwrap()
            .unwrap();
        let after = jwt.create_access_token("bob").unwrap();
        let tokens = [before, after];
        // PyJWKClient blocks: run it off the server's runtime.
        let results = tokio::task::spawn_blocking(move || verify_with_pyjwk_client(&url, &tokens))
            .await
            .unwrap();
        let Some(results) = results else {
            return;
        };
        for (result, sub) in results.iter().zip(["alice", "bob"]) {
            assert_eq!(result["ok"], true, "{algorithm}: {result}");
            assert_eq!(result["sub"], sub, "{algorithm}");
            assert_eq!(result["alg"], algorithm.as_str(), "{algorithm}");
        }
        assert_eq!(results[1]["kid"], new_kid, "{algorithm}");
        assert_ne!(results[0]["kid"], results[1]["kid"], "{algorithm}");
    }
}

/// A Python identity provider, stopped when dropped.
struct PyIssuer {
    child: std::process::Child,
    announced: Value,
}

impl Drop for PyIssuer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_py_issuer() -> Option<PyIssuer> {
    let script = repo_root().join("tests/fixtures/jwks/py_issuer.py");
    let mut child = match Command::new(python())
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            missing(&format!("cannot run {}: {e}", python()));
            return None;
        }
    };
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    if line.trim().is_empty() {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(
            output.status.code(),
            Some(3),
            "py_issuer.py failed: {stderr}"
        );
        missing(&stderr);
        return None;
    }
    Some(PyIssuer {
        child,
        announced: serde_json::from_str(&line).unwrap(),
    })
}

#[test]
fn tokens_of_a_pyjwt_issuer_verify_through_its_jwks_url() {
    let Some(issuer) = start_py_issuer() else {
        return;
    };
    let url = issuer.announced["url"].as_str().unwrap();
    let iss = issuer.announced["issuer"].as_str().unwrap();
    for algorithm in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
        let jwt = JwtManager::builder()
            .options([
                ("JWT_ALGORITHM", algorithm.as_str()),
                ("JWT_JWKS_URL", url),
                ("JWT_DECODE_ISSUER", iss),
                ("JWT_DECODE_AUDIENCE", "api"),
            ])
            .unwrap()
            .build()
            .unwrap();
        let token = issuer.announced["tokens"][algorithm.as_str()]
            .as_str()
            .unwrap();
        let decoded = jwt
            .decode_token(token)
            .unwrap_or_else(|r| panic!("{algorithm}: {}", r.error()));
        assert_eq!(decoded.sub(), Some("py-user"), "{algorithm}");
        // Filled in as Flask-JWT-Extended does for foreign tokens.
        assert_eq!(decoded.token_type(), "access");
        // Only the key of this algorithm's kind was taken from the set.
        assert_eq!(jwt.keys().len(), 1, "{algorithm}");
        // A token of another kind of key is refused.
        let other = issuer.announced["tokens"][if algorithm == Algorithm::RS256 {
            "ES256"
        } else {
            "RS256"
        }]
        .as_str()
        .unwrap();
        assert!(jwt.decode_token(other).is_err(), "{algorithm}");
    }
}
