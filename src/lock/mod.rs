//! The lock: [`RawLock`] (the tutorial's `acquire` / `release`) and [`Lock<T>`] with its
//! [`LockGuard`] (the data inside, released by the guard's `Drop`).
//!
//! Both are built only on atomics and park/unpark from [`crate::sync`], so loom and shuttle see
//! every synchronisation step. The state machine is documented on `RawLock`'s state field.
//!
//! # Poisoning
//!
//! racelab's lock does not poison, like Python's `threading.Lock` and `parking_lot`, and
//! unlike std's `Mutex`. A guard dropped while unwinding releases the lock, so a panicking
//! critical section never blocks the others; the data is left as the panicking code left it.
//! The lock's job is mutual exclusion; whether a half-done update is acceptable is the
//! caller's to decide (the pool reports a panicking task as `TaskError::Panicked`, which is
//! where a caller learns of it).

mod error;
mod guard;
mod raw;
mod rlock;
#[cfg(any(loom, shuttle))]
mod spec;

pub use error::ReleaseError;
pub use guard::{Lock, LockGuard};
pub use raw::RawLock;
pub use rlock::{RLock, RLockReleaseError};

/// loom's spec face: drops the lock guards that threads released while unwinding (see
/// `spec::Unwound`). A no-op in other builds.
#[inline(always)]
pub(crate) fn flush_unwound() {
    #[cfg(any(loom, shuttle))]
    spec::flush_unwound();
}

/// loom's spec face: forgets what a finished execution left unflushed (called as each
/// execution begins). A no-op in other builds.
#[cfg_attr(not(any(loom, shuttle)), allow(dead_code))]
pub(crate) fn forget_unwound() {
    #[cfg(any(loom, shuttle))]
    spec::forget_unwound();
}
