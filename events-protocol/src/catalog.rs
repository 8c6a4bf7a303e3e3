//! The catalog of a service's handlers ([PROTOCOL.md §9](crate::protocol#9-the-catalog)):
//! for every event served, its name, version, kind (`blocking`, `inline` or
//! `async`), the handler's doc comment, and the JSON Schemas of its payload
//! and response types.
//!
//! In process, [`Registry::catalog`] and [`Processor::catalog`] give it. Over
//! HTTP it is **opt-in** (a service's shape is not public by default):
//! [`EventsService::with_catalog`](crate::service::EventsService::with_catalog)
//! answers `GET /events/catalog`, and
//! [`axum::catalog_route`](crate::axum::catalog_route) is the route to mount
//! there (features `tower` and `axum`). A client reads it with
//! [`EventClient::catalog`](crate::client::EventClient::catalog).
//!
//! `#[event_handler]` keeps the function's `///` text. The schemas need the
//! feature `schemars` and a payload or response type that derives
//! `schemars::JsonSchema` (schemars 1); any other type simply has no schema,
//! never a compile error. A schema is computed only when the catalog is
//! asked for. Handlers registered by hand with a closure
//! ([`Registry::register`]) have neither documentation nor schemas.
//!
//! ```
//! use events_protocol::event_handler;
//! use events_protocol::registry::HandlerKind;
//!
//! /// Doubles a number.
//! ///
//! /// Any integer that fits in 32 bits.
//! #[event_handler(name = "docs:math:double", version = 1, inline)]
//! fn double(n: i32) -> i64 {
//!     i64::from(n) * 2
//! }
//!
//! let catalog = events_protocol::Processor::new().catalog();
//! let event = catalog.find("docs:math:double", 1).expect("registered at link time");
//! assert_eq!(event.kind, HandlerKind::Inline);
//! assert_eq!(event.doc.as_deref(), Some("Doubles a number.\n\nAny integer that fits in 32 bits."));
//! // with the feature `schemars`, `i32` and `i64` have schemas
//! assert_eq!(event.payload_schema.is_some(), cfg!(feature = "schemars"));
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Processor;
use crate::registry::{HandlerKind, Registry};

/// The path at which a server conventionally answers the catalog: its
/// events path (`/events`) followed by `/catalog`.
pub const CATALOG_PATH: &str = "/events/catalog";

/// The handlers a service serves, sorted by name and version: what
/// `GET /events/catalog` answers, as JSON (PROTOCOL.md §9).
///
/// ```
/// use events_protocol::catalog::Catalog;
///
/// let catalog = Catalog::from_json(
///     r#"{"events":[{"name":"user:get","version":2,"kind":"async","doc":null,"payloadSchema":null,"responseSchema":{"type":"string"}}]}"#,
/// )?;
/// let event = catalog.find("user:get", 2).expect("listed");
/// assert_eq!(event.response_schema, Some(serde_json::json!({"type": "string"})));
/// assert_eq!(
///     catalog.to_json(),
///     r#"{"events":[{"name":"user:get","version":2,"kind":"async","doc":null,"payloadSchema":null,"responseSchema":{"type":"string"}}]}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Catalog {
    /// Every event served, sorted by name, then version.
    pub events: Vec<CatalogEvent>,
}

/// One event of a [`Catalog`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CatalogEvent {
    /// The event's name.
    pub name: String,
    /// The event's version.
    pub version: i64,
    /// How its handler runs.
    pub kind: HandlerKind,
    /// The handler's documentation (its `///` text, common indentation
    /// removed), when it has some.
    #[serde(default)]
    pub doc: Option<String>,
    /// The JSON Schema of its payload type, when known.
    #[serde(default)]
    pub payload_schema: Option<Value>,
    /// The JSON Schema of the payload of its success answer, when known.
    #[serde(default)]
    pub response_schema: Option<Value>,
}

impl Catalog {
    /// The event `name` of `version`, when it is listed.
    pub fn find(&self, name: &str, version: i64) -> Option<&CatalogEvent> {
        self.events
            .iter()
            .find(|event| event.name == name && event.version == version)
    }

    /// The catalog as compact JSON, as served.
    pub fn to_json(&self) -> String {
        // a catalog is strings, integers and JSON values: nothing that
        // cannot be written
        serde_json::to_string(self).unwrap_or_else(|_| String::from(r#"{"events":[]}"#))
    }

    /// Reads a catalog from its JSON text. Unknown keys are ignored; `doc`,
    /// `payloadSchema` and `responseSchema` may be absent.
    ///
    /// # Errors
    ///
    /// The text is not a catalog: not JSON, no `events` array, or an event
    /// without its `name`, `version` or `kind`.
    pub fn from_json(text: &str) -> Result<Catalog, serde_json::Error> {
        serde_json::from_str(text)
    }
}

impl Registry {
    /// The catalog of the handlers this registry serves (a (name, version)
    /// declared twice is not served, and not listed). Each schema is
    /// computed now.
    pub fn catalog(&self) -> Catalog {
        let events = self
            .described()
            .into_iter()
            .map(|(name, version, kind, about)| CatalogEvent {
                name: name.to_owned(),
                version,
                kind,
                doc: about.doc.map(str::to_owned),
                payload_schema: about.payload_schema.and_then(|schema| schema()),
                response_schema: about.response_schema.and_then(|schema| schema()),
            })
            .collect();
        Catalog { events }
    }
}

impl Processor {
    /// The catalog of the handlers this processor serves: its
    /// [registry](Processor::registry)'s.
    pub fn catalog(&self) -> Catalog {
        self.registry().catalog()
    }
}

/// The catalog's URL for an events URL (PROTOCOL.md §9): its path, without a
/// trailing `/`, followed by `/catalog`; a query is kept.
///
/// ```
/// use events_protocol::catalog::catalog_url;
///
/// assert_eq!(catalog_url("http://127.0.0.1:8080/events"), "http://127.0.0.1:8080/events/catalog");
/// assert_eq!(catalog_url("http://h/api/events/"), "http://h/api/events/catalog");
/// assert_eq!(catalog_url("http://h/events?k=v"), "http://h/events/catalog?k=v");
/// ```
pub fn catalog_url(events_url: &str) -> String {
    let (base, query) = match events_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (events_url, None),
    };
    let base = base.trim_end_matches('/');
    match query {
        Some(query) => format!("{base}/catalog?{query}"),
        None => format!("{base}/catalog"),
    }
}
