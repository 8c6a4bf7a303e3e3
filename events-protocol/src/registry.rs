//! Where handlers are found: the link-time registry that `inventory` fills,
//! and explicit registries filled by hand.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasherDefault, Hasher};
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use crate::metrics::Series;
use crate::{Event, IntoResponse, Response};

/// The `inventory` crate, for submitting a [`Registration`] by hand.
pub use inventory;

pub use crate::state::StateType;

/// A boxed, `Send` future, as async handlers return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Gives the JSON Schema of a handler's payload or response type, or `None`
/// when the type has none: a function, so that nothing is computed until the
/// [catalog](crate::catalog) is asked for.
pub type SchemaFn = fn() -> Option<serde_json::Value>;

/// A handler as the link-time registry holds it: a plain function pointer.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum HandlerFn {
    /// A synchronous handler that may block (on I/O, a lock, a blocking
    /// client): a server on an async runtime runs it where blocking is
    /// allowed (the `axum` route: Tokio's blocking pool).
    Blocking(fn(&Event<'_>) -> Response),
    /// A synchronous handler that never blocks and returns quickly: run in
    /// place, even on an async runtime's worker thread, which saves the
    /// hand-off to the blocking pool. `#[event_handler(..., inline)]`
    /// declares one.
    Inline(fn(&Event<'_>) -> Response),
    /// An `async` handler; its future borrows the request.
    Async(for<'a> fn(&'a Event<'a>) -> BoxFuture<'a, Response>),
}

impl fmt::Debug for HandlerFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HandlerFn::Blocking(_) => "HandlerFn::Blocking",
            HandlerFn::Inline(_) => "HandlerFn::Inline",
            HandlerFn::Async(_) => "HandlerFn::Async",
        })
    }
}

/// How a handler runs, as the [catalog](crate::catalog) says it: the three
/// kinds of [`HandlerFn`], written `"blocking"`, `"inline"` and `"async"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum HandlerKind {
    /// Synchronous, and may block: run where blocking is allowed.
    Blocking,
    /// Synchronous, never blocks: run in place (`#[event_handler(..., inline)]`).
    Inline,
    /// An `async` handler.
    Async,
}

impl HandlerKind {
    /// Its name in the catalog: `blocking`, `inline` or `async`.
    pub fn as_str(self) -> &'static str {
        match self {
            HandlerKind::Blocking => "blocking",
            HandlerKind::Inline => "inline",
            HandlerKind::Async => "async",
        }
    }
}

impl fmt::Display for HandlerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a handler was declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The source file.
    pub file: &'static str,
    /// The line in it.
    pub line: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One handler submitted to the link-time registry.
///
/// `#[event_handler]` submits these; by hand it is the same one statement:
///
/// ```
/// use events_protocol::registry::{HandlerFn, Registration};
/// use events_protocol::{Event, Response};
///
/// fn ping(_event: &Event<'_>) -> Response {
///     Response::success("pong")
/// }
///
/// events_protocol::registry::inventory::submit! {
///     Registration::new("demo:ping", 1, HandlerFn::Blocking(ping), file!(), line!())
/// }
///
/// let answer = events_protocol::process_event(r#"{"name":"demo:ping","version":1,"id":"i","flowId":"f"}"#);
/// assert_eq!(
///     answer,
///     r#"{"name":"demo:ping:response","version":1,"id":"i","flowId":"f","payload":"pong","identity":{},"auth":{},"metadata":{}}"#
/// );
/// ```
///
/// `#[event_handler]` also gives it the function's doc comment and the
/// schemas of its payload and response types, for the
/// [catalog](crate::catalog): [`Registration::with_doc`],
/// [`Registration::with_payload_schema`] and
/// [`Registration::with_response_schema`] do the same by hand.
#[derive(Debug)]
pub struct Registration {
    name: &'static str,
    version: i64,
    handler: HandlerFn,
    location: Location,
    states: &'static [StateType],
    about: About,
}

/// What the [catalog](crate::catalog) says of a handler besides its name,
/// version and kind: its doc comment and the schemas of its payload and
/// response types, each absent when unknown.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct About {
    pub(crate) doc: Option<&'static str>,
    pub(crate) payload_schema: Option<SchemaFn>,
    pub(crate) response_schema: Option<SchemaFn>,
}

