//! The typed model of what the macros read: the checked arguments of an
//! event, and a handler's parameters and return type, classified by their
//! spelling.

use proc_macro2::Span;
use syn::{
    FnArg, GenericArgument, Ident, ItemFn, LitStr, Pat, Path, PathArguments, ReturnType, Type,
    TypePath,
};

/// The arguments of `#[event_handler]` or `#[derive(EventRequest)]`, as
/// `valid` passed them.
pub struct EventArgs {
    /// The event's name (a `name` that follows the rule, or a `legacy_name`).
    pub name: LitStr,
    /// The event's version, positive.
    pub version: i64,
    /// `response = Type`.
    pub response: Option<Type>,
    /// `request = Name`.
    pub request: Option<Ident>,
    /// `crate = "::path"`.
    pub krate: Option<Path>,
    /// `inline`, where it was written.
    pub inline: Option<Path>,
}

/// One parameter of a handler.
pub enum Param<'a> {
    /// The payload, of any type that implements `Deserialize`.
    Payload(&'a Type),
    /// A view of the request: `&Event<'_>`, `Identity<T>`, `Auth<T>`,
    /// `Metadata<T>` or `EventContext`, known by the last segment of the
    /// type's path.
    View(&'a Type),
    /// A type no handler can take, and why.
    Unserved(&'a Type, &'static str),
}

impl<'a> Param<'a> {
    /// Classifies a parameter's type by its spelling.
    pub fn of(ty: &'a Type) -> Param<'a> {
        match ungroup(ty) {
            Type::Reference(reference) => match last_ident(&reference.elem) {
                Some(ident) if ident == "Event" && reference.mutability.is_none() => {
                    Param::View(ty)
                }
                Some(ident) if ident == "Event" => Param::Unserved(
                    ty,
                    "the request event is read-only: take it as `&Event<'_>`",
                ),
                _ => Param::Unserved(
                    ty,
                    "a handler takes no reference but `&Event<'_>`: take the payload by value, \
                     as an owned type (`String`, not `&str`)",
                ),
            },
            Type::Path(path) => match path_ident(path) {
                Some(ident) if ident == "Event" => {
                    Param::Unserved(ty, "take the request event by reference, as `&Event<'_>`")
                }
                Some(ident) if ident == "Identity" || ident == "Auth" || ident == "Metadata" => {
                    if type_argument(path).is_some() {
                        Param::View(ty)
                    } else {
                        Param::Unserved(
                            ty,
                            "a view names the type it reads into: write `Identity<T>`, \
                             `Auth<T>` or `Metadata<T>`",
                        )
                    }
                }
                Some(ident) if ident == "EventContext" => Param::View(ty),
                _ => Param::Payload(ty),
            },
            Type::Tuple(_) | Type::Array(_) => Param::Payload(ty),
            Type::ImplTrait(_) => Param::Unserved(
                ty,
                "an `impl Trait` parameter makes the handler generic: name a concrete type",
            ),
            _ => Param::Unserved(ty, "a handler cannot take this type"),
        }
    }
}

/// What a handler is, once read: its function, parameters and the success
/// type of its answer.
pub struct Handler<'a> {
    pub item: &'a ItemFn,
    pub params: Vec<(Ident, Param<'a>)>,
}

impl<'a> Handler<'a> {
    /// Reads a handler's parameters; a receiver was refused before.
    pub fn of(item: &'a ItemFn) -> Handler<'a> {
        let params = item
            .sig
            .inputs
            .iter()
            .enumerate()
            .filter_map(|(index, input)| match input {
                FnArg::Typed(typed) => Some((binding(&typed.pat, index), Param::of(&typed.ty))),
                FnArg::Receiver(_) => None,
            })
            .collect();
        Handler { item, params }
    }

    /// The payload parameter's type, when the handler has one.
    pub fn payload(&self) -> Option<&'a Type> {
        self.params.iter().find_map(|(_, param)| match param {
            Param::Payload(ty) => Some(*ty),
            _ => None,
        })
    }

    /// The type a success answer's payload has, when the return type shows
    /// it; `None` when it does not (`Response`, `impl IntoResponse`, ...).
    pub fn success(&self) -> Option<Type> {
        match &self.item.sig.output {
            ReturnType::Default => Some(syn::parse_quote!(())),
            ReturnType::Type(_, ty) => success_of(ty),
        }
    }

    /// The request type's name: `get_profile` gives `GetProfileRequest`.
    pub fn request_name(&self) -> Ident {
        let name = self.item.sig.ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name);
        let mut camel = String::with_capacity(name.len() + 7);
        for word in name.split('_').filter(|word| !word.is_empty()) {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                camel.extend(first.to_uppercase());
                camel.push_str(chars.as_str());
            }
        }
        camel.push_str("Request");
        Ident::new(&camel, self.item.sig.ident.span())
    }
}

