//! Every check of what the macros read, each error on the user's own tokens
//! and saying what to write instead: the arguments (known, given once, of the
//! right form, the name rule, the required ones), the item, a handler's
//! signature, parameters and return type. Every check runs and reports into
//! [`Errors`], so one build shows every mistake; what passes is the model
//! `expand` writes from.

use quote::{ToTokens, quote};
use syn::{
    Attribute, Data, DeriveInput, Expr, ExprLit, ExprPath, ExprUnary, Ident, Item, Lit, LitStr,
    Meta, Path, ReturnType, Type, TypeParamBound, UnOp,
};

use crate::ast::{self, EventArgs, Form, Handler, KINDS, Listed, PAYLOAD, Param};
use crate::attr::{Arg, Value};
use crate::errors::Errors;

/// Which macro the arguments are for: they accept different keys.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// `#[event_handler(...)]`.
    Handler,
    /// `#[derive(EventRequest)]`'s `#[event(...)]`.
    Derive,
}

impl Site {
    fn accepts(self, key: &str) -> bool {
        match self {
            Site::Handler => matches!(
                key,
                "name" | "legacy_name" | "version" | "inline" | "response" | "request" | "crate"
            ),
            Site::Derive => matches!(
                key,
                "name" | "legacy_name" | "version" | "response" | "crate"
            ),
        }
    }

    fn keys(self) -> &'static str {
        match self {
            Site::Handler => {
                "`name`, `legacy_name`, `version`, `inline`, `response`, `request` or `crate`"
            }
            Site::Derive => "`name`, `legacy_name`, `version`, `response` or `crate`",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Site::Handler => "#[event_handler(name = \"domain:resource:action\", version = 1)]",
            Site::Derive => {
                "#[event(name = \"domain:resource:action\", version = 1, response = Type)]"
            }
        }
    }
}

/// Checks the arguments, reporting every mistake; `Some` when there is
/// none. `missing` makes the error of a required argument that is not given,
/// pointing where the arguments were expected (`None`: the arguments could
/// not be read, so nothing is said to be missing).
pub fn arguments(
    args: &[Arg],
    site: Site,
    missing: Option<&dyn Fn(String) -> syn::Error>,
    errors: &mut Errors,
) -> Option<EventArgs> {
    let mut found = Errors::default();
    let mut given: Vec<String> = Vec::new();
    let mut name = None;
    let mut version = None;
    let mut response = None;
    let mut request = None;
    let mut krate = None;
    let mut inline = None;
    for arg in args {
        let Some(key) = arg.name().filter(|key| site.accepts(key)) else {
            let path = &arg.key;
            let shown = quote!(#path).to_string().replace(' ', "");
            found.spanned(
                path,
                format!("unknown argument `{shown}`: expected {}", site.keys()),
            );
            continue;
        };
        let is_name = key == "name" || key == "legacy_name";
        let first_name = given
            .iter()
            .find(|given| *given == "name" || *given == "legacy_name");
        if let (true, Some(first)) = (is_name, first_name) {
            let message = if *first == key {
                format!("`{key}` is given twice: keep one")
            } else {
                "give either `name` or `legacy_name`, not both".to_owned()
            };
            found.spanned(&arg.key, message);
            continue;
        }
        if given.contains(&key) {
            found.spanned(&arg.key, format!("`{key}` is given twice: keep one"));
            continue;
        }
        given.push(key.clone());
        match key.as_str() {
            "name" | "legacy_name" => {
                name = string(arg, &key, "\"domain:resource:action\"", &mut found)
                    .and_then(|lit| check_name(&lit, key == "legacy_name", &mut found));
            }
            "version" => version = positive(arg, &mut found),
            "response" => response = type_value(arg, &mut found),
            "request" => request = request_name(arg, &mut found),
            "crate" => krate = crate_path(arg, &mut found),
            "inline" => inline = flag(arg, &mut found),
            _ => {}
        }
    }
    if let Some(missing) = missing {
        let said = |key: &str| given.iter().any(|given| given == key);
        let example = site.example();
        if !said("name") && !said("legacy_name") {
            found.push(missing(format!(
                "missing `name`: write the event's name, as in `{example}`"
            )));
        }
        if !said("version") {
            found.push(missing(format!(
                "missing `version`: write the event's version, as in `{example}`"
            )));
        }
        if site == Site::Derive && !said("response") {
            found.push(missing(
                "missing `response`: name the type a success answer's payload reads into, as \
                 in `#[event(name = \"user:profile:get\", version = 1, response = Profile)]` \
                 (`response = serde_json::Value` for any JSON)"
                    .to_owned(),
            ));
        }
    }
    let clean = found.is_empty();
    errors.append(found);
    match (clean, name, version) {
        (true, Some(name), Some(version)) => Some(EventArgs {
            name,
            version,
            response,
            request,
            krate,
            inline,
        }),
        _ => None,
    }
}

/// What follows the key, to point at: the value, or the key alone.
fn value_tokens(arg: &Arg) -> proc_macro2::TokenStream {
    match &arg.value {
        Value::Expr(expr) => expr.to_token_stream(),
        Value::Type(ty) => ty.to_token_stream(),
        Value::Bare(tokens) if !tokens.is_empty() => tokens.clone(),
        Value::Bare(_) | Value::Unread => arg.key.to_token_stream(),
    }
}

/// A string literal value; `example` shows the expected form.
fn string(arg: &Arg, key: &str, example: &str, errors: &mut Errors) -> Option<LitStr> {
    match &arg.value {
        Value::Expr(Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        })) => Some(lit.clone()),
        Value::Unread => None,
        _ => {
            errors.spanned(
                value_tokens(arg),
                format!("`{key}` is a string literal: write `{key} = {example}`"),
            );
            None
        }
    }
}