impl About {
    /// Nothing known: a handler registered by hand with a closure.
    const NONE: About = About {
        doc: None,
        payload_schema: None,
        response_schema: None,
    };
}

impl Registration {
    /// A registration of `handler` for (`name`, `version`), declared at
    /// `file`:`line`.
    pub const fn new(
        name: &'static str,
        version: i64,
        handler: HandlerFn,
        file: &'static str,
        line: u32,
    ) -> Registration {
        Registration {
            name,
            version,
            handler,
            location: Location { file, line },
            states: &[],
            about: About::NONE,
        }
    }

    /// The same registration, with the handler's documentation (its `///`
    /// text, which `#[event_handler]` passes), shown by the
    /// [catalog](crate::catalog). An empty text is no documentation.
    #[must_use]
    pub const fn with_doc(mut self, doc: &'static str) -> Registration {
        self.about.doc = if doc.is_empty() { None } else { Some(doc) };
        self
    }

    /// The same registration, with the function giving the JSON Schema of
    /// the handler's payload type (or `None`), called only when the
    /// [catalog](crate::catalog) is asked for.
    #[must_use]
    pub const fn with_payload_schema(mut self, schema: SchemaFn) -> Registration {
        self.about.payload_schema = Some(schema);
        self
    }

    /// The same registration, with the function giving the JSON Schema of
    /// the payload of the handler's success answer (or `None`), called only
    /// when the [catalog](crate::catalog) is asked for.
    #[must_use]
    pub const fn with_response_schema(mut self, schema: SchemaFn) -> Registration {
        self.about.response_schema = Some(schema);
        self
    }

    /// The same registration, of a handler that takes these
    /// [`State`](crate::State) types: [`Processor::check`](crate::Processor::check)
    /// names it when the processor lacks one.
    #[must_use]
    pub const fn with_states(mut self, states: &'static [StateType]) -> Registration {
        self.states = states;
        self
    }

    /// The state types its handler takes.
    pub fn states(&self) -> &'static [StateType] {
        self.states
    }

    /// The event's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The event's version.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// Where it was declared.
    pub fn location(&self) -> Location {
        self.location
    }

    /// Its handler's documentation, when it has some.
    pub fn doc(&self) -> Option<&'static str> {
        self.about.doc
    }
}

inventory::collect!(Registration);

