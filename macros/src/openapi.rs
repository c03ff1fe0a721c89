//! The handler's policy for OpenAPI documents, as the runtime's
//! `__private` contract states it: written into a `#[utoipa::path(…)]`
//! below the attribute as the marker requirement, or else recorded under
//! the function's name with `__private::document!`.

use proc_macro2::{Delimiter, Ident, Span, TokenStream, TokenTree};
use quote::quote;
use syn::{ItemFn, Meta};

use crate::attr::Options;

/// The name of the marker requirement.
const MARKER: &str = "actix_jwt_extended";

/// The policy strings: `type=…`, `optional`, `fresh`, `locations=…`,
/// `scope=<json>`.
pub fn policy(options: &Options) -> Vec<String> {
    let token_type = if Options::flag(options.refresh) {
        "refresh"
    } else if options.verify_type.is_some_and(|flag| !flag.value) {
        "any"
    } else {
        "access"
    };
    let mut policy = vec![format!("type={token_type}")];
    for (name, on) in [("optional", options.optional), ("fresh", options.fresh)] {
        if Options::flag(on) {
            policy.push(name.to_owned());
        }
    }
    if let Some((locations, _)) = &options.locations {
        let names: Vec<&str> = locations.iter().map(|l| l.name()).collect();
        policy.push(format!("locations={}", names.join(",")));
    }
    if let Some(scope) = &options.scope {
        policy.push(format!("scope={}", scope.text()));
    }
    policy
}

/// Writes the marker requirement into the handler's `#[utoipa::path]`, if
/// it has one and it declares no `security` itself. Whether the handler
/// has one (then it needs no record).
pub fn mark(item: &mut ItemFn, policy: &[String]) -> bool {
    let Some(attr) = item.attrs.iter_mut().find(|attr| {
        let segments: Vec<String> = attr
            .path()
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        segments == ["utoipa", "path"]
    }) else {
        return false;
    };
    let marker = quote!(security((#MARKER = [#(#policy),*])));
    match &mut attr.meta {
        Meta::Path(path) => {
            let path = path.clone();
            attr.meta = syn::parse_quote!(#path(#marker));
        }
        Meta::List(list) => {
            let trees: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
            let declared = trees.windows(2).any(|pair| {
                matches!(&pair[0], TokenTree::Ident(ident) if ident == "security")
                    && matches!(&pair[1], TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis)
            });
            if !declared {
                let comma = match trees.last() {
                    Some(TokenTree::Punct(p)) if p.as_char() == ',' => None,
                    Some(_) => Some(quote!(,)),
                    None => None,
                };
                list.tokens.extend(quote!(#comma #marker));
            }
        }
        // `#[utoipa::path = …]` is not utoipa's: leave it to its error.
        Meta::NameValue(_) => {}
    }
    true
}

/// Records the handler under its function name.
pub fn record(private: &TokenStream, fn_name: &Ident, policy: &[String]) -> TokenStream {
    let name = syn::LitStr::new(&fn_name.to_string(), Span::call_site());
    quote! {
        #private::document!(#name, [#(#policy),*]);
    }
}
