//! Two queues, written the way an ordinary crate writes them — std's API shape, no racelab
//! type in their signatures — and checked by racelab by changing one `use` line per file:
//!
//! ```text
//! use std::sync::{Condvar, Mutex};          // before
//! use racelab::sync::{Condvar, Mutex};      // after: std itself in a std build
//! ```
//!
//! - [`BoundedQueue`]: a bounded multi-producer multi-consumer queue on a `Mutex` and two
//!   `Condvar`s; [`cargill::BoundedQueue`] is the same queue with the classic bug (one
//!   condition variable for two kinds of waiters, woken with `notify_one`).
//! - [`Ring`]: a lock-free single-producer single-consumer ring buffer on two atomic indices;
//!   [`early_publish::Ring`] publishes a slot before writing it.
//!
//! `tests/queues.rs` checks each under std, loom and shuttle.

mod bounded;
mod ring;

pub use bounded::{cargill, BoundedQueue};
pub use ring::{early_publish, Ring};
