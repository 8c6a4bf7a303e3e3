//! What the macros' generated code calls. Not a public API: it may change in
//! any release.
//!
//! Its name carries the crate's version (`__private_0_1_0` for 0.1.0), and
//! this crate depends on `events-protocol-derive` with `=`: code written by
//! the macros of another version names a module that does not exist here, so
//! a mismatched pair fails to compile instead of misbehaving (thiserror's
//! way). A new version renames the module in `lib.rs`; the test
//! `the_module_is_named_for_the_crate_s_version` says when it was forgotten.
//!
//! The traits marked `#[diagnostic::on_unimplemented]` ([`Payload`],
//! [`View`], [`outcome::Answer`], [`outcome::FromHandlerError`]) exist for
//! their compile errors: each is implemented for every type that meets the
//! bound behind it, so it changes nothing for a type that does; for one that
//! does not, rustc reports the trait's message, which names the user's
//! choices (what a handler may take and return), instead of a bare
//! `Deserialize` or `Serialize` bound inside this module.

pub use inventory;
pub use serde;
pub use serde_json;

pub use serde::Serialize;
pub use serde::de::DeserializeOwned;

pub use crate::extract::FromEvent;
pub use crate::registry::{BoxFuture, HandlerFn, Registration, SchemaFn, StateType};
pub use crate::request::NoPayload;
pub use crate::{
    __events_protocol_answer as answer, __events_protocol_read as read,
    __events_protocol_schema as schema,
};
pub use crate::{Event, EventError, EventRequest, IntoResponse, Json, Response};
pub use std::result::Result::{Err, Ok};

use std::future::Future;

use crate::error::ViewError;

/// A type a handler's payload parameter can be read into: any
/// `DeserializeOwned` type.
#[diagnostic::on_unimplemented(
    message = "the payload cannot be read into `{Self}`: it does not implement `Deserialize`",
    label = "the payload parameter's type",
    note = "derive it (`#[derive(serde::Deserialize)]`), or take a type that implements it \
            (`String`, `Vec<T>`, `serde_json::Value`, ...)",
    note = "a parameter that is not the payload but a view under another name (an alias, a \
            renamed import of `Identity`, `Auth`, `Metadata` or `EventContext`) is marked \
            `#[view]`"
)]
pub trait Payload: DeserializeOwned {}

impl<T: DeserializeOwned> Payload for T {}

/// A handler parameter other than the payload: any [`FromEvent`] type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a view of the request: a handler cannot take it as `#[view]`",
    label = "read from the request as a view",
    note = "the views are `Identity<T>`, `Auth<T>`, `Metadata<T>`, `State<T>`, `EventContext` \
            and `&Event<'_>` (under any name); the payload is marked `#[payload]`",
    note = "a `State<T>` needs `T: Clone + Send + Sync + 'static`: the handler gets a clone, \
            and every thread answering events shares the value (wrap it: `Arc<Mutex<T>>`)"
)]
pub trait View<'a>: FromEvent<'a> {}

impl<'a, T: FromEvent<'a>> View<'a> for T {}

/// The `badRequest` answer for a view that does not fit: code
/// `MISSING_FIELDS`, the failing path in `fields`.
pub fn bad_request(error: &ViewError) -> Response {
    error.clone().into_response()
}

/// Reads the payload, or answers `badRequest`: the reader of a parameter of
/// the kind `payload` (each kind of parameter the macro knows is read by the
/// function of its name).
pub fn payload<T: Payload>(event: &Event<'_>) -> Result<T, Response> {
    event.payload_as().map_err(|error| bad_request(&error))
}

/// Reads a handler parameter of the kind `view` (a view of `identity`,
/// `auth` or `metadata`, the context, the request event, a state), or
/// answers instead of calling the handler (`badRequest` for a view that does
/// not fit).
pub fn view<'a, T: View<'a>>(event: &'a Event<'a>) -> Result<T, Response> {
    T::from_event(event)
}