/// PROTOCOL.md §2: at least two `:`-separated segments, each `[a-z_]+[a-z]`.
pub fn follows_name_rule(name: &str) -> bool {
    let segment = |segment: &str| {
        segment.len() >= 2
            && segment.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            && segment.ends_with(|c: char| c.is_ascii_lowercase())
    };
    name.split(':').count() >= 2 && name.split(':').all(segment)
}

/// The name follows the rule, or is a non-empty `legacy_name`.
fn check_name(lit: &LitStr, legacy: bool, errors: &mut Errors) -> Option<LitStr> {
    let text = lit.value();
    if legacy && text.trim().is_empty() {
        errors.spanned(
            lit,
            "an event name cannot be empty: write the name the other services send",
        );
        return None;
    }
    if !legacy && !follows_name_rule(&text) {
        errors.spanned(
            lit,
            format!(
                "event name `{text}` breaks the naming rule: at least two `:`-separated \
                 segments, each of lower-case letters and underscores ending in a letter, such \
                 as `user:profile:get`; to serve a legacy name as it is, write \
                 `legacy_name = \"{text}\"` instead of `name`"
            ),
        );
        return None;
    }
    Some(lit.clone())
}

/// A positive integer literal that fits in an `i64`.
fn positive(arg: &Arg, errors: &mut Errors) -> Option<i64> {
    const FORM: &str = "write a positive integer, such as `version = 1`";
    let value = match &arg.value {
        Value::Expr(value) => value,
        Value::Unread => return None,
        _ => {
            errors.spanned(
                value_tokens(arg),
                format!("`version` takes a value: {FORM}"),
            );
            return None;
        }
    };
    let refusal = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => match lit.base10_parse::<i64>() {
            Ok(version) if version > 0 => return Some(version),
            Ok(_) => format!("`version` must be positive: {FORM}"),
            Err(_) => format!("`version` must fit in an i64: {FORM}"),
        },
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => format!("`version` must be positive: {FORM}"),
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => format!(
            "`version` is an integer, not a string: write `version = {}`",
            lit.value().trim()
        ),
        _ => format!("`version` must be an integer literal: {FORM}"),
    };
    errors.spanned(value, refusal);
    None
}

/// `response = Type`.
fn type_value(arg: &Arg, errors: &mut Errors) -> Option<Type> {
    match &arg.value {
        Value::Type(ty) => Some(ty.clone()),
        Value::Unread => None,
        _ => {
            errors.spanned(
                value_tokens(arg),
                "`response` names the type of a success answer's payload: write \
                 `response = Type`",
            );
            None
        }
    }
}

