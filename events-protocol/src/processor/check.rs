//! What [`Processor::check`](super::Processor::check) finds before serving.

use std::fmt;

use crate::registry::{DuplicateHandler, Location};

/// A handler whose state the processor was not given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingState {
    /// The event's name.
    pub name: String,
    /// The event's version.
    pub version: i64,
    /// Where the handler was declared.
    pub location: Location,
    /// The type of the state it takes (as `std::any::type_name` writes it).
    pub state: &'static str,
}

impl fmt::Display for MissingState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the handler of `{}` version {} (at {}) takes `State<{}>`, which the processor was \
             not given: add `.with_state(value)` to the `Processor`",
            self.name, self.version, self.location, self.state
        )
    }
}

/// Why a processor cannot serve every handler it has: from
/// [`Processor::check`](super::Processor::check).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetupError {
    /// Every (name, version) declared twice.
    pub duplicates: Vec<DuplicateHandler>,
    /// Every handler whose state is missing.
    pub missing_states: Vec<MissingState>,
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problems: Vec<String> = self
            .duplicates
            .iter()
            .map(ToString::to_string)
            .chain(self.missing_states.iter().map(ToString::to_string))
            .collect();
        f.write_str(&problems.join("; "))
    }
}

impl std::error::Error for SetupError {}
