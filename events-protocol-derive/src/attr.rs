//! Reads the arguments of `#[event_handler(...)]` and `#[event(...)]` as they
//! are written: each `key = value` or bare `key` becomes an [`Arg`], in
//! order, unknown and repeated ones included. Judging them is `valid`'s
//! work; the only errors here are of syntax (a value that is not an
//! expression, a `response` that is not a type), and reading goes on past
//! them to the next argument. It also reads a handler's documentation, its
//! `#[doc = "..."]` attributes, for the catalog.

use proc_macro2::{TokenStream, TokenTree};
use syn::meta::ParseNestedMeta;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Expr, ExprLit, Lit, Meta, Path, Token, Type};

use crate::errors::Errors;

/// Every key either macro knows (each accepts its own: see `valid::Site`).
const KEYS: &[&str] = &[
    "name",
    "legacy_name",
    "version",
    "inline",
    "response",
    "request",
    "crate",
];

/// The keys whose value is a type; the value of every other known key is an
/// expression.
const TYPE_KEYS: &[&str] = &["response"];

/// One argument, as written.
pub struct Arg {
    /// The key: an identifier, or any path for an unknown key (`a::b`).
    pub key: Path,
    /// What follows the key.
    pub value: Value,
}

impl Arg {
    /// The key's name, unless the key is a longer path.
    pub fn name(&self) -> Option<String> {
        self.key.get_ident().map(ToString::to_string)
    }
}

/// The value of an [`Arg`].
pub enum Value {
    /// No `=`: the tokens up to the next comma (none for a bare key such as
    /// `inline`, `(true)` for `inline(true)`).
    Bare(TokenStream),
    /// `key = expression`.
    Expr(Expr),
    /// `response = Type`.
    Type(Type),
    /// Not read: the value of an unknown key, or a value whose syntax error
    /// is reported already.
    Unread,
}

/// Reads `#[event_handler(...)]`'s arguments; syntax errors go to `errors`.
pub fn parse(tokens: TokenStream, errors: &mut Errors) -> Vec<Arg> {
    let mut args = Vec::new();
    let parser = syn::meta::parser(|meta| {
        args.push(one(&meta, errors)?);
        Ok(())
    });
    if let Err(error) = parser.parse2(tokens) {
        errors.push(error);
    }
    args
}

/// Reads one `#[event(...)]` attribute of `#[derive(EventRequest)]`: `None`
/// when it is not a list (`#[event = "..."]`), which is reported.
pub fn parse_attribute(attribute: &Attribute, errors: &mut Errors) -> Option<Vec<Arg>> {
    match &attribute.meta {
        Meta::List(list) => Some(parse(list.tokens.clone(), errors)),
        // `#[event]`: nothing given, and `valid` says what is missing
        Meta::Path(_) => Some(Vec::new()),
        Meta::NameValue(_) => {
            errors.spanned(
                attribute,
                "the event's arguments are a list: write \
                 `#[event(name = \"domain:resource:action\", version = 1, response = Type)]`",
            );
            None
        }
    }
}

fn one(meta: &ParseNestedMeta<'_>, errors: &mut Errors) -> syn::Result<Arg> {
    let key = meta.path.clone();
    let name = key.get_ident().map(ToString::to_string);
    let known = name.as_deref().filter(|name| KEYS.contains(name));
    let value = if !meta.input.peek(Token![=]) {
        Value::Bare(rest(meta.input)?)
    } else if let Some(known) = known {
        let input = meta.value()?;
        let value = if TYPE_KEYS.contains(&known) {
            input.parse().map(Value::Type)
        } else {
            input.parse().map(Value::Expr)
        };
        match value {
            Ok(value) => value,
            Err(error) => {
                errors.push(error);
                rest(input)?;
                Value::Unread
            }
        }
    } else {
        rest(meta.value()?)?;
        Value::Unread
    };
    Ok(Arg { key, value })
}

/// The tokens up to the next top-level comma, consumed.
fn rest(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        tokens.extend([input.parse::<TokenTree>()?]);
    }
    Ok(tokens)
}

/// A function's documentation, as rustdoc shows it: the text of its
/// `#[doc = "..."]` attributes (what `///` and `/** */` become), one line
/// each, their common indentation removed and blank lines at both ends
/// dropped; empty when it has none. A `#[doc = ...]` whose value is not a
/// string literal (`include_str!(...)`) is left out: only rustc could read it.
pub fn doc(attributes: &[Attribute]) -> String {
    let mut lines: Vec<&str> = Vec::new();
    let texts: Vec<String> = attributes
        .iter()
        .filter(|attribute| attribute.path().is_ident("doc"))
        .filter_map(|attribute| match &attribute.meta {
            Meta::NameValue(pair) => match &pair.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(text),
                    ..
                }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    for text in &texts {
        lines.extend(text.split('\n'));
    }
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    let lines: Vec<&str> = lines
        .iter()
        .map(|line| line.get(indent..).unwrap_or("").trim_end())
        .collect();
    let first = lines.iter().position(|line| !line.is_empty());
    let last = lines.iter().rposition(|line| !line.is_empty());
    match (first, last) {
        (Some(first), Some(last)) => lines[first..=last].join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use syn::ItemFn;

    #[test]
    fn doc_is_the_text_of_the_doc_attributes_unindented() {
        let item: ItemFn = syn::parse_quote! {
            /// Says hello.
            ///
            /// To `name`:
            ///     indented
            #[inline]
            #[doc = include_str!("x.md")]
            fn f() {}
        };
        assert_eq!(
            super::doc(&item.attrs),
            "Says hello.\n\nTo `name`:\n    indented"
        );
    }

    #[test]
    fn doc_of_a_block_comment_drops_blank_lines_at_both_ends() {
        let item: ItemFn = syn::parse_quote! {
            #[doc = "\n   Block.\n     more\n"]
            fn f() {}
        };
        assert_eq!(super::doc(&item.attrs), "Block.\n  more");
    }

    #[test]
    fn doc_is_empty_without_doc_attributes() {
        let item: ItemFn = syn::parse_quote! {
            #[inline]
            fn f() {}
        };
        assert_eq!(super::doc(&item.attrs), "");
    }
}
