//! [`Mutex`] and [`MutexGuard`] in checker builds: std's API on racelab's spec lock, with
//! std's poisoning.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use crate::sync::internal::cell::UnsafeCell;
use crate::trace;
use crate::RawLock;

use super::{raw_lock, LockResult, Poison, TryLockError, TryLockResult};

/// std's `Mutex<T>`, in a checker build: each `lock`, `try_lock` and guard drop is one
/// scheduling point of the checker, blocking is the checker's own (a deadlock is found and
/// reported with its wait-for cycle), and the data lives in the checker's `UnsafeCell`.
///
/// Poisoning is std's: a guard dropped while its thread panics poisons the mutex, and every
/// later `lock` returns `Err(PoisonError)` holding the guard, until
/// [`clear_poison`](Self::clear_poison).
///
/// Unlike std's, `new` is not `const`: a checker's objects belong to one execution, so a
/// `static` mutex cannot be explored (create it inside the checked body instead).
///
/// # Examples
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
/// use racelab::sync::{thread, Arc, Mutex};
///
/// let counter = Arc::new(Mutex::new(0));
/// let c = Arc::clone(&counter);
/// thread::spawn(move || *c.lock().unwrap() += 1).join().unwrap();
/// assert_eq!(*counter.lock().unwrap(), 1);
/// ```
pub struct Mutex<T: ?Sized> {
    raw: RawLock,
    poison: Poison,
    data: UnsafeCell<T>,
}

/// As std's: moving the mutex moves the value.
// SAFETY: sending the mutex sends the value; no guard can be alive across the move.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
/// As std's: `&Mutex<T>` hands `&mut T` to one thread at a time, which needs `T: Send` only.
// SAFETY: the lock gives each guard exclusive access in turn (release → acquire).
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// Creates an unlocked mutex around `value`.
    pub fn new(value: T) -> Self {
        Mutex {
            raw: raw_lock(false),
            poison: Poison::new(),
            data: UnsafeCell::new(value),
        }
    }

    /// A mutex for a facade type's own state, left out of traces (the type records its own
    /// rows); boxed, since traces know a lock by its address.
    pub(super) fn hidden(value: T) -> Box<Self> {
        let mutex = Box::new(Mutex::new(value));
        trace::hide(&mutex.raw);
        mutex
    }

    /// Consumes the mutex and returns the value.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned, the value inside the error.
    pub fn into_inner(self) -> LockResult<T> {
        let poisoned = self.poison.get();
        let value = self.data.into_inner();
        if poisoned {
            Err(super::PoisonError::new(value))
        } else {
            Ok(value)
        }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Blocks until the mutex is free, takes it, and returns a guard that releases it on drop.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned (a guard was dropped while its thread panicked), the guard
    /// inside the error: the lock is held either way.
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        self.raw.acquire();
        self.poison.map(MutexGuard::new(self))
    }

    /// Takes the mutex if it is free.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if it is held; [`TryLockError::Poisoned`] (holding the
    /// guard) if it was free but poisoned.
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        if self.raw.try_acquire() {
            Ok(self.poison.map(MutexGuard::new(self))?)
        } else {
            trace::step(|| "try_lock mutex: held, would block".to_owned());
            Err(TryLockError::WouldBlock)
        }
    }

    /// Whether the mutex is poisoned.
    pub fn is_poisoned(&self) -> bool {
        self.poison.get()
    }

    /// Clears the poison flag.
    pub fn clear_poison(&self) {
        self.poison.clear();
    }

    /// Returns a mutable reference to the value; no locking needed, `&mut self` proves no
    /// guard is alive.
    ///
    /// # Errors
    ///
    /// If the mutex is poisoned, the reference inside the error.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        // SAFETY: `&mut self` is exclusive; no guard (which borrows `self`) can exist.
        let data = self.data.with_mut(|data| unsafe { &mut *data });
        self.poison.map(data)
    }

    pub(super) fn poison(&self) -> &Poison {
        &self.poison
    }
}

impl<T: ?Sized> trace::Traced for Mutex<T> {
    fn trace_key(&self) -> usize {
        trace::Traced::trace_key(&self.raw)
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(TryLockError::Poisoned(err)) => d.field("data", &&**err.get_ref()),
            Err(TryLockError::WouldBlock) => d.field("data", &format_args!("<locked>")),
        };
        d.field("poisoned", &self.poison.get());
        d.finish_non_exhaustive()
    }
}

/// std's `MutexGuard`: access to a [`Mutex`]'s value; the mutex is released when the guard is
/// dropped (and poisoned, if the guard is dropped while its thread panics).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
    /// Whether the thread was already panicking when it took the guard.
    panicking: bool,
    /// `!Send`, as std's.
    _not_send: PhantomData<*const ()>,
}

/// As std's: a shared guard gives only `&T`.
// SAFETY: `&MutexGuard<T>` exposes only `&T`.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    fn new(lock: &'a Mutex<T>) -> Self {
        MutexGuard {
            lock,
            panicking: Poison::guard(),
            _not_send: PhantomData,
        }
    }

    /// The guard's mutex (for [`Condvar`](super::Condvar)).
    pub(super) fn mutex(&self) -> &'a Mutex<T> {
        self.lock
    }

    /// Releases the mutex as a drop would, without consuming the guard's borrow: the condvar
    /// hands the guard back after it takes the mutex again with [`relock`](Self::relock).
    pub(super) fn unlock(&self) {
        self.lock.poison.done(self.panicking);
        let released = self.lock.raw.release();
        debug_assert!(released.is_ok(), "a MutexGuard's mutex was not held");
    }

    /// Takes the mutex again after [`unlock`](Self::unlock).
    pub(super) fn relock(&mut self) {
        self.lock.raw.acquire();
        self.panicking = Poison::guard();
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the mutex, so no other thread accesses the data; the
        // reference cannot outlive the guard.
        self.lock.data.with(|data| unsafe { &*data })
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference via the guard.
        self.lock.data.with_mut(|data| unsafe { &mut *data })
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.unlock();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
