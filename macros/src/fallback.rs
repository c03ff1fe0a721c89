//! The expansion used when the attribute or handler is wrong: one
//! `compile_error!` plus the handler protected with the preset's defaults,
//! so the error is reported once and `current_token` still resolves.

use proc_macro2::TokenStream;

use crate::ast::Handler;
use crate::attr::{Options, Preset};
use crate::expand;

pub fn expand(preset: Preset, mut handler: Handler, error: syn::Error) -> TokenStream {
    // A handler that is not `async` would cause a second error elsewhere.
    handler.item.sig.asyncness = Some(Default::default());
    let compile_error = error.to_compile_error();
    let item = expand::emit(&Options::fallback(preset), handler);
    quote::quote!(#compile_error #item)
}
