//! Writes the code, once `valid` passed what `attr` and `ast` read: for a
//! handler, the function itself, its wrapper, its registration and its
//! request type; for `#[derive(EventRequest)]`, the trait's impl. Generated
//! code names only the runtime crate's hidden, versioned `__private_X_Y_Z`
//! module (and `core`).

use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, DeriveInput, Ident, Item, Path, ReturnType, Type};

use crate::ast::{EventArgs, Handler};
use crate::attr;
use crate::errors::Errors;
use crate::valid::{self, Site};

/// The name of the runtime's hidden module for this version of the macros:
/// `__private_0_1_0` for 0.1.0. The runtime crate declares the module of its
/// own version and pins this crate with `=`, so the two always agree; code
/// from macros of another version names a module that is not there.
fn private_module() -> Ident {
    let version: String = env!("CARGO_PKG_VERSION")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    Ident::new(&format!("__private_{version}"), Span::call_site())
}

/// The runtime crate's path: `crate = "..."`, else `::events_protocol`.
fn runtime(krate: Option<Path>) -> Path {
    krate.unwrap_or_else(|| syn::parse_quote!(::events_protocol))
}

/// `#[event_handler(args)] input`.
pub fn handler(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = attr::parse(args, &mut errors);
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(item) => item,
        Err(error) => {
            errors.push(error);
            return with_errors(errors, input);
        }
    };
    let missing = |message: String| syn::Error::new(Span::call_site(), message);
    let event = valid::arguments(&args, Site::Handler, Some(&missing), &mut errors);
    valid::function(&item, &mut errors);
    let Item::Fn(item) = &item else {
        return with_errors(errors, item.into_token_stream());
    };
    let handler = Handler::of(item);
    valid::handler(&handler, &args, &mut errors);
    // the function is kept even when refused, so that its callers do not add
    // errors of their own
    let function = handler.function();
    match (errors.finish(), event) {
        (Ok(()), Some(event)) => handler_code(&handler, function, event),
        (Err(error), _) => {
            let error = error.into_compile_error();
            quote!(#error #function)
        }
        (Ok(()), None) => function.into_token_stream(),
    }
}