/// The future of an `async` handler, boxed as [`HandlerFn::Async`] holds it.
///
/// Its `Send` bound has no trait of its own for a clearer message: rustc's
/// own for a future that is not `Send` already names the value held across
/// the `.await`, which one of ours would hide.
pub fn boxed<'a, F>(future: F) -> BoxFuture<'a, Response>
where
    F: Future<Output = Response> + Send + 'a,
{
    Box::pin(future)
}

/// `read!(result)`: the value of a `Result<T, Response>`, or `return` of its
/// answer from the enclosing handler wrapper.
#[doc(hidden)]
#[macro_export]
macro_rules! __events_protocol_read {
    ($result:expr) => {
        match $result {
            $crate::__private_0_1_0::Ok(value) => value,
            $crate::__private_0_1_0::Err(answer) => return answer,
        }
    };
}

/// `answer!(value)`: the [`Response`] of whatever a handler returned, chosen
/// at the value's type by [`outcome`]'s rules.
#[doc(hidden)]
#[macro_export]
macro_rules! __events_protocol_answer {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private_0_1_0::outcome::{
            ViaIntoResponse as _, ViaResult as _, ViaSerialize as _,
        };
        let value = $value;
        // three `&`: the receiver rule 1 takes by reference (see `outcome`)
        (&&&$crate::__private_0_1_0::outcome::Kind::of(&value)).answerer()(value)
    }};
}

/// How a handler's return value becomes its [`Response`], decided by the
/// compiler at the value's concrete type: the first of these rules that
/// applies wins.
///
/// 1. Anything [`IntoResponse`]: [`Response`], [`Redirect`](crate::Redirect),
///    [`EventError`], [`Json`], a `Result` of these, a user's own type.
/// 2. Any other `Result<T, E>`: `Ok` is a success with `T` serialised (which
///    must be `Serialize`), `Err` the error `E` converts into (which must be
///    `Into<EventError>`). An `Err` is never serialised as a success.
/// 3. Any other `T: Serialize`: a success.
///
/// # The trick: autoref specialisation
///
/// Stable Rust has no specialisation, but method resolution gives the same
/// effect at a concrete type. Each rule is a trait with one method,
/// `answerer(&self)`, implemented for [`Kind<T>`](outcome::Kind) behind a
/// different number of references: rule 1 for `&&Kind<T>`, rule 2 for
/// `&Kind<Result<T, E>>`, rule 3 for `Kind<T>`. The macro calls the method on `&&&Kind<T>`: three
/// `&`, one more than the most referenced `Self` (rule 1's `&&Kind<T>`),
/// because `&self` adds one. Method resolution tries the receiver as it is
/// (`&&&Kind<T>`, which is rule 1's `&self`), then with one reference
/// removed (`&&Kind<T>`, rule 2's `&self`), then another (`&Kind<T>`, rule
/// 3's): the first rule whose impl applies at that step is chosen, and the
/// later ones are never considered. The value's type must be concrete where
/// the macro expands (it is: the handler's declared return type), else no
/// rule could be told apart.
///
/// # Why rules 2 and 3 bound the method, not the impl
///
/// An impl's bounds decide whether the rule applies: rule 1's impl requires
/// `T: IntoResponse`, so a type that is not steps on to rule 2. Rules 2 and
/// 3 put their bounds (`T: Serialize`, `E: Into<EventError>`) on the
/// method instead, so they apply by the type's shape alone, and a bound that
/// does not hold is a compile error at the handler rather than a fall
/// through to the next rule. That is what keeps an `Err` from being
/// serialised as a success: if rule 2's impl required `E: Into<EventError>`,
/// a `Result<T, E>` whose `E` is only `Serialize` would skip it and reach
/// rule 3, since `Result<T, E>` is itself `Serialize` (as `{"Ok": ...}` or
/// `{"Err": ...}`), and every `Err` would answer `:response`. Bounded on the
/// method, that `Result` stops at rule 2 and fails to compile, naming `E`.
/// Rule 3, the last, would otherwise leave a type that fits no rule with
/// "no method named `answerer`", which says nothing of the user's type.
///
/// The method bounds are the traits [`Answer`](outcome::Answer) and
/// [`FromHandlerError`](outcome::FromHandlerError), whose
/// `#[diagnostic::on_unimplemented]` messages list what a handler may return:
/// rustc reports a trait's own message when the bound that fails under it
/// (`T: Serialize`, `EventError: From<E>`) is about the same type.
pub mod outcome {
    use std::marker::PhantomData;

