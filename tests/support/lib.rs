//! Shared helpers of the integration tests (the examples are self-contained).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_jwt_extended::{Algorithm, JwtManager, JwtManagerBuilder};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{EncodingKey, crypto::aws_lc::DEFAULT_PROVIDER};
use serde_json::Value;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The text of a test key from `tests/keys/`.
pub fn key(name: &str) -> String {
    let path = repo_root().join("tests/keys").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The HMAC secret the tests use.
pub const SECRET: &str = "test-secret-of-reasonable-length";

/// A builder with [`SECRET`] and otherwise default settings.
pub fn hs256() -> JwtManagerBuilder {
    JwtManager::builder().secret_key(SECRET)
}

/// The private and public test keys of an asymmetric algorithm.
pub fn key_pair(algorithm: Algorithm) -> (String, String) {
    let stem = match algorithm {
        Algorithm::ES256 => "ec256",
        Algorithm::ES384 => "ec384",
        Algorithm::EdDSA => "ed25519",
        _ => "rsa",
    };
    (
        key(&format!("{stem}_private.pem")),
        key(&format!("{stem}_public.pem")),
    )
}

/// A manager for `algorithm`, keyed with the test secret or test key pair.
pub fn manager_for(algorithm: Algorithm) -> JwtManager {
    let builder = JwtManager::builder().algorithm(algorithm);
    let builder = if algorithm.is_asymmetric() {
        let (private, public) = key_pair(algorithm);
        builder.private_key_pem(private).public_key_pem(public)
    } else {
        builder.secret_key(SECRET)
    };
    builder.build().expect("test manager")
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// base64url without padding, as in JWTs.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs arbitrary header and payload *text* with the HMAC `secret`, so tests
/// can build tokens this crate would never create.
pub fn sign_hs(alg: &str, header: &str, payload: &str, secret: &[u8]) -> String {
    let algorithm: jsonwebtoken::Algorithm = alg.parse().expect("HS algorithm");
    sign_with(
        algorithm,
        header,
        payload,
        &EncodingKey::from_secret(secret),
    )
}

/// Signs arbitrary header and payload text with `key` and `algorithm`.
pub fn sign_with(
    algorithm: jsonwebtoken::Algorithm,
    header: &str,
    payload: &str,
    key: &EncodingKey,
) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let signer = (DEFAULT_PROVIDER.signer_factory)(&algorithm, key).expect("signer");
    let signature = signer.try_sign(input.as_bytes()).expect("signature");
    format!("{input}.{}", b64(signature))
}

/// An HS256 token over `payload` (a JSON value) with the test secret.
pub fn hs256_token(payload: &Value) -> String {
    sign_hs(
        "HS256",
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &payload.to_string(),
        SECRET.as_bytes(),
    )
}

/// Counts how often handler bodies ran, per app instance.
#[derive(Clone, Default)]
pub struct Runs(Arc<AtomicUsize>);

impl Runs {
    /// Records one run.
    pub fn hit(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    /// How many runs were recorded.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// An example started with `cargo run --example <name>` on a free port,
/// stopped when dropped.
pub struct ExampleServer {
    child: std::process::Child,
    /// The port it listens on.
    pub port: u16,
}

impl ExampleServer {
    /// Starts the example (building it if needed) with extra environment
    /// variables and waits until it accepts connections.
    pub fn start(example: &str, env: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut command = std::process::Command::new(env!("CARGO"));
        command
            .args(["run", "--quiet", "--example", example])
            .current_dir(repo_root())
            .env("PORT", port.to_string())
            .env_remove("JWT_SECRET_KEY")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().expect("cargo run --example");
        let mut server = Self { child, port };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "example {example} did not start listening"
            );
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("example {example} exited ({status}) before it listened");
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        server
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for ExampleServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
/// Runs the Python script `tests/fixtures/<script>` with `input` on its
/// standard input, under the interpreter `$<variable>` (default `python3`).
/// A script exits with 3 when its packages are missing: then (or when the
/// interpreter cannot run) the answer is `None`, after a loud skip message —
/// or a panic when `CI=true`. `needs` names what is missing and how to
/// install it.
pub fn run_python_fixture(
    variable: &str,
    script: &str,
    input: &str,
    needs: &str,
) -> Option<std::process::Output> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};

    let python = std::env::var(variable).unwrap_or_else(|_| "python3".to_owned());
    let missing = |why: &str| {
        let message = format!("{needs} is not available ({}); set {variable}", why.trim());
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{message}");
        }
        eprintln!("\n!!!!! SKIPPED: {message}\n");
        None
    };
    let spawned = Command::new(&python)
        .arg(repo_root().join("tests/fixtures").join(script))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => return missing(&format!("cannot run {python}: {e}")),
    };
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.as_bytes())
        .expect("the script reads its input");
    let output = child.wait_with_output().expect("the script ends");
    if output.status.code() == Some(3) {
        return missing(&String::from_utf8_lossy(&output.stderr));
    }
    Some(output)
}
