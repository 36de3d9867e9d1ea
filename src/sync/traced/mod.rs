//! Checker builds: the facade's atomics, `UnsafeCell` and threads, thin wrappers over the
//! checker's own that record each operation in the trace (see [`crate::trace`]).
//!
//! A wrapper does the checker's operation first and records it after, so the row shows the
//! value read or written; recording adds no scheduling point. racelab's own primitives use the
//! checker's types directly (`sync::internal`), never these.

pub(crate) mod atomic;
pub(crate) mod cell;
pub(crate) mod scope;
pub(crate) mod thread;
