//! Attribute macros of [actix-jwt-extended](https://docs.rs/actix-jwt-extended).
//!
//! Depend on `actix-jwt-extended`, which re-exports these macros; the code
//! they generate calls only into its `__private` module.
//!
//! The pipeline follows thiserror's: parse the attribute and the handler into
//! a typed model (`attr`, `expected`, `ast`), validate it with spanned
//! errors (`valid`), then emit (`expand`); on error a best-effort item is
//! still emitted with one `compile_error!` (`fallback`). Both install the
//! guard with `signature`; the generated code names only items of the
//! runtime's `__private` module, whose documentation states the contract.

mod ast;
mod attr;
mod expand;
mod expected;
mod fallback;
mod json;
mod openapi;
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
/// `current_token` ([`CurrentToken`]) in its body.
///
/// Options, as Flask-JWT-Extended 4's `jwt_required(...)`:
/// `optional`, `fresh`, `refresh`, `verify_type = false`,
/// `skip_revocation_check`, `locations = [headers, cookies, query_string, json]`
/// (a flag may be written `fresh = true`). The attribute goes above or below
/// `#[get(..)]`; other parameters are untouched, and a parameter named
/// `current_token` (of type `CurrentToken` or `TypedToken<C>`) or
/// `current_user` (`CurrentUser<U>`) is bound by the attribute.
///
/// ```
/// use actix_jwt_extended::{CurrentUser, jwt_required};
/// use actix_web::{HttpResponse, get, post, web};
/// use serde_json::json;
///
/// #[get("/protected")]
/// #[jwt_required]
/// async fn protected() -> HttpResponse {
///     HttpResponse::Ok().json(json!({ "hello": current_token.identity() }))
/// }
///
/// // Access and refresh tokens, from the header or a cookie only.
/// #[post("/logout")]
/// #[jwt_required(verify_type = false, locations = [headers, cookies])]
/// async fn logout() -> HttpResponse {
///     HttpResponse::Ok().json(json!({ "jti": current_token.jti() }))
/// }
///
/// struct User { name: String }
///
/// // `current_user` comes from the manager's `user_lookup_loader`.
/// #[get("/me")]
/// #[jwt_required]
/// async fn me(current_user: CurrentUser<User>, db: web::Data<String>) -> String {
///     format!("{} on {}", current_user.name, db.get_ref())
/// }
/// ```
///
/// Misspelled or conflicting options are compile errors at the offending
/// token.
///
/// [`CurrentToken`]: https://docs.rs/actix-jwt-extended/latest/actix_jwt_extended/struct.CurrentToken.html
#[proc_macro_attribute]
pub fn jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    protect(Preset::Required, args.into(), item.into()).into()
}

/// Requires a fresh access token: `#[jwt_required(fresh)]` (e.g. for a
/// password change right after a login). Accepts the other options of
/// [`macro@jwt_required`].
///
/// ```
/// use actix_jwt_extended::fresh_jwt_required;
/// use actix_web::{HttpResponse, post};
///
/// #[post("/password")]
/// #[fresh_jwt_required]
/// async fn change_password() -> HttpResponse {
///     HttpResponse::NoContent().finish()
/// }
/// ```
#[proc_macro_attribute]
pub fn fresh_jwt_required(args: TokenStream, item: TokenStream) -> TokenStream {
    protect(Preset::Fresh, args.into(), item.into()).into()
}

/// Requires a refresh token: `#[jwt_required(refresh)]`. Accepts the other
/// options of [`macro@jwt_required`].
///
/// ```
/// use actix_jwt_extended::{JwtManager, Rejection, jwt_refresh_required};
/// use actix_web::{HttpResponse, post};
///
/// // A name other than `refresh`: `#[post]` turns the handler into a unit
/// // struct, which a `let refresh = …` elsewhere in the module would clash with.
/// #[post("/refresh")]
/// #[jwt_refresh_required]
/// async fn refresh_access(jwt: JwtManager) -> Result<HttpResponse, Rejection> {
///     let access_token = jwt.create_access_token(current_token.identity())?;
///     Ok(HttpResponse::Ok().json(serde_json::json!({ "access_token": access_token })))
/// }
/// ```
#[proc_macro_attribute]
pub fn jwt_refresh_required(args: TokenStream, item: TokenStream) -> TokenStream {
    protect(Preset::Refresh, args.into(), item.into()).into()
}

