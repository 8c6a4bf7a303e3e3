//! The typed model of what the macros read: the checked arguments of an
//! event, and a handler's parameters and return type. A parameter's kind
//! comes from its attribute (`#[payload]`, `#[view]`) or, without one, from
//! the last segment of its type's path, as [`KINDS`] lists them.

use proc_macro2::Span;
use syn::{
    Attribute, FnArg, GenericArgument, Ident, ItemFn, LitStr, Pat, Path, PathArguments, Receiver,
    ReturnType, Type, TypePath,
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

/// A kind of handler parameter: the attribute that names it, and the types
/// that are of this kind without one. Each kind is read from the request by
/// the function of its name in the runtime's `__private` module
/// (`__private::payload`, `__private::view`), which takes `&Event` and
/// returns `Result<T, Response>`.
#[derive(PartialEq, Eq)]
pub struct Kind {
    /// The attribute (`payload` for `#[payload]`), and the reader's name.
    pub attribute: &'static str,
    /// The last segments of the paths of the types of this kind, and how
    /// each is written.
    pub types: &'static [(&'static str, Form)],
}

/// How a type that [`KINDS`] lists is written.
#[derive(PartialEq, Eq)]
pub enum Form {
    /// `Name<T>`, naming the type it reads into.
    Generic,
    /// `Name`.
    Plain,
    /// `&Name<'_>`, borrowed from the request.
    Borrowed,
}

/// The payload: a parameter so marked, or whose type no other kind lists.
pub const PAYLOAD: Kind = Kind {
    attribute: "payload",
    types: &[],
};

/// The kinds of parameter, one line each. The default rule: a parameter
/// without an attribute is of the kind whose `types` hold the last segment
/// of its type's path (`Identity`, `events_protocol::Identity` and
/// `ep::Identity<T>` alike), the payload if none does. A new kind is one more
/// line here and its reader in the runtime's `__private`.
pub const KINDS: &[Kind] = &[
    PAYLOAD,
    Kind {
        attribute: "view",
        types: &[
            ("Identity", Form::Generic),
            ("Auth", Form::Generic),
            ("Metadata", Form::Generic),
            ("EventContext", Form::Plain),
            ("Event", Form::Borrowed),
            ("State", Form::Generic),
        ],
    },
];

/// A kind attribute (`#[payload]`, `#[view]`) where it was written.
pub struct Mark<'a> {
    pub kind: &'static Kind,
    pub attribute: &'a Attribute,
}

impl<'a> Mark<'a> {
    /// The kind attributes among `attributes`.
    fn all(attributes: &'a [Attribute]) -> Vec<Mark<'a>> {
        attributes
            .iter()
            .filter_map(|attribute| {
                let kind = kind_of_attribute(attribute)?;
                Some(Mark { kind, attribute })
            })
            .collect()
    }
}

fn kind_of_attribute(attribute: &Attribute) -> Option<&'static Kind> {
    let ident = attribute.path().get_ident()?;
    KINDS.iter().find(|kind| ident == kind.attribute)
}

/// A type that [`KINDS`] lists, as a parameter's type spells it.
pub struct Listed<'a> {
    pub kind: &'static Kind,
    /// The last segment of the type's path.
    pub name: &'a Ident,
    /// How the listed type is written.
    pub form: &'static Form,
    /// Whether the parameter's type is that path behind `&` or `&mut`.
    pub reference: Option<&'a syn::TypeReference>,
    /// The path itself.
    pub path: &'a TypePath,
}

impl<'a> Listed<'a> {
    /// The listed type `ty` spells, by the last segment of its path, alone
    /// or behind one reference.
    fn of(ty: &'a Type) -> Option<Listed<'a>> {
        let (path, reference) = match ungroup(ty) {
            Type::Path(path) => (path, None),
            Type::Reference(reference) => match ungroup(&reference.elem) {
                Type::Path(path) => (path, Some(reference)),
                _ => return None,
            },
            _ => return None,
        };
        let name = path_ident(path)?;
        KINDS.iter().find_map(|kind| {
            let (_, form) = kind.types.iter().find(|(listed, _)| name == listed)?;
            Some(Listed {
                kind,
                name,
                form,
                reference,
                path,
            })
        })
    }
}

/// One parameter of a handler.
pub struct Param<'a> {
    /// The wrapper's local for it: the user's own name for a plain binding,
    /// else `__argN`.
    pub binding: Ident,
    pub ty: &'a Type,
    /// Its kind: the first kind attribute's, else the default rule's.
    pub kind: &'static Kind,
    /// Its kind attributes, as written (one, when it is right).
    pub marks: Vec<Mark<'a>>,
    /// The listed type it spells, if any, with or without an attribute.
    pub listed: Option<Listed<'a>>,
}

