//! The JSON-like literals of `scope = {...}`, `override = {...}` and claim
//! requirements, parsed from Rust tokens with spanned errors.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use serde_json::{Map, Number, Value};
use syn::Lit;

/// A parsed literal and where it was written.
pub struct Json {
    pub value: Value,
    pub span: Span,
}

impl Json {
    /// The kind of literal, as the runtime names its marker type
    /// (`__private::TextLiteral`, …).
    pub fn kind(&self) -> &'static str {
        match &self.value {
            Value::Null => "NullLiteral",
            Value::Bool(_) => "BoolLiteral",
            Value::Number(n) if n.is_f64() => "FloatLiteral",
            Value::Number(_) => "IntegerLiteral",
            Value::String(_) => "TextLiteral",
            Value::Array(_) | Value::Object(_) => "ListOrMapLiteral",
        }
    }

    /// Compact JSON text.
    pub fn text(&self) -> String {
        self.value.to_string()
    }
}

const EXPECTED: &str =
    "expected a JSON-like value: a string, a number, true, false, null, [..] or {\"key\": ..}";

/// Parses a whole value from `tokens`.
pub fn parse(tokens: TokenStream, span: Span) -> syn::Result<Json> {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    parse_tokens(&tokens, span)
}

fn parse_tokens(tokens: &[TokenTree], span: Span) -> syn::Result<Json> {
    match tokens {
        [] => Err(syn::Error::new(span, EXPECTED)),
        [TokenTree::Punct(minus), TokenTree::Literal(lit)] if minus.as_char() == '-' => {
            let json = scalar(lit)?;
            let value = match json.value {
                Value::Number(n) => {
                    negate(&n).ok_or_else(|| syn::Error::new(lit.span(), EXPECTED))?
                }
                _ => {
                    return Err(syn::Error::new(
                        minus.span(),
                        "only numbers can be negative",
                    ));
                }
            };
            Ok(Json {
                value,
                span: minus.span(),
            })
        }
        [single] => parse_tree(single),
        [_, TokenTree::Punct(bar), ..] if bar.as_char() == '|' => Err(syn::Error::new(
            bar.span(),
            "one of several values (`a | b`) is for a claim requirement as a whole: \
             `role = \"admin\" | \"owner\"`",
        )),
        [_, second, ..] => Err(syn::Error::new(
            second.span(),
            format!("{EXPECTED}; separate items with `,`"),
        )),
    }
}

fn negate(n: &Number) -> Option<Value> {
    if let Some(i) = n.as_i64() {
        return Some(Value::from(-i));
    }
    n.as_f64().map(|f| Value::from(-f))
}

fn parse_tree(tree: &TokenTree) -> syn::Result<Json> {
    let span = tree.span();
    match tree {
        TokenTree::Literal(lit) => scalar(lit),
        TokenTree::Ident(ident) => {
            let value = match ident.to_string().as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                other => {
                    return Err(syn::Error::new(
                        span,
                        format!("{EXPECTED}; `{other}` is not one (quote strings: \"{other}\")"),
                    ));
                }
            };
            Ok(Json { value, span })
        }
        TokenTree::Group(group) if group.delimiter() == Delimiter::Bracket => {
            let mut items = Vec::new();
            for item in split_commas(group.stream()) {
                items.push(parse_tokens(&item, span)?.value);
            }
            Ok(Json {
                value: Value::Array(items),
                span,
            })
        }
        TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
            let mut map = Map::new();
            for entry in split_commas(group.stream()) {
                let (key, key_span, rest) = object_key(&entry, span)?;
                if map.contains_key(&key) {
                    return Err(syn::Error::new(
                        key_span,
                        format!("key \"{key}\" appears twice in this map"),
                    ));
                }
                map.insert(key, parse_tokens(rest, key_span)?.value);
            }
            Ok(Json {
                value: Value::Object(map),
                span,
            })
        }
        other => Err(syn::Error::new(other.span(), EXPECTED)),
    }
}

/// `"key": value` or `key: value`.
fn object_key(entry: &[TokenTree], span: Span) -> syn::Result<(String, Span, &[TokenTree])> {
    let (key, key_span) = match entry.first() {
        Some(TokenTree::Literal(lit)) => match Lit::new(lit.clone()) {
            Lit::Str(s) => (s.value(), lit.span()),
            _ => return Err(syn::Error::new(lit.span(), "map keys are strings")),
        },
        Some(TokenTree::Ident(ident)) => (ident.to_string(), ident.span()),
        Some(other) => return Err(syn::Error::new(other.span(), "map keys are strings")),
        None => return Err(syn::Error::new(span, "empty map entry")),
    };
    match entry.get(1) {
        Some(TokenTree::Punct(colon)) if colon.as_char() == ':' => Ok((key, key_span, &entry[2..])),
        Some(other) => Err(syn::Error::new(
            other.span(),
            "expected `:` after the map key",
        )),
        None => Err(syn::Error::new(
            key_span,
            "expected `: value` after the map key",
        )),
    }
}

fn scalar(lit: &proc_macro2::Literal) -> syn::Result<Json> {
    let span = lit.span();
    let value = match Lit::new(lit.clone()) {
        Lit::Str(s) => Value::String(s.value()),
        Lit::Int(i) => {
            let n: i64 = i
                .base10_parse()
                .map_err(|e| syn::Error::new(span, format!("not a usable integer: {e}")))?;
            Value::from(n)
        }
        Lit::Float(f) => {
            let n: f64 = f
                .base10_parse()
                .map_err(|e| syn::Error::new(span, format!("not a usable number: {e}")))?;
            Value::from(n)
        }
        Lit::Bool(b) => Value::Bool(b.value),
        _ => return Err(syn::Error::new(span, EXPECTED)),
    };
    Ok(Json { value, span })
}

/// Splits a token stream at top-level commas; a trailing comma is allowed.
pub fn split_commas(tokens: TokenStream) -> Vec<Vec<TokenTree>> {
    let mut parts = vec![Vec::new()];
    for tree in tokens {
        match &tree {
            TokenTree::Punct(p) if p.as_char() == ',' => parts.push(Vec::new()),
            _ => {
                if let Some(last) = parts.last_mut() {
                    last.push(tree);
                }
            }
        }
    }
    if parts.last().is_some_and(Vec::is_empty) {
        parts.pop();
    }
    parts
}
