//! Semantic checks of the options and the handler, with spanned errors.

use syn::FnArg;
use syn::spanned::Spanned;

use crate::ast::Handler;
use crate::attr::{Flag, Options};

/// actix-web implements `Handler` for up to 16 parameters; one is ours.
const MAX_USER_PARAMS: usize = 15;

pub fn check(options: &Options, handler: &Handler) -> syn::Result<()> {
    check_options(options)?;
    check_handler(options, handler)
}

fn check_options(options: &Options) -> syn::Result<()> {
    let refresh = Options::flag(options.refresh);
    if refresh && Options::flag(options.fresh) {
        let span = later(options.fresh, options.refresh);
        return Err(syn::Error::new(
            span,
            "`fresh` and `refresh` cannot be combined: refresh tokens are never fresh",
        ));
    }
    if let Some(flag) = options.verify_type.filter(|f| !f.value) {
        if refresh {
            let span = later(Some(flag), options.refresh);
            return Err(syn::Error::new(
                span,
                "`verify_type = false` accepts every token type, so `refresh` would have no effect; remove one of them",
            ));
        }
    }
    Ok(())
}

/// The span of whichever of two set flags was written later (a flag implied
/// by the preset counts as written first, at the attribute).
fn later(a: Option<Flag>, b: Option<Flag>) -> proc_macro2::Span {
    [a, b]
        .into_iter()
        .flatten()
        .filter(|flag| flag.value)
        .max_by_key(|flag| flag.order)
        .and_then(|flag| flag.span)
        .unwrap_or_else(proc_macro2::Span::call_site)
}

fn check_handler(options: &Options, handler: &Handler) -> syn::Result<()> {
    let sig = &handler.item.sig;
    let attribute = options.preset.attribute();
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span,
            format!("#[{attribute}] handlers must be `async fn`"),
        ));
    }
    if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
        return Err(syn::Error::new(
            receiver.span(),
            format!("#[{attribute}] protects free-standing handler functions, not methods"),
        ));
    }
    if handler.current_token_param.is_none() && sig.inputs.len() > MAX_USER_PARAMS {
        return Err(syn::Error::new(
            sig.inputs.span(),
            format!(
                "#[{attribute}] adds one extractor, and actix-web handlers take at most 16; \
                 use at most {MAX_USER_PARAMS} parameters or a tuple extractor"
            ),
        ));
    }
    Ok(())
}
