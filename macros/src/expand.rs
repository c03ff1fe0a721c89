//! Emitting the protected handler.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, PatType};

use crate::ast::{CURRENT_TOKEN, Handler};
use crate::attr::{self, Options, Preset};
use crate::{fallback, valid};

/// Entry point of every attribute: parse → validate → emit, or fall back.
pub fn protect(preset: Preset, args: TokenStream, item: TokenStream) -> TokenStream {
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
    let checked = attr::parse(preset, args)
        .and_then(|options| valid::check(&options, &handler).map(|()| options));
    match checked {
        Ok(options) => emit(&options, handler),
        Err(error) => fallback::expand(preset, handler, error),
    }
}

/// The option bits understood by `__private::options_from_bits`.
fn bits(options: &Options) -> u32 {
    let mut bits = 0;
    if Options::flag(options.optional) {
        bits |= 1;
    }
    if Options::flag(options.fresh) {
        bits |= 1 << 1;
    }
    if Options::flag(options.refresh) {
        bits |= 1 << 2;
    }
    if options.verify_type.is_some_and(|f| !f.value) {
        bits |= 1 << 3;
    }
    if Options::flag(options.skip_revocation_check) {
        bits |= 1 << 4;
    }
    if let Some((locations, _)) = &options.locations {
        bits |= (locations.len() as u32) << 8;
        for (i, location) in locations.iter().enumerate() {
            bits |= location.code() << (8 + 3 + 2 * i as u32);
        }
    }
    bits
}

/// Rewrites the handler: the guard extractor comes first (or replaces a
/// visible `current_token` parameter) and the body starts by binding
/// `current_token`. Attributes the macro does not own pass through.
pub fn emit(options: &Options, handler: Handler) -> TokenStream {
    let krate = match &options.krate {
        Some(path) => quote!(#path),
        None => quote!(::actix_jwt_extended),
    };
    let bits = Literal::u32_unsuffixed(bits(options));
    let guard_ty = quote!(#krate::__private::Guard<#bits>);
    let guard = Ident::new("__actix_jwt_extended_guard", Span::mixed_site());
    let current_token = Ident::new(CURRENT_TOKEN, Span::call_site());
    let optional = Options::flag(options.optional);
    let into = if optional {
        quote!(optional)
    } else {
        quote!(required)
    };

    let Handler {
        mut item,
        current_token_param,
    } = handler;
    let guard_arg: FnArg = syn::parse_quote!(#guard: #guard_ty);
    let binding = match current_token_param {
        Some(index) => {
            let FnArg::Typed(PatType { ty, attrs, .. }) = &item.sig.inputs[index] else {
                unreachable!("Handler::parse only records typed parameters")
            };
            let user_ty = ty.clone();
            let mut arg = guard_arg;
            if let FnArg::Typed(pat_type) = &mut arg {
                pat_type.attrs = attrs.clone();
            }
            item.sig.inputs[index] = arg;
            quote_spanned! {user_ty.span()=>
                let #current_token: #user_ty = #guard.#into();
            }
        }
        None => {
            item.sig.inputs.insert(0, guard_arg);
            quote! {
                #[allow(unused_variables)]
                let #current_token = #guard.#into();
            }
        }
    };
    let body = &item.block;
    item.block = syn::parse_quote!({
        #binding
        #body
    });
    quote!(#item)
}
