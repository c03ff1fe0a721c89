//! Access and refresh tokens: the one type that tells them apart.

/// The kind of a token, as its `type` claim says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// An access token (`"type": "access"`).
    Access,
    /// A refresh token (`"type": "refresh"`, never fresh).
    Refresh,
}

impl TokenKind {
    /// The value of the `type` claim.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }

    /// The kind of a token whose `type` claim is `claim`: any type other
    /// than `"refresh"` (a custom one included) counts as an access token,
    /// as in Flask-JWT-Extended.
    pub(crate) fn of_type_claim(claim: &str) -> Self {
        if claim == Self::Refresh.as_str() {
            Self::Refresh
        } else {
            Self::Access
        }
    }
}
