//! The macros of `events-protocol`: `#[event_handler]` and
//! `#[derive(EventRequest)]`. Use them through the `events-protocol` crate,
//! which re-exports them.
//!
//! The crate is a small pipeline: `attr` reads the arguments as written,
//! `ast` reads a handler's signature into a typed model, `valid` checks both
//! and reports every mistake at once (`errors` collects them), each on the
//! user's tokens, and `expand` writes code that calls only the runtime
//! crate's hidden, versioned `__private_X_Y_Z` module, where the logic lives
//! as ordinary, tested Rust.

#![forbid(unsafe_code)]

mod ast;
mod attr;
mod errors;
mod expand;
mod valid;

use proc_macro::TokenStream;

/// Makes a plain function the handler of one event: it reads the payload
/// into the parameter's type, turns the return value into the answer, and
/// registers the function at link time, so that `process_event` (and every
/// server built on it) finds it with no registration code.
///
/// ```
/// use events_protocol::{EventError, event_handler};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize)]
/// struct ProfileQuery {
///     id: u64,
/// }
///
/// #[derive(Serialize)]
/// struct Profile {
///     name: String,
/// }
///
/// #[event_handler(name = "docs:profile:get", version = 1)]
/// fn get_profile(query: ProfileQuery) -> Result<Profile, EventError> {
///     match query.id {
///         1 => Ok(Profile { name: "Ada".to_owned() }),
///         _ => Err(EventError::not_found("PROFILE_NOT_FOUND")),
///     }
/// }
///
/// let answer = events_protocol::process_event(
///     r#"{"name":"docs:profile:get","version":1,"id":"i","flowId":"f","payload":{"id":2}}"#,
/// );
/// assert_eq!(
///     answer,
///     r#"{"name":"docs:profile:get:notFound","version":1,"id":"i","flowId":"f","payload":{"code":"PROFILE_NOT_FOUND","parameters":{}},"identity":{},"auth":{},"metadata":{}}"#
/// );
///
/// // still an ordinary function
/// assert_eq!(get_profile(ProfileQuery { id: 1 }).map(|p| p.name), Ok("Ada".to_owned()));
/// ```
///
/// # Arguments
///
/// - `name = "domain:resource:action"`: the event's name, which must follow
///   the rule of PROTOCOL.md §2 (two or more `:`-separated segments of
///   lower-case letters and underscores, each ending in a letter).
/// - `legacy_name = "AnyName"`, instead of `name`: serves a name that breaks
///   the rule, on purpose, as written (for events other services already
///   send).
/// - `version = 1`: the event's version, a positive integer literal.
/// - `request = Name` (optional): the name of the request type (see below).
/// - `response = Type` (optional): the request type's success type, when the
///   return type does not show it (`Response`, `impl IntoResponse`, an alias).
/// - `crate = "::path"` (optional, default `::events_protocol`): where the
///   runtime crate is, for a crate that renames it in its `Cargo.toml`
///   (`ep = { package = "events-protocol", version = "0.1" }` goes with
///   `crate = "::ep"`), or re-exports it.
///
/// # Parameters
///
/// In any order:
///
/// - at most one payload: any owned type that implements `Deserialize`; with
///   none, the request's payload is ignored;
/// - `Identity<T>`, `Auth<T>`, `Metadata<T>`: those objects read into `T`;
/// - `State<T>`: the application's value of type `T`, given to the
///   processor with `Processor::with_state` (listed in the registration, so
///   `Processor::check` names a missing one at start-up);
/// - `EventContext`: the request's `id` and `flowId`;
/// - `&Event<'_>`: the whole request event.
///
/// The last five are views of the request. A parameter marked `#[payload]`
/// or `#[view]` is what its attribute says. Without one, the rule is the
/// last segment of its type's path, as written: `Identity`, `Auth`,
/// `Metadata`, `State`, `EventContext` and `&Event` are views, whatever the path
/// before them (`events_protocol::Identity<T>`, `ep::Identity<T>`), and any
/// other type is the payload. The macro sees only the spelling, so an alias
/// or a renamed import hides a view (`type Caller = Identity<User>`, `use
/// events_protocol::Identity as Who`): mark it `#[view]`. A payload type of
/// one's own named like a view (`calendar::Event`) is marked `#[payload]`.
///
/// ```
/// use events_protocol::{Identity, event_handler};
///
/// #[derive(serde::Deserialize)]
/// struct User {
///     id: u64,
/// }
///
/// /// The caller, under a name of the application's.
/// type Caller = Identity<User>;
///
/// mod calendar {
///     /// A payload named like the request `Event`.
///     #[derive(serde::Deserialize)]
///     pub struct Event {
///         pub title: String,
///     }
/// }
///
/// #[event_handler(name = "docs:calendar:add", version = 1)]
/// fn add(#[payload] event: calendar::Event, #[view] caller: Caller) -> String {
///     format!("{} for {}", event.title, caller.id)
/// }
///
/// let answer = events_protocol::process_event(
///     r#"{"name":"docs:calendar:add","version":1,"id":"i","flowId":"f","payload":{"title":"standup"},"identity":{"id":7}}"#,
/// );
/// assert_eq!(
///     answer,
///     r#"{"name":"docs:calendar:add:response","version":1,"id":"i","flowId":"f","payload":"standup for 7","identity":{},"auth":{},"metadata":{}}"#
/// );
/// ```
///
/// A payload or view that does not fit its type is answered `badRequest` with
/// the code `MISSING_FIELDS` and the failing path (`identity.user.id`), and
/// the function is not called.
///
/// # Return types
///
/// Nothing, any `T: Serialize` (the success payload), `Json<T>`, a `Response`
/// (full control: custom suffix, identity, metadata), a `Redirect`, an
/// `EventError`, `impl IntoResponse`, `impl Serialize`, a type of one's own
/// that implements `IntoResponse`, or a `Result<_, E>` of any of these with
/// `E: Into<EventError>`; an `async fn` returns the same. The compiler picks
/// the conversion at the concrete type: `IntoResponse` first, then a
/// `Result` (whose `Err` is always an error answer, never a serialised
/// success, even behind a type alias), then `Serialize`. A value that cannot
/// be serialised, or a panic, answers `UNHANDLED_ERROR`.
///
/// # The request type
///
/// Next to the function the macro declares a request type, with the
/// function's visibility, for typed calls (`EventRequest`): the function's
/// name in UpperCamelCase followed by `Request` (`get_profile` gives
/// `GetProfileRequest`, `r#type` gives `TypeRequest`), or the name given with
/// `request = Name`.
///
/// - With a payload parameter of type `P`, it is `struct GetProfileRequest(pub P);`;
///   without one, a unit struct whose payload is `NoPayload` (sent as `{}`).
/// - Its `EventRequest::Response` is the success type the return type shows
///   (`T` of `T`, `Json<T>`, `Result<T, E>`; `()` when nothing is returned),
///   the `response = Type` argument when given, else `serde_json::Value`.
/// - It implements `EventRequest` when the payload is `Serialize` and the
///   response `DeserializeOwned`; otherwise it is declared without the impl
///   and the handler compiles all the same (derive both traits on the types a
///   client shares with the server).
///
/// ```
/// use events_protocol::{EventRequest, event_handler};
///
/// #[event_handler(name = "docs:clock:now", version = 2)]
/// pub fn now() -> u64 {
///     1_700_000_000
/// }
///
/// assert_eq!(NowRequest::NAME, "docs:clock:now");
/// assert_eq!(NowRequest::VERSION, 2);
/// let _: <NowRequest as EventRequest>::Response = 0_u64;
/// ```
///
/// # Registration
///
/// Every handler of the program is gathered at link time, whichever crate
/// declares it: a library of handlers only has to be linked (`use
/// my_handlers as _;` is enough). Two handlers of the same name and version
/// are both kept out of service and reported, with both source locations, by
/// `events_protocol::registry::check_handlers()`.
///
/// # The catalog
///
/// The registration also carries what the catalog (`events_protocol::catalog`,
/// PROTOCOL.md §9) lists of the handler: the function's documentation, its
/// `///` text (string literals only: a `#[doc = include_str!(...)]` is left
/// out), and the JSON Schemas of its payload type and of its success type
/// (the request type's response type, above). A schema is given only with
/// the runtime's feature `schemars`, for a type that implements
/// `schemars::JsonSchema`; any other type simply has none, never a compile
/// error. Schemas are computed only when the catalog is asked for.
///
/// # What it writes
///
/// For the README's example,
///
/// ```ignore
/// #[event_handler(name = "event:name", version = 1)]
/// fn my_event(payload: MyEvent) -> MyEventResponse {
///     MyEventResponse {
///         my_event_payload: payload.example,
///     }
/// }
/// ```
///
/// the function itself, unchanged, and (as checked by a test of this crate):
///
/// ```ignore
#[doc = include_str!("../expanded/readme.rs")]
/// ```
///
/// # Compile errors
///
/// Every mistake is reported in one build, each on the user's own tokens,
/// saying what to write instead: a name that breaks the rule, a missing,
/// non-positive or non-integer version, unknown or repeated arguments, an
/// item that is not a function, a `self` receiver, generic parameters, an
/// `unsafe fn`, two payload parameters, `#[payload]` or `#[view]` misused, a
/// parameter type or a return type the macro cannot serve. Unmet trait
/// bounds are rustc's errors, pointed at the user's type, and most say what
/// a handler may take or return instead: a payload that is not
/// `Deserialize`, an answer that is not `Serialize` nor `IntoResponse`, an
/// error that does not convert into `EventError`, a `#[view]` that is not a
/// view. An `async fn` whose future is not `Send` gets rustc's own error,
/// which names the value held across the `.await`.
#[proc_macro_attribute]
pub fn event_handler(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::handler(args.into(), input.into()).into()
}

