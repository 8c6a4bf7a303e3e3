//! Reads the arguments of `#[event_handler(...)]` and `#[event(...)]` into
//! [`Args`], refusing unknown and repeated ones.

use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitInt, LitStr, Path, Type, UnOp};

/// Which macro the arguments are for: they accept different keys.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// `#[event_handler(...)]`.
    Handler,
    /// `#[derive(EventRequest)]`'s `#[event(...)]`.
    Derive,
}

impl Site {
    fn keys(self) -> &'static str {
        match self {
            Site::Handler => {
                "`name`, `legacy_name`, `version`, `inline`, `response`, `request` or `crate`"
            }
            Site::Derive => "`name`, `legacy_name`, `version`, `response` or `crate`",
        }
    }
}

/// The event's name as written, and whether it was given as a legacy name.
pub struct Name {
    pub lit: LitStr,
    pub legacy: bool,
}

/// The arguments, each at most once.
#[derive(Default)]
pub struct Args {
    pub name: Option<Name>,
    pub version: Option<(LitInt, i64)>,
    pub response: Option<Type>,
    pub request: Option<Ident>,
    pub krate: Option<Path>,
    /// `inline`, where it was written: a synchronous handler that never blocks.
    pub inline: Option<Ident>,
}

impl Args {
    /// Reads one `key = value` argument.
    pub fn parse_one(&mut self, meta: &ParseNestedMeta<'_>, site: Site) -> syn::Result<()> {
        let Some(key) = meta.path.get_ident().map(Ident::to_string) else {
            return Err(unknown(meta, site));
        };
        match key.as_str() {
            "name" | "legacy_name" => {
                if let Some(first) = &self.name {
                    let first = if first.legacy { "legacy_name" } else { "name" };
                    let message = if first == key {
                        format!("`{key}` is given twice: keep one")
                    } else {
                        "give either `name` or `legacy_name`, not both".to_owned()
                    };
                    return Err(meta.error(message));
                }
                let lit = string(meta, &key, "\"domain:resource:action\"")?;
                self.name = Some(Name {
                    lit,
                    legacy: key == "legacy_name",
                });
            }
            "version" => {
                once(meta, &key, self.version.is_some())?;
                self.version = Some(version(meta)?);
            }
            "response" => {
                once(meta, &key, self.response.is_some())?;
                self.response = Some(meta.value()?.parse()?);
            }
            "request" if site == Site::Handler => {
                once(meta, &key, self.request.is_some())?;
                self.request = Some(meta.value()?.parse()?);
            }
            "inline" if site == Site::Handler => {
                once(meta, &key, self.inline.is_some())?;
                if meta.input.peek(syn::Token![=]) {
                    return Err(meta.error(
                        "`inline` is a flag: write `inline`, without a value, to declare a \
                         handler that never blocks",
                    ));
                }
                self.inline = meta.path.get_ident().cloned();
            }
            "crate" => {
                once(meta, &key, self.krate.is_some())?;
                let lit = string(meta, &key, "\"::events_protocol\"")?;
                self.krate = Some(lit.parse().map_err(|_| {
                    syn::Error::new_spanned(
                        &lit,
                        "`crate` is the path of the events-protocol crate, such as \
                         `crate = \"::my_events\"`",
                    )
                })?);
            }
            _ => return Err(unknown(meta, site)),
        }
        Ok(())
    }
}

fn unknown(meta: &ParseNestedMeta<'_>, site: Site) -> syn::Error {
    let path = &meta.path;
    let shown = quote::quote!(#path).to_string().replace(' ', "");
    meta.error(format!(
        "unknown argument `{shown}`: expected {}",
        site.keys()
    ))
}

fn once(meta: &ParseNestedMeta<'_>, key: &str, seen: bool) -> syn::Result<()> {
    if seen {
        Err(meta.error(format!("`{key}` is given twice: keep one")))
    } else {
        Ok(())
    }
}

/// A string literal value; `example` shows the expected form.
fn string(meta: &ParseNestedMeta<'_>, key: &str, example: &str) -> syn::Result<LitStr> {
    let value: Expr = meta.value()?.parse()?;
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(
            other,
            format!("`{key}` is a string literal: write `{key} = {example}`"),
        )),
    }
}

/// A positive integer literal.
fn version(meta: &ParseNestedMeta<'_>) -> syn::Result<(LitInt, i64)> {
    const FORM: &str = "write a positive integer, such as `version = 1`";
    let value: Expr = meta.value()?.parse()?;
    match &value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => match lit.base10_parse::<i64>() {
            Ok(version) if version > 0 => Ok((lit.clone(), version)),
            Ok(_) => Err(syn::Error::new_spanned(
                lit,
                format!("`version` must be positive: {FORM}"),
            )),
            Err(_) => Err(syn::Error::new_spanned(
                lit,
                format!("`version` must fit in an i64: {FORM}"),
            )),
        },
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => Err(syn::Error::new_spanned(
            &value,
            format!("`version` must be positive: {FORM}"),
        )),
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Err(syn::Error::new_spanned(
            lit,
            format!(
                "`version` is an integer, not a string: write `version = {}`",
                lit.value().trim()
            ),
        )),
        _ => Err(syn::Error::new_spanned(
            &value,
            format!("`version` must be an integer literal: {FORM}"),
        )),
    }
}

/// The arguments a macro cannot do without.
pub struct Required {
    pub name: Name,
    pub version: (LitInt, i64),
}

impl Args {
    /// Takes out `name` and `version`, or says how to write the missing one
    /// with `error`, which points at where the arguments were expected.
    pub fn required(
        &mut self,
        error: impl Fn(String) -> syn::Error,
        site: Site,
    ) -> syn::Result<Required> {
        let attribute = match site {
            Site::Handler => "#[event_handler(name = \"domain:resource:action\", version = 1)]",
            Site::Derive => {
                "#[event(name = \"domain:resource:action\", version = 1, response = Type)]"
            }
        };
        let name = self.name.take().ok_or_else(|| {
            error(format!(
                "missing `name`: write the event's name, as in `{attribute}`"
            ))
        })?;
        let version = self.version.take().ok_or_else(|| {
            error(format!(
                "missing `version`: write the event's version, as in `{attribute}`"
            ))
        })?;
        Ok(Required { name, version })
    }
}
