//! The error type of a rejected request and of token creation, and the one
//! table that maps each error to its HTTP status and message.

use actix_web::http::StatusCode;

/// Why a request was rejected, or why a token could not be created.
///
/// The `Display` text of each variant is the message Flask-JWT-Extended 4.x
/// sends for the same case, and [`JwtError::status`] is its status code. The
/// response body is `{"<JWT_ERROR_MESSAGE_KEY>": "<message>"}` unless a response
/// loader on the [`JwtManager`](crate::JwtManager) replaces it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// No token was found where the handler looks for one; the message says
    /// where it looked (e.g. `Missing Authorization Header`).
    #[error("{0}")]
    NoAuthorization(String),
    /// The header that should carry the token is malformed, e.g.
    /// `Bad Authorization header. Expected 'Authorization: Bearer <JWT>'`.
    #[error("{0}")]
    InvalidHeader(String),
    /// The query-string parameter does not start with the configured prefix.
    #[error("{0}")]
    InvalidQueryParam(String),
    /// A state-changing request authenticated by cookie carries no CSRF value.
    #[error("Missing CSRF token")]
    CsrfMissing,
    /// The CSRF value sent with the request differs from the token's `csrf` claim.
    #[error("CSRF double submit tokens do not match")]
    CsrfMismatch,
    /// The token is not three base64url segments of JSON, or is otherwise
    /// unreadable; the message says what is wrong (e.g. `Not enough segments`).
    #[error("{0}")]
    Malformed(String),
    /// The token is larger than the configured maximum.
    #[error("Token is too large")]
    TooLarge,
    /// The request carries the token twice in one location — two token
    /// headers, a repeated query parameter, token cookie or JSON key — so
    /// which one counts would be a guess. Answered with 400 (RFC 6750
    /// §3.1: `invalid_request`); the message names the repetition.
    #[error("{0}")]
    AmbiguousRequest(String),
    /// The request body had to be read to find the token (`json` location)
    /// and is larger than JWT_MAX_BODY_SIZE. Answered with 413.
    #[error("Request body is too large")]
    BodyTooLarge,
    /// The token's `alg` is not in the decode allow-list (this covers `none`).
    #[error("The specified alg value is not allowed")]
    AlgorithmNotAllowed,
    /// The token asks for header extensions (`crit`) that are not supported.
    #[error("Unsupported critical header parameter(s)")]
    UnsupportedCritical,
    /// The signature does not match the token and the configured key.
    #[error("Signature verification failed")]
    InvalidSignature,
    /// The token's `exp` is in the past (beyond the configured leeway).
    #[error("Token has expired")]
    Expired,
    /// The token's `nbf` is in the future.
    #[error("The token is not yet valid (nbf)")]
    NotYetValidNbf,
    /// The token's `iat` is in the future.
    #[error("The token is not yet valid (iat)")]
    NotYetValidIat,
    /// A time claim is not a number; the payload is the claim's name.
    #[error("{}", time_claim_message(.0))]
    InvalidTimeClaim(&'static str),
    /// A registered claim that the configuration requires is absent
    /// (`Token is missing the "aud" claim`).
    #[error("Token is missing the \"{0}\" claim")]
    MissingRequiredClaim(&'static str),
    /// The identity claim (or the `csrf` claim) is absent: `Missing claim: sub`.
    #[error("Missing claim: {0}")]
    MissingClaim(String),
    /// The `aud` claim shares no value with the decode audience.
    #[error("Audience doesn't match")]
    InvalidAudience,
    /// The `aud` claim is neither a string nor a list of strings.
    #[error("Invalid claim format in token")]
    InvalidAudienceFormat,
    /// The `iss` claim differs from the decode issuer.
    #[error("Invalid issuer")]
    InvalidIssuer,
    /// The `sub` claim is not a string (and `JWT_VERIFY_SUB` is on).
    #[error("Subject must be a string")]
    InvalidSubject,
    /// The `jti` claim is not a string.
    #[error("JWT ID must be a string")]
    InvalidJti,
    /// The `kid` header is not a string.
    #[error("Key ID header parameter must be a string")]
    InvalidKeyId,
    /// The token's `kid` names no key of the manager's key set (the payload
    /// is the `kid`, shortened to 64 printable characters).
    #[error("Unable to find a signing key that matches: \"{0}\"")]
    UnknownKeyId(String),
    /// The token has no `kid` and several keys of the key set could verify
    /// it.
    #[error("Token has no key ID (kid) and several keys could verify it")]
    AmbiguousKey,
    /// The manager has no verification key yet (a remote JWKS has never
    /// been fetched): 503.
    #[error("No verification keys are available")]
    KeysUnavailable,
    /// A refresh token was sent where any other token is required.
    #[error("Only non-refresh tokens are allowed")]
    RefreshTokenNotAllowed,
    /// A non-refresh token was sent where a refresh token is required.
    #[error("Only refresh tokens are allowed")]
    RefreshTokenRequired,
    /// The handler requires a fresh token and this one is not (or no longer) fresh.
    #[error("Fresh token required")]
    FreshTokenRequired,
    /// The revocation check reported the token as revoked.
    #[error("Token has been revoked")]
    Revoked,
    /// A refresh token was presented again after refresh-token rotation had
    /// exchanged it; its whole family has been revoked.
    #[error("Refresh token reuse detected: every token of this session has been revoked")]
    RefreshTokenReused,
    /// The revocation store failed or did not answer in time, and the
    /// manager fails closed: 503.
    #[error("Token revocation check unavailable")]
    RevocationUnavailable,
    /// The token-verification loader rejected the token's claims.
    #[error("User claims verification failed")]
    UserClaimsVerificationFailed,
    /// The user-lookup loader found no user for the token's identity.
    #[error("Error loading the user {0}")]
    UserLookupFailed(String),
    /// The token does not carry the claims a `#[require_token]` handler
    /// requires (or its identity differs from the bound path value).
    #[error("Missing required claim(s)")]
    MissingRequiredClaims,
    /// The token's `scope` claim does not cover the required scope; the
    /// payload is the required scope as RFC 6750 scope tokens (e.g.
    /// `admin perms:read`), which a `Bearer` challenge sends as `scope="…"`.
    #[error("Missing required scope(s)")]
    MissingRequiredScope(String),
    /// The claims do not deserialise into the handler's claims type; the
    /// message names the claim.
    #[error("{0}")]
    InvalidClaims(String),
    /// A handler asks for `current_user` but no user-lookup loader returning
    /// that type is registered: a server misconfiguration, answered with 500.
    #[error("No user_lookup_loader returning {0} is registered on the JwtManager")]
    UserLoaderMissing(&'static str),
    /// The application has not registered a [`JwtManager`](crate::JwtManager)
    /// with `App::app_data`: a server misconfiguration, answered with 500.
    #[error(
        "No JwtManager is registered: add `.app_data(manager.clone())` to the App that serves this handler"
    )]
    ManagerMissing,
    /// A cookie was to be written with a `Domain` that is not a host name:
    /// a programming error of the application, answered with 500.
    #[error("Invalid cookie domain {0:?}")]
    InvalidCookieDomain(String),
    /// A token could not be created (the claims could not be serialised, or
    /// the key could not sign). Never produced while verifying a request.
    #[error("Could not create the token: {0}")]
    Encode(String),
}

