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
//! | [`AsyncResult`] | `result.rs` | a one-shot slot: one writer, one waiting owner |
//! | a task | `task.rs` | the closure and the slot's writer; dropped unrun, it resolves `Cancelled` |
//!
//! # Nothing is lost
//!
//! Every path by which a submitted task can end resolves its [`AsyncResult`]: it runs
//! (`Ok` or [`TaskError::Panicked`]), or its job is dropped unrun — by
//! [`terminate`](ThreadPool::terminate) or otherwise — and the slot's writer resolves it
//! [`TaskError::Cancelled`] from its `Drop`. So no `get()` can wait on a task that will never
//! run. A task submitted after `close` is not queued at all: `apply_async` hands it back.

mod error;
mod idle;
mod result;
mod shared;
mod sleeper;
mod task;
mod thread_pool;
mod worker;

pub use error::{PoolError, SubmitError, TaskError};
pub use result::AsyncResult;
pub use thread_pool::{Builder, ThreadPool};