    use serde::Serialize;

    use crate::{EventError, IntoResponse, Response};

    /// The type of a handler's return value, probed by method resolution.
    pub struct Kind<T>(PhantomData<fn() -> T>);

    impl<T> Kind<T> {
        /// The kind of `value`'s type.
        pub fn of(_value: &T) -> Kind<T> {
            Kind(PhantomData)
        }
    }

    /// A value a handler can answer with as a success: any `Serialize`
    /// type, the bound of rules 2 (for `Ok`) and 3.
    #[diagnostic::on_unimplemented(
        message = "a handler cannot answer with `{Self}`: it implements neither `Serialize` nor \
                   `IntoResponse`",
        label = "the handler's answer is made from this type",
        note = "derive `Serialize` (`#[derive(serde::Serialize)]`) for a success payload, or \
                implement `IntoResponse` for full control of the answer",
        note = "a handler returns nothing, any `T: Serialize`, `Json<T>`, `Response`, \
                `Redirect`, `EventError`, `impl IntoResponse`, `impl Serialize`, a type of \
                one's own that implements `IntoResponse`, or a `Result<T, E>` of any of these \
                with `E: Into<EventError>`"
    )]
    pub trait Answer: Serialize {}

    impl<T: Serialize> Answer for T {}

    /// Implemented by [`EventError`] for every error `E` of a handler's
    /// `Result` that converts into it: the bound of rule 2 (for `Err`).
    #[diagnostic::on_unimplemented(
        message = "a handler's `Result` cannot fail with `{E}`: it does not convert into \
                   `EventError`",
        label = "the error of this `Result` is answered as an `EventError`",
        note = "implement `From<{E}> for EventError` (the error's type and code, such as \
                `EventError::not_found(\"ACCOUNT_NOT_FOUND\")`), or return \
                `Result<T, EventError>` and convert with `.map_err(...)`"
    )]
    pub trait FromHandlerError<E> {
        /// The error's answer.
        fn from_handler_error(error: E) -> EventError;
    }

    impl<E: Into<EventError>> FromHandlerError<E> for EventError {
        fn from_handler_error(error: E) -> EventError {
            error.into()
        }
    }

    /// Rule 1: the value's own [`IntoResponse`]. Bounded on the impl, so that
    /// a type that is not `IntoResponse` steps on to rule 2.
    pub trait ViaIntoResponse<T> {
        /// The conversion.
        fn answerer(&self) -> fn(T) -> Response;
    }

    impl<T: IntoResponse> ViaIntoResponse<T> for &&Kind<T> {
        fn answerer(&self) -> fn(T) -> Response {
            T::into_response
        }
    }

    /// Rule 2: a `Result` of a serialisable success. Unbounded impl, bounded
    /// method: every `Result` that is not `IntoResponse` stops here.
    pub trait ViaResult<T, E> {
        /// The conversion.
        fn answerer(&self) -> fn(Result<T, E>) -> Response
        where
            T: Answer,
            EventError: FromHandlerError<E>;
    }

    impl<T, E> ViaResult<T, E> for &Kind<Result<T, E>> {
        fn answerer(&self) -> fn(Result<T, E>) -> Response
        where
            T: Answer,
            EventError: FromHandlerError<E>,
        {
            |result| match result {
                Ok(value) => Response::success(&value),
                Err(error) => Response::error(&EventError::from_handler_error(error)),
            }
        }
    }

    /// Rule 3: a serialisable success. Unbounded impl, bounded method: a
    /// type that fits no rule is reported at its bound, [`Answer`].
    pub trait ViaSerialize<T> {
        /// The conversion.
        fn answerer(&self) -> fn(T) -> Response
        where
            T: Answer;
    }

    impl<T> ViaSerialize<T> for Kind<T> {
        fn answerer(&self) -> fn(T) -> Response
        where
            T: Answer,
        {
            |value| Response::success(&value)
        }
    }
}

