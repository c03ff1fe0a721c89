//! Installing the guard: the guard parameter comes first (or replaces a
//! visible `current_token` parameter), a visible `current_user` parameter
//! is bound from the guard, and the body starts by binding them. Shared by
//! the expansion and the fallback.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{FnArg, Ident, ItemFn, PatType, Stmt};

use crate::ast::{CURRENT_TOKEN, CURRENT_USER, Handler};

/// The handler with a guard of type `guard_ty`.
pub fn install_guard(handler: Handler, guard_ty: TokenStream) -> ItemFn {
    let guard = Ident::new("__actix_jwt_extended_guard", Span::mixed_site());
    let current_token = Ident::new(CURRENT_TOKEN, Span::call_site());
    let current_user = Ident::new(CURRENT_USER, Span::call_site());
    let Handler {
        mut item,
        current_token_param,
        current_user_param,
    } = handler;
    let guard_arg: FnArg = syn::parse_quote!(#guard: #guard_ty);
    match current_token_param {
        Some(index) => {
            let mut arg = guard_arg;
            if let (FnArg::Typed(new), FnArg::Typed(PatType { attrs, .. })) =
                (&mut arg, &item.sig.inputs[index])
            {
                new.attrs = attrs.clone();
            }
            item.sig.inputs[index] = arg;
        }
        None => item.sig.inputs.insert(0, guard_arg),
    }
    let binding: Stmt = match current_user_param {
        Some(index) => {
            // The guard was inserted before it when there is no visible token.
            let index = if current_token_param.is_none() {
                index + 1
            } else {
                index
            };
            item.sig.inputs = std::mem::take(&mut item.sig.inputs)
                .into_iter()
                .enumerate()
                .filter_map(|(i, arg)| (i != index).then_some(arg))
                .collect();
            syn::parse_quote! {
                #[allow(unused_variables)]
                let (#current_token, #current_user) = #guard.into_parts();
            }
        }
        None => syn::parse_quote! {
            #[allow(unused_variables)]
            let #current_token = #guard.token();
        },
    };
    // The binding is spliced in front of the handler's own statements, not
    // wrapped around its block: a nested block would be linted as
    // `unused_braces` for a handler written on one line.
    item.block.stmts.insert(0, binding);
    item
}

/// The path of the runtime's support module.
pub fn private_path(krate: Option<&syn::Path>) -> TokenStream {
    match krate {
        Some(path) => quote!(#path::__private),
        None => quote!(::actix_jwt_extended::__private),
    }
}
