//! The option table: every option of the crate, declared once.
//!
//! A row gives the option's Flask-JWT-Extended name, its default as
//! documented, its meaning (the README's wording), the field it sets, the
//! field's type and default value, and the form of its builder setter.
//! [`with_options!`] hands the rows to a macro that generates something
//! from them: `config` generates [`JwtConfig`](super::JwtConfig), its
//! `Default`, the text parser and the documentation table; the builder
//! generates its setters. A row's doc comment documents both the field and
//! the setter.
//!
//! The setter forms: `value` takes the field's type, `into` any
//! `Into<Type>`, `some` any `Into<String>` for an optional text, and
//! `list(Item)` any iterator of `Into<Item>`.
//!
//! Key material has its own table, [`with_key_options!`]: it is never part
//! of the (public, printable) `JwtConfig`.

/// Invokes `$callback!` with the rows of the settings table.
macro_rules! with_options {
    ($callback:ident) => {
        $callback! {
            /// The algorithm that signs new tokens.
            ["JWT_ALGORITHM", "HS256", "algorithm that signs new tokens"]
            algorithm: Algorithm = Algorithm::HS256, value;

            /// The algorithms accepted on incoming tokens; JWT_ALGORITHM is
            /// always accepted too.
            ["JWT_DECODE_ALGORITHMS", "JWT_ALGORITHM", "comma-separated allow-list for incoming tokens"]
            decode_algorithms: Vec<Algorithm> = Vec::new(), list(Algorithm);

            /// How long access tokens live: a duration, or [`Expires::Never`]
            /// (`false`).
            ["JWT_ACCESS_TOKEN_EXPIRES", "900", "seconds, or false for never"]
            access_token_expires: Expires = Expires::After(Duration::from_secs(15 * 60)), into;

            /// How long refresh tokens live.
            ["JWT_REFRESH_TOKEN_EXPIRES", "2592000", "seconds, or false for never"]
            refresh_token_expires: Expires = Expires::After(Duration::from_secs(30 * 24 * 60 * 60)), into;

            /// The claim that holds the identity.
            ["JWT_IDENTITY_CLAIM", "sub", "claim that holds the identity"]
            identity_claim: String = "sub".to_owned(), into;

            /// The tolerance for `exp`, `nbf` and `iat`.
            ["JWT_DECODE_LEEWAY", "0", "seconds of tolerance for exp, nbf and iat"]
            decode_leeway: Duration = Duration::ZERO, value;

            /// The `iss` of new tokens.
            ["JWT_ENCODE_ISSUER", "(none)", "iss of new tokens"]
            encode_issuer: Option<String> = None, some;

            /// When set, incoming tokens must carry this `iss`.
            ["JWT_DECODE_ISSUER", "(none)", "required iss of incoming tokens"]
            decode_issuer: Option<String> = None, some;

            /// The `aud` of new tokens: one value is written as a string,
            /// several as a list.
            ["JWT_ENCODE_AUDIENCE", "(none)", "aud of new tokens (comma-separated for several)"]
            encode_audience: Vec<String> = Vec::new(), list(String);

            /// When not empty, incoming tokens must carry an `aud` that
            /// shares a value with this list.
            ["JWT_DECODE_AUDIENCE", "(none)", "accepted aud values (comma-separated)"]
            decode_audience: Vec<String> = Vec::new(), list(String);

            /// Accept a token that carries an `aud` when JWT_DECODE_AUDIENCE
            /// is not set, as Flask-JWT-Extended does. By default such a
            /// token is refused (RFC 7519 §4.1.3: a recipient that does not
            /// identify itself with a value of `aud` must reject the token),
            /// so that a token meant for another service sharing the key is
            /// not replayed here.
            ["JWT_ALLOW_UNCHECKED_AUDIENCE", "false", "accept tokens with an aud when JWT_DECODE_AUDIENCE is not set"]
            allow_unchecked_audience: bool = false, value;

            /// Write `nbf` (= `iat`) into new tokens.
            ["JWT_ENCODE_NBF", "true", "write nbf into new tokens"]
            encode_nbf: bool = true, value;

            /// Reject tokens whose `sub` is not a string.
            ["JWT_VERIFY_SUB", "true", "reject tokens whose sub is not a string"]
            verify_sub: bool = true, value;

            /// The key of the JSON body of every rejection.
            ["JWT_ERROR_MESSAGE_KEY", "msg", "key of the JSON error body"]
            error_message_key: String = "msg".to_owned(), into;

            /// The header that carries the token.
            ["JWT_HEADER_NAME", "Authorization", "header that carries the token"]
            header_name: String = "Authorization".to_owned(), into;

            /// The scheme before the token in that header; empty means a
            /// bare token.
            ["JWT_HEADER_TYPE", "Bearer", "scheme before the token; empty for a bare token"]
            header_type: String = "Bearer".to_owned(), into;

            /// Write a `csrf` claim into every token (and check it for
            /// tokens found in cookies).
            ["JWT_COOKIE_CSRF_PROTECT", "true", "write a csrf claim into tokens"]
            cookie_csrf_protect: bool = true, value;

            /// Where to look for tokens, in order.
            ["JWT_TOKEN_LOCATION", "headers", "where tokens are looked for (comma-separated, in order)"]
            token_location: Vec<TokenLocation> = vec![TokenLocation::Headers], list(TokenLocation);

            /// The query parameter that carries the token.
            ["JWT_QUERY_STRING_NAME", "jwt", "query parameter that carries the token"]
            query_string_name: String = "jwt".to_owned(), into;

            /// A prefix the query parameter's value must start with (removed
            /// before decoding).
            ["JWT_QUERY_STRING_VALUE_PREFIX", "(empty)", "prefix the query value must start with"]
            query_string_value_prefix: String = String::new(), into;

            /// The key of a JSON body that carries an access token.
            ["JWT_JSON_KEY", "access_token", "JSON body key of an access token"]
            json_key: String = "access_token".to_owned(), into;

            /// The key of a JSON body that carries a refresh token.
            ["JWT_REFRESH_JSON_KEY", "refresh_token", "JSON body key of a refresh token"]
            refresh_json_key: String = "refresh_token".to_owned(), into;

            /// The most bytes of a request body read to find a token (`json`
            /// location) or a CSRF form field: 2 MiB, the limit of
            /// actix-web's `Json` extractor.
            ["JWT_MAX_BODY_SIZE", "2097152", "most body bytes read for a JSON token or CSRF form field"]
            max_body_size: usize = 2 * 1024 * 1024, value;

            /// The cookie that carries the access token.
            ["JWT_ACCESS_COOKIE_NAME", "access_token_cookie", "cookie that carries the access token"]
            access_cookie_name: String = "access_token_cookie".to_owned(), into;

            /// The cookie that carries the refresh token.
            ["JWT_REFRESH_COOKIE_NAME", "refresh_token_cookie", "cookie that carries the refresh token"]
            refresh_cookie_name: String = "refresh_token_cookie".to_owned(), into;

            /// The `Path` of the access cookie.
            ["JWT_ACCESS_COOKIE_PATH", "/", "Path of the access cookie"]
            access_cookie_path: String = "/".to_owned(), into;

            /// The `Path` of the refresh cookie.
            ["JWT_REFRESH_COOKIE_PATH", "/", "Path of the refresh cookie"]
            refresh_cookie_path: String = "/".to_owned(), into;

            /// Mark every cookie `Secure`.
            ["JWT_COOKIE_SECURE", "false", "mark every cookie Secure"]
            cookie_secure: bool = false, value;

            /// The `Domain` of every cookie (a leading dot is dropped).
            ["JWT_COOKIE_DOMAIN", "(none)", "Domain of every cookie"]
            cookie_domain: Option<String> = None, some;

            /// The `SameSite` of every cookie; `None` leaves the attribute
            /// out.
            ["JWT_COOKIE_SAMESITE", "(none)", "SameSite of every cookie: Strict, Lax or None"]
            cookie_samesite: Option<SameSite> = None, value;

            /// Session cookies (no `Max-Age`); off gives cookies that last
            /// [`PERSISTENT_COOKIE_MAX_AGE`](crate::PERSISTENT_COOKIE_MAX_AGE)
            /// seconds.
            ["JWT_SESSION_COOKIE", "true", "session cookies; false gives Max-Age 31540000"]
            session_cookie: bool = true, value;

            /// The methods on which a token found in a cookie needs the CSRF
            /// double-submit value.
            ["JWT_CSRF_METHODS", "POST,PUT,PATCH,DELETE", "methods that need the CSRF value for cookie tokens"]
            csrf_methods: Vec<Method> = vec![Method::POST, Method::PUT, Method::PATCH, Method::DELETE], list(Method);

            /// Set the `csrf_*` companion cookies next to the JWT cookies.
            ["JWT_CSRF_IN_COOKIES", "true", "set the csrf_* companion cookies"]
            csrf_in_cookies: bool = true, value;

            /// Also accept the CSRF value from a form field when the CSRF
            /// header is absent.
            ["JWT_CSRF_CHECK_FORM", "false", "also read the CSRF value from a form field"]
            csrf_check_form: bool = false, value;

            /// The companion cookie of the access cookie.
            ["JWT_ACCESS_CSRF_COOKIE_NAME", "csrf_access_token", "companion cookie of the access cookie"]
            access_csrf_cookie_name: String = "csrf_access_token".to_owned(), into;

            /// The companion cookie of the refresh cookie.
            ["JWT_REFRESH_CSRF_COOKIE_NAME", "csrf_refresh_token", "companion cookie of the refresh cookie"]
            refresh_csrf_cookie_name: String = "csrf_refresh_token".to_owned(), into;

            /// The `Path` of the access companion cookie.
            ["JWT_ACCESS_CSRF_COOKIE_PATH", "/", "Path of the access companion cookie"]
            access_csrf_cookie_path: String = "/".to_owned(), into;

            /// The `Path` of the refresh companion cookie.
            ["JWT_REFRESH_CSRF_COOKIE_PATH", "/", "Path of the refresh companion cookie"]
            refresh_csrf_cookie_path: String = "/".to_owned(), into;

            /// The header that echoes the access CSRF value.
            ["JWT_ACCESS_CSRF_HEADER_NAME", "X-CSRF-TOKEN", "header that echoes the access CSRF value"]
            access_csrf_header_name: String = "X-CSRF-TOKEN".to_owned(), into;

            /// The header that echoes the refresh CSRF value.
            ["JWT_REFRESH_CSRF_HEADER_NAME", "X-CSRF-TOKEN", "header that echoes the refresh CSRF value"]
            refresh_csrf_header_name: String = "X-CSRF-TOKEN".to_owned(), into;

            /// The form field that echoes the access CSRF value.
            ["JWT_ACCESS_CSRF_FIELD_NAME", "csrf_token", "form field that echoes the access CSRF value"]
            access_csrf_field_name: String = "csrf_token".to_owned(), into;

            /// The form field that echoes the refresh CSRF value.
            ["JWT_REFRESH_CSRF_FIELD_NAME", "csrf_token", "form field that echoes the refresh CSRF value"]
            refresh_csrf_field_name: String = "csrf_token".to_owned(), into;

            /// Tokens longer than this many bytes are rejected before any
            /// decoding (422 `Token is too large`).
            ["JWT_MAX_TOKEN_SIZE", "16384", "longest accepted token, in bytes"]
            max_token_size: usize = 16 * 1024, value;

            /// The `WWW-Authenticate` challenge of rejected requests (see
            /// [`Challenge`](crate::Challenge)).
            ["JWT_WWW_AUTHENTICATE", "off", "WWW-Authenticate challenge of rejections: off, jwt or bearer"]
            www_authenticate: WwwAuthenticate = WwwAuthenticate::Off, value;

            /// The realm of that challenge, as in Flask-JWT.
            ["JWT_DEFAULT_REALM", "Login Required", "realm of the WWW-Authenticate challenge"]
            default_realm: String = "Login Required".to_owned(), into;

            /// Cache verified tokens (see [`TokenCache`]).
            ["JWT_VERIFIED_TOKEN_CACHE", "on", "cache verified tokens, one cache shared by every worker: on, off, or auto (asymmetric algorithms only)"]
            verified_token_cache: TokenCache = TokenCache::On, value;

            /// The most tokens a manager's cache keeps, for every worker
            /// together (each shard of the cache holds its share, rounded
            /// up). The default holds the tokens of tens of thousands of
            /// users in a few tens of MiB (BENCHMARKS.md measures the bytes
            /// per cached token).
            ["JWT_VERIFIED_TOKEN_CACHE_SIZE", "32768", "most tokens cached (all workers together)"]
            verified_token_cache_size: usize = 32768, value;

            /// The JWKS URL of an identity provider whose tokens are
            /// accepted (feature `remote-jwks`): https, or http to loopback.
            ["JWT_JWKS_URL", "(none)", "JWKS URL of an identity provider whose tokens are accepted"]
            jwks_url: Option<String> = None, some;

            /// An OpenID Connect issuer whose tokens are accepted (feature
            /// `remote-jwks`): its keys come from the `jwks_uri` of
            /// `<issuer>/.well-known/openid-configuration`, whose `issuer`
            /// must be exactly this one; tokens must carry it as `iss`.
            ["JWT_OIDC_ISSUER", "(none)", "OpenID Connect issuer whose tokens are accepted (discovery)"]
            oidc_issuer: Option<String> = None, some;

            /// The least time between two fetches of the remote keys that a
            /// token with an unknown `kid` can trigger.
            ["JWT_JWKS_COOLDOWN", "30", "seconds between refetches triggered by unknown kids"]
            jwks_cooldown: Duration = Duration::from_secs(30), value;

            /// The shortest refresh interval of the remote keys.
            ["JWT_JWKS_REFRESH_MIN", "60", "shortest refresh interval of remote keys, in seconds"]
            jwks_refresh_min: Duration = Duration::from_secs(60), value;

            /// The longest refresh interval of the remote keys (also the
            /// interval when the response has no `max-age`).
            ["JWT_JWKS_REFRESH_MAX", "3600", "longest refresh interval of remote keys, in seconds"]
            jwks_refresh_max: Duration = Duration::from_secs(3600), value;

            /// How long remote keys stay in use while fetches fail.
            ["JWT_JWKS_MAX_STALENESS", "86400", "seconds remote keys stay in use while fetches fail"]
            jwks_max_staleness: Duration = Duration::from_secs(24 * 60 * 60), value;

            /// The time limit of one fetch of a JWKS or discovery document.
            ["JWT_JWKS_TIMEOUT", "5", "time limit of one fetch of remote keys, in seconds"]
            jwks_timeout: Duration = Duration::from_secs(5), value;

            /// Fetch the remote keys before the manager is built (off: on
            /// first use).
            ["JWT_JWKS_PREFETCH", "true", "fetch remote keys before serving (false: on first use)"]
            jwks_prefetch: bool = true, value;
        }
    };
}

