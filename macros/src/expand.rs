//! Emitting the protected handler.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{FnArg, Ident, PatType, Type};

use crate::ast::{self, CURRENT_TOKEN, CURRENT_USER, Handler};
use crate::attr::{self, Options, Preset};
use crate::valid::{self, SubBinding};
use crate::{fallback, json};

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
/// visible `current_token` parameter), a visible `current_user` parameter
/// is bound from the guard, and the body starts by binding them. Items that
/// check requirements are emitted beside the handler. Attributes the macro
/// does not own pass through.
pub fn emit(options: &Options, handler: Handler) -> TokenStream {
    let krate = match &options.krate {
        Some(path) => quote!(#path),
        None => quote!(::actix_jwt_extended),
    };
    let private = quote!(#krate::__private);
    let optional = Options::flag(options.optional);
    let fn_name = handler.item.sig.ident.clone();

    // What `current_token` is: the visible parameter's type, or chosen here.
    let visible_token_ty = handler
        .current_token_param
        .and_then(|i| handler.param_type(i))
        .cloned();
    let claims_ty: Option<Type> = options.claims.clone().or_else(|| {
        let ty = visible_token_ty.as_ref()?;
        let ty = ast::extractor_inner(ty, &["Option"]).unwrap_or(ty);
        ast::extractor_inner(ty, &["TypedToken"]).cloned()
    });
    let token_ty = match (&visible_token_ty, &claims_ty) {
        (Some(ty), _) => quote!(#ty),
        (None, Some(claims)) if optional => {
            quote!(::core::option::Option<#krate::TypedToken<#claims>>)
        }
        (None, Some(claims)) => quote!(#krate::TypedToken<#claims>),
        (None, None) if optional => quote!(::core::option::Option<#krate::CurrentToken>),
        (None, None) => quote!(#krate::CurrentToken),
    };
    let user_ty = match handler
        .current_user_param
        .and_then(|i| handler.param_type(i))
    {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    };

    let mut items = TokenStream::new();
    let requirements_ty = if options.has_requirements() {
        let name = format_ident!("__actix_jwt_extended_requirements_{}", fn_name);
        items.extend(requirements(options, &handler, &name, &private));
        quote!(#name)
    } else {
        quote!(#private::NoRequirements)
    };
    if let Some(claims) = &claims_ty {
        items.extend(claims_checks(options, claims, &fn_name, &private));
    }

    let bits = Literal::u32_unsuffixed(bits(options));
    let guard_ty = quote!(#private::Guard<#bits, #token_ty, #user_ty, #requirements_ty>);
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
    let binding = match current_user_param {
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
            quote! {
                #[allow(unused_variables)]
                let (#current_token, #current_user) = #guard.into_parts();
            }
        }
        None => quote! {
            #[allow(unused_variables)]
            let #current_token = #guard.token();
        },
    };
    let body = &item.block;
    item.block = syn::parse_quote!({
        #binding
        #body
    });
    quote!(#items #item)
}

/// The generated `Requirements` implementation of a `#[require_token]`
/// handler: override, claim equality, the `sub` binding, then scope.
fn requirements(
    options: &Options,
    handler: &Handler,
    name: &Ident,
    private: &TokenStream,
) -> TokenStream {
    let statics = |ident: &str, json: &json::Json| {
        let ident = format_ident!("{}", ident);
        let text = json.text();
        quote! {
            static #ident: ::std::sync::LazyLock<#private::JsonValue> =
                ::std::sync::LazyLock::new(|| #private::json(#text));
        }
    };
    let override_check = options.override_.as_ref().map(|json| {
        let value = statics("OVERRIDE", json);
        quote! {
            #value
            if #private::claims_satisfy(&token, &OVERRIDE) {
                return ::core::result::Result::Ok(());
            }
        }
    });
    let claim_checks = options
        .requirements
        .iter()
        .enumerate()
        .map(|(i, requirement)| {
            let ident = format!("CLAIM_{i}");
            let value = statics(&ident, &requirement.value);
            let ident = format_ident!("{}", ident);
            let path = &requirement.names;
            quote! {
                #value
                satisfied = satisfied && #private::claim_satisfies(&token, &[#(#path),*], &#ident);
            }
        });
    let sub_check = options.sub.as_ref().map(|binding| {
        // Validation has already resolved the binding.
        let resolved = valid::resolve_sub(handler, binding).ok();
        let span = binding.span();
        let (ty, access) = match resolved {
            Some(SubBinding::Direct(ty)) => (ty, quote_spanned!(span=> &*value)),
            Some(SubBinding::Field(ty, field)) => (ty, quote_spanned!(span=> &value.#field)),
            None => return quote!(),
        };
        quote! {
            satisfied = satisfied && match <#ty as #private::actix_web::FromRequest>::extract(&req).await {
                ::core::result::Result::Ok(value) => #private::identity_equals(&token, #access),
                ::core::result::Result::Err(_) => false,
            };
        }
    });
    let scope_check = options.scope.as_ref().map(|json| {
        let value = statics("SCOPE", json);
        quote! {
            #value
            if !#private::claim_satisfies(&token, &["scope"], &SCOPE) {
                return ::core::result::Result::Err(#private::JwtError::MissingRequiredScope);
            }
        }
    });
    quote! {
        #[allow(non_camel_case_types)]
        #[doc(hidden)]
        struct #name;

        impl #private::Requirements for #name {
            fn check(
                req: &#private::actix_web::HttpRequest,
                token: &#private::CurrentToken,
            ) -> ::core::option::Option<
                #private::BoxedCheck<'static, ::core::result::Result<(), #private::JwtError>>,
            > {
                #[allow(unused_variables)]
                let req = ::core::clone::Clone::clone(req);
                let token = ::core::clone::Clone::clone(token);
                ::core::option::Option::Some(::std::boxed::Box::pin(async move {
                    #override_check
                    #[allow(unused_mut)]
                    let mut satisfied = true;
                    #(#claim_checks)*
                    #sub_check
                    if !satisfied {
                        return ::core::result::Result::Err(#private::JwtError::MissingRequiredClaims);
                    }
                    #scope_check
                    ::core::result::Result::Ok(())
                }))
            }
        }
    }
}

/// Compile-time checks against a typed claims struct: every requirement
/// names a field, and each value fits the field's type. Errors carry the
/// spans of the user's names and values.
fn claims_checks(
    options: &Options,
    claims: &Type,
    fn_name: &Ident,
    private: &TokenStream,
) -> TokenStream {
    let check = format_ident!("__actix_jwt_extended_check_claims_{}", fn_name);
    let value = Ident::new("claims", Span::mixed_site());
    let fits = |path: &[Ident], json: &json::Json| {
        let kind = Ident::new(json.kind(), json.span);
        let span = json.span;
        quote_spanned! {span=>
            #private::requirement_fits::<_, #private::literal::#kind>(&#value #(.#path)*);
        }
    };
    let mut checks: Vec<TokenStream> = options
        .requirements
        .iter()
        .filter_map(|r| Some(fits(r.fields.as_ref()?, &r.value)))
        .collect();
    if let Some(scope) = &options.scope {
        checks.push(fits(&[Ident::new("scope", scope.span)], scope));
    }
    if let Some(binding) = &options.sub {
        let sub = Ident::new("sub", binding.span());
        checks.push(quote_spanned! {binding.span()=> let _ = &#value.#sub; });
    }
    quote! {
        #[allow(dead_code, non_snake_case, clippy::all)]
        #[doc(hidden)]
        fn #check(#value: &#claims) {
            #(#checks)*
        }
    }
}
