//! The attribute's options, parsed into a typed model.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, ExprPath, Lit, LitBool, Path, Token};

/// Which attribute was written; presets imply one option.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Required,
    Fresh,
    Refresh,
    Optional,
}

impl Preset {
    pub fn attribute(self) -> &'static str {
        match self {
            Preset::Required => "jwt_required",
            Preset::Fresh => "fresh_jwt_required",
            Preset::Refresh => "jwt_refresh_required",
            Preset::Optional => "jwt_optional",
        }
    }

    /// The option this preset implies.
    pub fn implied(self) -> Option<&'static str> {
        match self {
            Preset::Required => None,
            Preset::Fresh => Some("fresh"),
            Preset::Refresh => Some("refresh"),
            Preset::Optional => Some("optional"),
        }
    }
}

/// A boolean option and where it was set (`None` span: implied by the preset).
#[derive(Clone, Copy)]
pub struct Flag {
    pub value: bool,
    pub span: Option<Span>,
    /// Position among the written options (0 when implied by the preset).
    pub order: usize,
}

/// A token location named in `locations = [...]`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Headers,
    Cookies,
    QueryString,
    Json,
}

impl Location {
    pub const NAMES: [&'static str; 4] = ["headers", "cookies", "query_string", "json"];

    fn from_name(name: &str) -> Option<Self> {
        match name {
            "headers" => Some(Self::Headers),
            "cookies" => Some(Self::Cookies),
            "query_string" => Some(Self::QueryString),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    pub fn code(self) -> u32 {
        match self {
            Self::Headers => 0,
            Self::Cookies => 1,
            Self::QueryString => 2,
            Self::Json => 3,
        }
    }
}

/// Every option of `#[jwt_required(...)]`.
pub struct Options {
    pub preset: Preset,
    pub optional: Option<Flag>,
    pub fresh: Option<Flag>,
    pub refresh: Option<Flag>,
    pub verify_type: Option<Flag>,
    pub skip_revocation_check: Option<Flag>,
    pub locations: Option<(Vec<Location>, Span)>,
    pub krate: Option<Path>,
}

pub const OPTION_NAMES: [&str; 7] = [
    "optional",
    "fresh",
    "refresh",
    "verify_type",
    "skip_revocation_check",
    "locations",
    "crate",
];

impl Options {
    fn new(preset: Preset) -> Self {
        let implied = Some(Flag {
            value: true,
            span: None,
            order: 0,
        });
        Self {
            preset,
            optional: if preset == Preset::Optional {
                implied
            } else {
                None
            },
            fresh: if preset == Preset::Fresh {
                implied
            } else {
                None
            },
            refresh: if preset == Preset::Refresh {
                implied
            } else {
                None
            },
            verify_type: None,
            skip_revocation_check: None,
            locations: None,
            krate: None,
        }
    }

    pub fn flag(flag: Option<Flag>) -> bool {
        flag.is_some_and(|f| f.value)
    }

    /// The options for the fallback expansion, when the attribute is unusable.
    pub fn fallback(preset: Preset) -> Self {
        Self::new(preset)
    }
}

/// One `name` or `name = value` entry.
struct Entry {
    name: syn::Ident,
    value: Option<Expr>,
}

impl Parse for Entry {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name = if input.peek(Token![crate]) {
            let kw: Token![crate] = input.parse()?;
            syn::Ident::new("crate", kw.span)
        } else {
            input.call(syn::ext::IdentExt::parse_any)?
        };
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Entry { name, value })
    }
}

/// Parses the attribute arguments. Errors are spanned at the offending token.
pub fn parse(preset: Preset, args: TokenStream) -> syn::Result<Options> {
    let entries = Punctuated::<Entry, Token![,]>::parse_terminated.parse2(args)?;
    let mut options = Options::new(preset);
    for (index, entry) in entries.into_iter().enumerate() {
        let name = entry.name.to_string();
        let span = entry.name.span();
        if preset.implied() == Some(name.as_str()) {
            return Err(syn::Error::new(
                span,
                format!(
                    "`{name}` is already implied by #[{}]; remove it",
                    preset.attribute()
                ),
            ));
        }
        let duplicate = || syn::Error::new(span, format!("option `{name}` is given twice"));
        match name.as_str() {
            "optional" | "fresh" | "refresh" | "verify_type" | "skip_revocation_check" => {
                let flag = Flag {
                    value: bool_value(&name, entry.value.as_ref())?,
                    span: Some(span),
                    order: index + 1,
                };
                let slot = match name.as_str() {
                    "optional" => &mut options.optional,
                    "fresh" => &mut options.fresh,
                    "refresh" => &mut options.refresh,
                    "verify_type" => &mut options.verify_type,
                    _ => &mut options.skip_revocation_check,
                };
                if slot.is_some() {
                    return Err(duplicate());
                }
                *slot = Some(flag);
            }
            "locations" => {
                if options.locations.is_some() {
                    return Err(duplicate());
                }
                let value = entry.value.ok_or_else(|| {
                    syn::Error::new(
                        span,
                        "`locations` needs a list, e.g. `locations = [headers, query_string]`",
                    )
                })?;
                options.locations = Some((locations(&value)?, value.span()));
            }
            "crate" => {
                if options.krate.is_some() {
                    return Err(duplicate());
                }
                options.krate = Some(crate_path(span, entry.value)?);
            }
            _ => {
                let mut message = format!("unknown option `{name}`");
                if let Some(best) = did_you_mean(&name, &OPTION_NAMES) {
                    message.push_str(&format!("; did you mean `{best}`?"));
                } else {
                    message.push_str(&format!("; expected one of: {}", OPTION_NAMES.join(", ")));
                }
                return Err(syn::Error::new(span, message));
            }
        }
    }
    Ok(options)
}

fn bool_value(name: &str, value: Option<&Expr>) -> syn::Result<bool> {
    match value {
        None => Ok(true),
        Some(Expr::Lit(ExprLit {
            lit: Lit::Bool(LitBool { value, .. }),
            ..
        })) => Ok(*value),
        Some(other) => Err(syn::Error::new(
            other.span(),
            format!("`{name}` takes `true` or `false`"),
        )),
    }
}

fn locations(value: &Expr) -> syn::Result<Vec<Location>> {
    let items: Vec<&Expr> = match value {
        Expr::Array(ExprArray { elems, .. }) => elems.iter().collect(),
        single => vec![single],
    };
    if items.is_empty() {
        return Err(syn::Error::new(
            value.span(),
            "`locations` must name at least one location",
        ));
    }
    let mut found: Vec<Location> = Vec::new();
    for item in items {
        let name = match item {
            Expr::Path(ExprPath { path, .. }) if path.get_ident().is_some() => path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default(),
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => s.value(),
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "expected a location: headers, cookies, query_string or json",
                ));
            }
        };
        let Some(location) = Location::from_name(&name) else {
            let mut message = format!("unknown token location `{name}`");
            match did_you_mean(&name, &Location::NAMES) {
                Some(best) => message.push_str(&format!("; did you mean `{best}`?")),
                None => message.push_str("; expected headers, cookies, query_string or json"),
            }
            return Err(syn::Error::new(item.span(), message));
        };
        if found.contains(&location) {
            return Err(syn::Error::new(
                item.span(),
                format!("location `{name}` is listed twice"),
            ));
        }
        found.push(location);
    }
    Ok(found)
}

fn crate_path(span: Span, value: Option<Expr>) -> syn::Result<Path> {
    match value {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        })) => s.parse(),
        Some(Expr::Path(ExprPath { path, .. })) => Ok(path),
        _ => Err(syn::Error::new(
            span,
            "`crate` takes a path, e.g. `crate = \"my_reexport::jwt\"`",
        )),
    }
}

/// The closest candidate by edit distance, if it is close enough.
pub fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(name, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