/// What a handler is, once read: its function, parameters and the success
/// type of its answer.
pub struct Handler<'a> {
    pub item: &'a ItemFn,
    /// A `self` receiver, which no handler can take.
    pub receiver: Option<&'a Receiver>,
    pub params: Vec<Param<'a>>,
    /// Kind attributes on the function itself, instead of a parameter.
    pub misplaced: Vec<Mark<'a>>,
}

impl<'a> Handler<'a> {
    /// Reads a handler's signature.
    pub fn of(item: &'a ItemFn) -> Handler<'a> {
        let mut receiver = None;
        let mut params = Vec::new();
        for (index, input) in item.sig.inputs.iter().enumerate() {
            match input {
                FnArg::Typed(typed) => {
                    let marks = Mark::all(&typed.attrs);
                    let listed = Listed::of(&typed.ty);
                    let kind = match (marks.first(), &listed) {
                        (Some(mark), _) => mark.kind,
                        (None, Some(listed)) => listed.kind,
                        (None, None) => &PAYLOAD,
                    };
                    params.push(Param {
                        binding: binding(&typed.pat, index),
                        ty: &typed.ty,
                        kind,
                        marks,
                        listed,
                    });
                }
                FnArg::Receiver(self_) => receiver = Some(self_),
            }
        }
        Handler {
            item,
            receiver,
            params,
            misplaced: Mark::all(&item.attrs),
        }
    }

    /// The payload parameter's type, when the handler has one.
    pub fn payload(&self) -> Option<&'a Type> {
        self.params
            .iter()
            .find(|param| *param.kind == PAYLOAD)
            .map(|param| param.ty)
    }

    /// The function as it is emitted: as written, without the kind
    /// attributes, which only the macro reads.
    pub fn function(&self) -> ItemFn {
        let mut item = self.item.clone();
        item.attrs
            .retain(|attribute| kind_of_attribute(attribute).is_none());
        for input in &mut item.sig.inputs {
            let attrs = match input {
                FnArg::Typed(typed) => &mut typed.attrs,
                FnArg::Receiver(receiver) => &mut receiver.attrs,
            };
            attrs.retain(|attribute| kind_of_attribute(attribute).is_none());
        }
        item
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

fn path_ident(path: &TypePath) -> Option<&Ident> {
    if path.qself.is_some() {
        return None;
    }
    path.path.segments.last().map(|segment| &segment.ident)
}

/// The first type argument of the path's last segment.
pub fn type_argument(path: &TypePath) -> Option<&Type> {
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
    fn parameters_are_classified_by_their_attribute_else_their_last_path_segment() {
        let item: ItemFn = syn::parse_quote!(
            fn f(
                query: Query,
                Identity(who): Identity<Caller>,
                event: &Event<'_>,
                context: EventContext,
                auth: events_protocol::Auth<Token>,
                text: &str,
                #[view] caller: CallerAlias,
                who: ep::Who<Caller>,
                #[payload] calendar: calendar::Event,
                metadata: &mut Metadata<Origin>,
            ) {
            }
        );
        let kinds: Vec<String> = handler(&item)
            .params
            .iter()
            .map(|param| {
                let listed = match &param.listed {
                    Some(listed) => format!(" (lists {})", listed.name),
                    None => String::new(),
                };
                format!("{}: {}{listed}", param.binding, param.kind.attribute)
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "query: payload",
                "__arg1: view (lists Identity)",
                "event: view (lists Event)",
                "context: view (lists EventContext)",
                "auth: view (lists Auth)",
                "text: payload",
                "caller: view",
                "who: payload",
                "calendar: payload (lists Event)",
                "metadata: view (lists Metadata)",
            ]
        );
    }

    #[test]
    fn the_function_is_emitted_without_kind_attributes() {
        let item: ItemFn = syn::parse_quote!(
            #[payload]
            #[inline]
            fn f(
                #[view]
                #[allow(unused)]
                caller: Caller,
                #[payload(x)] query: Query,
            ) {
            }
        );
        let expected: ItemFn = syn::parse_quote!(
            #[inline]
            fn f(#[allow(unused)] caller: Caller, query: Query) {}
        );
        let unparse = |item: ItemFn| {
            prettyplease::unparse(&syn::File {
                shebang: None,
                attrs: Vec::new(),
                items: vec![syn::Item::Fn(item)],
            })
        };
        assert_eq!(unparse(handler(&item).function()), unparse(expected));
    }
}
