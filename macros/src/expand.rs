//! Emitting the protected handler: the handler's policy (a type that
//! implements the runtime's `__private::Policy`: its options and its
//! requirement checks), the compile-time checks against a claims type, the
//! handler's policy for OpenAPI documents, and the handler with its guard
//! installed. Attributes the macro does not own pass through (but a
//! `#[utoipa::path]` gets the policy).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Ident, Type};

use crate::ast;
use crate::attr::Options;
use crate::expected::Expected;
use crate::json;
use crate::openapi;
use crate::signature::{install_guard, private_path};
use crate::valid::{Checked, RequestBinding};

/// Emits a checked handler.
pub fn emit(checked: Checked) -> TokenStream {
    let Checked {
        options,
        mut handler,
        sub,
        params,
    } = checked;
    let private = private_path(options.krate.as_ref());
    let optional = Options::flag(options.optional);
    let fn_name = handler.item.sig.ident.clone();
    let vis = handler.item.vis.clone();

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
            quote!(::core::option::Option<#private::TypedToken<#claims>>)
        }
        (None, Some(claims)) => quote!(#private::TypedToken<#claims>),
        (None, None) if optional => quote!(::core::option::Option<#private::CurrentToken>),
        (None, None) => quote!(#private::CurrentToken),
    };
    let user_ty = match handler
        .current_user_param
        .and_then(|i| handler.param_type(i))
    {
        Some(ty) => quote!(#ty),
        None => quote!(()),
    };

    let policy = format_ident!("__actix_jwt_extended_policy_{}", fn_name);
    let verify_options = verify_options(&options, &private);
    let check = options
        .has_requirements()
        .then(|| requirements(&options, sub.as_ref(), &params, &private));
    let mut items = quote! {
        #[allow(non_camel_case_types, unreachable_pub, missing_docs, missing_debug_implementations)]
        #[doc(hidden)]
        #vis struct #policy;

        impl #private::Policy for #policy {
            const OPTIONS: #private::VerifyOptions = #verify_options;
            #check
        }
    };
    if let Some(claims) = &claims_ty {
        items.extend(claims_checks(&options, claims, &fn_name, &private));
    }
    let documented = openapi::policy(&options);
    if !openapi::mark(&mut handler.item, &documented) {
        items.extend(openapi::record(&private, &fn_name, &documented));
    }

    let guard_ty = quote!(#private::Guard<#policy, #token_ty, #user_ty>);
    let item = install_guard(handler, guard_ty);
    quote!(#items #item)
}

/// The handler's options, written with the runtime's `VerifyOptions`
/// builder.
fn verify_options(options: &Options, private: &TokenStream) -> TokenStream {
    let mut calls = TokenStream::new();
    let flags = [
        ("optional", Options::flag(options.optional)),
        ("fresh", Options::flag(options.fresh)),
        ("refresh", Options::flag(options.refresh)),
        (
            "skip_revocation_check",
            Options::flag(options.skip_revocation_check),
        ),
    ];
    for (name, on) in flags {
        if on {
            let method = Ident::new(name, Span::call_site());
            calls.extend(quote!(.#method(true)));
        }
    }
    if options.verify_type.is_some_and(|f| !f.value) {
        calls.extend(quote!(.verify_type(false)));
    }
    if let Some((locations, _)) = &options.locations {
        let variants = locations
            .iter()
            .map(|location| Ident::new(location.variant(), Span::call_site()));
        calls.extend(quote!(.locations(&[#(#private::TokenLocation::#variants),*])));
    }
    quote!(#private::VerifyOptions::new() #calls)
}

/// The requirement check of a `#[require_token]` handler's policy:
/// override, claim requirements (literals, any-of, request values), the
/// `sub` binding, then scope.
fn requirements(
    options: &Options,
    sub: Option<&RequestBinding>,
    params: &[Option<RequestBinding>],
    private: &TokenStream,
) -> TokenStream {
    let statics = |ident: &str, text: String| {
        let ident = format_ident!("{}", ident);
        quote! {
            static #ident: ::std::sync::LazyLock<#private::JsonValue> =
                ::std::sync::LazyLock::new(|| #private::json(#text));
        }
    };
    // The request value a binding names, and the expression that reads it.
    let extract = |binding: &RequestBinding| match binding {
        RequestBinding::Direct(ty, span) => (ty.clone(), quote_spanned!(*span=> &*value)),
        RequestBinding::Field(ty, field) => {
            (ty.clone(), quote_spanned!(field.span()=> &value.#field))
        }
    };
    let override_check = options.override_.as_ref().map(|json| {
        let value = statics("OVERRIDE", json.text());
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
        .zip(params)
        .enumerate()
        .map(|(i, (requirement, param))| {
            let path = &requirement.names;
            match (&requirement.expected, param) {
                (Expected::AnyOf(alternatives), _) => {
                    let ident = format!("CLAIM_{i}");
                    let values = alternatives.iter().map(|json| json.value.clone()).collect();
                    let value = statics(&ident, serde_json::Value::Array(values).to_string());
                    let ident = format_ident!("{}", ident);
                    quote! {
                        #value
                        satisfied = satisfied && #private::claim_satisfies_any(&token, &[#(#path),*], &#ident);
                    }
                }
                (Expected::Param(_), Some(binding)) => {
                    let (ty, access) = extract(binding);
                    quote! {
                        satisfied = satisfied && match #private::extract::<#ty>(&req).await {
                            ::core::option::Option::Some(value) => #private::claim_equals(&token, &[#(#path),*], #access),
                            ::core::option::Option::None => false,
                        };
                    }
                }
                // Checked: every `param(…)` was resolved.
                (Expected::Param(_), None) => TokenStream::new(),
            }
        });
    let sub_check = sub.map(|binding| {
        let (ty, access) = extract(binding);
        quote! {
            satisfied = satisfied && match #private::extract::<#ty>(&req).await {
                ::core::option::Option::Some(value) => #private::identity_equals(&token, #access),
                ::core::option::Option::None => false,
            };
        }
    });
    let scope_check = options.scope.as_ref().map(|json| {
        let value = statics("SCOPE", json.text());
        quote! {
            #value
            if !#private::scope_satisfies(&token, &SCOPE) {
                return ::core::result::Result::Err(#private::missing_scope(&SCOPE));
            }
        }
    });
    quote! {
            fn check(
                req: &#private::HttpRequest,
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
            #private::requirement_fits::<_, #private::#kind>(&#value #(.#path)*);
        }
    };
    let mut checks: Vec<TokenStream> = Vec::new();
    for requirement in &options.requirements {
        let Some(path) = &requirement.fields else {
            continue;
        };
        match &requirement.expected {
            Expected::AnyOf(alternatives) => {
                checks.extend(alternatives.iter().map(|json| fits(path, json)));
            }
            Expected::Param(_) => {
                checks.push(quote! { let _ = &#value #(.#path)*; });
            }
        }
    }
    if let Some(scope) = &options.scope {
        checks.push(fits(&[Ident::new("scope", scope.span)], scope));
    }
    if let Some(binding) = &options.sub {
        let sub = Ident::new("sub", binding.span);
        checks.push(quote_spanned! {binding.span=> let _ = &#value.#sub; });
    }
    quote! {
        #[allow(dead_code, non_snake_case, clippy::all)]
        #[doc(hidden)]
        fn #check(#value: &#claims) {
            #(#checks)*
        }
    }
}
