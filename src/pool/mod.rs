//! The tutorial's thread pool: [`ThreadPool`], [`AsyncResult`], and their errors.
//!
//! Built on racelab's own [`Lock`](crate::Lock) and park/unpark from [`crate::sync`] — no std
//! `Mutex`, `Condvar` or channel — so loom and shuttle check the pool's protocol too.
//!
//! | piece | file | what it does |
//! |---|---|---|
//! | [`ThreadPool`] | `thread_pool.rs` | spawning, submitting, `close` / `terminate` / `join` |
//! | the queue | `shared.rs` | jobs, parked workers and the pool's phase, under one `Lock`; shut-down |
//! | the worker loop | `worker.rs` | take a job or park; a panicking task never kills a worker |
//! | looking for work | `idle.rs` | how long an idle worker looks again before parking, and the queue-length hint it watches |
//! | a parked worker | `sleeper.rs` | the idle worker's park flag, and why its orderings are Relaxed |
//! | [`AsyncResult`] | `result.rs` | a one-shot slot: one writer, one waiting owner; `successful`, timed waits |
//! | a timed wait | `deadline.rs` | `park_timeout` in std builds; in checker builds the timeout is the schedule's choice |
//! | a task | `task.rs` | the closure and the sink of its outcome; dropped unrun, it resolves `Cancelled`; callbacks |
//! | [`MapResult`] | `map.rs` | `map` and `map_async`: one cell per item, a countdown whose last step resolves the map |
//! | [`Imap`], [`ImapUnordered`] | `imap.rs` | lazy maps with a window of items in flight; the completion queue |
//! | [`StarFn`] | `star.rs` | `starmap`'s functions of several arguments, called with a tuple |
//!
//! # Nothing is lost
//!
//! Every path by which a submitted task can end resolves its [`AsyncResult`] (or its map's
//! cell, or its place in an imap's queue): it runs
//! (`Ok` or [`TaskError::Panicked`]), or its job is dropped unrun — by
//! [`terminate`](ThreadPool::terminate) or otherwise — and the slot's writer resolves it
//! [`TaskError::Cancelled`] from its `Drop`. So no `get()` can wait on a task that will never
//! run. A task submitted after `close` is not queued at all: `apply_async` hands it back (a map
//! resolves that item [`TaskError::Rejected`]).
//!
//! Nothing is kept, either: a worker lets go of a task (and of its side of the result) once
//! the outcome is delivered, so once a result is read or dropped, its value is the caller's
//! alone, and dropping it frees it.

mod deadline;
mod error;
mod idle;
mod imap;
mod map;
mod result;
mod shared;
mod sleeper;
mod star;
mod task;
mod thread_pool;
mod worker;

pub use error::{NotReady, PoolError, SubmitError, TaskError, TimeoutError};
pub use imap::{Imap, ImapUnordered};
pub use map::MapResult;
pub use result::AsyncResult;
pub use star::StarFn;
pub use thread_pool::{Builder, ThreadPool};
