//! The attribute's options, parsed into a typed model.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::{Ident, Lit, LitStr, Path, Type};

use crate::expected::{self, Expected};
use crate::json::{self, Json, split_commas};

/// Which attribute was written; presets imply one option.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Required,
    Fresh,
    Refresh,
    Optional,
    RequireToken,
}

impl Preset {
    pub fn attribute(self) -> &'static str {
        match self {
            Preset::Required => "jwt_required",
            Preset::Fresh => "fresh_jwt_required",
            Preset::Refresh => "jwt_refresh_required",
            Preset::Optional => "jwt_optional",
            Preset::RequireToken => "require_token",
        }
    }

    /// The option this preset implies.
    pub fn implied(self) -> Option<&'static str> {
        match self {
            Preset::Required | Preset::RequireToken => None,
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

    /// The name written in the attribute (`query_string`).
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The variant of the runtime's `TokenLocation`.
    pub fn variant(self) -> &'static str {
        match self {
            Self::Headers => "Headers",
            Self::Cookies => "Cookies",
            Self::QueryString => "QueryString",
            Self::Json => "Json",
        }
    }
}

/// An option name of the attributes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keyword {
    Optional,
    Fresh,
    Refresh,
    VerifyType,
    SkipRevocationCheck,
    Locations,
    Claims,
    Crate,
    TokenType,
    Sub,
    Scope,
    Override,
}

impl Keyword {
    /// The options every attribute understands.
    const COMMON: [Keyword; 8] = [
        Keyword::Optional,
        Keyword::Fresh,
        Keyword::Refresh,
        Keyword::VerifyType,
        Keyword::SkipRevocationCheck,
        Keyword::Locations,
        Keyword::Claims,
        Keyword::Crate,
    ];

    /// The options only `#[require_token]` understands.
    const REQUIREMENTS: [Keyword; 4] = [
        Keyword::TokenType,
        Keyword::Sub,
        Keyword::Scope,
        Keyword::Override,
    ];

    fn name(self) -> &'static str {
        match self {
            Keyword::Optional => "optional",
            Keyword::Fresh => "fresh",
            Keyword::Refresh => "refresh",
            Keyword::VerifyType => "verify_type",
            Keyword::SkipRevocationCheck => "skip_revocation_check",
            Keyword::Locations => "locations",
            Keyword::Claims => "claims",
            Keyword::Crate => "crate",
            Keyword::TokenType => "token_type",
            Keyword::Sub => "sub",
            Keyword::Scope => "scope",
            Keyword::Override => "override",
        }
    }

    /// The keywords `preset` understands.
    fn known(preset: Preset) -> Vec<Keyword> {
        let mut known = Self::COMMON.to_vec();
        if preset == Preset::RequireToken {
            known.extend(Self::REQUIREMENTS);
        }
        known
    }

    /// The keyword `preset` understands by this name.
    fn find(preset: Preset, name: &str) -> Option<Keyword> {
        Self::known(preset).into_iter().find(|k| k.name() == name)
    }
}

/// The handler binding a requirement compares with (`sub = "username"`,
/// `sub = param(username)`, `org = param(query.org)`), with the span to
/// report at.
pub struct Binding {
    pub name: String,
    /// The field of the binding's struct, for `param(binding.field)`.
    pub field: Option<Ident>,
    pub span: Span,
}

impl Binding {
    /// The binding of `param(…)`.
    pub fn of(param: expected::Param) -> Self {
        Self {
            name: param.name.to_string(),
            span: param.name.span(),
            field: param.field,
        }
    }
}

/// `team = "blue"`, `org.id = 7`, `role = "admin" | "owner"` or
/// `org = param(org_id)`: a claim that must have a value.
pub struct ClaimRequirement {
    /// The claim's path as written (`["org", "id"]`).
    pub names: Vec<String>,
    /// The same path as identifiers with the user's spans, for the
    /// compile-time field checks; `None` for a quoted name like
    /// `"x-tenant"`, which need not be a Rust identifier.
    pub fields: Option<Vec<Ident>>,
    pub expected: Expected,
}

/// Every option of the attributes.
pub struct Options {
    pub preset: Preset,
    pub optional: Option<Flag>,
    pub fresh: Option<Flag>,
    pub refresh: Option<Flag>,
    pub verify_type: Option<Flag>,
    pub skip_revocation_check: Option<Flag>,
    pub locations: Option<(Vec<Location>, Span)>,
    pub krate: Option<Path>,
    /// `claims = MyClaims`: the typed claims.
    pub claims: Option<Type>,
    /// `sub = "binding"` or `sub = param(binding)`.
    pub sub: Option<Binding>,
    pub scope: Option<Json>,
    pub override_: Option<Json>,
    pub requirements: Vec<ClaimRequirement>,
}

