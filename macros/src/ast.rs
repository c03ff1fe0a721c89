//! The handler the attribute is placed on.

use proc_macro2::TokenStream;
use syn::{FnArg, ItemFn, Pat, PatType};

/// The name bound in the handler body.
pub const CURRENT_TOKEN: &str = "current_token";

/// A handler function and, if the user wrote one, the index of its visible
/// `current_token` parameter.
pub struct Handler {
    pub item: ItemFn,
    pub current_token_param: Option<usize>,
}

impl Handler {
    pub fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let item: ItemFn = syn::parse2(tokens)?;
        let current_token_param = item.sig.inputs.iter().position(|arg| {
            matches!(arg, FnArg::Typed(PatType { pat, .. })
                if matches!(&**pat, Pat::Ident(p) if p.ident == CURRENT_TOKEN))
        });
        Ok(Self {
            item,
            current_token_param,
        })
    }
}
