//! Python's `threading.Event`: [`Event`] — a flag threads wait on.
//!
//! Built only on atomics and park/unpark from [`crate::sync`], on the same waiter queue as the
//! [`Semaphore`](crate::Semaphore) (its state word is documented on `Event`'s state field).
//!
//! `wait_timeout` parks with `park_timeout` in std builds; under loom and shuttle the timeout is
//! a choice the checker explores, as for the [semaphore](crate::semaphore#timed-waits).

#[allow(clippy::module_inception)]
mod event;

pub use event::Event;