/// `schema!(Type)`: the JSON Schema of `Type` as an `Option<Value>`, `Some`
/// when it implements `schemars::JsonSchema` and the feature `schemars` is
/// on, `None` otherwise, chosen at the type by [`schema`]'s probe. The macro
/// writes it in a function of the handler's registration
/// ([`SchemaFn`]), so it runs only when the catalog is asked for.
#[doc(hidden)]
#[macro_export]
macro_rules! __events_protocol_schema {
    ($ty:ty) => {{
        #[allow(unused_imports)]
        use $crate::__private_0_1_0::schema::{ViaJsonSchema as _, WithoutSchema as _};
        // two `&`: the receiver of the first rule (see `schema`)
        (&&$crate::__private_0_1_0::schema::Probe::<$ty>::new()).schema()
    }};
}

/// A type's JSON Schema when it has one, by the autoref specialisation of
/// [`outcome`] with two rules instead of three: [`ViaJsonSchema`](schema::ViaJsonSchema)
/// for `&Probe<T>` when `T: JsonSchema` (and the feature `schemars` is on),
/// else [`WithoutSchema`](schema::WithoutSchema) for `Probe<T>`. Called on
/// `&&Probe<T>`, method resolution tries rule 1's `&self` (`&&Probe<T>`)
/// first, and only when its impl does not apply steps down to rule 2's
/// (`&Probe<T>`), which always applies: a type without a schema is `None`,
/// never a compile error.
pub mod schema {
    use std::marker::PhantomData;

    use serde_json::Value;

    /// The type whose schema is asked for, probed by method resolution.
    pub struct Probe<T: ?Sized>(PhantomData<fn(&T)>);

    impl<T: ?Sized> Probe<T> {
        /// The probe of `T`.
        pub const fn new() -> Probe<T> {
            Probe(PhantomData)
        }
    }

    impl<T: ?Sized> Default for Probe<T> {
        fn default() -> Probe<T> {
            Probe::new()
        }
    }

    /// Rule 1: the type's `JsonSchema` (feature `schemars`).
    pub trait ViaJsonSchema {
        /// The schema.
        fn schema(&self) -> Option<Value>;
    }

    #[cfg(feature = "schemars")]
    impl<T: schemars::JsonSchema + ?Sized> ViaJsonSchema for &Probe<T> {
        fn schema(&self) -> Option<Value> {
            Some(
                schemars::SchemaGenerator::default()
                    .into_root_schema_for::<T>()
                    .to_value(),
            )
        }
    }

    /// Rule 2: no schema.
    pub trait WithoutSchema {
        /// `None`.
        fn schema(&self) -> Option<Value>;
    }

    impl<T: ?Sized> WithoutSchema for Probe<T> {
        fn schema(&self) -> Option<Value> {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::{EventContext, Identity, Redirect};

    fn request() -> Event<'static> {
        Event::from_json(
            r#"{"name":"a:b","version":1,"id":"i","flowId":"f","payload":{"n":1},"identity":{"userId":"x"}}"#,
        )
        .map(Event::into_owned)
        .unwrap()
    }

    fn written(response: Response) -> String {
        response.to_json(&request())
    }

    #[test]
    fn the_module_is_named_for_the_crate_s_version() {
        let version: String = env!("CARGO_PKG_VERSION")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        assert_eq!(
            module_path!(),
            format!("events_protocol::__private_{version}::tests"),
            "rename the module in lib.rs (and the paths of the macros above) for the new version"
        );
    }

