//! The handler the attribute is placed on.

use proc_macro2::TokenStream;
use syn::{Attribute, FnArg, GenericArgument, Ident, ItemFn, Pat, PatType, PathArguments, Type};

/// The name bound in the handler body.
pub const CURRENT_TOKEN: &str = "current_token";
/// The name of the user binding.
pub const CURRENT_USER: &str = "current_user";

/// A handler function and the parameters the macro cares about.
#[derive(Clone)]
pub struct Handler {
    pub item: ItemFn,
    /// Index of a visible `current_token` parameter.
    pub current_token_param: Option<usize>,
    /// Index of a visible `current_user` parameter.
    pub current_user_param: Option<usize>,
}

impl Handler {
    pub fn parse(tokens: TokenStream) -> syn::Result<Self> {
        let item: ItemFn = syn::parse2(tokens)?;
        let position = |name: &str| {
            item.sig
                .inputs
                .iter()
                .position(|arg| param_name(arg).is_some_and(|ident| ident == name))
        };
        Ok(Self {
            current_token_param: position(CURRENT_TOKEN),
            current_user_param: position(CURRENT_USER),
            item,
        })
    }

    /// The type of the parameter at `index`.
    pub fn param_type(&self, index: usize) -> Option<&Type> {
        match self.item.sig.inputs.iter().nth(index)? {
            FnArg::Typed(PatType { ty, .. }) => Some(ty),
            FnArg::Receiver(_) => None,
        }
    }

    /// The parameter bound to the name `name`, with its type.
    pub fn binding(&self, name: &str) -> Option<(&Ident, &Type)> {
        self.item.sig.inputs.iter().find_map(|arg| match arg {
            FnArg::Typed(PatType { pat, ty, .. }) => match &**pat {
                Pat::Ident(p) if p.ident == name => Some((&p.ident, &**ty)),
                _ => None,
            },
            FnArg::Receiver(_) => None,
        })
    }

    /// Parameters whose type is `Path<T>` or `Query<T>` (any path prefix),
    /// with `T`, in order.
    pub fn request_structs(&self) -> Vec<(&Type, &Type)> {
        self.item
            .sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                FnArg::Typed(PatType { ty, .. }) => {
                    extractor_inner(ty, &["Path", "Query"]).map(|inner| (&**ty, inner))
                }
                FnArg::Receiver(_) => None,
            })
            .collect()
    }
}

/// The attributes of this crate, by name.
pub const ATTRIBUTES: [&str; 5] = [
    "jwt_required",
    "fresh_jwt_required",
    "jwt_refresh_required",
    "jwt_optional",
    "require_token",
];

/// Whether `attr` is one of this crate's attributes: one of [`ATTRIBUTES`],
/// named alone or through `actix_jwt_extended::`.
pub fn is_own_attribute(attr: &Attribute) -> bool {
    let path = attr.path();
    let Some(last) = path.segments.last() else {
        return false;
    };
    let ours = ATTRIBUTES.iter().any(|name| last.ident == name);
    let through_crate = match path.segments.first() {
        Some(first) if path.segments.len() > 1 => first.ident == "actix_jwt_extended",
        _ => true,
    };
    ours && through_crate
}

fn param_name(arg: &FnArg) -> Option<&Ident> {
    match arg {
        FnArg::Typed(PatType { pat, .. }) => match &**pat {
            Pat::Ident(p) => Some(&p.ident),
            _ => None,
        },
        FnArg::Receiver(_) => None,
    }
}

/// `T` of `Wrapper<T>` when the type's last segment is one of `wrappers`.
pub fn extractor_inner<'a>(ty: &'a Type, wrappers: &[&str]) -> Option<&'a Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if !wrappers.iter().any(|w| last.ident == w) {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// Whether a type is a scalar that a path segment holds directly (so that a
/// `Path<T>` of it binds its own parameter name, not struct fields).
pub fn is_scalar(ty: &Type) -> bool {
    match ty {
        Type::Path(path) => path.path.segments.last().is_some_and(|segment| {
            matches!(
                segment.ident.to_string().as_str(),
                "String"
                    | "str"
                    | "bool"
                    | "char"
                    | "u8"
                    | "u16"
                    | "u32"
                    | "u64"
                    | "u128"
                    | "usize"
                    | "i8"
                    | "i16"
                    | "i32"
                    | "i64"
                    | "i128"
                    | "isize"
                    | "f32"
                    | "f64"
                    | "Uuid"
            )
        }),
        Type::Tuple(_) | Type::Reference(_) => true,
        _ => false,
    }
}