fn with_errors(errors: Errors, code: TokenStream) -> TokenStream {
    match errors.finish() {
        Ok(()) => code,
        Err(error) => {
            let error = error.into_compile_error();
            quote!(#error #code)
        }
    }
}

fn handler_code(handler: &Handler<'_>, function: syn::ItemFn, mut event: EventArgs) -> TokenStream {
    let krate = runtime(event.krate.take());
    let private = private_module();
    // the success type, as the request type names it (before it takes it)
    let response = event.response.clone().or_else(|| handler.success());
    let (request, describe) = request_type(handler, &mut event);
    let (wrapper, registered) = wrapper(handler, event.inline.is_some());
    let name = &event.name;
    let version = Literal::i64_unsuffixed(event.version);
    let mut registration = quote!(
        __ep::Registration::new(#name, #version, #registered, ::core::file!(), ::core::line!())
    );
    let states = state_types(handler);
    if !states.is_empty() {
        registration.extend(quote!(.with_states(&[#(__ep::StateType::of::<#states>()),*])));
    }
    let doc = attr::doc(&handler.item.attrs);
    if !doc.is_empty() {
        registration.extend(quote!(.with_doc(#doc)));
    }
    let (schemas, with_schemas) = schemas(handler.payload(), response.as_ref());
    registration.extend(with_schemas);
    quote! {
        #function

        #request

        const _: () = {
            use #krate::#private as __ep;

            #wrapper

            #schemas

            __ep::inventory::submit! {
                #registration
            }

            #describe
        };
    }
}

/// The functions giving the JSON Schemas of the payload and the success
/// type, when the handler has them, each `None` at run time for a type
/// without a `JsonSchema` impl (`__private::schema!` decides at the type);
/// and the registration's calls that hold them. Nothing is computed until
/// the catalog is asked for.
fn schemas(payload: Option<&Type>, response: Option<&Type>) -> (TokenStream, TokenStream) {
    let mut functions = TokenStream::new();
    let mut calls = TokenStream::new();
    for (ty, function, setter) in [
        (payload, "__payload_schema", "with_payload_schema"),
        (response, "__response_schema", "with_response_schema"),
    ] {
        let Some(ty) = ty else { continue };
        let function = Ident::new(function, Span::call_site());
        let setter = Ident::new(setter, Span::call_site());
        functions.extend(quote! {
            fn #function() -> ::core::option::Option<__ep::serde_json::Value> {
                __ep::schema!(#ty)
            }
        });
        calls.extend(quote!(.#setter(#function)));
    }
    (functions, calls)
}

/// The `T` of every parameter spelled `State<T>`: the states the handler
/// takes, listed in its registration so that `Processor::check` names a
/// missing one at start-up. (A state behind an alias, marked `#[view]`, is
/// read all the same, but not listed.)
fn state_types<'a>(handler: &'a Handler<'_>) -> Vec<&'a syn::Type> {
    handler
        .params
        .iter()
        .filter_map(|param| {
            let listed = param.listed.as_ref()?;
            if listed.name != "State" || listed.reference.is_some() {
                return None;
            }
            crate::ast::type_argument(listed.path)
        })
        .collect()
}

/// The function the registry holds, which reads each parameter with the
/// reader of its kind and answers with the handler's return value; and how
/// it is registered.
fn wrapper(handler: &Handler<'_>, inline: bool) -> (TokenStream, TokenStream) {
    let sig = &handler.item.sig;
    let function = &sig.ident;
    let reads = handler.params.iter().map(|param| {
        let (binding, ty) = (&param.binding, param.ty);
        // `__private::payload`, `__private::view`, ...: an unmet bound is
        // reported at the parameter's type
        let reader = Ident::new(param.kind.attribute, ty.span());
        quote_spanned!(ty.span()=> let #binding: #ty = __ep::read!(__ep::#reader(__event));)
    });
    let bindings = handler.params.iter().map(|param| &param.binding);
    let call = match sig.asyncness {
        Some(_) => quote!(#function(#(#bindings),*).await),
        None => quote!(#function(#(#bindings),*)),
    };
    // a return type the answer cannot be made from is reported at it
    let answer_span = match &sig.output {
        ReturnType::Default => sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let answer = quote_spanned!(answer_span=> __ep::answer!(#call));
    match sig.asyncness {
        Some(asyncness) => {
            // a future that is not `Send` is reported at the user's `async`
            let future = quote_spanned! {asyncness.span()=>
                __ep::boxed(async move {
                    #(#reads)*
                    #answer
                })
            };
            let wrapper = quote! {
                fn __handler<'a>(__event: &'a __ep::Event<'a>) -> __ep::BoxFuture<'a, __ep::Response> {
                    #future
                }
            };
            (wrapper, quote!(__ep::HandlerFn::Async(__handler)))
        }
        None => {
            let wrapper = quote! {
                fn __handler(__event: &__ep::Event<'_>) -> __ep::Response {
                    #(#reads)*
                    #answer
                }
            };
            let registered = if inline {
                quote!(__ep::HandlerFn::Inline(__handler))
            } else {
                quote!(__ep::HandlerFn::Blocking(__handler))
            };
            (wrapper, registered)
        }
    }
}

/// The handler's request type, holding its payload (or none); and its
/// `EventRequest` impl, which applies when the payload is `Serialize` and the
/// success type `DeserializeOwned` (the `for<'x>` makes a bound that does not
/// hold leave the impl out instead of failing the build).
fn request_type(handler: &Handler<'_>, event: &mut EventArgs) -> (TokenStream, TokenStream) {
    let item = handler.item;
    let vis = &item.vis;
    let ident = event
        .request
        .take()
        .unwrap_or_else(|| handler.request_name());
    let name = &event.name;
    let version = Literal::i64_unsuffixed(event.version);
    let payload_type = handler.payload();
    let doc = format!(
        " The request of the handler `{}`: the event `{}`, version {}, {}. \
         Written by `#[event_handler]`.",
        item.sig.ident,
        name.value(),
        event.version,
        if payload_type.is_some() {
            "holding its payload"
        } else {
            "which has no payload"
        },
    );
    let (fields, payload, reference) = match payload_type {
        Some(ty) => (quote!((pub #ty)), quote!(#ty), quote!(&self.0)),
        None => (
            TokenStream::new(),
            quote!(__ep::NoPayload),
            quote!(&__ep::NoPayload),
        ),
    };
    let response: Type = event
        .response
        .take()
        .or_else(|| handler.success())
        .unwrap_or_else(|| syn::parse_quote!(__ep::serde_json::Value));
    let request = quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        #vis struct #ident #fields;
    };
    let describe = quote! {
        impl __ep::EventRequest for #ident
        where
            for<'x> #payload: __ep::Serialize,
            for<'x> #response: __ep::DeserializeOwned,
        {
            const NAME: &'static ::core::primitive::str = #name;
            const VERSION: ::core::primitive::i64 = #version;
            type Payload = #payload;
            type Response = #response;

            fn payload(&self) -> &#payload {
                #reference
            }
        }
    };
    (request, describe)
}

/// `#[derive(EventRequest)]` on `input`.
pub fn request(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.into_compile_error(),
    };
    let mut errors = Errors::default();
    let attributes: Vec<&Attribute> = input
        .attrs
        .iter()
        .filter(|attribute| attribute.path().is_ident("event"))
        .collect();
    let mut args = Vec::new();
    let mut readable = true;
    for attribute in &attributes {
        match attr::parse_attribute(attribute, &mut errors) {
            Some(list) => args.extend(list),
            None => readable = false,
        }
    }
    let event = attributes.first().and_then(|first| {
        let missing = |message: String| syn::Error::new_spanned(first, message);
        let missing: Option<&dyn Fn(String) -> syn::Error> = readable.then_some(&missing);
        valid::arguments(&args, Site::Derive, missing, &mut errors)
    });
    valid::request_input(&input, attributes.first().copied(), &mut errors);
    match (errors.finish(), event) {
        (Ok(()), Some(event)) => request_impl(&input, event),
        (Err(error), _) => error.into_compile_error(),
        (Ok(()), None) => TokenStream::new(),
    }
}

fn request_impl(input: &DeriveInput, event: EventArgs) -> TokenStream {
    let krate = runtime(event.krate);
    let private = private_module();
    let ident = &input.ident;
    let name = &event.name;
    let version = Literal::i64_unsuffixed(event.version);
    // `valid` requires `response` of the derive
    let response = event
        .response
        .unwrap_or_else(|| syn::parse_quote!(#krate::#private::serde_json::Value));
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let payload = quote_spanned!(ident.span()=> Self);
    quote! {
        impl #impl_generics #krate::#private::EventRequest for #ident #type_generics #where_clause {
            const NAME: &'static ::core::primitive::str = #name;
            const VERSION: ::core::primitive::i64 = #version;
            type Payload = #payload;
            type Response = #response;

            fn payload(&self) -> &Self {
                self
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// The README's handler, expanded: the text of `expanded/readme.rs`,
    /// which the documentation of `#[event_handler]` shows. After a
    /// deliberate change of the expansion, rewrite it with
    /// `UPDATE_EXPANDED=1 cargo test -p events-protocol-derive`.
    #[test]
    fn the_readme_example_expands_to_its_snapshot() {
        let code = super::handler(
            quote!(name = "event:name", version = 1),
            quote! {
                fn my_event(payload: MyEvent) -> MyEventResponse {
                    MyEventResponse {
                        my_event_payload: payload.example,
                    }
                }
            },
        );
        let file: syn::File = syn::parse2(code).expect("the expansion is a file of items");
        let expanded = prettyplease::unparse(&file);
        let snapshot = concat!(env!("CARGO_MANIFEST_DIR"), "/expanded/readme.rs");
        if std::env::var_os("UPDATE_EXPANDED").is_some() {
            std::fs::write(snapshot, &expanded).expect("the snapshot is writable");
        }
        assert_eq!(expanded, include_str!("../expanded/readme.rs"));
    }
}
