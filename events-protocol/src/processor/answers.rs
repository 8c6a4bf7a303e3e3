//! The answers the processor gives by itself ([PROTOCOL.md §5](crate::protocol#5-outcomes-the-server-produces-by-itself)): `notFound` in
//! both styles, `badProtocol` and `DEADLINE_EXCEEDED`; and writing a
//! handler's response as the answer to its request.

use serde::Serialize;

use crate::context::fresh_id;
use crate::error::{ErrorBody, FieldError, ProtocolError};
use crate::processor::NotFoundStyle;
use crate::write::{Envelope, Head};
use crate::{Event, EventError, Response};

/// The code of the answer to an event whose handler did not answer within
/// the processor's deadline (PROTOCOL.md §5): `<name>:error`, parameters `{}`.
pub const DEADLINE_EXCEEDED: &str = "DEADLINE_EXCEEDED";

/// The response given in place of a handler's that did not come within the
/// deadline.
pub(super) fn deadline_exceeded() -> Response {
    Response::error(&EventError::error(DEADLINE_EXCEEDED))
}

/// Writes `response` as the answer to `event`.
pub(super) fn answer(event: &Event<'_>, response: &Response) -> String {
    let mut out = String::new();
    response.write(event.head(), &mut out);
    out
}

/// The answer to an event no handler serves, in `style`.
pub(super) fn not_found(event: &Event<'_>, style: NotFoundStyle) -> String {
    match style {
        NotFoundStyle::Protocol => {
            #[derive(Serialize)]
            struct Parameters<'a> {
                message: String,
                event: &'a str,
                version: i64,
            }
            let parameters = Parameters {
                message: format!(
                    "Event Name {} of version {} was not found",
                    event.name(),
                    event.version()
                ),
                event: event.name(),
                version: event.version(),
            };
            let payload = ErrorBody {
                code: "EVENT_NOT_FOUND",
                parameters,
            };
            answer(event, &Response::new("notFound", &payload))
        }
        NotFoundStyle::Kotlin => {
            #[derive(Serialize)]
            struct Parameters<'a> {
                event: &'a str,
                version: i64,
            }
            let payload = ErrorBody {
                code: "NO_EVENT_HANDLER_FOUND",
                parameters: Parameters {
                    event: event.name(),
                    version: event.version(),
                },
            };
            standalone("eventNotFound", 1, event.id(), event.flow_id(), &payload)
        }
    }
}

/// The `badProtocol` answer to a body that is not a well-formed event.
pub(super) fn bad_protocol(error: &ProtocolError) -> String {
    #[derive(Serialize)]
    struct Parameters<'a> {
        #[serde(rename = "propertyName")]
        property_name: &'a str,
        fields: &'a [FieldError],
    }
    let payload = ErrorBody {
        code: "INVALID_COMMUNICATION_PROTOCOL",
        parameters: Parameters {
            property_name: error.property_name(),
            fields: error.fields(),
        },
    };
    let id = error.id().map_or_else(fresh_id, str::to_owned);
    let flow_id = error.flow_id().map_or_else(fresh_id, str::to_owned);
    standalone(
        "badProtocol",
        error.version().unwrap_or(1),
        &id,
        &flow_id,
        &payload,
    )
}

/// An answer whose name stands alone, not appended to the request's.
fn standalone<T: Serialize>(
    name: &str,
    version: i64,
    id: &str,
    flow_id: &str,
    payload: &T,
) -> String {
    let head = Head {
        name,
        version,
        id,
        flow_id,
        plain: false,
    };
    match crate::raw::to_raw(payload) {
        Ok(payload) => Envelope {
            head,
            suffix: None,
            payload: payload.get(),
            identity: "{}",
            auth: "{}",
            metadata: "{}",
            may_hold_whitespace: false,
        }
        .to_json(),
        Err(error) => {
            let response = Response::unhandled(format!("cannot write `{name}`: {error}"));
            let mut out = String::new();
            response.write(head, &mut out);
            out
        }
    }
}