fn time_claim_message(claim: &str) -> &'static str {
    match claim {
        "exp" => "Expiration Time claim (exp) must be an integer.",
        "nbf" => "Not Before claim (nbf) must be an integer.",
        _ => "Issued At claim (iat) must be an integer.",
    }
}

/// Which response loader of the [`JwtManager`](crate::JwtManager) answers an
/// error — the same grouping as Flask-JWT-Extended's loaders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// No token, or a missing/mismatched CSRF value: `unauthorized_loader`, 401.
    Unauthorized,
    /// The token is unusable (format, signature, claims, type): `invalid_token_loader`, 422.
    Invalid,
    /// The token has expired: `expired_token_loader`, 401.
    Expired,
    /// The token is not fresh: `needs_fresh_token_loader`, 401.
    NeedsFresh,
    /// The token is revoked: `revoked_token_loader`, 401.
    Revoked,
    /// The verification loader said no: `token_verification_failed_loader`, 400.
    VerificationFailed,
    /// The user lookup found nobody: `user_lookup_error_loader`, 401.
    UserLookup,
    /// A required claim is missing or different: `missing_claims_loader`, 403.
    MissingClaims,
    /// The required scope is not covered: `missing_scope_loader`, 403.
    MissingScope,
    /// The revocation check could not be made (store down or too slow), or
    /// no verification key is available yet: `revocation_unavailable_loader`,
    /// 503.
    Unavailable,
    /// A server-side problem, never caused by the request: 500.
    Internal,
}

