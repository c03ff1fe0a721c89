//! Semantic checks of the options and the handler, with spanned errors.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, Ident, Type};

use crate::ast::{self, Handler};
use crate::attr::{Binding, Flag, Options};
use crate::expected::{self, Expected};

/// actix-web implements `Handler` for up to 16 parameters; one is ours.
const MAX_USER_PARAMS: usize = 15;

/// A checked attribute: the options, the handler, and what the checks
/// resolved — everything the expansion needs.
pub struct Checked {
    pub options: Options,
    pub handler: Handler,
    /// Where the value `sub = "name"` compares with comes from.
    pub sub: Option<RequestBinding>,
    /// For each claim requirement (in order), where its `param(name)` value
    /// comes from; `None` for literal requirements.
    pub params: Vec<Option<RequestBinding>>,
}

/// Checks the options against each other and the handler.
pub fn check(options: Options, handler: Handler) -> syn::Result<Checked> {
    check_single_attribute(&options, &handler)?;
    check_options(&options)?;
    check_handler(&options, &handler)?;
    let sub = match &options.sub {
        Some(binding) => Some(resolve(&handler, "sub", binding)?),
        None => None,
    };
    let params = options
        .requirements
        .iter()
        .map(|requirement| match &requirement.expected {
            Expected::Param(param) => {
                let binding = Binding {
                    name: param.name.to_string(),
                    field: param.field.clone(),
                    span: param.name.span(),
                };
                resolve(&handler, expected::PARAM, &binding).map(Some)
            }
            Expected::AnyOf(_) => Ok(None),
        })
        .collect::<syn::Result<_>>()?;
    Ok(Checked {
        options,
        handler,
        sub,
        params,
    })
}

/// One attribute of this crate per handler: a second one (written below
/// this one) would verify the request twice, or silently combine
/// conflicting requirements.
fn check_single_attribute(options: &Options, handler: &Handler) -> syn::Result<()> {
    let Some(second) = handler.item.attrs.iter().find(|a| ast::is_own_attribute(a)) else {
        return Ok(());
    };
    let name = second
        .path()
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    Err(syn::Error::new_spanned(
        second,
        format!(
            "#[{name}] on a handler that already has #[{}]: use one attribute of this crate per handler and put every option in it",
            options.preset.attribute()
        ),
    ))
}

/// Where a request value a requirement compares with comes from, with the
/// span of the user's name.
pub enum RequestBinding {
    /// A parameter called `name`, of type `Path<…>` or `Query<…>`.
    Direct(Type, Span),
    /// The field `name` of the struct in a `Path<T>` / `Query<T>` parameter.
    Field(Type, Ident),
}

/// Finds the handler binding `binding` names (for the option `option`); an
/// error at the user's name when there is none.
fn resolve(handler: &Handler, option: &str, binding: &Binding) -> syn::Result<RequestBinding> {
    let name = &binding.name;
    if let Some((_, ty)) = handler.binding(name) {
        match (ast::extractor_inner(ty, &["Path", "Query"]), &binding.field) {
            (Some(_), Some(field)) => return Ok(RequestBinding::Field(ty.clone(), field.clone())),
            // Compared through `Display`: the compiler says so, at the
            // user's name, for a struct (name its field instead).
            (Some(_), None) => return Ok(RequestBinding::Direct(ty.clone(), binding.span)),
            (None, _) => {}
        }
        return Err(syn::Error::new(
            binding.span,
            format!(
                "`{name}` is a parameter, but `{option}` can only compare with a `web::Path<…>` or `web::Query<…>` parameter"
            ),
        ));
    }
    if binding.field.is_some() {
        return Err(syn::Error::new(
            binding.span,
            format!("the handler has no parameter named `{name}`"),
        ));
    }
    let structs = handler.request_structs();
    match structs.iter().find(|(_, inner)| !ast::is_scalar(inner)) {
        Some((ty, _)) => {
            let mut field = syn::parse_str::<Ident>(name).map_err(|_| {
                syn::Error::new(binding.span, format!("`{name}` is not a field name"))
            })?;
            // `Ident::new` would panic on a raw identifier (`r#type`).
            field.set_span(binding.span);
            Ok(RequestBinding::Field((*ty).clone(), field))
        }
        None => Err(syn::Error::new(
            binding.span,
            format!(
                "the handler has no binding named `{name}`: add a `{name}: web::Path<String>` parameter, \
                 or a `web::Path<T>` whose struct has a `{name}` field"
            ),
        )),
    }
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
    if let Some(flag) = options.verify_type.filter(|f| !f.value && refresh) {
        let span = later(Some(flag), options.refresh);
        return Err(syn::Error::new(
            span,
            "`verify_type = false` accepts every token type, so `refresh` would have no effect; remove one of them",
        ));
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
    for index in [handler.current_token_param, handler.current_user_param]
        .into_iter()
        .flatten()
    {
        check_binding_type(options, &sig.inputs[index])?;
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

/// A visible `current_token` / `current_user` parameter must be an
/// `Option` exactly when the handler is optional. (The compiler checks the
/// exact type; this gives the clear message.)
fn check_binding_type(options: &Options, param: &FnArg) -> syn::Result<()> {
    let FnArg::Typed(param) = param else {
        return Ok(());
    };
    let name = match &*param.pat {
        syn::Pat::Ident(p) => p.ident.to_string(),
        _ => return Ok(()),
    };
    let is_option = ast::extractor_inner(&param.ty, &["Option"]);
    let inner = is_option.unwrap_or(&param.ty);
    let is_option = is_option.is_some();
    let expected: &[&str] = if name == crate::ast::CURRENT_USER {
        &["CurrentUser"]
    } else {
        &["CurrentToken", "TypedToken"]
    };
    let known = match inner {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| expected.iter().any(|e| segment.ident == e)),
        _ => false,
    };
    if !known {
        let types = if name == crate::ast::CURRENT_USER {
            "`CurrentUser<YourUser>`"
        } else {
            "`CurrentToken` or `TypedToken<YourClaims>`"
        };
        return Err(syn::Error::new(
            param.ty.span(),
            format!(
                "`{name}` is bound by the attribute and must be {types} (wrapped in `Option` for optional handlers)"
            ),
        ));
    }
    let optional = Options::flag(options.optional);
    let attribute = options.preset.attribute();
    if optional && !is_option {
        return Err(syn::Error::new(
            param.ty.span(),
            format!(
                "this handler is optional, so `{name}` is an `Option<…>`; change the type (#[{attribute}])"
            ),
        ));
    }
    if !optional && is_option {
        return Err(syn::Error::new(
            param.ty.span(),
            format!(
                "`{name}` is not an `Option` here; an `Option` is only bound for optional handlers (#[{attribute}])"
            ),
        ));
    }
    Ok(())
}
