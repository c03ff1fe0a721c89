//! Configuration: every option with its Flask-JWT-Extended name and
//! default, declared once in the option table (`options.rs`), and the
//! checks that turn a bad value into a startup error naming the option.

use std::time::Duration;

use actix_web::cookie::SameSite;
use actix_web::http::Method;
use actix_web::http::header::HeaderName;

use crate::algorithm::Algorithm;
use crate::error::ConfigError;
use crate::kind::TokenKind;

mod options;
mod values;

pub(crate) use options::{with_key_options, with_options};
pub use values::{Expires, TokenCache, TokenLocation, WwwAuthenticate};
use values::{OptionValue, parse_jwks, parse_pem, parse_secret};

/// One row of the documentation table of the options (the README's),
/// checked against the documents by the tests.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OptionDoc {
    /// The option's name, as in Flask-JWT-Extended.
    pub(crate) name: &'static str,
    /// The default, as documented.
    pub(crate) default: &'static str,
    /// What it does, in a few words.
    pub(crate) meaning: &'static str,
}

/// Generates [`JwtConfig`], its `Default`, its text parser and its
/// documentation rows from the option table.
macro_rules! define_config {
    ($(
        $(#[$doc:meta])*
        [$env:literal, $default_text:literal, $meaning:literal]
        $field:ident : $ty:ty = $default:expr, $setter:ident $(($item:ty))? ;
    )*) => {
        /// The settings of a [`JwtManager`](crate::JwtManager). Field names
        /// follow the Flask-JWT-Extended options (`decode_leeway` is
        /// `JWT_DECODE_LEEWAY`, …) and [`Default`] gives that library's
        /// defaults.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub struct JwtConfig {
            $(
                #[doc = concat!("`", $env, "` (default: ", $default_text, ").")]
                #[doc = ""]
                $(#[$doc])*
                pub $field: $ty,
            )*
        }

        impl Default for JwtConfig {
            fn default() -> Self {
                Self { $($field: $default,)* }
            }
        }

        /// The settings' documentation rows, in table order.
        #[cfg(test)]
        const SETTINGS: &[OptionDoc] = &[
            $(OptionDoc { name: $env, default: $default_text, meaning: $meaning },)*
        ];

        /// Applies one setting given as text; `Ok(false)` for a name that
        /// is not a setting.
        fn apply_setting(
            config: &mut JwtConfig,
            name: &str,
            value: &str,
        ) -> Result<bool, ConfigError> {
            match name {
                $($env => config.$field = <$ty as OptionValue>::parse($env, value)?,)*
                _ => return Ok(false),
            }
            Ok(true)
        }
    };
}

with_options!(define_config);

/// Generates [`KeyMaterial`] and its text parser from the key table.
macro_rules! define_key_material {
    ($(
        $(#[$doc:meta])*
        [$env:literal, $default_text:literal, $meaning:literal]
        $field:ident : $ty:ty, $setter:ident, $parser:ident;
    )*) => {
        /// Key material as configured (secrets and PEM text), kept out of
        /// the printable [`JwtConfig`].
        #[derive(Clone, Default)]
        pub(crate) struct KeyMaterial {
            $(
                #[doc = concat!("`", $env, "`.")]
                pub(crate) $field: $ty,
            )*
        }

        impl std::fmt::Debug for KeyMaterial {
            /// Says which keys are set, never what they are.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("KeyMaterial")
                    $(.field(stringify!($field), &self.$field.as_ref().map(|_| "<set>")))*
                    .finish()
            }
        }

        /// The key options' documentation rows.
        #[cfg(test)]
        const KEY_OPTIONS: &[OptionDoc] = &[
            $(OptionDoc { name: $env, default: $default_text, meaning: $meaning },)*
        ];

        /// Applies one key option given as text; `Ok(false)` for a name
        /// that is not a key option.
        fn apply_key(keys: &mut KeyMaterial, name: &str, value: &str) -> Result<bool, ConfigError> {
            match name {
                $($env => keys.$field = $parser($env, value)?,)*
                _ => return Ok(false),
            }
            Ok(true)
        }
    };
}

with_key_options!(define_key_material);

/// Every option (keys first, then settings), for documentation.
#[cfg(test)]
fn documented_options() -> impl Iterator<Item = &'static OptionDoc> {
    KEY_OPTIONS.iter().chain(SETTINGS)
}

/// Applies one option given as text (an environment variable). Returns
/// `Ok(false)` for a name that is not an option of this crate.
pub(crate) fn apply_option(
    config: &mut JwtConfig,
    keys: &mut KeyMaterial,
    name: &str,
    value: &str,
) -> Result<bool, ConfigError> {
    Ok(apply_key(keys, name, value)? || apply_setting(config, name, value)?)
}

/// What checking a configuration found, so that nothing is parsed twice.
#[derive(Debug)]
pub(crate) struct Checked {
    /// JWT_HEADER_NAME, parsed.
    pub(crate) header_name: HeaderName,
}

