//! The attribute macros' parser, validator and expansion, run on
//! proc-macro2 outside a compiler: the macro crate's modules are compiled
//! into this target. Input: a first byte choosing the attribute, then the
//! attribute's arguments, optionally followed by `\n---\n` and the item.
//! Every input expands to tokens (with `compile_error!` for bad input);
//! never a panic.

#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use proc_macro2::TokenStream;

#[path = "../../macros/src/ast.rs"]
mod ast;
#[path = "../../macros/src/attr.rs"]
mod attr;
#[path = "../../macros/src/expand.rs"]
mod expand;
#[path = "../../macros/src/expected.rs"]
mod expected;
#[path = "../../macros/src/fallback.rs"]
mod fallback;
#[path = "../../macros/src/json.rs"]
mod json;
#[path = "../../macros/src/openapi.rs"]
mod openapi;
#[path = "../../macros/src/signature.rs"]
mod signature;
#[path = "../../macros/src/valid.rs"]
mod valid;

use ast::Handler;
use attr::Preset;

const PRESETS: [Preset; 5] = [
    Preset::Required,
    Preset::Fresh,
    Preset::Refresh,
    Preset::Optional,
    Preset::RequireToken,
];

const HANDLER: &str = "async fn handler(path: web::Path<String>, query: web::Query<Q>) \
                       -> HttpResponse { HttpResponse::Ok().finish() }";

/// The macros' entry point (`protect` in macros/src/lib.rs), minus the
/// `proc_macro` conversions.
fn protect(preset: Preset, args: TokenStream, item: TokenStream) -> TokenStream {
    let handler = match Handler::parse(item.clone()) {
        Ok(handler) => handler,
        Err(error) => return error.to_compile_error(),
    };
    let checked =
        attr::parse(preset, args).and_then(|options| valid::check(options, handler.clone()));
    match checked {
        Ok(checked) => expand::emit(checked),
        Err(error) => fallback::expand(preset, handler, error),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((choice, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (args, item) = text.split_once("\n---\n").unwrap_or((text, HANDLER));
    let (Ok(args), Ok(item)) = (TokenStream::from_str(args), TokenStream::from_str(item)) else {
        return;
    };
    let preset = PRESETS[usize::from(*choice) % PRESETS.len()];
    let expanded = protect(preset, args, item);
    // The expansion is Rust that parses back.
    syn::parse2::<syn::File>(expanded.clone())
        .unwrap_or_else(|e| panic!("expansion does not parse ({e}): {expanded}"));
});