/// Invokes `$callback!` with the rows of the key table: key material, kept
/// out of `JwtConfig`. The setter forms are those of [`with_options!`] plus
/// `bytes` (any `AsRef<[u8]>`); each row names the function that parses the
/// option's text.
macro_rules! with_key_options {
    ($callback:ident) => {
        $callback! {
            /// The HMAC secret for HS256/384/512.
            ["JWT_SECRET_KEY", "(none)", "HMAC secret for HS* algorithms"]
            secret_key: Option<Vec<u8>>, bytes, parse_secret;

            /// A PEM (PKCS#8) private key that signs new tokens with an
            /// asymmetric algorithm.
            ["JWT_PRIVATE_KEY", "(none)", "PEM text or file path; signs with RS*/PS*/ES*/EdDSA"]
            private_key_pem: Option<Vec<u8>>, bytes, parse_pem;

            /// The PEM public key that verifies incoming tokens.
            ["JWT_PUBLIC_KEY", "(none)", "PEM text or file path; verifies RS*/PS*/ES*/EdDSA"]
            public_key_pem: Option<Vec<u8>>, bytes, parse_pem;

            /// More verification keys, as a JWKS document (RFC 7517): each
            /// key's `kid` (default: its RFC 7638 thumbprint) selects it, its
            /// `alg` (if any) binds it to that algorithm.
            ["JWT_PUBLIC_KEYS", "(none)", "JWKS document (text or file path) of more verification keys"]
            public_keys: Option<Vec<u8>>, bytes, parse_jwks;
        }
    };
}

pub(crate) use {with_key_options, with_options};
