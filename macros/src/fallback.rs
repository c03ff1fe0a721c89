//! The expansion used when the attribute or handler is wrong: one
//! `compile_error!` plus the handler protected with the preset's defaults,
//! so the error is reported once and `current_token` still resolves. It
//! never calls back into the normal expansion.

use proc_macro2::TokenStream;
use quote::quote;
use syn::FnArg;

use crate::ast::{self, Handler};
use crate::attr::Preset;
use crate::signature::{install_guard, private_path};

pub fn expand(preset: Preset, mut handler: Handler, error: syn::Error) -> TokenStream {
    let compile_error = error.to_compile_error();
    // A handler that is not `async` would cause a second error elsewhere.
    handler.item.sig.asyncness = Some(Default::default());
    let is_method = matches!(handler.item.sig.inputs.first(), Some(FnArg::Receiver(_)));
    if is_method || handler.current_token_param.is_some() {
        // A method cannot take the guard, and a visible `current_token`
        // parameter already binds the name (`CurrentToken` and
        // `Option<CurrentToken>` are extractors): keep the item as written.
        let item = &handler.item;
        return quote!(#compile_error #item);
    }
    // Another attribute of this crate is the error being reported; it must
    // not expand as well.
    handler
        .item
        .attrs
        .retain(|attr| !ast::is_own_attribute(attr));
    // A visible `current_user` stays an ordinary parameter.
    handler.current_user_param = None;
    let private = private_path(None);
    let guard_ty = if preset == Preset::Optional {
        quote!(#private::Guard<#private::OptionalFallback, ::core::option::Option<#private::CurrentToken>>)
    } else {
        quote!(#private::Guard<#private::Fallback>)
    };
    let item = install_guard(handler, guard_ty);
    quote!(#compile_error #item)
}