const TOKEN_TYPES: [&str; 3] = ["access", "auth", "refresh"];

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
            claims: None,
            sub: None,
            scope: None,
            override_: None,
            requirements: Vec::new(),
        }
    }

    pub fn flag(flag: Option<Flag>) -> bool {
        flag.is_some_and(|f| f.value)
    }

    /// Whether the handler has requirements to check at request time.
    pub fn has_requirements(&self) -> bool {
        self.sub.is_some()
            || self.scope.is_some()
            || self.override_.is_some()
            || !self.requirements.is_empty()
    }

    /// The names of the options this attribute understands.
    fn known(&self) -> Vec<&'static str> {
        Keyword::known(self.preset)
            .into_iter()
            .map(Keyword::name)
            .collect()
    }
}

/// One comma-separated entry: a name (or a dotted path, or a quoted claim
/// name) with an optional value.
struct Entry {
    path: Vec<Ident>,
    /// A quoted name (`"x-team" = …`) or a lone string (`"refresh"`).
    quoted: Option<LitStr>,
    value: Option<(TokenStream, Span)>,
    span: Span,
}

fn entry(tokens: Vec<TokenTree>) -> syn::Result<Entry> {
    let span = tokens.first().map_or_else(Span::call_site, TokenTree::span);
    let mut iter = tokens.into_iter().peekable();
    let mut path = Vec::new();
    let mut quoted = None;
    match iter.next() {
        Some(TokenTree::Ident(ident)) => {
            path.push(ident);
            while matches!(iter.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '.') {
                let dot = iter.next();
                match iter.next() {
                    Some(TokenTree::Ident(ident)) => path.push(ident),
                    other => {
                        let span =
                            other.map_or_else(|| dot.map_or(span, |d| d.span()), |t| t.span());
                        return Err(syn::Error::new(span, "expected a claim name after `.`"));
                    }
                }
            }
        }
        Some(TokenTree::Literal(lit)) => match Lit::new(lit.clone()) {
            Lit::Str(s) => quoted = Some(s),
            _ => return Err(syn::Error::new(lit.span(), "expected an option name")),
        },
        Some(other) => return Err(syn::Error::new(other.span(), "expected an option name")),
        None => return Err(syn::Error::new(span, "empty option")),
    }
    let value = match iter.next() {
        None => None,
        Some(TokenTree::Punct(eq)) if eq.as_char() == '=' => {
            let rest: TokenStream = iter.collect();
            if rest.is_empty() {
                return Err(syn::Error::new(eq.span(), "expected a value after `=`"));
            }
            Some((rest, eq.span()))
        }
        Some(other) => {
            return Err(syn::Error::new(
                other.span(),
                "expected `=` or `,` after the option name",
            ));
        }
    };
    Ok(Entry {
        path,
        quoted,
        value,
        span,
    })
}

/// Parses the attribute arguments. Errors are spanned at the offending token.
pub fn parse(preset: Preset, args: TokenStream) -> syn::Result<Options> {
    let mut options = Options::new(preset);
    for (index, tokens) in split_commas(args).into_iter().enumerate() {
        let entry = entry(tokens)?;
        if let Some(name) = &entry.quoted {
            match &entry.value {
                None if index == 0 && preset == Preset::RequireToken => {
                    token_type(&mut options, name)?;
                }
                None => {
                    return Err(syn::Error::new(
                        name.span(),
                        "a quoted claim name needs a value: `\"claim\" = value`",
                    ));
                }
                Some((value, span)) => {
                    if preset != Preset::RequireToken {
                        return Err(syn::Error::new(
                            name.span(),
                            "claim requirements need #[require_token]",
                        ));
                    }
                    let value = expected::parse(value.clone(), *span)?;
                    requirement(&mut options, vec![name.value()], None, value, name.span())?;
                }
            }
            continue;
        }
        apply(&mut options, entry, index + 1)?;
    }
    Ok(options)
}