/// The names a request or response uses for one kind of token: its cookie,
/// its CSRF companion, header and form field, and its JSON key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KindNames<'a> {
    pub(crate) cookie: &'a str,
    pub(crate) cookie_path: &'a str,
    pub(crate) csrf_cookie: &'a str,
    pub(crate) csrf_cookie_path: &'a str,
    pub(crate) csrf_header: &'a str,
    pub(crate) csrf_field: &'a str,
    pub(crate) json_key: &'a str,
}

impl JwtConfig {
    /// The algorithms accepted on incoming tokens: JWT_DECODE_ALGORITHMS with
    /// JWT_ALGORITHM always included.
    pub fn allowed_algorithms(&self) -> Vec<Algorithm> {
        let mut algorithms = self.decode_algorithms.clone();
        if !algorithms.contains(&self.algorithm) {
            algorithms.push(self.algorithm);
        }
        algorithms
    }

    /// The cookie, CSRF and JSON names of `kind`.
    pub(crate) fn names(&self, kind: TokenKind) -> KindNames<'_> {
        match kind {
            TokenKind::Access => KindNames {
                cookie: &self.access_cookie_name,
                cookie_path: &self.access_cookie_path,
                csrf_cookie: &self.access_csrf_cookie_name,
                csrf_cookie_path: &self.access_csrf_cookie_path,
                csrf_header: &self.access_csrf_header_name,
                csrf_field: &self.access_csrf_field_name,
                json_key: &self.json_key,
            },
            TokenKind::Refresh => KindNames {
                cookie: &self.refresh_cookie_name,
                cookie_path: &self.refresh_cookie_path,
                csrf_cookie: &self.refresh_csrf_cookie_name,
                csrf_cookie_path: &self.refresh_csrf_cookie_path,
                csrf_header: &self.refresh_csrf_header_name,
                csrf_field: &self.refresh_csrf_field_name,
                json_key: &self.refresh_json_key,
            },
        }
    }

    /// The lifetime of new tokens of `kind`.
    pub(crate) fn expires(&self, kind: TokenKind) -> Expires {
        match kind {
            TokenKind::Access => self.access_token_expires,
            TokenKind::Refresh => self.refresh_token_expires,
        }
    }

    /// The longest configured token lifetime; `None` when some tokens never
    /// expire.
    pub(crate) fn longest_lifetime(&self) -> Option<Duration> {
        let mut longest = Duration::ZERO;
        for kind in [TokenKind::Access, TokenKind::Refresh] {
            match self.expires(kind) {
                Expires::After(lifetime) => longest = longest.max(lifetime),
                Expires::Never => return None,
            }
        }
        Some(longest)
    }

    /// Checks the settings that do not involve keys.
    pub(crate) fn check(&self) -> Result<Checked, ConfigError> {
        if self.header_name.trim().is_empty() {
            return Err(ConfigError::invalid("JWT_HEADER_NAME", "must not be empty"));
        }
        let header_name = HeaderName::from_bytes(self.header_name.as_bytes()).map_err(|_| {
            ConfigError::invalid(
                "JWT_HEADER_NAME",
                format!("{:?} is not a valid header name", self.header_name),
            )
        })?;
        if self.identity_claim.is_empty() {
            return Err(ConfigError::invalid(
                "JWT_IDENTITY_CLAIM",
                "must not be empty",
            ));
        }
        if self.token_location.is_empty() {
            return Err(ConfigError::invalid(
                "JWT_TOKEN_LOCATION",
                "must name at least one location",
            ));
        }
        self.validate_transport()?;
        if self.max_token_size == 0 {
            return Err(ConfigError::invalid(
                "JWT_MAX_TOKEN_SIZE",
                "must be positive",
            ));
        }
        if self.verified_token_cache_size == 0 {
            return Err(ConfigError::invalid(
                "JWT_VERIFIED_TOKEN_CACHE_SIZE",
                "must be positive; set JWT_VERIFIED_TOKEN_CACHE=off to turn the cache off",
            ));
        }
        if self
            .default_realm
            .chars()
            .any(|c| c.is_control() && c != '\t')
        {
            return Err(ConfigError::invalid(
                "JWT_DEFAULT_REALM",
                "must not contain control characters",
            ));
        }
        Ok(Checked { header_name })
    }

    /// Checks the cookie, CSRF and JSON-body settings, so that every cookie
    /// and header this crate writes or reads is well formed.
    fn validate_transport(&self) -> Result<(), ConfigError> {
        let cookie_names = [
            ("JWT_ACCESS_COOKIE_NAME", &self.access_cookie_name),
            ("JWT_REFRESH_COOKIE_NAME", &self.refresh_cookie_name),
            ("JWT_ACCESS_CSRF_COOKIE_NAME", &self.access_csrf_cookie_name),
            (
                "JWT_REFRESH_CSRF_COOKIE_NAME",
                &self.refresh_csrf_cookie_name,
            ),
        ];
        for (option, name) in cookie_names {
            if name.is_empty() || !name.bytes().all(is_token_char) {
                return Err(ConfigError::invalid(
                    option,
                    format!("{name:?} is not a valid cookie name"),
                ));
            }
        }
        let paths = [
            ("JWT_ACCESS_COOKIE_PATH", &self.access_cookie_path),
            ("JWT_REFRESH_COOKIE_PATH", &self.refresh_cookie_path),
            ("JWT_ACCESS_CSRF_COOKIE_PATH", &self.access_csrf_cookie_path),
            (
                "JWT_REFRESH_CSRF_COOKIE_PATH",
                &self.refresh_csrf_cookie_path,
            ),
        ];
        for (option, path) in paths {
            if !path.starts_with('/') || !path.bytes().all(is_attribute_char) {
                return Err(ConfigError::invalid(
                    option,
                    format!("{path:?} is not a cookie path; it must start with '/'"),
                ));
            }
        }
        if let Some(domain) = self
            .cookie_domain
            .as_deref()
            .filter(|d| !is_cookie_domain(d))
        {
            return Err(ConfigError::invalid(
                "JWT_COOKIE_DOMAIN",
                format!("{domain:?} is not a cookie domain"),
            ));
        }
        let headers = [
            ("JWT_ACCESS_CSRF_HEADER_NAME", &self.access_csrf_header_name),
            (
                "JWT_REFRESH_CSRF_HEADER_NAME",
                &self.refresh_csrf_header_name,
            ),
        ];
        for (option, name) in headers {
            if actix_web::http::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(ConfigError::invalid(
                    option,
                    format!("{name:?} is not a valid header name"),
                ));
            }
        }
        if self.max_body_size == 0 {
            return Err(ConfigError::invalid(
                "JWT_MAX_BODY_SIZE",
                "must be positive",
            ));
        }
        Ok(())
    }
}

