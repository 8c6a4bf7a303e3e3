//! The wire contract this crate keeps, `PROTOCOL.md`, as it stands in the
//! repository: the documentation cites it by section ("PROTOCOL.md §5"), and
//! every rule of it is pinned by a test. This module has no items.
#![doc = ""]
#![doc = include_str!("../PROTOCOL.md")]