/// `request = Name`, an identifier.
fn request_name(arg: &Arg, errors: &mut Errors) -> Option<Ident> {
    match &arg.value {
        Value::Expr(Expr::Path(ExprPath {
            path, qself: None, ..
        })) if path.get_ident().is_some() => path.get_ident().cloned(),
        Value::Unread => None,
        _ => {
            errors.spanned(
                value_tokens(arg),
                "`request` is the name of the request type to declare: write \
                 `request = GetProfileRequest`",
            );
            None
        }
    }
}

/// `crate = "::path"`, a path in a string literal.
fn crate_path(arg: &Arg, errors: &mut Errors) -> Option<Path> {
    let lit = string(arg, "crate", "\"::events_protocol\"", errors)?;
    match lit.parse() {
        Ok(path) => Some(path),
        Err(_) => {
            errors.spanned(
                &lit,
                "`crate` is the path of the events-protocol crate, such as \
                 `crate = \"::my_events\"`",
            );
            None
        }
    }
}

/// `inline`, alone.
fn flag(arg: &Arg, errors: &mut Errors) -> Option<Path> {
    match &arg.value {
        Value::Bare(tokens) if tokens.is_empty() => Some(arg.key.clone()),
        _ => {
            errors.spanned(
                &arg.key,
                "`inline` is a flag: write `inline`, without a value, to declare a handler \
                 that never blocks",
            );
            None
        }
    }
}

/// `#[event_handler]` goes on a function.
pub fn function(item: &Item, errors: &mut Errors) {
    if !matches!(item, Item::Fn(_)) {
        errors.spanned(
            head(item),
            "`#[event_handler]` goes on a function (`fn` or `async fn`) that handles one \
             event; a request type for a client is `#[derive(EventRequest)]` on a struct",
        );
    }
}