impl ErrorClass {
    /// The default HTTP status of this class.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::Unauthorized
            | Self::Expired
            | Self::NeedsFresh
            | Self::Revoked
            | Self::UserLookup => StatusCode::UNAUTHORIZED,
            Self::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Self::VerificationFailed => StatusCode::BAD_REQUEST,
            Self::MissingClaims | Self::MissingScope => StatusCode::FORBIDDEN,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl JwtError {
    /// The class of this error: which loader answers it, and its default status.
    pub fn class(&self) -> ErrorClass {
        use JwtError::*;
        match self {
            NoAuthorization(_) | CsrfMissing | CsrfMismatch => ErrorClass::Unauthorized,
            InvalidHeader(_)
            | InvalidQueryParam(_)
            | Malformed(_)
            | TooLarge
            | BodyTooLarge
            | AmbiguousRequest(_)
            | AlgorithmNotAllowed
            | UnsupportedCritical
            | InvalidSignature
            | NotYetValidNbf
            | NotYetValidIat
            | InvalidTimeClaim(_)
            | MissingRequiredClaim(_)
            | MissingClaim(_)
            | InvalidAudience
            | InvalidAudienceFormat
            | InvalidIssuer
            | InvalidSubject
            | InvalidJti
            | InvalidKeyId
            | UnknownKeyId(_)
            | AmbiguousKey
            | RefreshTokenNotAllowed
            | RefreshTokenRequired
            | InvalidClaims(_) => ErrorClass::Invalid,
            Expired => ErrorClass::Expired,
            FreshTokenRequired => ErrorClass::NeedsFresh,
            Revoked | RefreshTokenReused => ErrorClass::Revoked,
            RevocationUnavailable | KeysUnavailable => ErrorClass::Unavailable,
            UserClaimsVerificationFailed => ErrorClass::VerificationFailed,
            UserLookupFailed(_) => ErrorClass::UserLookup,
            MissingRequiredClaims => ErrorClass::MissingClaims,
            MissingRequiredScope(_) => ErrorClass::MissingScope,
            ManagerMissing | Encode(_) | UserLoaderMissing(_) | InvalidCookieDomain(_) => {
                ErrorClass::Internal
            }
        }
    }

    /// The default HTTP status of this error: its class's status, except
    /// 413 for [`JwtError::BodyTooLarge`] and 400 for
    /// [`JwtError::AmbiguousRequest`].
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::AmbiguousRequest(_) => StatusCode::BAD_REQUEST,
            _ => self.class().status(),
        }
    }

    /// What a client is told: the `Display` text (Flask-JWT-Extended's
    /// message), except for a server-side problem
    /// ([`ErrorClass::Internal`]), whose details (a configuration hint, a
    /// serialisation error) are logged and the client reads
    /// `Internal Server Error`.
    pub fn client_message(&self) -> String {
        match self.class() {
            ErrorClass::Internal => INTERNAL_MESSAGE.to_owned(),
            _ => self.to_string(),
        }
    }
}

/// The message of every [`ErrorClass::Internal`] answer.
const INTERNAL_MESSAGE: &str = "Internal Server Error";

/// A configuration problem found while building the
/// [`JwtManager`](crate::JwtManager). The message names the option.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// An option has a value that cannot be used.
    #[error("{option}: {reason}")]
    Invalid {
        /// The option's name, as in Flask-JWT-Extended (`JWT_ALGORITHM`).
        option: &'static str,
        /// What is wrong with the value.
        reason: String,
    },
    /// An option that the rest of the configuration needs is not set.
    #[error("{option} must be set {reason}")]
    Missing {
        /// The option's name.
        option: &'static str,
        /// Why it is needed.
        reason: String,
    },
    /// A key given to the manager cannot be used; the message says why.
    #[error("unusable key: {0}")]
    InvalidKey(String),
    /// No crypto backend is compiled in and none was supplied.
    #[error(
        "no crypto backend: enable the `aws-lc-rs` (default) or `rust-crypto` feature of actix-jwt-extended, or pass one with JwtManagerBuilder::crypto_provider"
    )]
    NoCryptoBackend,
}

impl ConfigError {
    pub(crate) fn invalid(option: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            option,
            reason: reason.into(),
        }
    }

    pub(crate) fn missing(option: &'static str, reason: impl Into<String>) -> Self {
        Self::Missing {
            option,
            reason: reason.into(),
        }
    }

    /// The name of the option this error is about, if any.
    pub fn option(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { option, .. } | Self::Missing { option, .. } => Some(option),
            Self::InvalidKey(_) | Self::NoCryptoBackend => None,
        }
    }
}
