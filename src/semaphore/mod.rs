//! Python's counting semaphores: [`Semaphore`] and [`BoundedSemaphore`].
//!
//! Both are built only on atomics and park/unpark from [`crate::sync`], like the lock: one
//! state word (documented on `Semaphore`'s state field) and a queue of parked waiters
//! (`queue.rs`, which [`Event`](crate::Event) parks on too).
//!
//! # Timed waits
//!
//! `acquire_timeout` exists in std builds only. loom has no time, and racelab does not fake
//! one: calling it in a loom or shuttle build is a compile error that says so (the bound
//! [`NoTimeInCheckerBuilds`] is implemented by no type). Explore the untimed `acquire` under the
//! checkers; test the timeout on real threads (`tests/std_semaphore.rs`).

mod bounded;
mod error;
pub(crate) mod queue;
#[allow(clippy::module_inception)]
mod semaphore;
#[cfg(shuttle)]
mod spec;
mod timeout;

pub use bounded::BoundedSemaphore;
pub use error::OverReleaseError;
pub use semaphore::Semaphore;
pub(crate) use semaphore::{wait, Deadline};
pub use timeout::NoTimeInCheckerBuilds;
