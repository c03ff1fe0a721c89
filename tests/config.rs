//! Configuration: Flask-JWT-Extended's defaults, the option names read from
//! the environment, and startup errors that name the option.

use std::time::Duration;

use actix_jwt_extended::{Algorithm, ConfigError, Expires, JwtConfig, JwtManager, TokenLocation};
use actix_jwt_extended_examples::repo_root;

fn from(options: &[(&str, &str)]) -> Result<JwtManager, ConfigError> {
    JwtManager::builder()
        .options(options.iter().copied())?
        .build()
}

fn error_of(options: &[(&str, &str)]) -> ConfigError {
    from(options).expect_err("configuration should be refused")
}

#[test]
fn defaults_are_flask_jwt_extendeds() {
    let c = JwtConfig::default();
    assert_eq!(c.algorithm, Algorithm::HS256);
    assert_eq!(
        c.access_token_expires,
        Expires::After(Duration::from_secs(900))
    );
    assert_eq!(
        c.refresh_token_expires,
        Expires::After(Duration::from_secs(2_592_000))
    );
    assert_eq!(c.identity_claim, "sub");
    assert_eq!(c.decode_leeway, Duration::ZERO);
    assert!(c.encode_nbf && c.verify_sub && c.cookie_csrf_protect);
    assert_eq!(c.error_message_key, "msg");
    assert_eq!(
        (c.header_name.as_str(), c.header_type.as_str()),
        ("Authorization", "Bearer")
    );
    assert_eq!(c.token_location, [TokenLocation::Headers]);
    assert_eq!(c.allowed_algorithms(), [Algorithm::HS256]);
    assert_eq!(c.query_string_name, "jwt");
}

#[test]
fn options_by_their_flask_names() {
    let m = from(&[
        ("JWT_SECRET_KEY", "s3cret"),
        ("JWT_ALGORITHM", "HS512"),
        ("JWT_DECODE_ALGORITHMS", "HS256, HS384"),
        ("JWT_ACCESS_TOKEN_EXPIRES", "60"),
        ("JWT_REFRESH_TOKEN_EXPIRES", "false"),
        ("JWT_IDENTITY_CLAIM", "identity"),
        ("JWT_DECODE_LEEWAY", "5"),
        ("JWT_ENCODE_ISSUER", "me"),
        ("JWT_DECODE_ISSUER", "me"),
        ("JWT_ENCODE_AUDIENCE", "a,b"),
        ("JWT_DECODE_AUDIENCE", "b"),
        ("JWT_ENCODE_NBF", "false"),
        ("JWT_VERIFY_SUB", "False"),
        ("JWT_ERROR_MESSAGE_KEY", "message"),
        ("JWT_HEADER_NAME", "X-Auth"),
        ("JWT_HEADER_TYPE", "JWT"),
        ("JWT_COOKIE_CSRF_PROTECT", "0"),
        ("JWT_TOKEN_LOCATION", "query_string,headers"),
    ])
    .unwrap();
    let c = m.config();
    assert_eq!(c.algorithm, Algorithm::HS512);
    assert_eq!(
        c.allowed_algorithms(),
        [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512]
    );
    assert_eq!(
        c.access_token_expires,
        Expires::After(Duration::from_secs(60))
    );
    assert_eq!(c.refresh_token_expires, Expires::Never);
    assert_eq!(c.identity_claim, "identity");
    assert_eq!(c.decode_leeway, Duration::from_secs(5));
    assert_eq!(c.encode_audience, ["a", "b"]);
    assert_eq!(c.decode_audience, ["b"]);
    assert!(!c.encode_nbf && !c.verify_sub && !c.cookie_csrf_protect);
    assert_eq!(
        c.token_location,
        [TokenLocation::QueryString, TokenLocation::Headers]
    );

    // The token layout follows the settings.
    let token = m.create_access_token("alice").unwrap();
    let decoded = m.decode_token(&token).unwrap();
    let keys: Vec<&str> = decoded.claims().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "fresh", "iat", "jti", "type", "identity", "aud", "iss", "exp"
        ]
    );
    assert_eq!(
        decoded.claim("aud").unwrap(),
        &serde_json::json!(["a", "b"])
    );
    assert_eq!(decoded.header()["alg"], "HS512");
}