/// Implements `EventRequest` for a payload struct, for a crate that calls a
/// service without implementing it: a shared crate of such types serves the
/// clients and the server alike.
///
/// ```
/// use events_protocol::EventRequest;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize)]
/// struct Profile {
///     name: String,
/// }
///
/// #[derive(Serialize, EventRequest)]
/// #[event(name = "docs:profile:find", version = 3, response = Vec<Profile>)]
/// struct FindProfiles {
///     text: String,
/// }
///
/// let request = FindProfiles { text: "ada".to_owned() };
/// assert_eq!(FindProfiles::NAME, "docs:profile:find");
/// assert_eq!(FindProfiles::VERSION, 3);
/// assert_eq!(serde_json::to_string(request.payload())?, r#"{"text":"ada"}"#);
/// let profiles: <FindProfiles as EventRequest>::Response =
///     serde_json::from_str(r#"[{"name":"Ada"}]"#)?;
/// assert_eq!(profiles[0].name, "Ada");
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// The struct is its own payload. The `#[event(...)]` arguments are those of
/// `#[event_handler]`, `request` aside, with `response = Type` required:
/// `name` (or `legacy_name`), `version`, `response`, and `crate`.
#[proc_macro_derive(EventRequest, attributes(event))]
pub fn derive_event_request(input: TokenStream) -> TokenStream {
    expand::request(input.into()).into()
}