/// The first tokens of an item that is not a function, to point at.
fn head(item: &Item) -> proc_macro2::TokenStream {
    match item {
        Item::Struct(item) => {
            let (token, ident) = (&item.struct_token, &item.ident);
            quote!(#token #ident)
        }
        Item::Enum(item) => {
            let (token, ident) = (&item.enum_token, &item.ident);
            quote!(#token #ident)
        }
        Item::Impl(item) => {
            let (token, ty) = (&item.impl_token, &item.self_ty);
            quote!(#token #ty)
        }
        other => other.to_token_stream(),
    }
}

/// `#[derive(EventRequest)]` goes on a struct with an `#[event(...)]`
/// attribute (`attribute`, the first one).
pub fn request_input(input: &DeriveInput, attribute: Option<&Attribute>, errors: &mut Errors) {
    const WRAP: &str = "implement `EventRequest` by hand, or derive it on a struct that holds \
                        the payload (`struct SetMode(Mode);`)";
    let ident = &input.ident;
    match &input.data {
        Data::Struct(_) => {}
        Data::Enum(data) => {
            let token = &data.enum_token;
            errors.spanned(
                quote!(#token #ident),
                format!("`#[derive(EventRequest)]` goes on a struct, not an enum: {WRAP}"),
            );
        }
        Data::Union(data) => {
            let token = &data.union_token;
            errors.spanned(
                quote!(#token #ident),
                format!("`#[derive(EventRequest)]` goes on a struct, not a union: {WRAP}"),
            );
        }
    }
    if attribute.is_none() {
        errors.spanned(
            ident,
            "`#[derive(EventRequest)]` needs the event: add \
             `#[event(name = \"domain:resource:action\", version = 1, response = Type)]`",
        );
    }
}

/// Every check of a handler, in the order of the tokens they point at:
/// `inline` (among `args`, as written), signature, kind attributes,
/// parameters, return type.
pub fn handler(handler: &Handler<'_>, args: &[Arg], errors: &mut Errors) {
    let inline = args.iter().find(|arg| arg.key.is_ident("inline"));
    if let (Some(inline), Some(_)) = (inline, &handler.item.sig.asyncness) {
        errors.spanned(
            &inline.key,
            "`inline` is for a synchronous handler that never blocks; an `async fn` is \
             awaited in place already: remove `inline`",
        );
    }
    misplaced(handler, errors);
    signature(handler, errors);
    params(handler, errors);
    return_type(handler, errors);
}

fn accepted_parameters() -> String {
    let attributes: Vec<String> = KINDS
        .iter()
        .map(|kind| format!("`#[{}]`", kind.attribute))
        .collect();
    format!(
        "a handler takes, in any order: at most one payload (an owned type that implements \
         `Deserialize`), `Identity<T>`, `Auth<T>`, `Metadata<T>`, `State<T>`, `EventContext` \
         and `&Event<'_>`, each known by the last segment of its type's path, or marked {}",
        attributes.join(" or ")
    )
}

const ACCEPTED_RETURNS: &str = "a handler returns nothing, any `T: Serialize` (the success \
    payload), `Json<T>`, `Response` (full control: suffix, identity, metadata), `Redirect`, \
    `EventError`, `impl IntoResponse`, `impl Serialize`, or a `Result<_, E>` of any of these with \
    `E: Into<EventError>`; an `async fn` returns the same";

/// A free, non-generic, safe function.
fn signature(handler: &Handler<'_>, errors: &mut Errors) {
    let sig = &handler.item.sig;
    if let Some(unsafety) = &sig.unsafety {
        errors.spanned(
            unsafety,
            "a handler cannot be `unsafe`: the processor calls it with any request; make it \
             safe and keep the `unsafe` block inside",
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.spanned(
            &sig.generics,
            "a handler cannot be generic: the registry holds one concrete function per event; \
             name concrete types (a generic function can be called from a handler)",
        );
    }
    if let Some(receiver) = handler.receiver {
        errors.spanned(
            receiver,
            "a handler cannot take `self`: it is called with the request alone; make it a free \
             function (outside the `impl` block) that takes what it needs as parameters",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(
            variadic,
            format!("a handler cannot be variadic: {}", accepted_parameters()),
        );
    }
}

/// Kind attributes go on parameters.
fn misplaced(handler: &Handler<'_>, errors: &mut Errors) {
    for mark in &handler.misplaced {
        let attribute = mark.kind.attribute;
        errors.spanned(
            mark.attribute,
            format!(
                "`#[{attribute}]` goes on a parameter of the handler, as in \
                 `fn handle(#[{attribute}] value: Type)`, not on the function"
            ),
        );
    }
}

/// Each parameter has at most one kind attribute, written bare, and a type
/// its kind can be read into; at most one is the payload.
fn params(handler: &Handler<'_>, errors: &mut Errors) {
    let mut payload: Option<&Param<'_>> = None;
    for param in &handler.params {
        marks(param, errors);
        if !served(param, errors) || *param.kind != PAYLOAD {
            continue;
        }
        let Some(first) = payload else {
            payload = Some(param);
            continue;
        };
        let first = first.ty;
        let first = quote!(#first).to_string();
        let hint = if param.marks.is_empty() {
            ", or, if this parameter is a view under another name (an alias, a renamed \
             import), mark it `#[view]`"
        } else {
            ""
        };
        errors.spanned(
            param.ty,
            format!(
                "a handler has at most one payload parameter, and `{first}` is already it: put \
                 both in one struct, or read the envelope's other objects with `Identity<T>`, \
                 `Auth<T>` or `Metadata<T>`{hint}"
            ),
        );
    }
}

/// One bare kind attribute.
fn marks(param: &Param<'_>, errors: &mut Errors) {
    for (index, mark) in param.marks.iter().enumerate() {
        let attribute = mark.kind.attribute;
        if !matches!(mark.attribute.meta, Meta::Path(_)) {
            errors.spanned(
                mark.attribute,
                format!("`#[{attribute}]` takes no arguments: write `#[{attribute}]`"),
            );
        }
        if index == 0 {
            continue;
        }
        let first = &param.marks[0];
        let message = if first.kind == mark.kind {
            format!("`#[{attribute}]` is given twice: keep one")
        } else {
            format!(
                "`#[{}]` and `#[{attribute}]` on one parameter: it is one or the other; keep \
                 the one that says what it is",
                first.kind.attribute
            )
        };
        errors.spanned(mark.attribute, message);
    }
}

/// Whether the parameter's type is one its kind can be read into; if not,
/// says why.
fn served(param: &Param<'_>, errors: &mut Errors) -> bool {
    let ty = param.ty;
    let refusal = match (&param.listed, param.marks.first()) {
        (_, Some(_)) if *param.kind == PAYLOAD => payload_refusal(ty),
        (_, Some(_)) => match ast::ungroup(ty) {
            Type::ImplTrait(_) => Some(IMPL_TRAIT.to_owned()),
            _ => None,
        },
        (Some(listed), None) => listed_refusal(listed),
        (None, None) => payload_refusal(ty),
    };
    match refusal {
        Some(why) => {
            errors.spanned(ty, format!("{why}; {}", accepted_parameters()));
            false
        }
        None => true,
    }
}

const IMPL_TRAIT: &str =
    "an `impl Trait` parameter makes the handler generic: name a concrete type";

/// Why a payload cannot be of this type: it is read by value, concrete.
fn payload_refusal(ty: &Type) -> Option<String> {
    let why = match ast::ungroup(ty) {
        Type::Path(_) | Type::Tuple(_) | Type::Array(_) => return None,
        Type::Reference(_) => {
            "a handler takes no reference but `&Event<'_>`: take the payload by value, as an \
             owned type (`String`, not `&str`)"
        }
        Type::ImplTrait(_) => IMPL_TRAIT,
        _ => "a handler cannot take this type",
    };
    Some(why.to_owned())
}

/// Why a type named as a listed one is not written as that one is.
fn listed_refusal(listed: &Listed<'_>) -> Option<String> {
    let name = listed.name;
    match (listed.form, listed.reference) {
        (Form::Borrowed, Some(reference)) if reference.mutability.is_some() => {
            Some(format!("`{name}` is read-only: take it as `&{name}<'_>`"))
        }
        (Form::Borrowed, Some(_)) => None,
        (Form::Borrowed, None) => Some(format!("take `{name}` by reference, as `&{name}<'_>`")),
        (Form::Generic | Form::Plain, Some(_)) => Some(format!(
            "take `{name}` by value: a handler takes no reference but `&Event<'_>`"
        )),
        (Form::Generic, None) if ast::type_argument(listed.path).is_none() => Some(format!(
            "`{name}` names the type it reads into: write `{name}<T>`"
        )),
        (Form::Generic | Form::Plain, None) => None,
    }
}

/// The return type is one the macro can answer with.
fn return_type(handler: &Handler<'_>, errors: &mut Errors) {
    let ReturnType::Type(_, ty) = &handler.item.sig.output else {
        return;
    };
    let names = |bounds: &syn::punctuated::Punctuated<TypeParamBound, syn::Token![+]>,
                 names: &[&str]| {
        bounds.iter().any(|bound| match bound {
            TypeParamBound::Trait(bound) => bound
                .path
                .segments
                .last()
                .is_some_and(|last| names.iter().any(|name| last.ident == name)),
            _ => false,
        })
    };
    let why = match ast::ungroup(ty) {
        Type::ImplTrait(bounds) if names(&bounds.bounds, &["Future"]) => {
            "a handler that returns a future is written as an `async fn`"
        }
        Type::ImplTrait(bounds) if names(&bounds.bounds, &["IntoResponse", "Serialize"]) => {
            return;
        }
        Type::ImplTrait(_) => {
            "this `impl Trait` is neither `impl IntoResponse` nor `impl Serialize`"
        }
        Type::Never(_) => "a handler must answer, so it cannot return `!`",
        Type::TraitObject(_) => "a handler cannot return a trait object",
        Type::BareFn(_) | Type::Ptr(_) => "a handler cannot answer with a pointer",
        Type::Infer(_) | Type::Macro(_) | Type::Verbatim(_) => {
            "a handler's return type must be written out"
        }
        _ => return,
    };
    errors.spanned(ty, format!("{why}; {ACCEPTED_RETURNS}"));
}

#[cfg(test)]
mod tests {
    use super::follows_name_rule;

    #[test]
    fn names_of_two_or_more_lower_case_segments_follow_the_rule() {
        for name in [
            "user:name:set",
            "a_b:cd",
            "user:profile_picture:get",
            "ab:cd:ef:gh",
        ] {
            assert!(follows_name_rule(name), "{name}");
        }
    }

    #[test]
    fn other_names_break_the_rule() {
        for name in [
            "user",
            "User:get",
            "user:get2",
            "user::get",
            "user:get_",
            "user:a",
            ":user:get",
            "user:get:",
            "user get:set",
            "",
        ] {
            assert!(!follows_name_rule(name), "{name}");
        }
    }
}
