//! The modules of the crate are layered: each uses only modules below it in
//! [`LAYERS`], so there is no import cycle — with one exception, the manager
//! and its builder, which build each other. Every module a parent declares
//! must have its place in the list.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The modules of each parent (`lib.rs`, or a directory's `mod.rs`), from
/// the bottom up.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "algorithm",
            "body",
            "error",
            "kind",
            "time",
            "claims",
            "config",
            "events",
            "metrics",
            "audit",
            "requirements",
            "token",
            "challenge",
            "keys",
            "remote",
            "render",
            "rejection",
            "loaders",
            "cache",
            "csrf",
            "decode",
            "encode",
            "extract",
            "revocation",
            "cookies",
            "verify_options",
            "decode_options",
            "builder",
            "manager",
            "pipeline",
            "verify",
            "extractors",
            "attribute",
            "scope_guard",
            "testing",
            "login",
            "jwks",
            "refresh",
            "openapi",
            "__private",
        ],
    ),
    ("config", &["values", "options"]),
    ("keys", &["public", "crypto", "key", "set"]),
    (
        "revocation",
        &["store", "memory", "check", "rotation", "redis"],
    ),
    (
        "revocation::redis",
        &[
            "topology", "wire", "server", "cluster", "sentinel", "backend", "mirror",
        ],
    ),
];

/// Imports allowed to point upwards: `(from, to)`.
const ALLOWED: [(&str, &str); 1] = [("builder", "manager")];

/// The modules a `mod.rs` or `lib.rs` declares, in order, with their files.
fn declared(parent: &Path) -> Vec<(String, PathBuf)> {
    let text = std::fs::read_to_string(parent).unwrap();
    let dir = parent.parent().unwrap();
    let mut path_attr = None;
    let mut modules = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("#[path = \"") {
            path_attr = rest.strip_suffix("\"]").map(str::to_owned);
            continue;
        }
        let decl = line
            .strip_prefix("pub(crate) mod ")
            .or_else(|| line.strip_prefix("pub mod "))
            .or_else(|| line.strip_prefix("mod "));
        let Some(name) = decl.and_then(|d| d.strip_suffix(';')) else {
            continue;
        };
        let file = match path_attr.take() {
            Some(file) => dir.join(file),
            None if dir.join(name).join("mod.rs").exists() => dir.join(name).join("mod.rs"),
            None => dir.join(format!("{name}.rs")),
        };
        modules.push((name.to_owned(), file));
    }
    modules
}

/// The text of a module without its unit tests.
fn code(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    match text.find("#[cfg(test)]\nmod tests") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

/// The sibling modules that `text` refers to, as `prefix` + name.
fn references(text: &str, prefix: &str, siblings: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices(prefix) {
        let rest = &text[at + prefix.len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or_default()
                .split(',')
                .map(|item| item.trim().split("::").next().unwrap_or_default())
                .collect(),
            None => vec![
                rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or_default(),
            ],
        };
        for name in names {
            if siblings.iter().any(|s| s == name) {
                found.insert(name.to_owned());
            }
        }
    }
    found
}

/// Every file below `dir` (a module and its submodules).
fn files_of(file: &Path) -> Vec<PathBuf> {
    if file.file_name().is_some_and(|n| n == "mod.rs") {
        let mut files = Vec::new();
        let mut stack = vec![file.parent().unwrap().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        files
    } else {
        vec![file.to_path_buf()]
    }
}

/// Checks one level: the modules `parent` declares. `paths` are the ways a
/// module of this level is named from inside it (`crate::` at the top,
/// `super::` and `crate::<parent>::` below).
fn check_level(level: &str, parent: &Path, paths: &[String], uphill: &mut Vec<String>) {
    let order = LAYERS
        .iter()
        .find(|(l, _)| *l == level)
        .map(|(_, order)| *order)
        .unwrap_or_else(|| panic!("LAYERS lists the modules of {level:?}"));
    let mut modules = declared(parent);
    for (name, _) in &modules {
        assert!(
            order.contains(&name.as_str()),
            "LAYERS places {name} among the modules of {level:?}"
        );
    }
    modules.sort_by_key(|(name, _)| order.iter().position(|o| o == name));
    let names: Vec<String> = modules.iter().map(|(n, _)| n.clone()).collect();
    for (index, (name, file)) in modules.iter().enumerate() {
        let mut used = BTreeSet::new();
        for f in files_of(file) {
            let text = code(&f);
            for prefix in paths {
                used.extend(references(&text, prefix, &names));
            }
            // `super::x` inside a submodule file of a directory module
            // names its own parent's children, which is the next level.
            let own_level = f.parent() == parent.parent();
            if own_level {
                used.extend(references(&text, "super::", &names));
            }
        }
        used.remove(name);
        for target in used {
            let at = names.iter().position(|n| *n == target).unwrap();
            let allowed = ALLOWED.contains(&(name.as_str(), target.as_str()));
            if at > index && !allowed {
                uphill.push(format!("{} uses {target}", file.display()));
            }
        }
        if file.file_name().is_some_and(|n| n == "mod.rs") {
            let inner_level = match level {
                "" => name.clone(),
                outer => format!("{outer}::{name}"),
            };
            let inner = vec![format!("crate::{inner_level}::")];
            check_level(&inner_level, file, &inner, uphill);
        }
    }
}

#[test]
fn every_module_uses_only_modules_declared_before_it() {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs");
    let mut uphill = Vec::new();
    check_level("", &lib, &["crate::".to_owned()], &mut uphill);
    assert!(
        uphill.is_empty(),
        "imports against the declared order:\n{}",
        uphill.join("\n")
    );
    assert!(declared(&lib).len() > 20, "lib.rs was read");
}