/// The success type of a return type, when its spelling shows it.
fn success_of(ty: &Type) -> Option<Type> {
    match ungroup(ty) {
        Type::Path(path) => {
            let ident = path_ident(path)?;
            if ident == "Json" {
                type_argument(path).cloned()
            } else if ident == "Result" {
                type_argument(path).and_then(success_of)
            } else if ident == "Response" || ident == "Redirect" || ident == "EventError" {
                None
            } else {
                Some(ty.clone())
            }
        }
        Type::ImplTrait(_) => None,
        _ => Some(ty.clone()),
    }
}

/// A name for the wrapper's local holding a parameter: the user's own when
/// the pattern is a plain binding, else `__argN`.
fn binding(pat: &Pat, index: usize) -> Ident {
    match pat {
        Pat::Ident(ident) if ident.subpat.is_none() && ident.ident != "__event" => {
            ident.ident.clone()
        }
        _ => Ident::new(&format!("__arg{index}"), Span::call_site()),
    }
}

/// The type inside parentheses and invisible groups.
pub fn ungroup(ty: &Type) -> &Type {
    match ty {
        Type::Paren(paren) => ungroup(&paren.elem),
        Type::Group(group) => ungroup(&group.elem),
        other => other,
    }
}

fn last_ident(ty: &Type) -> Option<&Ident> {
    match ungroup(ty) {
        Type::Path(path) => path_ident(path),
        _ => None,
    }
}

fn path_ident(path: &TypePath) -> Option<&Ident> {
    if path.qself.is_some() {
        return None;
    }
    path.path.segments.last().map(|segment| &segment.ident)
}

/// The first type argument of the path's last segment.
fn type_argument(path: &TypePath) -> Option<&Type> {
    let PathArguments::AngleBracketed(arguments) = &path.path.segments.last()?.arguments else {
        return None;
    };
    arguments.args.iter().find_map(|argument| match argument {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handler(item: &ItemFn) -> Handler<'_> {
        Handler::of(item)
    }

    #[test]
    fn request_names_are_the_function_s_in_upper_camel_case() {
        let cases: [(ItemFn, &str); 4] = [
            (
                syn::parse_quote!(
                    fn get_profile() {}
                ),
                "GetProfileRequest",
            ),
            (
                syn::parse_quote!(
                    fn ping() {}
                ),
                "PingRequest",
            ),
            (
                syn::parse_quote!(
                    fn r#type() {}
                ),
                "TypeRequest",
            ),
            (
                syn::parse_quote!(
                    fn _set__name_v2() {}
                ),
                "SetNameV2Request",
            ),
        ];
        for (item, expected) in &cases {
            assert_eq!(handler(item).request_name().to_string(), *expected);
        }
    }

    #[test]
    fn success_types_are_read_through_result_and_json() {
        let cases: [(ItemFn, Option<&str>); 8] = [
            (
                syn::parse_quote!(
                    fn f() {}
                ),
                Some("()"),
            ),
            (
                syn::parse_quote!(
                    fn f() -> Profile {}
                ),
                Some("Profile"),
            ),
            (
                syn::parse_quote!(
                    fn f() -> Result<Profile, E> {}
                ),
                Some("Profile"),
            ),
            (
                syn::parse_quote!(
                    fn f() -> Json<Vec<u8>> {}
                ),
                Some("Vec < u8 >"),
            ),
            (
                syn::parse_quote!(
                    fn f() -> Result<Json<Profile>, E> {}
                ),
                Some("Profile"),
            ),
            (
                syn::parse_quote!(
                    fn f() -> Result<Response, E> {}
                ),
                None,
            ),
            (
                syn::parse_quote!(
                    fn f() -> events_protocol::Redirect {}
                ),
                None,
            ),
            (
                syn::parse_quote!(
                    fn f() -> impl IntoResponse {}
                ),
                None,
            ),
        ];
        for (item, expected) in &cases {
            let success = handler(item)
                .success()
                .map(|ty| quote::quote!(#ty).to_string());
            assert_eq!(success.as_deref(), *expected);
        }
    }

    #[test]
    fn parameters_are_classified_by_their_type() {
        let item: ItemFn = syn::parse_quote!(
            fn f(
                query: Query,
                Identity(who): Identity<Caller>,
                event: &Event<'_>,
                context: EventContext,
                auth: events_protocol::Auth<Token>,
                text: &str,
            ) {
            }
        );
        let kinds: Vec<String> = handler(&item)
            .params
            .iter()
            .map(|(name, param)| {
                let kind = match param {
                    Param::Payload(_) => "payload",
                    Param::View(_) => "view",
                    Param::Unserved(..) => "unserved",
                };
                format!("{name}:{kind}")
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "query:payload",
                "__arg1:view",
                "event:view",
                "context:view",
                "auth:view",
                "text:unserved"
            ]
        );
    }
}
