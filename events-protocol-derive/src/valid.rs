//! Checks with errors on the user's tokens, each saying what to write
//! instead: the event name rule, and what a handler may take and return.

use syn::{FnArg, Ident, ItemFn, ReturnType, Type, TypeParamBound};

use crate::ast::{self, Handler, Param};
use crate::attr::Name;

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
pub fn check_name(name: &Name) -> syn::Result<()> {
    let text = name.lit.value();
    if name.legacy {
        if text.trim().is_empty() {
            return Err(syn::Error::new_spanned(
                &name.lit,
                "an event name cannot be empty: write the name the other services send",
            ));
        }
        return Ok(());
    }
    if follows_name_rule(&text) {
        return Ok(());
    }
    Err(syn::Error::new_spanned(
        &name.lit,
        format!(
            "event name `{text}` breaks the naming rule: at least two `:`-separated segments, \
             each of lower-case letters and underscores ending in a letter, such as \
             `user:profile:get`; to serve a legacy name as it is, write \
             `legacy_name = \"{text}\"` instead of `name`"
        ),
    ))
}

const ACCEPTED_PARAMETERS: &str = "a handler takes, in any order: at most one payload \
    (an owned type that implements `Deserialize`), `Identity<T>`, `Auth<T>`, `Metadata<T>`, \
    `EventContext` and `&Event<'_>`";

const ACCEPTED_RETURNS: &str = "a handler returns nothing, any `T: Serialize` (the success \
    payload), `Json<T>`, `Response` (full control: suffix, identity, metadata), `Redirect`, \
    `EventError`, `impl IntoResponse`, `impl Serialize`, or a `Result<_, E>` of any of these with \
    `E: Into<EventError>`; an `async fn` returns the same";

/// A free, non-generic, safe function.
pub fn check_signature(item: &ItemFn) -> syn::Result<()> {
    let sig = &item.sig;
    if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
        return Err(syn::Error::new_spanned(
            receiver,
            "a handler cannot take `self`: it is called with the request alone; make it a free \
             function (outside the `impl` block) that takes what it needs as parameters",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        let generics = &sig.generics;
        return Err(syn::Error::new_spanned(
            generics,
            "a handler cannot be generic: the registry holds one concrete function per event; \
             name concrete types (a generic function can be called from a handler)",
        ));
    }
    if let Some(unsafety) = &sig.unsafety {
        return Err(syn::Error::new_spanned(
            unsafety,
            "a handler cannot be `unsafe`: the processor calls it with any request; \
             make it safe and keep the `unsafe` block inside",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new_spanned(
            variadic,
            format!("a handler cannot be variadic: {ACCEPTED_PARAMETERS}"),
        ));
    }
    Ok(())
}

/// Each parameter is one the macro serves, and at most one is the payload.
pub fn check_params(handler: &Handler<'_>) -> syn::Result<()> {
    let mut payload: Option<&Type> = None;
    for (_, param) in &handler.params {
        match param {
            Param::Payload(ty) => {
                if let Some(first) = payload {
                    let first = quote::quote!(#first).to_string();
                    return Err(syn::Error::new_spanned(
                        ty,
                        format!(
                            "a handler has at most one payload parameter, and `{first}` is \
                             already it: put both in one struct, or read the envelope's other \
                             objects with `Identity<T>`, `Auth<T>` or `Metadata<T>`"
                        ),
                    ));
                }
                payload = Some(ty);
            }
            Param::View(_) => {}
            Param::Unserved(ty, why) => {
                return Err(syn::Error::new_spanned(
                    ty,
                    format!("{why}; {ACCEPTED_PARAMETERS}"),
                ));
            }
        }
    }
    Ok(())
}

/// The return type is one the macro can answer with.
pub fn check_return(item: &ItemFn) -> syn::Result<()> {
    let ReturnType::Type(_, ty) = &item.sig.output else {
        return Ok(());
    };
    let refuse = |why: &str| {
        Err(syn::Error::new_spanned(
            ty,
            format!("{why}; {ACCEPTED_RETURNS}"),
        ))
    };
    match ast::ungroup(ty) {
        Type::ImplTrait(bounds) => {
            let serves = bounds.bounds.iter().any(|bound| match bound {
                TypeParamBound::Trait(bound) => {
                    bound.path.segments.last().is_some_and(|last| {
                        last.ident == "IntoResponse" || last.ident == "Serialize"
                    })
                }
                _ => false,
            });
            let future = bounds.bounds.iter().any(|bound| match bound {
                TypeParamBound::Trait(bound) => bound
                    .path
                    .segments
                    .last()
                    .is_some_and(|last| last.ident == "Future"),
                _ => false,
            });
            if future {
                refuse("a handler that returns a future is written as an `async fn`")
            } else if serves {
                Ok(())
            } else {
                refuse("this `impl Trait` is neither `impl IntoResponse` nor `impl Serialize`")
            }
        }
        Type::Never(_) => refuse("a handler must answer, so it cannot return `!`"),
        Type::TraitObject(_) => refuse("a handler cannot return a trait object"),
        Type::BareFn(_) | Type::Ptr(_) => refuse("a handler cannot answer with a pointer"),
        Type::Infer(_) | Type::Macro(_) | Type::Verbatim(_) => {
            refuse("a handler's return type must be written out")
        }
        _ => Ok(()),
    }
}

/// `inline` declares a synchronous handler that never blocks: an `async fn`
/// runs in place already.
pub fn check_inline(inline: Option<&Ident>, item: &ItemFn) -> syn::Result<()> {
    match (inline, &item.sig.asyncness) {
        (Some(inline), Some(_)) => Err(syn::Error::new_spanned(
            inline,
            "`inline` is for a synchronous handler that never blocks; an `async fn` is awaited \
             in place already: remove `inline`",
        )),
        _ => Ok(()),
    }
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
