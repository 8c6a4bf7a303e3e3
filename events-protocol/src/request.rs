//! Requests: typed requests, an event's name, version, payload and response
//! type in one type, so that a call is checked by the compiler on both sides;
//! and the [`EventBuilder`] of request events of any name.

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use crate::builder::EventBuilder;

/// A typed request: the event it is sent as and the payload it answers with.
///
/// `#[event_handler]` writes one for every handler, and
/// `#[derive(EventRequest)]` for a payload struct; the client's typed `call`
/// takes any of them.
///
/// ```
/// use events_protocol::EventRequest;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize)]
/// struct GetProfile {
///     user_id: u64,
/// }
///
/// #[derive(Deserialize)]
/// struct Profile {
///     name: String,
/// }
///
/// impl EventRequest for GetProfile {
///     const NAME: &'static str = "user:profile:get";
///     const VERSION: i64 = 1;
///     type Payload = GetProfile;
///     type Response = Profile;
///
///     fn payload(&self) -> &GetProfile {
///         self
///     }
/// }
///
/// assert_eq!(GetProfile::NAME, "user:profile:get");
/// ```
pub trait EventRequest {
    /// The event's name.
    const NAME: &'static str;
    /// The event's version.
    const VERSION: i64;
    /// What is sent as the event's payload.
    type Payload: Serialize + ?Sized;
    /// What a success answer's payload reads into.
    type Response: DeserializeOwned;

    /// The payload to send.
    fn payload(&self) -> &Self::Payload;
}

/// The payload of a request that carries none: written `{}`.
///
/// The request type `#[event_handler]` writes for a handler with no payload
/// parameter sends it.
///
/// ```
/// assert_eq!(serde_json::to_string(&events_protocol::request::NoPayload).unwrap(), "{}");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NoPayload;

impl Serialize for NoPayload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        serializer.serialize_map(Some(0))?.end()
    }
}
