//! A throw-away `redis-server` for tests and benchmarks: started on a free
//! loopback port, without persistence, in a temporary directory, and killed
//! when dropped. The same binary also runs the nodes of a test cluster
//! (`redis_cluster`) and the sentinels of a test Sentinel setup
//! (`redis_sentinel`). `REDIS_SERVER_BIN` names another binary (e.g. a
//! `valkey-server`).
//!
//! When `redis-server` is not installed the caller gets `None` and a loud
//! message — except with `CI=true`, where a missing server is a failure.

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A running (or stopped) test server.
pub struct RedisServer {
    binary: PathBuf,
    port: u16,
    dir: PathBuf,
    mode: Mode,
    child: Option<Child>,
}

/// How a server is run.
enum Mode {
    /// A data node, with these arguments after the common ones.
    Server(Vec<String>),
    /// A sentinel, from this configuration file (which it rewrites).
    Sentinel(PathBuf),
}

fn find_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("REDIS_SERVER_BIN") {
        // An explicit choice: that binary or none.
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| candidate.is_file())
}

/// The server binary, or `None` (after a loud message) when it is missing
/// and `CI` is not `true`.
pub fn binary_or_skip(test: &str) -> Option<PathBuf> {
    if let Some(binary) = find_binary() {
        return Some(binary);
    }
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("redis-server is not installed, and CI=true requires the Redis tests to run");
    }
    // Written to stderr directly, past the test harness's capture.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "\n!!! SKIPPING {test}: redis-server is not installed.\n\
         !!! Install it (e.g. `apt-get install redis-server`) to run the Redis tests.\n"
    );
    None
}

/// A fresh temporary directory.
pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "actix-jwt-extended-redis-{}-{}",
        std::process::id(),
        free_port()
    ));
    std::fs::create_dir_all(&dir).expect("temporary directory for redis-server");
    dir
}

/// A free loopback port below the kernel's ephemeral range (32768–60999 on
/// Linux), so that no outgoing connection — a replica's, a cluster bus
/// link's, another test's client — can take it between this choice and the
/// server's bind. Each call in a process gives another port; processes
/// start at different places.
pub fn free_port() -> u16 {
    const FIRST: u32 = 20_000;
    const COUNT: u32 = 12_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = std::process::id().wrapping_mul(7919) % COUNT;
    for _ in 0..COUNT {
        let offset = (start + NEXT.fetch_add(1, Ordering::Relaxed)) % COUNT;
        let port = (FIRST + offset) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port in {FIRST}..{}", FIRST + COUNT)
}

impl RedisServer {
    /// Starts a server, or returns `None` (after a loud message) when
    /// `redis-server` is missing and `CI` is not `true`.
    pub fn start(test: &str) -> Option<Self> {
        let binary = binary_or_skip(test)?;
        Some(Self::launch(&binary, free_port(), &[]))
    }

    /// Starts `binary` as a data node on `port`, in a fresh directory, with
    /// `args` after the common arguments, and waits until it answers.
    pub fn launch(binary: &Path, port: u16, args: &[&str]) -> Self {
        let mut server = Self {
            binary: binary.to_owned(),
            port,
            dir: temp_dir(),
            mode: Mode::Server(args.iter().map(|a| a.to_string()).collect()),
            child: None,
        };
        server.restart();
        server
    }

    /// Starts `binary` as a sentinel on `port`; `config` is the rest of its
    /// configuration file (after `port`, `bind` and `dir`).
    pub fn launch_sentinel(binary: &Path, port: u16, config: &str) -> Self {
        let dir = temp_dir();
        let file = dir.join("sentinel.conf");
        let text = format!(
            "port {port}\nbind 127.0.0.1\ndir {}\n{config}\n",
            dir.display()
        );
        std::fs::write(&file, text).expect("sentinel configuration file");
        let mut server = Self {
            binary: binary.to_owned(),
            port,
            dir,
            mode: Mode::Sentinel(file),
            child: None,
        };
        server.restart();
        server
    }

    /// The process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server and waits for it to exit.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes (`SIGSTOP`) or thaws (`SIGCONT`) the server: it keeps its
    /// connections open but stops answering.
    pub fn freeze(&self, frozen: bool) {
        let child = self.child.as_ref().expect("a running server");
        let signal = if frozen { "-STOP" } else { "-CONT" };
        let status = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success(), "kill {signal} failed");
    }

    /// (Re)starts the server on the same port, with the same arguments (and
    /// for a cluster node, the same cluster state), and waits until it
    /// answers.
    pub fn restart(&mut self) {
        self.stop();
        let mut command = Command::new(&self.binary);
        match &self.mode {
            Mode::Server(args) => {
                command
                    .args(["--port", &self.port.to_string()])
                    .args(["--bind", "127.0.0.1"])
                    .args(["--save", ""])
                    .args(["--appendonly", "no"])
                    .args(["--daemonize", "no"])
                    .args(["--loglevel", "warning"])
                    .arg("--dir")
                    .arg(&self.dir)
                    .args(args);
            }
            Mode::Sentinel(file) => {
                command
                    .arg(file)
                    .arg("--sentinel")
                    .args(["--loglevel", "warning"]);
            }
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.binary.display()));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.answers_ping() {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "{} exited on port {} before answering: {status}",
                    self.binary.display(),
                    self.port
                );
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on port {} within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn answers_ping(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
        if stream.write_all(b"PING\r\n").is_err() {
            return false;
        }
        let mut reply = [0u8; 7];
        stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
