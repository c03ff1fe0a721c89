//! What a claim requirement compares the claim with: one of several
//! literals (`role = "admin" | "owner"`), or a value of the request
//! (`org = param(org_id)`), parsed with spanned errors.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use syn::Ident;

use crate::json::{self, Json};

/// The right-hand side of a claim requirement.
pub enum Expected {
    /// The claim must satisfy one of these literals.
    AnyOf(Vec<Json>),
    /// The claim must equal a request value: `param(name)` (the handler's
    /// `web::Path`/`web::Query` parameter of this name, or the field of
    /// this name of its `web::Path<T>`/`web::Query<T>` struct) or
    /// `param(binding.field)` (that field of that parameter's struct).
    Param(Param),
}

/// The request value of `param(…)`.
pub struct Param {
    pub name: Ident,
    pub field: Option<Ident>,
}

/// The keyword of a request value: `param(name)`.
pub const PARAM: &str = "param";

/// Parses `"a" | "b" | …` or `param(name)`.
pub fn parse(tokens: TokenStream, eq: Span) -> syn::Result<Expected> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    if let Some(name) = param(&trees)? {
        return Ok(Expected::Param(name));
    }
    let mut alternatives: Vec<Json> = Vec::new();
    let mut previous_bar = None;
    for part in split_bars(&trees) {
        let (part, bar) = part;
        if part.is_empty() {
            let span = bar.or(previous_bar).unwrap_or(eq);
            return Err(syn::Error::new(
                span,
                "expected a value on both sides of `|`: `role = \"admin\" | \"owner\"`",
            ));
        }
        if param(part)?.is_some() {
            return Err(syn::Error::new(
                part[0].span(),
                "a request value (`param(…)`) cannot be one of several alternatives",
            ));
        }
        let value = json::parse(part.iter().cloned().collect(), eq)?;
        if alternatives.iter().any(|seen| seen.value == value.value) {
            return Err(syn::Error::new(
                value.span,
                format!("{} is listed twice", value.text()),
            ));
        }
        alternatives.push(value);
        previous_bar = bar;
    }
    Ok(Expected::AnyOf(alternatives))
}

/// `param(name)` or `param(binding.field)`; `None` for anything else.
fn param(trees: &[TokenTree]) -> syn::Result<Option<Param>> {
    let [TokenTree::Ident(keyword), TokenTree::Group(group)] = trees else {
        return Ok(None);
    };
    if keyword != PARAM || group.delimiter() != Delimiter::Parenthesis {
        return Ok(None);
    }
    let inner: Vec<TokenTree> = group.stream().into_iter().collect();
    match inner.as_slice() {
        [TokenTree::Ident(name)] => Ok(Some(Param {
            name: name.clone(),
            field: None,
        })),
        [
            TokenTree::Ident(name),
            TokenTree::Punct(dot),
            TokenTree::Ident(field),
        ] if dot.as_char() == '.' => Ok(Some(Param {
            name: name.clone(),
            field: Some(field.clone()),
        })),
        _ => Err(syn::Error::new(
            group.span(),
            "`param(…)` names one handler binding: `param(org_id)` for an `org_id: web::Path<…>` \
             parameter or an `org_id` field of a `web::Path<T>`/`web::Query<T>` struct, or \
             `param(query.org_id)` for a field of the `query` parameter",
        )),
    }
}

/// The parts between top-level `|`, each with the span of the `|` after
/// it (if any).
fn split_bars(trees: &[TokenTree]) -> Vec<(&[TokenTree], Option<Span>)> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (index, tree) in trees.iter().enumerate() {
        if let TokenTree::Punct(punct) = tree
            && punct.as_char() == '|'
        {
            parts.push((&trees[start..index], Some(punct.span())));
            start = index + 1;
        }
    }
    parts.push((&trees[start..], None));
    parts
}
