//! Python's `threading.Event`: [`Event`] — a flag threads wait on.
//!
//! Built only on atomics and park/unpark from [`crate::sync`], on the same waiter queue as the
//! [`Semaphore`](crate::Semaphore) (its state word is documented on `Event`'s state field).
//!
//! `wait_timeout` exists in std builds only; in loom and shuttle builds calling it is a compile
//! error that says why (see [`NoTimeInCheckerBuilds`](crate::semaphore::NoTimeInCheckerBuilds)).

#[allow(clippy::module_inception)]
mod event;

pub use event::Event;
