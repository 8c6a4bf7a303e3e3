//! What an `#[event_handler]` function may take besides its payload: typed
//! views of the request's `identity`, `auth` and `metadata`, the event
//! context, and the request event itself.

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::Deserialize;

use crate::context::with_current_states;
use crate::error::ViewError;
use crate::objects::Redacted;
use crate::{Event, EventContext, IntoResponse, Response, State};

macro_rules! view {
    ($(#[$doc:meta])* $name:ident, $read:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name<T>(pub T);

        impl<T> Deref for $name<T> {
            type Target = T;

            fn deref(&self) -> &T {
                &self.0
            }
        }

        impl<T> DerefMut for $name<T> {
            fn deref_mut(&mut self) -> &mut T {
                &mut self.0
            }
        }

        impl<'a, T: Deserialize<'a>> FromEvent<'a> for $name<T> {
            fn from_event(event: &'a Event<'a>) -> Result<Self, Response> {
                event.$read().map($name).map_err(ViewError::into_response)
            }
        }
    };
}

view! {
    /// The request's `identity` object read into `T`, as a handler parameter.
    ///
    /// When it does not fit `T`, the handler is not called: the answer is
    /// `<name>:badRequest` with the code `MISSING_FIELDS` and the failing path
    /// (`identity.user.id`), as for a payload ([PROTOCOL.md §5](crate::protocol#5-outcomes-the-server-produces-by-itself)).
    ///
    /// ```
    /// use events_protocol::{Identity, event_handler};
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Caller {
    ///     #[serde(rename = "userId")]
    ///     user_id: u64,
    /// }
    ///
    /// #[event_handler(name = "user:whoami", version = 1)]
    /// fn whoami(Identity(caller): Identity<Caller>) -> u64 {
    ///     caller.user_id
    /// }
    ///
    /// let answer = events_protocol::process_event(
    ///     r#"{"name":"user:whoami","version":1,"id":"i","flowId":"f","identity":{"userId":7}}"#,
    /// );
    /// assert_eq!(
    ///     answer,
    ///     r#"{"name":"user:whoami:response","version":1,"id":"i","flowId":"f","payload":7,"identity":{},"auth":{},"metadata":{}}"#
    /// );
    /// ```
    Identity, identity_as
}

view! {
    /// The request's `auth` object read into `T`, as a handler parameter.
    ///
    /// It is never echoed back ([PROTOCOL.md §4](crate::protocol#4-what-a-response-carries-over)). When it does not fit `T`,
    /// the answer is `badRequest` with the failing path (`auth.token`).
    Auth, auth_as
}

view! {
    /// The request's `metadata` object read into `T`, as a handler parameter.
    ///
    /// When it does not fit `T`, the answer is `badRequest` with the failing
    /// path (`metadata.origin`).
    Metadata, metadata_as
}

/// A handler parameter read from the request event; the generated code of
/// `#[event_handler]` reads every parameter but the payload through it.
///
/// Implemented for [`Identity`], [`Auth`], [`Metadata`], [`State`],
/// [`EventContext`] (the request's `id` and `flowId`, and the state) and
/// `&Event` (the whole request).
pub trait FromEvent<'a>: Sized {
    /// Reads the parameter.
    ///
    /// # Errors
    ///
    /// The answer to give instead of calling the handler: `badRequest` for a
    /// view that does not fit its type, `UNHANDLED_ERROR` for a state the
    /// processor was not given.
    fn from_event(event: &'a Event<'a>) -> Result<Self, Response>;
}

impl<'a> FromEvent<'a> for &'a Event<'a> {
    fn from_event(event: &'a Event<'a>) -> Result<Self, Response> {
        Ok(event)
    }
}

impl<'a> FromEvent<'a> for EventContext {
    fn from_event(event: &'a Event<'a>) -> Result<Self, Response> {
        Ok(EventContext::current()
            .unwrap_or_else(|| EventContext::new(event.id(), event.flow_id())))
    }
}

/// The processor's value of type `T`, read from the context the handler
/// runs in.
impl<'a, T: Clone + Send + Sync + 'static> FromEvent<'a> for State<T> {
    fn from_event(event: &'a Event<'a>) -> Result<Self, Response> {
        with_current_states(|states| states.get::<T>().cloned())
            .map(State)
            .ok_or_else(|| {
                Response::unhandled(format!(
                    "the handler of `{}` version {} takes `State<{}>`, which the processor was not \
                 given (`Processor::with_state`)",
                    event.name(),
                    event.version(),
                    std::any::type_name::<T>()
                ))
            })
    }
}

impl<T: fmt::Debug> fmt::Debug for Identity<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Identity").field(&self.0).finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Metadata<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Metadata").field(&self.0).finish()
    }
}

impl<T> fmt::Debug for Auth<T> {
    /// Never shows the credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Auth").field(&Redacted).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    struct User {
        id: u64,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Caller {
        user: User,
    }

    const BODY: &str = r#"{"name":"a:b","version":1,"id":"i","flowId":"f",
        "identity":{"user":{"id":7}},"auth":{"token":"t"},"metadata":{"origin":"app"}}"#;

    #[test]
    fn views_read_their_object() {
        #[derive(Debug, PartialEq, Deserialize)]
        struct Token {
            token: String,
        }
        #[derive(Debug, PartialEq, Deserialize)]
        struct Origin {
            origin: String,
        }
        let event = Event::from_json(BODY).unwrap();
        let identity = Identity::<Caller>::from_event(&event).unwrap();
        assert_eq!(identity.user, User { id: 7 });
        let auth = Auth::<Token>::from_event(&event).unwrap();
        assert_eq!(auth.token, "t");
        let metadata = Metadata::<Origin>::from_event(&event).unwrap();
        assert_eq!(metadata.0.origin, "app");
    }

    #[test]
    fn a_view_that_does_not_fit_names_its_path() {
        #[derive(Debug, Deserialize)]
        struct Named {
            #[allow(dead_code, reason = "only read to fail")]
            user: NamedUser,
        }
        #[derive(Debug, Deserialize)]
        struct NamedUser {
            #[allow(dead_code, reason = "only read to fail")]
            name: String,
        }
        let event = Event::from_json(BODY).unwrap();
        let answer = Identity::<Named>::from_event(&event).unwrap_err();
        assert_eq!(answer.suffix(), "badRequest");
        assert_eq!(
            answer.payload().get(),
            r#"{"code":"MISSING_FIELDS","parameters":{"fields":[{"errorType":"missing","message":"missing field `name`","name":"identity.user.name"}]}}"#
        );
    }

    #[test]
    fn a_state_the_processor_was_not_given_answers_unhandled_error() {
        let event = Event::from_json(BODY).unwrap();
        let answer = State::<u8>::from_event(&event).unwrap_err();
        assert_eq!(answer.suffix(), "error");
        assert_eq!(
            answer.fault(),
            Some(
                "the handler of `a:b` version 1 takes `State<u8>`, which the processor was not given (`Processor::with_state`)"
            )
        );
    }

    #[test]
    fn context_and_event_are_the_request_s() {
        let event = Event::from_json(BODY).unwrap();
        let context = EventContext::from_event(&event).unwrap();
        assert_eq!(context, EventContext::new("i", "f"));
        let whole = <&Event<'_>>::from_event(&event).unwrap();
        assert_eq!(whole, &event);
    }

    #[test]
    fn views_deref_to_their_value() {
        let mut identity = Identity(User { id: 1 });
        identity.id = 2;
        assert_eq!(*identity, User { id: 2 });
    }
}
