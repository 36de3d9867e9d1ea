//! std's `sync` names for a user's crate: [`Mutex`], [`RwLock`], [`Condvar`], [`Barrier`],
//! [`Once`], [`OnceLock`], [`LazyLock`] and [`mpsc`].
//!
//! std builds re-export std itself (the same types, at no cost). loom and shuttle builds get
//! the types in this module's files: std's names and signatures, built on racelab's
//! [`RawLock`](crate::RawLock) (always its spec face: one scheduling point per operation, the
//! checker's own blocking) and the checker's `UnsafeCell`, so that
//!
//! - every blocking wait is the checker's: a deadlock is found natively, and reported with the
//!   wait-for cycle of the locks (or, for a condvar, a barrier, a channel, what the thread waits
//!   for);
//! - every operation leaves a row in a failure's trace (`notify_one cv`, `send on channel`,
//!   `barrier wait (2 of 3)`);
//! - the data behind a lock is the checker's `UnsafeCell`, so loom checks each access.
//!
//! The types' own bookkeeping (a condvar's queue of waiters, a poison flag) is plain memory
//! behind [`Serial`]: see there why that is sound, and why it adds no scheduling points.

#[cfg(any(loom, shuttle))]
mod barrier;
#[cfg(any(loom, shuttle))]
mod condvar;
#[cfg(any(loom, shuttle))]
mod lazy_lock;
#[cfg(any(loom, shuttle))]
pub mod mpsc;
#[cfg(any(loom, shuttle))]
mod mutex;
#[cfg(any(loom, shuttle))]
mod once;
#[cfg(any(loom, shuttle))]
mod once_lock;
#[cfg(any(loom, shuttle))]
mod rwlock;

#[cfg(any(loom, shuttle))]
pub use barrier::{Barrier, BarrierWaitResult};
#[cfg(any(loom, shuttle))]
pub use condvar::{Condvar, WaitTimeoutResult};
#[cfg(any(loom, shuttle))]
pub use lazy_lock::LazyLock;
#[cfg(any(loom, shuttle))]
pub use mutex::{Mutex, MutexGuard};
#[cfg(any(loom, shuttle))]
pub use once::{Once, OnceState};
#[cfg(any(loom, shuttle))]
pub use once_lock::OnceLock;
#[cfg(any(loom, shuttle))]
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};

// The error types are plain data, the same under every backend: code that matches on
// `std::sync::TryLockError` keeps working.
pub use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

#[cfg(not(any(loom, shuttle)))]
pub use std::sync::{
    mpsc, Barrier, BarrierWaitResult, Condvar, LazyLock, Mutex, MutexGuard, Once, OnceLock,
    OnceState, RwLock, RwLockReadGuard, RwLockWriteGuard, WaitTimeoutResult,
};

// std builds: `trace::label(&mutex, "A")` compiles (and does nothing) on std's own types too,
// so a program that labels its locks needs no cfg.
#[cfg(not(any(loom, shuttle)))]
impl<T: ?Sized> crate::trace::Traced for std::sync::Mutex<T> {
    fn trace_key(&self) -> usize {
        core::ptr::from_ref(self).cast::<()>().addr()
    }
}

/// Plain bookkeeping shared by model threads, outside the checker: a condvar's waiter queue,
/// a poison flag.
///
/// Sound because loom and shuttle run every model thread as a coroutine of the one OS thread
/// that runs the execution, switching only at the checker's own scheduling points (its atomics,
/// locks, spawn and join). Each access here happens between two such points and holds no
/// borrow across one, so no two accesses are ever concurrent.
///
/// Not a scheduling point, and invisible to loom's partial-order reduction: a type whose
/// behaviour depends on the order of two threads' accesses to a `Serial` also has them touch
/// one checker object (an atomic, a lock) at those accesses, so the checker sees them as
/// dependent and explores both orders.
#[cfg(any(loom, shuttle))]
pub(crate) struct Serial<T>(core::cell::RefCell<T>);

// SAFETY: see the type's docs: accesses are serialised by the checker's scheduler, on one OS
// thread.
#[cfg(any(loom, shuttle))]
unsafe impl<T> Send for Serial<T> {}
// SAFETY: as for `Send`.
#[cfg(any(loom, shuttle))]
unsafe impl<T> Sync for Serial<T> {}

#[cfg(any(loom, shuttle))]
impl<T> Serial<T> {
    pub(crate) const fn new(value: T) -> Self {
        Serial(core::cell::RefCell::new(value))
    }

    /// Runs `f` on the value. `f` must not reach a scheduling point.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.0.borrow_mut())
    }
}

#[cfg(any(loom, shuttle))]
impl<T: Copy> Serial<T> {
    pub(crate) fn get(&self) -> T {
        *self.0.borrow()
    }

    pub(crate) fn set(&self, value: T) {
        *self.0.borrow_mut() = value;
    }
}

/// A racelab lock for a facade type's own use: always the spec face (std builds run std's
/// types, not racelab's implementation, so there is no implementation to show), and, when
/// `hidden`, left out of traces (the type records its own rows instead).
#[cfg(any(loom, shuttle))]
pub(crate) fn raw_lock(hidden: bool) -> crate::RawLock {
    let lock = crate::face::with(crate::Face::Spec, crate::RawLock::new);
    if hidden {
        // Only for a lock at its final address (boxed): traces know a lock by its address.
        crate::trace::hide(&lock);
    }
    lock
}

/// std's poison flag: a guard dropped while its thread panics poisons the lock.
///
/// Set by a guard before it releases the lock and read by the next holder after it takes it,
/// so the lock orders the two. `is_poisoned` outside the lock reads the flag as it is at that
/// point of the execution, without a branch of its own (std's is a Relaxed load: a read racing
/// the poisoning may see either value; here the schedule decides which).
#[cfg(any(loom, shuttle))]
pub(crate) struct Poison(Serial<bool>);

#[cfg(any(loom, shuttle))]
impl Poison {
    pub(crate) const fn new() -> Self {
        Poison(Serial::new(false))
    }

    pub(crate) fn get(&self) -> bool {
        self.0.get()
    }

    pub(crate) fn clear(&self) {
        self.0.set(false);
    }

    /// Called by a guard as it is created: whether its thread is already panicking (a guard
    /// taken while unwinding does not poison, as in std).
    pub(crate) fn guard() -> bool {
        crate::sync::thread::panicking()
    }

    /// Called by a guard as it is dropped, with what [`guard`](Self::guard) said.
    pub(crate) fn done(&self, was_panicking: bool) {
        if !was_panicking && crate::sync::thread::panicking() {
            self.0.set(true);
        }
    }

    /// `Ok(value)`, or `Err(PoisonError(value))` if poisoned.
    pub(crate) fn map<G>(&self, value: G) -> LockResult<G> {
        if self.get() {
            Err(PoisonError::new(value))
        } else {
            Ok(value)
        }
    }
}