type DynSync = dyn Fn(&Event<'_>) -> Response + Send + Sync;
type DynAsync = dyn Fn(Event<'static>) -> BoxFuture<'static, Response> + Send + Sync;

/// A synchronous function or closure, boxed as a [`Registry`] holds it.
fn dyn_sync<F, R>(handler: F) -> SyncFn
where
    F: Fn(&Event<'_>) -> R + Send + Sync + 'static,
    R: IntoResponse,
{
    SyncFn::Dyn(Arc::new(move |event: &Event<'_>| {
        handler(event).into_response()
    }))
}

/// A handler held by a [`Registry`]: synchronous (and whether it may block),
/// or `async`.
#[derive(Clone)]
pub(crate) enum Handler {
    Sync { function: SyncFn, blocks: bool },
    Async(AsyncFn),
}

impl Handler {
    fn of(function: HandlerFn) -> Handler {
        match function {
            HandlerFn::Blocking(function) => Handler::Sync {
                function: SyncFn::Static(function),
                blocks: true,
            },
            HandlerFn::Inline(function) => Handler::Sync {
                function: SyncFn::Static(function),
                blocks: false,
            },
            HandlerFn::Async(function) => Handler::Async(AsyncFn::Static(function)),
        }
    }

    /// Whether calling it may block the thread: a synchronous handler not
    /// declared inline.
    pub(crate) fn blocks(&self) -> bool {
        matches!(self, Handler::Sync { blocks: true, .. })
    }

    /// How it runs, as the catalog names it.
    pub(crate) fn kind(&self) -> HandlerKind {
        match self {
            Handler::Sync { blocks: true, .. } => HandlerKind::Blocking,
            Handler::Sync { blocks: false, .. } => HandlerKind::Inline,
            Handler::Async(_) => HandlerKind::Async,
        }
    }
}

/// A synchronous handler: a function pointer, or a boxed closure.
#[derive(Clone)]
pub(crate) enum SyncFn {
    Static(fn(&Event<'_>) -> Response),
    Dyn(Arc<DynSync>),
}

impl SyncFn {
    /// Calls it (panics are the caller's to catch).
    pub(crate) fn call(&self, event: &Event<'_>) -> Response {
        match self {
            SyncFn::Static(function) => function(event),
            SyncFn::Dyn(function) => function(event),
        }
    }
}

/// An `async` handler: a function pointer whose future borrows the request,
/// or a boxed closure of an owned copy of it.
#[derive(Clone)]
pub(crate) enum AsyncFn {
    Static(for<'a> fn(&'a Event<'a>) -> BoxFuture<'a, Response>),
    Dyn(Arc<DynAsync>),
}

impl AsyncFn {
    /// Starts it: its future (panics while starting are the caller's to
    /// catch).
    pub(crate) fn start<'a>(&self, event: &'a Event<'a>) -> BoxFuture<'a, Response> {
        match self {
            AsyncFn::Static(function) => function(event),
            AsyncFn::Dyn(function) => function(event.clone().into_owned()),
        }
    }
}

/// Two handlers declared for the same (name, version). Neither is called:
/// the processor answers such an event with `UNHANDLED_ERROR` and logs this.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("event `{name}` version {version} has two handlers: at {first} and at {second}")]
pub struct DuplicateHandler {
    /// The event's name.
    pub name: String,
    /// The event's version.
    pub version: i64,
    /// Where the first handler was declared.
    pub first: Location,
    /// Where the second handler was declared.
    pub second: Location,
}

/// Every duplicated (name, version) of a registry, from
/// [`check_handlers`] or [`Registry::check`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct DuplicateHandlers(pub Vec<DuplicateHandler>);

/// A handler held, with where it was declared, the state types it takes,
/// what the catalog says of it, and its metric series (labelled with its
/// name and version).
struct Entry {
    handler: Handler,
    location: Location,
    states: &'static [StateType],
    about: About,
    series: Arc<Series>,
}

impl Entry {
    /// A handler registered by hand (a closure takes no state parameter, and
    /// has no documentation or schemas).
    fn new(handler: Handler, location: Location) -> Entry {
        Entry {
            handler,
            location,
            states: &[],
            about: About::NONE,
            series: Arc::default(),
        }
    }

    /// The entry served as (name, version): its series labelled so.
    fn serving(self, name: &str, version: i64) -> Entry {
        Entry {
            series: Arc::new(Series::of(name, version)),
            ..self
        }
    }
}

impl Registration {
    fn entry(&self) -> Entry {
        Entry {
            handler: Handler::of(self.handler),
            location: self.location,
            states: self.states,
            about: self.about,
            series: Arc::default(),
        }
    }
}

enum Slot {
    One(Entry),
    /// Declared twice or more: the first location and every duplicate.
    Clash(usize),
}

/// A set of handlers, looked up by (name, version) in constant time.
///
/// [`Registry::global`] holds every handler submitted at link time (by
/// `#[event_handler]` or [`Registration`]). A `Registry::new()` is filled by
/// hand, with functions or closures, for programs that build handlers at run
/// time, for tests, and for several processors in one process.
///
/// ```
/// use events_protocol::{Event, EventError, Json, Processor, Registry};
///
/// let mut registry = Registry::new();
/// registry.register("math:double", 1, |event: &Event<'_>| {
///     let n: i64 = event.payload_as().map_err(|_| EventError::bad_request("NOT_A_NUMBER"))?;
///     Ok::<_, EventError>(Json(n * 2))
/// })?;
/// let processor = Processor::from_registry(registry);
/// let answer = processor.process(r#"{"name":"math:double","version":1,"id":"i","flowId":"f","payload":21}"#);
/// assert!(answer.contains(r#""payload":42"#));
/// # Ok::<(), events_protocol::registry::DuplicateHandler>(())
/// ```
#[derive(Default)]
pub struct Registry {
    slots: HashMap<Box<str>, Vec<(i64, Slot)>, BuildHasherDefault<NameHasher>>,
    clashes: Vec<DuplicateHandler>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// The link-time registry: every [`Registration`] submitted in the
    /// program, gathered once, on first use.
    pub fn global() -> &'static Registry {
        static GLOBAL: OnceLock<Registry> = OnceLock::new();
        GLOBAL.get_or_init(|| {
            let mut registry = Registry::new();
            for registration in inventory::iter::<Registration> {
                registry.insert(
                    registration.name,
                    registration.version,
                    registration.entry(),
                );
            }
            for clash in &registry.clashes {
                tracing::error!(%clash, "duplicate event handler");
            }
            registry
        })
    }

    /// Adds a synchronous handler: any function or closure of the request
    /// that returns an [`IntoResponse`].
    ///
    /// # Errors
    ///
    /// A [`DuplicateHandler`] when (`name`, `version`) already has one; the
    /// registry keeps the first.
    #[track_caller]
    pub fn register<F, R>(
        &mut self,
        name: impl Into<String>,
        version: i64,
        handler: F,
    ) -> Result<&mut Registry, DuplicateHandler>
    where
        F: Fn(&Event<'_>) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        self.add_sync(name.into(), version, dyn_sync(handler), true, caller())
    }

    /// Adds a synchronous handler that never blocks and returns quickly, as
    /// [`HandlerFn::Inline`]: a server runs it in place, even on an async
    /// runtime's worker thread.
    ///
    /// # Errors
    ///
    /// As [`Registry::register`].
    #[track_caller]
    pub fn register_inline<F, R>(
        &mut self,
        name: impl Into<String>,
        version: i64,
        handler: F,
    ) -> Result<&mut Registry, DuplicateHandler>
    where
        F: Fn(&Event<'_>) -> R + Send + Sync + 'static,
        R: IntoResponse,
    {
        self.add_sync(name.into(), version, dyn_sync(handler), false, caller())
    }

    /// Adds an `async` handler: a function or closure of the (owned) request
    /// that returns a `Send` future of an [`IntoResponse`].
    ///
    /// # Errors
    ///
    /// As [`Registry::register`].
    #[track_caller]
    pub fn register_async<F, Fut, R>(
        &mut self,
        name: impl Into<String>,
        version: i64,
        handler: F,
    ) -> Result<&mut Registry, DuplicateHandler>
    where
        F: Fn(Event<'static>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: IntoResponse,
    {
        let handler: Arc<DynAsync> = Arc::new(move |event: Event<'static>| {
            let future = handler(event);
            Box::pin(async move { future.await.into_response() }) as BoxFuture<'static, Response>
        });
        self.add(
            name.into(),
            version,
            Entry::new(Handler::Async(AsyncFn::Dyn(handler)), caller()),
        )
    }

    /// Adds a link-time [`Registration`] by hand, for instance to serve some
    /// of the program's macro handlers from a registry of its own.
    ///
    /// # Errors
    ///
    /// As [`Registry::register`].
    pub fn register_static(
        &mut self,
        registration: &Registration,
    ) -> Result<&mut Registry, DuplicateHandler> {
        self.add(
            registration.name.to_owned(),
            registration.version,
            registration.entry(),
        )
    }

    fn add_sync(
        &mut self,
        name: String,
        version: i64,
        function: SyncFn,
        blocks: bool,
        location: Location,
    ) -> Result<&mut Registry, DuplicateHandler> {
        let handler = Handler::Sync { function, blocks };
        self.add(name, version, Entry::new(handler, location))
    }

    fn add(
        &mut self,
        name: String,
        version: i64,
        entry: Entry,
    ) -> Result<&mut Registry, DuplicateHandler> {
        if let Some(first) = self.location_of(&name, version) {
            return Err(DuplicateHandler {
                name,
                version,
                first,
                second: entry.location,
            });
        }
        self.insert(&name, version, entry);
        Ok(self)
    }

    /// Where the (first) handler of (name, version) was declared.
    fn location_of(&self, name: &str, version: i64) -> Option<Location> {
        let (_, slot) = self.slots.get(name)?.iter().find(|(v, _)| *v == version)?;
        Some(match slot {
            Slot::One(entry) => entry.location,
            Slot::Clash(index) => self.clashes[*index].first,
        })
    }

    fn insert(&mut self, name: &str, version: i64, entry: Entry) {
        let location = entry.location;
        let versions = self.slots.entry(name.into()).or_default();
        match versions.iter_mut().find(|(v, _)| *v == version) {
            None => versions.push((version, Slot::One(entry.serving(name, version)))),
            Some((_, slot)) => {
                let first = match slot {
                    Slot::One(entry) => entry.location,
                    Slot::Clash(index) => self.clashes[*index].first,
                };
                *slot = Slot::Clash(self.clashes.len());
                self.clashes.push(DuplicateHandler {
                    name: name.to_owned(),
                    version,
                    first,
                    second: location,
                });
            }
        }
    }

    /// Every (name, version) declared more than once, with both locations.
    ///
    /// # Errors
    ///
    /// The duplicates, when there are any.
    pub fn check(&self) -> Result<(), DuplicateHandlers> {
        if self.clashes.is_empty() {
            Ok(())
        } else {
            Err(DuplicateHandlers(self.clashes.clone()))
        }
    }

    /// The (name, version) pairs this registry serves, sorted.
    pub fn events(&self) -> Vec<(&str, i64)> {
        let mut events: Vec<(&str, i64)> = self
            .slots
            .iter()
            .flat_map(|(name, versions)| {
                versions
                    .iter()
                    .filter(|(_, slot)| matches!(slot, Slot::One(..)))
                    .map(move |(version, _)| (&**name, *version))
            })
            .collect();
        events.sort_unstable();
        events
    }

    /// Every handler served (not those declared twice), with its kind and
    /// what the catalog says of it, sorted by name and version.
    pub(crate) fn described(&self) -> Vec<(&str, i64, HandlerKind, About)> {
        let mut described: Vec<_> = self
            .slots
            .iter()
            .flat_map(|(name, versions)| {
                versions
                    .iter()
                    .filter_map(move |(version, slot)| match slot {
                        Slot::One(entry) => {
                            Some((&**name, *version, entry.handler.kind(), entry.about))
                        }
                        Slot::Clash(_) => None,
                    })
            })
            .collect();
        described.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        described
    }

    /// Every state type a handler takes: (name, version, where it was
    /// declared, the type).
    pub(crate) fn needs(&self) -> impl Iterator<Item = (&str, i64, Location, StateType)> {
        self.slots.iter().flat_map(|(name, versions)| {
            versions.iter().flat_map(move |(version, slot)| {
                let entry = match slot {
                    Slot::One(entry) => Some(entry),
                    Slot::Clash(_) => None,
                };
                entry.into_iter().flat_map(move |entry| {
                    entry
                        .states
                        .iter()
                        .map(move |state| (&**name, *version, entry.location, *state))
                })
            })
        })
    }

    /// Looks up (name, version).
    pub(crate) fn lookup(&self, name: &str, version: i64) -> Lookup<'_> {
        let found = self
            .slots
            .get(name)
            .and_then(|versions| versions.iter().find(|(v, _)| *v == version));
        match found {
            None => Lookup::Missing,
            Some((_, Slot::One(entry))) => Lookup::Found(&entry.handler, &entry.series),
            Some((_, Slot::Clash(index))) => Lookup::Clash(&self.clashes[*index]),
        }
    }
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("events", &self.events())
            .field("duplicates", &self.clashes)
            .finish()
    }
}

/// The hash of the registry's names: a multiply-rotate hash of eight bytes
/// at a time (as `rustc`'s `FxHasher`), several times faster than the
/// default SipHash on event names. Keys are only ever the registered names:
/// a request's name is looked up, never inserted, so chosen names cannot
/// crowd the table.
#[derive(Default)]
struct NameHasher(u64);

impl NameHasher {
    fn add(&mut self, word: u64) {
        const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut rest = [0; 8];
        rest[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.add(u64::from_le_bytes(rest));
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// What a lookup found.
pub(crate) enum Lookup<'r> {
    /// The handler, and its metric series.
    Found(&'r Handler, &'r Arc<Series>),
    Missing,
    Clash(&'r DuplicateHandler),
}

#[track_caller]
fn caller() -> Location {
    let location = std::panic::Location::caller();
    Location {
        file: location.file(),
        line: location.line(),
    }
}

/// Checks the link-time registry for a (name, version) declared twice; call
/// it at start-up to refuse to serve with an ambiguous set of handlers.
///
/// # Errors
///
/// Every duplicate, each with both source locations.
pub fn check_handlers() -> Result<(), DuplicateHandlers> {
    Registry::global().check()
}