    #[test]
    fn answer_prefers_into_response() {
        assert_eq!(
            written(answer!(Redirect::to("/login"))),
            r#"{"name":"a:b:redirect","version":1,"id":"i","flowId":"f","payload":{"url":"/login","queryParameters":{}},"identity":{},"auth":{},"metadata":{}}"#
        );
        let result: Result<Json<u8>, EventError> = Ok(Json(1));
        assert_eq!(
            written(answer!(result)),
            r#"{"name":"a:b:response","version":1,"id":"i","flowId":"f","payload":1,"identity":{},"auth":{},"metadata":{}}"#
        );
    }

    #[test]
    fn answer_of_a_result_never_serialises_its_error() {
        let failed: Result<BTreeMap<&str, u8>, EventError> = Err(EventError::gone("GONE"));
        assert_eq!(
            written(answer!(failed)),
            r#"{"name":"a:b:gone","version":1,"id":"i","flowId":"f","payload":{"code":"GONE","parameters":{}},"identity":{},"auth":{},"metadata":{}}"#
        );
        let done: Result<BTreeMap<&str, u8>, EventError> = Ok(BTreeMap::from([("n", 2)]));
        assert_eq!(
            written(answer!(done)),
            r#"{"name":"a:b:response","version":1,"id":"i","flowId":"f","payload":{"n":2},"identity":{},"auth":{},"metadata":{}}"#
        );
    }

    #[test]
    fn answer_of_any_other_value_is_a_success() {
        assert_eq!(
            written(answer!(())),
            r#"{"name":"a:b:response","version":1,"id":"i","flowId":"f","payload":null,"identity":{},"auth":{},"metadata":{}}"#
        );
        assert_eq!(
            written(answer!(Some("x"))),
            r#"{"name":"a:b:response","version":1,"id":"i","flowId":"f","payload":"x","identity":{},"auth":{},"metadata":{}}"#
        );
    }

    /// A wrapper as the macro writes it, reading a view that fits and one
    /// that does not.
    fn wrapper(event: &Event<'_>) -> Response {
        let context: EventContext = read!(view(event));
        let identity: Identity<BTreeMap<String, u64>> = read!(view(event));
        answer!((context.id().to_owned(), identity.0))
    }

    #[test]
    fn read_returns_the_bad_request_of_a_view_that_does_not_fit() {
        assert_eq!(
            wrapper(&request()).to_json(&request()),
            r#"{"name":"a:b:badRequest","version":1,"id":"i","flowId":"f","payload":{"code":"MISSING_FIELDS","parameters":{"fields":[{"errorType":"invalid_type","message":"invalid type: string \"x\", expected u64","name":"identity.userId"}]}},"identity":{},"auth":{},"metadata":{}}"#
        );
    }

    #[test]
    fn boxed_futures_answer_when_awaited() {
        let event = request();
        let future = boxed(async { answer!(7_u8) });
        assert_eq!(
            futures_executor::block_on(future).to_json(&event),
            r#"{"name":"a:b:response","version":1,"id":"i","flowId":"f","payload":7,"identity":{},"auth":{},"metadata":{}}"#
        );
    }

    /// A type of one's own with no `JsonSchema` impl.
    struct Plain;

    #[test]
    fn schema_is_none_for_a_type_without_json_schema() {
        let _ = Plain;
        assert_eq!(schema!(Plain), None);
    }

    #[cfg(feature = "schemars")]
    #[test]
    fn schema_is_the_json_schema_of_a_type_that_has_one() {
        assert_eq!(
            schema!(u8),
            Some(serde_json::json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "title": "uint8",
                "type": "integer",
                "format": "uint8",
                "minimum": 0,
                "maximum": 255
            }))
        );
    }

    #[cfg(not(feature = "schemars"))]
    #[test]
    fn schema_is_none_for_every_type_without_the_feature() {
        assert_eq!(schema!(u8), None);
    }
}