fn apply(options: &mut Options, entry: Entry, order: usize) -> syn::Result<()> {
    let preset = options.preset;
    let Entry {
        path, value, span, ..
    } = entry;
    let name = path
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(".");
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
    let known = options.known();
    let keyword = match path.as_slice() {
        [_] => Keyword::find(preset, &name),
        _ => None,
    };
    if let Some(keyword) = keyword {
        let flag = |value| -> syn::Result<Option<Flag>> {
            Ok(Some(Flag {
                value: bool_value(&name, value)?,
                span: Some(span),
                order,
            }))
        };
        let set_once = |slot: &mut Option<Flag>, flag: Option<Flag>| {
            if slot.is_some() {
                return Err(duplicate());
            }
            *slot = flag;
            Ok(())
        };
        match keyword {
            Keyword::Optional => set_once(&mut options.optional, flag(value)?)?,
            Keyword::Fresh => set_once(&mut options.fresh, flag(value)?)?,
            Keyword::Refresh => set_once(&mut options.refresh, flag(value)?)?,
            Keyword::VerifyType => set_once(&mut options.verify_type, flag(value)?)?,
            Keyword::SkipRevocationCheck => {
                set_once(&mut options.skip_revocation_check, flag(value)?)?
            }
            Keyword::Locations => {
                if options.locations.is_some() {
                    return Err(duplicate());
                }
                let (tokens, eq) =
                    needs_value(&name, value, span, "locations = [headers, query_string]")?;
                options.locations = Some((locations(tokens, eq)?, eq));
            }
            Keyword::Crate => {
                if options.krate.is_some() {
                    return Err(duplicate());
                }
                let (tokens, _) = needs_value(&name, value, span, "crate = \"my_reexport::jwt\"")?;
                options.krate = Some(crate_path(tokens)?);
            }
            Keyword::Claims => {
                if options.claims.is_some() {
                    return Err(duplicate());
                }
                let (tokens, _) = needs_value(&name, value, span, "claims = MyClaims")?;
                options.claims = Some(claims_type(syn::parse2(tokens)?)?);
            }
            Keyword::TokenType => {
                let (tokens, eq) = needs_value(&name, value, span, "token_type = \"refresh\"")?;
                let lit: LitStr = syn::parse2(tokens).map_err(|_| {
                    syn::Error::new(eq, "`token_type` takes \"access\" or \"refresh\"")
                })?;
                token_type(options, &lit)?;
            }
            Keyword::Sub => {
                if options.sub.is_some() {
                    return Err(duplicate());
                }
                let (tokens, eq) = needs_value(&name, value, span, "sub = \"username\"")?;
                let binding = match expected::parse(tokens.clone(), eq) {
                    Ok(Expected::Param(param)) => Some(Binding::of(param)),
                    _ => syn::parse2::<LitStr>(tokens).ok().map(|lit| Binding {
                        name: lit.value(),
                        field: None,
                        span: lit.span(),
                    }),
                };
                options.sub = Some(binding.ok_or_else(|| {
                    syn::Error::new(
                        eq,
                        "`sub` names a handler binding: `sub = \"username\"` or `sub = param(username)`",
                    )
                })?);
            }
            Keyword::Scope | Keyword::Override => {
                let (tokens, eq) = needs_value(&name, value, span, "scope = {\"admin\": true}")?;
                let parsed = json::parse(tokens, eq)?;
                let slot = if keyword == Keyword::Scope {
                    &mut options.scope
                } else {
                    &mut options.override_
                };
                if slot.is_some() {
                    return Err(duplicate());
                }
                *slot = Some(parsed);
            }
        }
        return Ok(());
    }
    // Any other name is a claim requirement of #[require_token] — unless it
    // looks like a misspelled option.
    let suggestion = did_you_mean(&name, &known);
    if preset != Preset::RequireToken || suggestion.is_some() {
        let mut message = format!("unknown option `{name}`");
        match suggestion {
            Some(best) => message.push_str(&format!("; did you mean `{best}`?")),
            None => message.push_str(&format!("; expected one of: {}", known.join(", "))),
        }
        if preset == Preset::RequireToken {
            message.push_str(&format!(
                " (to require a claim of this name, quote it: `\"{name}\" = …`)"
            ));
        }
        return Err(syn::Error::new(span, message));
    }
    let Some((tokens, eq)) = value else {
        return Err(syn::Error::new(
            span,
            format!("claim requirement `{name}` needs a value, e.g. `{name} = \"…\"`"),
        ));
    };
    let value = expected::parse(tokens, eq)?;
    let names = path.iter().map(ToString::to_string).collect();
    let fields = path.iter().map(field).collect();
    requirement(options, names, fields, value, span)
}

/// A claim name as the field of a claims type: a keyword as a raw
/// identifier (`const` → `r#const`); `None` for the names no field can have
/// (`self`, `Self`, `super`, `crate`, `_`), whose claims are then checked at
/// run time only, like a quoted name.
fn field(name: &Ident) -> Option<Ident> {
    const KEYWORDS: &[&str] = &[
        "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do",
        "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in",
        "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
        "return", "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe",
        "unsized", "use", "virtual", "where", "while", "yield",
    ];
    let text = name.to_string();
    match text.as_str() {
        "self" | "Self" | "super" | "crate" | "_" => None,
        keyword if KEYWORDS.contains(&keyword) => Some(Ident::new_raw(keyword, name.span())),
        _ => Some(name.clone()),
    }
}