/// A character allowed in a cookie name (an RFC 7230 `token` character).
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A character allowed in a cookie attribute value such as `Path`.
fn is_attribute_char(b: u8) -> bool {
    (0x21..0x7f).contains(&b) && b != b';'
}

/// A plausible `Domain` attribute: host-name characters, at least one.
pub(crate) fn is_cookie_domain(domain: &str) -> bool {
    let domain = domain.strip_prefix('.').unwrap_or(domain);
    !domain.is_empty()
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_file(path: &str) -> String {
        let path = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The documented default of every setting is its real default.
    #[test]
    fn documented_defaults_are_the_defaults() {
        for doc in SETTINGS {
            let mut config = JwtConfig::default();
            let text = match doc.default {
                "(none)" | "(empty)" => "",
                "JWT_ALGORITHM" => continue,
                text => text,
            };
            apply_setting(&mut config, doc.name, text).unwrap();
            assert_eq!(config, JwtConfig::default(), "{}", doc.name);
        }
    }

    #[test]
    fn readme_documents_every_option_with_its_default() {
        let readme = repo_file("README.md");
        for doc in documented_options() {
            let row = readme
                .lines()
                .find(|line| line.starts_with(&format!("| `{}` |", doc.name)))
                .unwrap_or_else(|| panic!("README lists {}", doc.name));
            let default = doc.default.trim_matches(|c| c == '(' || c == ')');
            assert!(
                row.contains(default),
                "README row of {} shows the default {default}: {row}",
                doc.name
            );
        }
    }

    #[test]
    fn transport_doc_lists_every_transport_option_with_its_default() {
        let doc = repo_file("docs/transport.md");
        let is_transport = |name: &str| {
            ["COOKIE", "CSRF", "JSON", "BODY", "QUERY_STRING", "LOCATION"]
                .iter()
                .any(|part| name.contains(part))
        };
        let mut documented = 0;
        for option in documented_options() {
            let Some(row) = doc
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", option.name)))
            else {
                assert!(
                    !is_transport(option.name),
                    "docs/transport.md lists {}",
                    option.name
                );
                continue;
            };
            let default = if option.default.starts_with('(') {
                option.default.to_owned()
            } else {
                format!("`{}`", option.default)
            };
            assert_eq!(
                row,
                format!("| `{}` | {default} | {} |", option.name, option.meaning)
            );
            documented += 1;
        }
        assert_eq!(documented, 26);
    }

    #[test]
    fn realm_must_fit_in_a_header() {
        let config = |realm: &str| JwtConfig {
            default_realm: realm.to_owned(),
            ..JwtConfig::default()
        };
        assert!(config("Login Required").check().is_ok());
        assert_eq!(
            config("a\nb").check().unwrap_err().option(),
            Some("JWT_DEFAULT_REALM")
        );
    }

    #[test]
    fn every_option_is_applied_by_its_name() {
        for doc in documented_options() {
            let mut config = JwtConfig::default();
            let mut keys = KeyMaterial::default();
            let known = apply_option(&mut config, &mut keys, doc.name, "");
            // Empty text may be refused, but never as an unknown name.
            assert!(!matches!(known, Ok(false)), "{}", doc.name);
        }
        let (mut config, mut keys) = (JwtConfig::default(), KeyMaterial::default());
        assert_eq!(
            apply_option(&mut config, &mut keys, "JWT_NOPE", "x"),
            Ok(false)
        );
    }
}
