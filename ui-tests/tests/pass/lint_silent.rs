//! The expansion is silent under strict lint sets, including for handlers
//! written on one line (rustfmt's `fn_single_line`), which once got a bogus
//! `unused_braces` warning.
#![deny(warnings)]
#![deny(
    elided_lifetimes_in_paths,
    explicit_outlives_requirements,
    let_underscore_drop,
    meta_variable_misuse,
    missing_copy_implementations,
    missing_debug_implementations,
    missing_docs,
    non_ascii_idents,
    redundant_lifetimes,
    single_use_lifetimes,
    trivial_casts,
    trivial_numeric_casts,
    unit_bindings,
    unreachable_pub,
    unsafe_code,
    unused_braces,
    unused_extern_crates,
    unused_import_braces,
    unused_lifetimes,
    unused_macro_rules,
    unused_qualifications,
    unused_results,
    variant_size_differences
)]

use actix_jwt_extended::{
    CurrentToken, CurrentUser, jwt_optional, jwt_refresh_required, jwt_required, require_token,
};
use actix_web::{App, HttpResponse, get, post, web};

/// One line, below the route macro.
#[get("/a")]
#[jwt_required]
pub(crate) async fn a() -> HttpResponse { HttpResponse::Ok().finish() }

/// One line, above the route macro.
#[jwt_required(fresh)]
#[post("/b")]
async fn b() -> HttpResponse { HttpResponse::Ok().finish() }

/// One line, using the binding.
#[get("/c")]
#[jwt_optional]
async fn c() -> String { format!("{:?}", current_token.map(|t| t.identity().clone())) }

/// One line with requirements and a path binding.
#[get("/d/{user}")]
#[require_token(sub = "user", role = "admin", scope = {"read": true})]
async fn d(user: web::Path<String>) -> String { user.into_inner() }

/// One line with visible bindings.
#[get("/e")]
#[jwt_refresh_required]
async fn e(current_token: CurrentToken, current_user: CurrentUser<String>) -> String { format!("{} {}", current_token.jti().unwrap_or_default(), *current_user) }

/// A private handler, one line, without a route macro.
#[jwt_required(locations = [headers, cookies], skip_revocation_check, verify_type = false)]
async fn f() -> HttpResponse { HttpResponse::NoContent().finish() }

fn main() {
    let _app = App::new()
        .service(a)
        .service(b)
        .service(c)
        .service(d)
        .service(e)
        .route("/f", web::get().to(f));
}
