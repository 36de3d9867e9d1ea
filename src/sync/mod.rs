//! The backend facade: one set of names, three backends.
//!
//! Everything concurrent in racelab — the lock, the pool, the harness, the models — takes its
//! atomics, `Arc`, threads, parking, spin hints and `UnsafeCell` from here. The backend is picked
//! by cfg, the ecosystem's convention:
//!
//! | build | backend | what it gives |
//! |---|---|---|
//! | default | `std` | the real thing |
//! | `RUSTFLAGS="--cfg loom"` | [loom] 0.7 | exhaustive exploration under the C11 memory model |
//! | `RUSTFLAGS="--cfg shuttle"` | [shuttle] 0.9.9 | randomized and PCT schedules (atomics are SeqCst) |
//!
//! The std side adapts to loom's API (as tokio's `loom/std` does): [`cell::UnsafeCell`] has
//! loom's `with` / `with_mut` on every backend, so algorithm code carries no cfg.
//!
//! # std's names, for your crate
//!
//! A crate written against `std::sync` switches to racelab by changing its `use` line:
//! [`Mutex`], [`MutexGuard`], [`RwLock`] and its guards, [`Condvar`], [`Barrier`], [`Once`],
//! [`OnceLock`], [`LazyLock`], [`mpsc`], and the error types [`LockResult`], [`PoisonError`],
//! [`TryLockError`], [`TryLockResult`] have std's names and signatures under every backend.
//!
//! | std name | std build | loom and shuttle builds |
//! |---|---|---|
//! | `Mutex`, `MutexGuard` | std's | racelab's spec lock (one scheduling point per operation, the checker's blocking, lock rows and wait-for cycles), the checker's `UnsafeCell`, std's poisoning |
//! | `Condvar` | std's | a FIFO of per-waiter gates (spec locks, never parks): lost notifies are lost, waits block in the checker; `wait_timeout` may time out at any point the checker picks |
//! | `RwLock` and guards | std's | reader count and writer flag on the facade's mutex and condvar; writers waiting keep readers out; std's poisoning |
//! | `Barrier` | std's | count and generation on the facade's mutex and condvar; reusable |
//! | `Once`, `OnceLock`, `LazyLock` | std's | a state on the facade's mutex and condvar; the initialiser runs once, outside the lock |
//! | `mpsc` | std's | a queue on the facade's mutex and condvars; std's disconnection errors; `sync_channel(0)` a rendezvous |
//! | `LockResult`, `PoisonError`, `TryLockError`, `TryLockResult`, `mpsc`'s errors | std's | std's |
//!
//! In checker builds the constructors are not `const` (a checker's objects belong to one
//! execution, so a `static` cannot hold one). In std builds they are std's own types: no cost,
//! and a function that takes a `std::sync::Mutex<i32>` takes a `racelab::sync::Mutex<i32>`.
//!
//! A stray `std::sync` or `std::thread` import would silently escape the checkers; clippy's
//! `disallowed-types` / `disallowed-methods` (see `clippy.toml`) flag one anywhere outside this
//! module.
//!
//! [loom]: https://docs.rs/loom
//! [shuttle]: https://docs.rs/shuttle

#[cfg(all(loom, shuttle))]
compile_error!("racelab: `--cfg loom` and `--cfg shuttle` are exclusive; build with one of them");

#[cfg(not(loom))]
mod std_cell;

mod named;
#[cfg(any(loom, shuttle))]
mod traced;
#[cfg(any(loom, shuttle))]
pub(crate) use traced::atomic::STALE_SEQCST;

#[cfg(not(any(loom, shuttle)))]
mod std_impl;
#[cfg(not(any(loom, shuttle)))]
use std_impl as imp;

#[cfg(loom)]
mod loom_impl;
#[cfg(loom)]
use loom_impl as imp;

#[cfg(shuttle)]
mod shuttle_impl;
#[cfg(shuttle)]
use shuttle_impl as imp;

pub use imp::{atomic, cell, hint, thread, Arc};

mod facade;
pub use facade::{
    mpsc, Barrier, BarrierWaitResult, Condvar, LazyLock, LockResult, Mutex, MutexGuard, Once,
    OnceLock, OnceState, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError,
    TryLockResult, WaitTimeoutResult,
};

/// The checker's own atomics, `UnsafeCell` and threads, never traced: what racelab's
/// primitives are built on. Their own events say what they do (`acquire lock#1`, `start task
/// 2`); a row for every CAS inside the lock would drown the program's own steps. Programs use
/// [`atomic`], [`cell`] and [`thread`].
pub(crate) mod internal {
    pub(crate) use super::imp::raw::{atomic, cell, thread};
}

/// The name of the active backend: `"std"`, `"loom"` or `"shuttle"`.
pub const BACKEND: &str = imp::NAME;

/// How many times a blocked thread spins before it parks.
///
/// Zero under loom: a spin loop adds schedules without adding behaviour, and a wait that spins
/// its way to success hides the park/unpark protocol from the checker. Every wait is a real park
/// there. Shuttle keeps two spins so the spin path itself is still exercised.
pub(crate) const SPIN_LIMIT: u32 = if cfg!(loom) {
    0
} else if cfg!(shuttle) {
    2
} else {
    100
};

#[cfg(test)]
mod tests {
    use super::atomic::{
        AtomicBool, AtomicI16, AtomicI32, AtomicI64, AtomicI8, AtomicIsize, AtomicPtr, AtomicU16,
        AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
    };

    /// Uses every std atomic type with std's methods. Compiled under every backend (the loom
    /// and shuttle clippy stages build the unit tests), run on std: the checkers' atomics only
    /// work inside an execution.
    #[cfg_attr(any(loom, shuttle), allow(dead_code))]
    fn use_every_atomic_type() {
        macro_rules! check_int {
            ($($ty:ident),*) => {$(
                let a = $ty::new(1);
                assert_eq!(a.fetch_add(2, Ordering::Relaxed), 1, stringify!($ty));
                assert_eq!(a.load(Ordering::Relaxed), 3, stringify!($ty));
            )*};
        }
        check_int!(
            AtomicI8,
            AtomicI16,
            AtomicI32,
            AtomicI64,
            AtomicIsize,
            AtomicU8,
            AtomicU16,
            AtomicU32,
            AtomicU64,
            AtomicUsize
        );
        assert_eq!(AtomicI32::new(-1).fetch_sub(1, Ordering::Relaxed), -1);
        assert!(!AtomicBool::new(false).swap(true, Ordering::Relaxed));
        let mut x = 5;
        let p = AtomicPtr::new(&mut x);
        assert!(!p.load(Ordering::Relaxed).is_null());
    }

    #[test]
    #[cfg(not(any(loom, shuttle)))]
    fn every_std_atomic_type_is_offered() {
        use_every_atomic_type();
    }
}
