//! Application state for handlers: values given once to the
//! [`Processor`](crate::Processor) ([`with_state`](crate::Processor::with_state)),
//! one per type, and read by a handler through its [`State<T>`] parameter.

use std::any::{Any, TypeId, type_name};
use std::collections::HashMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// A value of the application's, given to the processor with
/// [`Processor::with_state`](crate::Processor::with_state), as a handler
/// parameter: a database pool, a client, a configuration. The handler gets
/// a clone of it (share what is large behind an `Arc`, as pools already do).
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// use events_protocol::{Processor, State, event_handler};
///
/// /// What the service keeps between events: a pool in a real one.
/// #[derive(Clone, Default)]
/// struct Counter(Arc<AtomicU64>);
///
/// #[event_handler(name = "docs:counter:bump", version = 1)]
/// fn bump(State(counter): State<Counter>) -> u64 {
///     counter.0.fetch_add(1, Ordering::Relaxed) + 1
/// }
///
/// let processor = Processor::new().with_state(Counter::default());
/// processor.check()?; // every handler's state is there
/// let answer = processor.process(r#"{"name":"docs:counter:bump","version":1,"id":"i","flowId":"f"}"#);
/// assert!(answer.contains(r#""payload":1"#));
/// # Ok::<(), events_protocol::processor::SetupError>(())
/// ```
///
/// A handler whose state was never given is named, with the missing type, by
/// [`Processor::check`](crate::Processor::check) at start-up; an event that
/// reaches it anyway is answered `UNHANDLED_ERROR`, the detail in the log.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct State<T>(pub T);

impl<T> Deref for State<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for State<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for State<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("State").field(&self.0).finish()
    }
}

/// A state type a handler needs, as its registration lists it.
#[derive(Clone, Copy)]
pub struct StateType {
    id: fn() -> TypeId,
    name: fn() -> &'static str,
}

impl StateType {
    /// The state type `T`.
    pub const fn of<T: Any>() -> StateType {
        StateType {
            id: TypeId::of::<T>,
            name: type_name::<T>,
        }
    }

    /// The type's id.
    pub fn id(&self) -> TypeId {
        (self.id)()
    }

    /// The type's name, for messages.
    pub fn name(&self) -> &'static str {
        (self.name)()
    }
}

impl fmt::Debug for StateType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq for StateType {
    fn eq(&self, other: &StateType) -> bool {
        self.id() == other.id()
    }
}

impl Eq for StateType {}

/// The states a processor was given, one per type; cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct States(Option<Arc<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>>);

impl States {
    /// None.
    pub(crate) const fn new() -> States {
        States(None)
    }

    /// Adds (or replaces) the value of type `T`.
    pub(crate) fn insert<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        let map = self.0.get_or_insert_with(Default::default);
        Arc::make_mut(map).insert(TypeId::of::<T>(), Arc::new(value));
    }

    /// The value of type `T`, when there is one.
    pub(crate) fn get<T: 'static>(&self) -> Option<&T> {
        self.0
            .as_ref()?
            .get(&TypeId::of::<T>())?
            .downcast_ref::<T>()
    }

    /// Whether a value of the type is there.
    pub(crate) fn has(&self, wanted: StateType) -> bool {
        self.0
            .as_ref()
            .is_some_and(|map| map.contains_key(&wanted.id()))
    }

    /// Whether there are none (nothing to carry into a handler's context).
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Whether the two are the same set of values.
    pub(crate) fn same(&self, other: &States) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(one), Some(other)) => Arc::ptr_eq(one, other),
            _ => false,
        }
    }
}

impl fmt::Debug for States {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.as_ref().map_or(0, |map| map.len());
        write!(f, "States({count})")
    }
}
