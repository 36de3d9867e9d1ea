//! The lock a program uses, as a type parameter: each lock-using program is written once, over
//! a [`Flavour`], and runs with racelab's [`Lock`](racelab::Lock) ([`RacelabLock`]) and with
//! the active checker's own mutex ([`CheckerMutex`]: loom's, shuttle's, or std's in a std
//! build). The two runs differ only in the lock, so their execution counts compare what
//! exploring racelab's lock costs a client against the checker's native one.

use core::ops::DerefMut;

use racelab::sync::Arc;

/// A mutual-exclusion lock around a `T`: what a program needs of one.
pub trait HuntLock<T>: Send + Sync + 'static {
    /// The guard: the value while the lock is held; dropping it releases the lock.
    type Guard<'a>: DerefMut<Target = T>
    where
        Self: 'a;

    /// A free lock around `value`.
    fn new(value: T) -> Self;

    /// Blocks until the lock is free and takes it.
    fn lock(&self) -> Self::Guard<'_>;

    /// Names the lock in failure reports (a deadlock's wait-for cycle), where the lock is
    /// racelab's; the checkers' own mutexes have no names.
    fn label(&self, _name: &'static str) {}
}

/// A family of locks, one per value type: what a program is generic over.
pub trait Flavour: 'static {
    /// How the flavour is named in records and tables.
    const NAME: &'static str;

    /// The lock around a `T`.
    type Lock<T: Send + 'static>: HuntLock<T>;

    /// A free lock around `value`, shared, and named `name` where the lock can be named.
    /// (racelab's trace knows a lock by where it lives, so the name is given once the lock
    /// is in its `Arc`.)
    fn shared<T: Send + 'static>(name: &'static str, value: T) -> Arc<Self::Lock<T>> {
        let lock = Arc::new(<Self::Lock<T> as HuntLock<T>>::new(value));
        lock.label(name);
        lock
    }
}

/// racelab's [`Lock`](racelab::Lock).
#[derive(Debug)]
pub enum RacelabLock {}

impl Flavour for RacelabLock {
    const NAME: &'static str = "racelab-lock";
    type Lock<T: Send + 'static> = racelab::Lock<T>;
}

impl<T: Send + 'static> HuntLock<T> for racelab::Lock<T> {
    type Guard<'a> = racelab::LockGuard<'a, T>;

    fn new(value: T) -> Self {
        racelab::Lock::new(value)
    }

    fn lock(&self) -> Self::Guard<'_> {
        racelab::Lock::lock(self)
    }

    fn label(&self, name: &'static str) {
        racelab::trace::label(self, name);
    }
}

/// The active checker's own mutex: loom's under `--cfg loom`, shuttle's under `--cfg shuttle`,
/// std's in a std build.
#[derive(Debug)]
pub enum CheckerMutex {}

impl Flavour for CheckerMutex {
    const NAME: &'static str = "checker-mutex";
    type Lock<T: Send + 'static> = checker::Mutex<T>;
}

/// Implements [`HuntLock`] for a std-shaped `Mutex` (`lock()` returns a `LockResult`). A
/// poisoned lock hands its value on: the panic that poisoned it is the failure, and a second
/// panic here would only repeat it.
macro_rules! std_shaped_mutex {
    ($mutex:ident, $guard:ident) => {
        impl<T: Send + 'static> HuntLock<T> for $mutex<T> {
            type Guard<'a> = $guard<'a, T>;

            fn new(value: T) -> Self {
                $mutex::new(value)
            }

            fn lock(&self) -> Self::Guard<'_> {
                $mutex::lock(self).unwrap_or_else(|poisoned| poisoned.into_inner())
            }
        }
    };
}

#[cfg(loom)]
mod checker {
    pub use loom::sync::{Mutex, MutexGuard};

    use super::HuntLock;

    std_shaped_mutex!(Mutex, MutexGuard);
}

#[cfg(shuttle)]
mod checker {
    pub use shuttle::sync::{Mutex, MutexGuard};

    use super::HuntLock;

    std_shaped_mutex!(Mutex, MutexGuard);
}

// std's Mutex is the "checker's own" lock of a std build, where there is no checker: the
// comparison runs on real threads. clippy.toml bans it everywhere else so that loom and shuttle
// see every lock; here it is the point.
#[cfg(not(any(loom, shuttle)))]
#[allow(clippy::disallowed_types)]
mod checker {
    pub use std::sync::{Mutex, MutexGuard};

    use super::HuntLock;

    std_shaped_mutex!(Mutex, MutexGuard);
}