#[test]
fn bad_settings_name_the_option() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[("JWT_SECRET_KEY", "x"), ("JWT_ALGORITHM", "HS999")],
            "JWT_ALGORITHM",
        ),
        (
            &[("JWT_SECRET_KEY", "x"), ("JWT_ALGORITHM", "none")],
            "JWT_ALGORITHM",
        ),
        (
            &[
                ("JWT_SECRET_KEY", "x"),
                ("JWT_DECODE_ALGORITHMS", "HS256,XX1"),
            ],
            "JWT_DECODE_ALGORITHMS",
        ),
        (&[], "JWT_SECRET_KEY"),
        (&[("JWT_SECRET_KEY", "")], "JWT_SECRET_KEY"),
        (&[("JWT_ALGORITHM", "RS256")], "JWT_PUBLIC_KEY"),
        (
            &[
                ("JWT_ALGORITHM", "RS256"),
                ("JWT_PUBLIC_KEY", "/nonexistent/key.pem"),
            ],
            "JWT_PUBLIC_KEY",
        ),
        (
            &[
                ("JWT_ALGORITHM", "ES256"),
                (
                    "JWT_PRIVATE_KEY",
                    "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n",
                ),
            ],
            "JWT_PUBLIC_KEY",
        ),
        (
            &[
                ("JWT_SECRET_KEY", "x"),
                ("JWT_ACCESS_TOKEN_EXPIRES", "soon"),
            ],
            "JWT_ACCESS_TOKEN_EXPIRES",
        ),
        (
            &[("JWT_SECRET_KEY", "x"), ("JWT_REFRESH_TOKEN_EXPIRES", "-5")],
            "JWT_REFRESH_TOKEN_EXPIRES",
        ),
        (
            &[("JWT_SECRET_KEY", "x"), ("JWT_ACCESS_TOKEN_EXPIRES", "0")],
            "JWT_ACCESS_TOKEN_EXPIRES",
        ),
        (
            &[("JWT_SECRET_KEY", "x"), ("JWT_DECODE_LEEWAY", "1.5")],
            "JWT_DECODE_LEEWAY",
        ),
        (
            &[("JWT_SECRET_KEY", "x"), ("JWT_VERIFY_SUB", "maybe")],
            "JWT_VERIFY_SUB",
        ),
        (
            &[("JWT_SECRET_KEY", "x"), ("JWT_TOKEN_LOCATION", "body")],
            "JWT_TOKEN_LOCATION",
        ),
        (
            &[("JWT_SECRET_KEY", "x"), ("JWT_HEADER_NAME", "")],
            "JWT_HEADER_NAME",
        ),
        (
            &[("JWT_SECRET_KEY", "x"), ("JWT_HEADER_NAME", "Bad Header")],
            "JWT_HEADER_NAME",
        ),
    ];
    for (options, option) in cases {
        let err = error_of(options);
        assert_eq!(err.option(), Some(*option), "{options:?} → {err}");
        assert!(
            err.to_string().starts_with(option),
            "the message names the option: {err}"
        );
    }
}

#[test]
fn pem_keys_from_files_or_text() {
    let dir = repo_root().join("tests/keys");
    let private = dir.join("ec256_private.pem");
    let public = dir.join("ec256_public.pem");
    let from_files = from(&[
        ("JWT_ALGORITHM", "ES256"),
        ("JWT_PRIVATE_KEY", private.to_str().unwrap()),
        ("JWT_PUBLIC_KEY", public.to_str().unwrap()),
    ])
    .unwrap();
    let public_text = std::fs::read_to_string(&public).unwrap();
    let from_text = from(&[("JWT_ALGORITHM", "ES256"), ("JWT_PUBLIC_KEY", &public_text)]).unwrap();
    let token = from_files.create_access_token("alice").unwrap();
    assert_eq!(from_text.decode_token(&token).unwrap().sub(), Some("alice"));
    let not_pem = error_of(&[
        ("JWT_ALGORITHM", "ES256"),
        ("JWT_PUBLIC_KEY", dir.join("README.md").to_str().unwrap()),
    ]);
    assert_eq!(not_pem.option(), Some("JWT_PUBLIC_KEY"));
}

#[test]
fn environment_variables_are_read() {
    // Only this test in this binary touches the environment.
    unsafe {
        std::env::set_var("JWT_SECRET_KEY", "from-the-environment");
        std::env::set_var("JWT_ACCESS_TOKEN_EXPIRES", "120");
    }
    let m = JwtManager::from_env().unwrap();
    assert_eq!(
        m.config().access_token_expires,
        Expires::After(Duration::from_secs(120))
    );
    let token = m.create_access_token("alice").unwrap();
    let same = JwtManager::builder()
        .secret_key("from-the-environment")
        .build()
        .unwrap();
    assert!(same.decode_token(&token).is_ok());
    unsafe {
        std::env::set_var("JWT_ACCESS_TOKEN_EXPIRES", "nope");
    }
    assert_eq!(
        JwtManager::from_env().unwrap_err().option(),
        Some("JWT_ACCESS_TOKEN_EXPIRES")
    );
    unsafe {
        std::env::remove_var("JWT_SECRET_KEY");
        std::env::remove_var("JWT_ACCESS_TOKEN_EXPIRES");
    }
}