fn requirement(
    options: &mut Options,
    names: Vec<String>,
    fields: Option<Vec<Ident>>,
    expected: Expected,
    span: Span,
) -> syn::Result<()> {
    if options.requirements.iter().any(|r| r.names == names) {
        return Err(syn::Error::new(
            span,
            format!("claim `{}` is required twice", names.join(".")),
        ));
    }
    options.requirements.push(ClaimRequirement {
        names,
        fields,
        expected,
    });
    Ok(())
}

fn token_type(options: &mut Options, lit: &LitStr) -> syn::Result<()> {
    if options.refresh.is_some() {
        return Err(syn::Error::new(lit.span(), "the token type is given twice"));
    }
    let refresh = match lit.value().as_str() {
        "access" | "auth" => false,
        "refresh" => true,
        other => {
            let mut message = format!("unknown token type \"{other}\"");
            match did_you_mean(other, &TOKEN_TYPES) {
                Some(best) => message.push_str(&format!("; did you mean \"{best}\"?")),
                None => message.push_str("; expected \"access\" (or \"auth\") or \"refresh\""),
            }
            return Err(syn::Error::new(lit.span(), message));
        }
    };
    options.refresh = Some(Flag {
        value: refresh,
        span: Some(lit.span()),
        order: 0,
    });
    Ok(())
}

/// `claims = …` names a struct (a path, generics allowed); anything else,
/// such as `A + B` (a trait object), is refused here, on the user's span,
/// instead of failing in the expansion.
fn claims_type(ty: Type) -> syn::Result<Type> {
    let mut inner = &ty;
    while let Type::Group(syn::TypeGroup { elem, .. }) | Type::Paren(syn::TypeParen { elem, .. }) =
        inner
    {
        inner = elem;
    }
    match inner {
        Type::Path(_) => Ok(ty),
        _ => Err(syn::Error::new_spanned(
            &ty,
            "`claims` takes the claims struct, e.g. `claims = MyClaims`",
        )),
    }
}

fn needs_value(
    name: &str,
    value: Option<(TokenStream, Span)>,
    span: Span,
    example: &str,
) -> syn::Result<(TokenStream, Span)> {
    value.ok_or_else(|| syn::Error::new(span, format!("`{name}` needs a value, e.g. `{example}`")))
}

fn bool_value(name: &str, value: Option<(TokenStream, Span)>) -> syn::Result<bool> {
    let Some((tokens, eq)) = value else {
        return Ok(true);
    };
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    match trees.as_slice() {
        [TokenTree::Ident(ident)] if ident == "true" => Ok(true),
        [TokenTree::Ident(ident)] if ident == "false" => Ok(false),
        [first, ..] => Err(syn::Error::new(
            first.span(),
            format!("`{name}` takes `true` or `false`"),
        )),
        [] => Err(syn::Error::new(
            eq,
            format!("`{name}` takes `true` or `false`"),
        )),
    }
}

fn locations(tokens: TokenStream, span: Span) -> syn::Result<Vec<Location>> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let items = match trees.as_slice() {
        [TokenTree::Group(group)] if group.delimiter() == proc_macro2::Delimiter::Bracket => {
            split_commas(group.stream())
        }
        _ => vec![trees],
    };
    if items.is_empty() {
        return Err(syn::Error::new(
            span,
            "`locations` must name at least one location",
        ));
    }
    let mut found: Vec<Location> = Vec::new();
    for item in items {
        let (name, item_span) = match item.as_slice() {
            [TokenTree::Ident(ident)] => (ident.to_string(), ident.span()),
            [TokenTree::Literal(lit)] => match Lit::new(lit.clone()) {
                Lit::Str(s) => (s.value(), lit.span()),
                _ => return Err(location_expected(lit.span())),
            },
            [first, ..] => return Err(location_expected(first.span())),
            [] => return Err(location_expected(span)),
        };
        let Some(location) = Location::from_name(&name) else {
            let mut message = format!("unknown token location `{name}`");
            match did_you_mean(&name, &Location::NAMES) {
                Some(best) => message.push_str(&format!("; did you mean `{best}`?")),
                None => message.push_str("; expected headers, cookies, query_string or json"),
            }
            return Err(syn::Error::new(item_span, message));
        };
        if found.contains(&location) {
            return Err(syn::Error::new(
                item_span,
                format!("location `{name}` is listed twice"),
            ));
        }
        found.push(location);
    }
    Ok(found)
}

fn location_expected(span: Span) -> syn::Error {
    syn::Error::new(
        span,
        "expected a location: headers, cookies, query_string or json",
    )
}

fn crate_path(tokens: TokenStream) -> syn::Result<Path> {
    match syn::parse2::<LitStr>(tokens.clone()) {
        Ok(lit) => lit.parse(),
        Err(_) => syn::parse2(tokens),
    }
}

/// The closest candidate by edit distance, if it is close enough.
pub fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
