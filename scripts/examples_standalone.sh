#!/usr/bin/env bash
# Builds every example of examples/ unchanged in a fresh crate outside the
# workspace, depending on the runtime by path: what a reader gets by copying
# an example into a new project. Each example must compile on its own (no
# helper from the repository's test support).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

mkdir -p "$dir/src" "$dir/examples"
cp "$root"/examples/*.rs "$dir/examples/"
echo 'fn main() {}' > "$dir/src/main.rs"
cat > "$dir/Cargo.toml" <<EOF
[package]
name = "copied-examples"
version = "0.0.0"
edition = "2024"
publish = false

# Not part of the repository's workspace.
[workspace]

[dependencies]
actix-jwt-extended = { path = "$root/runtime", features = ["redis", "remote-jwks", "utoipa"] }
actix-web = "4"
jsonwebtoken = { version = "11", default-features = false, features = ["use_pem", "aws_lc_rs"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tracing-subscriber = { version = "0.3", features = ["env-filter", "fmt"] }
utoipa = { version = "6", features = ["actix_extras"] }
utoipa-swagger-ui = { version = "10", features = ["actix-web", "vendored"] }
EOF
# The workspace's versions, and its build directory for what they share.
cp "$root/Cargo.lock" "$dir/"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
cargo build --quiet --examples --manifest-path "$dir/Cargo.toml"
echo "every example builds on its own: $(cd "$root/examples" && echo *.rs)"
