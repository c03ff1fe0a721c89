//! Attribute macros of [actix-jwt-extended](https://docs.rs/actix-jwt-extended).
//!
//! Depend on `actix-jwt-extended`, which re-exports these macros; the code
//! they generate calls only into its `__private` module.
//!
//! The pipeline follows thiserror's: parse the attribute and the handler into
//! a typed model ([`attr`], [`ast`]), validate it with spanned errors
//! ([`valid`]), then emit ([`expand`]); on error a best-effort item is still
//! emitted with one `compile_error!` ([`fallback`]).

mod ast;
mod attr;
mod expand;
mod fallback;
mod json;
mod valid;

use proc_macro::TokenStream;

use attr::Preset;

/// Requires a valid JWT (any type but `refresh`) to run the handler, and binds
/// `current_token` in its body.
///
/// Options, as Flask-JWT-Extended 4's `jwt_required(...)`:
/// `optional`, `fresh`, `refresh`, `verify_type = false`,
/// `skip_revocation_check`, `locations = [headers, query_string]`.
///
/// ```text
/// #[get("/protected")]
/// #[jwt_required]
/// async fn protected() -> HttpResponse {
///     HttpResponse::Ok().json(json!({ "hello": current_token.identity() }))
/// }
/// ```
#[proc_macro_attribute]
pub fn jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::protect(Preset::Required, args.into(), item.into()).into()
}

/// Requires a fresh access token: `#[jwt_required(fresh)]`.
#[proc_macro_attribute]
pub fn fresh_jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::protect(Preset::Fresh, args.into(), item.into()).into()
}

/// Requires a refresh token: `#[jwt_required(refresh)]`.
#[proc_macro_attribute]
pub fn jwt_refresh_required(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::protect(Preset::Refresh, args.into(), item.into()).into()
}

/// Runs the handler with or without a token: `#[jwt_required(optional)]`.
/// `current_token` is an `Option<CurrentToken>`; a token that is present but
/// invalid is still rejected.
#[proc_macro_attribute]
pub fn jwt_optional(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::protect(Preset::Optional, args.into(), item.into()).into()
}

/// Requires a token that meets declared requirements — Flask-PyJWT's
/// `require_token`, checked at compile time where possible.
///
/// ```text
/// #[require_token]                          // an access token
/// #[require_token("refresh")]               // a refresh token ("auth" = "access")
/// #[require_token(sub = "username")]        // sub == the `username` path value
/// #[require_token(team = "blue", org.id = 7, admin = true)]
/// #[require_token(scope = {"admin": true, "perms": ["read"]})]
/// #[require_token(scope = {"admin": true}, override = {"role": "root"})]
/// #[require_token(claims = MyClaims, role = "admin")]  // typed, field-checked
/// ```
///
/// Unmet claims give 403 `Missing required claim(s)`, an unmet scope 403
/// `Missing required scope(s)`. Accepts the options of `#[jwt_required]` too.
#[proc_macro_attribute]
pub fn require_token(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::protect(Preset::RequireToken, args.into(), item.into()).into()
}
