//! racelab: a lock and a thread pool built on std atomics and `thread::park`, checked
//! exhaustively under [loom] and randomly under [shuttle], with a lab of race and deadlock
//! models.
//!
//! | module | what it holds |
//! |---|---|
//! | [`sync`] | the backend facade: std, loom or shuttle behind one set of names |
//! | [`lock`] | [`RawLock`] (`acquire` / `release`), [`Lock<T>`] + [`LockGuard`], and [`RLock`] (reentrant) |
//! | [`condition`] | [`Condition`]: Python's `threading.Condition`, std's `Condvar` shape, FIFO wake-ups |
//! | [`barrier`] | [`Barrier`]: Python's `threading.Barrier` (arrival index, action, abort, reset) |
//! | [`pool`] | [`ThreadPool`], [`AsyncResult`], [`TaskError`], [`PoolError`] |
//! | [`semaphore`] | [`Semaphore`], [`BoundedSemaphore`] + [`OverReleaseError`] (Python's `threading` semaphores) |
//! | [`event`] | [`Event`] (Python's `threading.Event`) |
//! | [`face`] | checker builds: whether a primitive shows its spec (the default) or its implementation |
//! | [`check`] | the harness: run one body under the active backend; failures as data |
//! | [`trace`] | event recording in checker builds; swimlanes of failing interleavings |
//! | `panic_message` | the text of a caught panic (for the pool and the harness; public as [`check::panic_message`]) |
//!
//! The backend is chosen at build time: `RUSTFLAGS="--cfg loom"`, `RUSTFLAGS="--cfg shuttle"`,
//! or neither for std. See the README for what each backend proves.
//!
//! [loom]: https://docs.rs/loom
//! [shuttle]: https://docs.rs/shuttle
// std primitives are enforced in loom builds (and, for functions, shuttle builds): in a std
// build the facade *is* std, which clippy cannot tell from a stray import. See clippy.toml.
#![cfg_attr(
    not(any(loom, shuttle)),
    allow(clippy::disallowed_types, clippy::disallowed_methods)
)]
#![cfg_attr(shuttle, allow(clippy::disallowed_types))]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod barrier;
pub mod check;
pub mod condition;
pub mod event;
pub mod face;
pub mod lock;
mod panic_message;
pub mod pool;
pub mod semaphore;
pub mod sync;
pub mod trace;

pub use barrier::{Barrier, BarrierError, BrokenBarrier};
pub use condition::Condition;
pub use event::Event;
pub use face::Face;
pub use lock::{Lock, LockGuard, RLock, RLockReleaseError, RawLock, ReleaseError};
pub use pool::{AsyncResult, PoolError, SubmitError, TaskError, ThreadPool};
pub use semaphore::{BoundedSemaphore, OverReleaseError, Semaphore};
