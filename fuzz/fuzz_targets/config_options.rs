//! Configuration from environment strings: lines of `NAME=value` applied as
//! `JwtManager::from_env` applies the environment, then built. Every
//! outcome is a manager or a `ConfigError` naming an option; never a panic.
//!
//! Key options whose value is not inline PEM or JSON name a file to read;
//! such lines are skipped (the configuration's file paths are trusted).

#![no_main]

use actix_jwt_extended::JwtManager;
use libfuzzer_sys::fuzz_target;

const KEY_OPTIONS: [&str; 4] = [
    "JWT_SECRET_KEY",
    "JWT_PRIVATE_KEY",
    "JWT_PUBLIC_KEY",
    "JWT_PUBLIC_KEYS",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut options = Vec::new();
    for line in text.split('\n') {
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.replace("\\n", "\n");
        let inline =
            value.trim_start().starts_with("-----BEGIN") || value.trim_start().starts_with('{');
        if KEY_OPTIONS.contains(&name) && name != "JWT_SECRET_KEY" && !inline {
            continue;
        }
        options.push((name.to_owned(), value));
    }
    match JwtManager::builder()
        .options(options)
        .and_then(|b| b.build())
    {
        Ok(manager) => {
            // A manager that builds creates and decodes tokens without
            // panicking (its own token may be refused: an audience or issuer
            // it requires but does not write, a lifetime of zero, …).
            if let Ok(token) = manager.create_access_token("fuzz") {
                let _ = manager.decode_token(&token);
            }
        }
        Err(error) => {
            assert!(!error.to_string().is_empty());
        }
    }
});