/// Runs the handler with or without a token: `#[jwt_required(optional)]`.
/// `current_token` is an `Option<CurrentToken>`; a token that is present but
/// invalid is still rejected.
///
/// ```
/// use actix_jwt_extended::jwt_optional;
/// use actix_web::{HttpResponse, get};
///
/// #[get("/greeting")]
/// #[jwt_optional]
/// async fn greeting() -> HttpResponse {
///     let name = current_token.as_ref().and_then(|t| t.sub()).unwrap_or("stranger");
///     HttpResponse::Ok().body(format!("hello {name}"))
/// }
/// ```
#[proc_macro_attribute]
pub fn jwt_optional(args: TokenStream, item: TokenStream) -> TokenStream {
    protect(Preset::Optional, args.into(), item.into()).into()
}

/// Requires a token that meets declared requirements — Flask-PyJWT's
/// `require_token`, checked at compile time where possible.
///
/// | requirement | meaning |
/// |---|---|
/// | `"refresh"` / `"auth"` / `token_type = "refresh"` | the token type (`"auth"` is access) |
/// | `team = "blue"`, `org.id = 7`, `"x-tenant" = "acme"` | a claim (dotted: nested; quoted: any name) equals the value; maps match key by key, lists as subsets |
/// | `role = "admin" \| "owner"` | the claim satisfies one of the values |
/// | `org = param(org_id)`, `org = param(query.org)` | the claim equals a request value: the handler's `web::Path`/`web::Query` parameter of that name (or that field of its struct) |
/// | `sub = "username"` / `sub = param(username)` | the identity equals a request value (Flask-PyJWT's spelling) |
/// | `scope = {"admin": true, "perms": ["read"]}` | the `scope` claim covers it |
/// | `override = {"role": "root"}` | a token with these claims skips the other requirements |
/// | `claims = MyClaims` | binds `current_token` as a `TypedToken<MyClaims>` (`current_token.typed`), and every requirement must name a field whose type fits the value |
///
/// It accepts the options of [`macro@jwt_required`] too. Unmet claims give
/// 403 `Missing required claim(s)`, an unmet scope 403 `Missing required
/// scope(s)`.
///
/// ```
/// use actix_jwt_extended::require_token;
/// use actix_web::{HttpResponse, get, web};
/// use serde::Deserialize;
///
/// #[get("/users/{username}")]
/// #[require_token(sub = "username")]
/// async fn profile(username: web::Path<String>) -> HttpResponse {
///     HttpResponse::Ok().body(username.into_inner())
/// }
///
/// #[get("/orgs/{org_id}/projects")]
/// #[require_token(org = param(org_id), role = "admin" | "owner")]
/// async fn projects(org_id: web::Path<u64>) -> HttpResponse {
///     HttpResponse::Ok().body(org_id.to_string())
/// }
///
/// #[get("/admin")]
/// #[require_token(scope = {"admin": true}, override = {"role": "root"})]
/// async fn admin() -> HttpResponse {
///     HttpResponse::Ok().finish()
/// }
///
/// #[derive(Deserialize)]
/// struct Claims {
///     role: String,
///     level: u32,
/// }
///
/// #[get("/typed")]
/// #[require_token(claims = Claims, role = "admin", level = 2 | 3)]
/// async fn typed() -> HttpResponse {
///     HttpResponse::Ok().body(current_token.typed.role.clone())
/// }
/// ```
///
/// A requirement that names no field of the claims type, a value of the
/// wrong type, a `param(…)` that names no binding, a malformed value or a
/// duplicated key is a compile error at that token.
#[proc_macro_attribute]
pub fn require_token(args: TokenStream, item: TokenStream) -> TokenStream {
    protect(Preset::RequireToken, args.into(), item.into()).into()
}
