//! Attribute macros of [actix-jwt-extended](https://docs.rs/actix-jwt-extended).
//!
//! Depend on `actix-jwt-extended`, which re-exports these macros; the code
//! they generate calls only into its `__private` module.
//!
//! The pipeline follows thiserror's: parse the attribute and the handler into
//! a typed model ([`attr`], [`ast`]), validate it with spanned errors
//! ([`valid`]), then emit ([`expand`]); on error a best-effort item is still
//! emitted with one `compile_error!` ([`fallback`]). Both install the guard
//! with [`signature`]; the generated code names only items of the runtime's
//! `__private` module, whose documentation states the contract.

mod ast;
mod attr;
mod expand;
mod expected;
mod fallback;
mod json;
mod signature;
mod valid;

use proc_macro::TokenStream;
use quote::quote;

use ast::Handler;
use attr::Preset;

/// Entry point of every attribute: parse → validate → emit, or fall back.
fn protect(
    preset: Preset,
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let handler = match Handler::parse(item.clone()) {
        Ok(handler) => handler,
        Err(error) => {
            let error = syn::Error::new(
                error.span(),
                format!(
                    "#[{}] goes on an `async fn` handler: {error}",
                    preset.attribute()
                ),
            );
            let compile_error = error.to_compile_error();
            return quote!(#compile_error #item);
        }
    };
    let checked =
        attr::parse(preset, args).and_then(|options| valid::check(options, handler.clone()));
    match checked {
        Ok(checked) => expand::emit(checked),
        Err(error) => fallback::expand(preset, handler, error),
    }
}

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
    protect(Preset::Required, args.into(), item.into()).into()
}

/// Requires a fresh access token: `#[jwt_required(fresh)]`.
#[proc_macro_attribute]
pub fn fresh_jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    protect(Preset::Fresh, args.into(), item.into()).into()
}

/// Requires a refresh token: `#[jwt_required(refresh)]`.
#[proc_macro_attribute]
pub fn jwt_refresh_required(args: TokenStream, item: TokenStream) -> TokenStream {
    protect(Preset::Refresh, args.into(), item.into()).into()
}

/// Runs the handler with or without a token: `#[jwt_required(optional)]`.
/// `current_token` is an `Option<CurrentToken>`; a token that is present but
/// invalid is still rejected.
#[proc_macro_attribute]
pub fn jwt_optional(args: TokenStream, item: TokenStream) -> TokenStream {
    protect(Preset::Optional, args.into(), item.into()).into()
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
    protect(Preset::RequireToken, args.into(), item.into()).into()
}
