//! Python's counting semaphores: [`Semaphore`] and [`BoundedSemaphore`].
//!
//! Both are built only on atomics and park/unpark from [`crate::sync`], like the lock: one
//! state word (documented on `Semaphore`'s state field) and a queue of parked waiters
//! (`queue.rs`, which [`Event`](crate::Event) parks on too).
//!
//! # Timed waits
//!
//! `acquire_timeout` parks with `park_timeout` in std builds. loom has no time and shuttle
//! does not model it, so there a timed acquire is a *choice the checker explores*: it queues,
//! takes one more look, and either a release has woken it by then or it withdraws from the
//! queue and tries once more (as Python's loop does after its timed wait). Every interleaving
//! explored is one a real run can have — a timeout may run out at any moment — and the race
//! between the withdrawal and a release's wake-up is checked (`tests/loom_semaphore.rs`).

mod bounded;
mod error;
pub(crate) mod queue;
#[allow(clippy::module_inception)]
mod semaphore;
#[cfg(shuttle)]
mod spec;

pub use bounded::BoundedSemaphore;
pub use error::OverReleaseError;
pub use semaphore::Semaphore;
pub(crate) use semaphore::{wait, Deadline};
