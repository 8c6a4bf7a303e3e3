//! Writes the code: for a handler, its wrapper, its registration and its
//! request type; for `#[derive(EventRequest)]`, the trait's impl. Generated
//! code names only the runtime crate's hidden, versioned `__private_X_Y_Z`
//! module (and `core`).

use proc_macro2::{Literal, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Ident, Item, ItemFn, ReturnType, Type};

use crate::ast::{Handler, Param};
use crate::attr::{Args, Required, Site};
use crate::valid;

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

/// `#[event_handler(args)] input`.
pub fn handler(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Fn(item)) => item,
        Ok(other) => {
            let error = syn::Error::new_spanned(
                head(&other),
                "`#[event_handler]` goes on a function (`fn` or `async fn`) that handles \
                 one event; a request type for a client is `#[derive(EventRequest)]` on a struct",
            );
            return with_error(error, input);
        }
        Err(error) => return with_error(error, input),
    };
    match handler_code(args, &item) {
        Ok(code) => code,
        // the function is kept, so that its callers do not add errors of their own
        Err(error) => with_error(error, item.into_token_stream()),
    }
}

fn with_error(error: syn::Error, code: TokenStream) -> TokenStream {
    let error = error.to_compile_error();
    quote!(#error #code)
}

/// The first tokens of an item that is not a function, to point at.
fn head(item: &Item) -> TokenStream {
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

/// Collects every error of a check, so that one build shows them all.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn check<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                match &mut self.0 {
                    Some(first) => first.combine(error),
                    None => self.0 = Some(error),
                }
                None
            }
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

fn handler_code(args: TokenStream, item: &ItemFn) -> syn::Result<TokenStream> {
    let mut parsed = Args::default();
    syn::meta::parser(|meta| parsed.parse_one(&meta, Site::Handler)).parse2(args)?;
    let required = parsed.required(
        |message| syn::Error::new(Span::call_site(), message),
        Site::Handler,
    )?;
    let mut errors = Errors::default();
    errors.check(valid::check_name(&required.name));
    errors.check(valid::check_signature(item));
    let handler = Handler::of(item);
    errors.check(valid::check_params(&handler));
    errors.check(valid::check_return(item));
    let inline = parsed.inline.take();
    errors.check(valid::check_inline(inline.as_ref(), item));
    errors.finish()?;
    let krate = parsed
        .krate
        .take()
        .unwrap_or_else(|| syn::parse_quote!(::events_protocol));
    let (request, describe) = request_type(&handler, &required, parsed);
    let (wrapper, registered) = wrapper(&handler, inline.is_some());
    let name = &required.name.lit;
    let version = Literal::i64_unsuffixed(required.version.1);
    let private = private_module();
    Ok(quote! {
        #item

        #request

        const _: () = {
            use #krate::#private as __ep;

            #wrapper

            __ep::inventory::submit! {
                __ep::Registration::new(#name, #version, #registered, ::core::file!(), ::core::line!())
            }

            #describe
        };
    })
}

/// The function the registry holds, which reads each parameter and answers
/// with the handler's return value; and how it is registered.
fn wrapper(handler: &Handler<'_>, inline: bool) -> (TokenStream, TokenStream) {
    let sig = &handler.item.sig;
    let function = &sig.ident;
    let reads = handler.params.iter().map(|(binding, param)| match param {
        Param::Payload(ty) => {
            quote_spanned!(ty.span()=> let #binding: #ty = __ep::read!(__ep::payload(__event));)
        }
        // an unserved parameter was refused by `valid::check_params`
        Param::View(ty) | Param::Unserved(ty, _) => {
            quote_spanned!(ty.span()=> let #binding: #ty = __ep::read!(__ep::view(__event));)
        }
    });
    let bindings = handler.params.iter().map(|(binding, _)| binding);
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
fn request_type(
    handler: &Handler<'_>,
    required: &Required,
    args: Args,
) -> (TokenStream, TokenStream) {
    let item = handler.item;
    let vis = &item.vis;
    let ident = args.request.unwrap_or_else(|| handler.request_name());
    let name = &required.name.lit;
    let version = Literal::i64_unsuffixed(required.version.1);
    let doc = format!(
        " The request of the handler `{}`: the event `{}`, version {}, {}. \
         Written by `#[event_handler]`.",
        item.sig.ident,
        name.value(),
        required.version.1,
        if handler.payload().is_some() {
            "holding its payload"
        } else {
            "which has no payload"
        },
    );
    let (fields, payload, reference) = match handler.payload() {
        Some(ty) => (quote!((pub #ty)), quote!(#ty), quote!(&self.0)),
        None => (
            TokenStream::new(),
            quote!(__ep::NoPayload),
            quote!(&__ep::NoPayload),
        ),
    };
    let response: Type = args
        .response
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
    request_code(input).unwrap_or_else(syn::Error::into_compile_error)
}

fn request_code(input: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(input)?;
    const WRAP: &str = "implement `EventRequest` by hand, or derive it on a struct that holds \
                        the payload (`struct SetMode(Mode);`)";
    match &input.data {
        Data::Struct(_) => {}
        Data::Enum(data) => {
            let (token, ident) = (&data.enum_token, &input.ident);
            return Err(syn::Error::new_spanned(
                quote!(#token #ident),
                format!("`#[derive(EventRequest)]` goes on a struct, not an enum: {WRAP}"),
            ));
        }
        Data::Union(data) => {
            let (token, ident) = (&data.union_token, &input.ident);
            return Err(syn::Error::new_spanned(
                quote!(#token #ident),
                format!("`#[derive(EventRequest)]` goes on a struct, not a union: {WRAP}"),
            ));
        }
    }
    let mut args = Args::default();
    let mut first = None;
    for attribute in input.attrs.iter().filter(|a| a.path().is_ident("event")) {
        first.get_or_insert(attribute);
        attribute.parse_nested_meta(|meta| args.parse_one(&meta, Site::Derive))?;
    }
    let ident = &input.ident;
    let Some(attribute) = first else {
        return Err(syn::Error::new_spanned(
            ident,
            "`#[derive(EventRequest)]` needs the event: add \
             `#[event(name = \"domain:resource:action\", version = 1, response = Type)]`",
        ));
    };
    let required = args.required(
        |message| syn::Error::new_spanned(attribute, message),
        Site::Derive,
    )?;
    valid::check_name(&required.name)?;
    let Some(response) = args.response else {
        return Err(syn::Error::new_spanned(
            attribute,
            "missing `response`: name the type a success answer's payload reads into, as in \
             `#[event(name = \"user:profile:get\", version = 1, response = Profile)]` \
             (`response = serde_json::Value` for any JSON)",
        ));
    };
    let krate = args
        .krate
        .unwrap_or_else(|| syn::parse_quote!(::events_protocol));
    let name = &required.name.lit;
    let version = Literal::i64_unsuffixed(required.version.1);
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let payload = quote_spanned!(ident.span()=> Self);
    let private = private_module();
    Ok(quote! {
        impl #impl_generics #krate::#private::EventRequest for #ident #type_generics #where_clause {
            const NAME: &'static ::core::primitive::str = #name;
            const VERSION: ::core::primitive::i64 = #version;
            type Payload = #payload;
            type Response = #response;

            fn payload(&self) -> &Self {
                self
            }
        }
    })
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
