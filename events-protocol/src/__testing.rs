//! What the workspace's tests and fuzz targets call to check parts of the
//! library against each other (feature `__testing`). Not a public API: it may
//! change in any release.

pub use crate::read::agree::{Disagreement, readers_agree};
