//! What a protected handler requires: [`VerifyOptions`], the arguments of
//! Flask-JWT-Extended's `jwt_required()`.

use crate::config::TokenLocation;
use crate::kind::TokenKind;

/// What a protected handler requires — the arguments of Flask-JWT-Extended's
/// `jwt_required()` / `verify_jwt_in_request()`.
///
/// ```
/// use actix_jwt_extended::{TokenLocation, VerifyOptions};
///
/// let options = VerifyOptions::new().fresh(true);
/// let refresh = VerifyOptions::new().refresh(true).locations(&[TokenLocation::Headers]);
/// # let _ = (options, refresh);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct VerifyOptions {
    optional: bool,
    fresh: bool,
    kind: TokenKind,
    verify_type: bool,
    skip_revocation_check: bool,
    locations: Option<Locations>,
}

/// An ordered list of token locations (at most one of each), usable in
/// constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locations {
    len: u8,
    items: [TokenLocation; 4],
}

impl Locations {
    /// The list, keeping the first occurrence of each location.
    pub const fn new(locations: &[TokenLocation]) -> Self {
        let mut items = [TokenLocation::Headers; 4];
        let mut len = 0;
        let mut i = 0;
        while i < locations.len() {
            let mut seen = false;
            let mut j = 0;
            while j < len {
                if items[j] as u8 == locations[i] as u8 {
                    seen = true;
                }
                j += 1;
            }
            if !seen && len < 4 {
                items[len] = locations[i];
                len += 1;
            }
            i += 1;
        }
        Self {
            len: len as u8,
            items,
        }
    }

    /// The locations, in lookup order.
    pub fn as_slice(&self) -> &[TokenLocation] {
        &self.items[..self.len as usize]
    }
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl VerifyOptions {
    /// `jwt_required()`: any non-refresh token, from the configured locations.
    pub const fn new() -> Self {
        Self {
            optional: false,
            fresh: false,
            kind: TokenKind::Access,
            verify_type: true,
            skip_revocation_check: false,
            locations: None,
        }
    }

    /// `optional`: let requests without any token through (a present but
    /// bad token is still rejected).
    pub const fn optional(mut self, on: bool) -> Self {
        self.optional = on;
        self
    }

    /// `fresh`: require a fresh token.
    pub const fn fresh(mut self, on: bool) -> Self {
        self.fresh = on;
        self
    }

    /// `refresh`: require a refresh token (otherwise refresh tokens are
    /// refused), and look in the refresh cookie and JSON key.
    pub const fn refresh(mut self, on: bool) -> Self {
        self.kind = if on {
            TokenKind::Refresh
        } else {
            TokenKind::Access
        };
        self
    }

    /// `verify_type`: check the token type at all (`false` accepts access
    /// and refresh tokens).
    pub const fn verify_type(mut self, on: bool) -> Self {
        self.verify_type = on;
        self
    }

    /// `skip_revocation_check`: do not consult the revocation check.
    pub const fn skip_revocation_check(mut self, on: bool) -> Self {
        self.skip_revocation_check = on;
        self
    }

    /// `locations`: where to look, overriding JWT_TOKEN_LOCATION.
    pub const fn locations(mut self, locations: &[TokenLocation]) -> Self {
        self.locations = Some(Locations::new(locations));
        self
    }

    /// Whether requests without a token are let through.
    pub const fn is_optional(&self) -> bool {
        self.optional
    }

    /// Whether a fresh token is required.
    pub const fn requires_fresh(&self) -> bool {
        self.fresh
    }

    /// The kind of token required (and looked for).
    pub const fn kind(&self) -> TokenKind {
        self.kind
    }

    /// Whether the token type is checked.
    pub const fn verifies_type(&self) -> bool {
        self.verify_type
    }

    /// Whether the revocation check is skipped.
    pub const fn skips_revocation_check(&self) -> bool {
        self.skip_revocation_check
    }

    /// The locations that override JWT_TOKEN_LOCATION, if any.
    pub fn location_override(&self) -> Option<&[TokenLocation]> {
        self.locations.as_ref().map(Locations::as_slice)
    }
}
