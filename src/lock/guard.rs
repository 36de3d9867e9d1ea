//! [`Lock<T>`] and [`LockGuard`]: the data inside the lock, released by the guard.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use crate::sync::internal::cell::UnsafeCell;

use super::RawLock;

/// A mutual-exclusion lock around a value: the Rust way to write the tutorial's
/// `acquire()` / `try: … finally: release()`.
///
/// [`lock`](Lock::lock) returns a [`LockGuard`]; the guard gives access to the data and
/// releases the lock when it is dropped — at the end of its scope, on an early return, and
/// while unwinding from a panic. That is Python's `finally`, made impossible to forget.
///
/// The lock does not poison (see the [module docs](crate::lock#poisoning)).
///
/// # Examples
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
/// use racelab::sync::{thread, Arc};
/// use racelab::Lock;
///
/// let counter = Arc::new(Lock::new(0));
/// let handles: Vec<_> = (0..4)
///     .map(|_| {
///         let counter = Arc::clone(&counter);
///         thread::spawn(move || {
///             for _ in 0..1000 {
///                 *counter.lock() += 1;
///             }
///         })
///     })
///     .collect();
/// for h in handles {
///     h.join().unwrap();
/// }
/// assert_eq!(*counter.lock(), 4000);
/// ```
pub struct Lock<T: ?Sized> {
    raw: RawLock,
    data: UnsafeCell<T>,
}

/// `Lock<T>` moves the `T` with it, so it is `Send` when `T` is.
// SAFETY: sending the lock sends the value; no reference into it can be alive across the move.
unsafe impl<T: ?Sized + Send> Send for Lock<T> {}
/// `&Lock<T>` hands out `&mut T` to one thread at a time, which is a move of access between
/// threads: that needs `T: Send`, and (unlike a `RwLock`) not `T: Sync`, since no two threads
/// ever see the value at once.
// SAFETY: the lock's Acquire/Release protocol gives each guard exclusive access in turn.
unsafe impl<T: ?Sized + Send> Sync for Lock<T> {}

impl<T> Lock<T> {
    /// Creates a free lock around `value` (`lock#n` in a checker build's traces).
    pub fn new(value: T) -> Self {
        Lock {
            raw: RawLock::new(),
            data: UnsafeCell::new(value),
        }
    }

    /// Creates a free lock around `value`, called `name` in a checker build's traces (std
    /// builds ignore the name). The name moves with the lock: `Arc::new(Lock::named("queue",
    /// v))` is `queue` in every row.
    ///
    /// # Examples
    ///
    /// ```
    /// let queue = racelab::Lock::named("queue", Vec::<u32>::new());
    /// assert!(queue.lock().is_empty());
    /// ```
    pub fn named(name: &str, value: T) -> Self {
        Lock {
            raw: RawLock::named(name),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and returns the value. No locking is needed: ownership proves no
    /// guard is alive.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Lock<T> {
    /// Blocks until the lock is free, takes it, and returns a guard that releases it on drop.
    ///
    /// Not reentrant: calling `lock` while this thread holds a guard of the same lock
    /// blocks forever — including the guard of a `match` scrutinee, which lives to the end
    /// of the `match` (the `self_deadlock` model shows both).
    #[inline]
    pub fn lock(&self) -> LockGuard<'_, T> {
        self.raw.acquire();
        LockGuard::new(self)
    }

    /// Takes the lock if it is free; returns `None` at once if it is held.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// let lock = racelab::Lock::new(1);
    /// let guard = lock.lock();
    /// assert!(lock.try_lock().is_none());
    /// drop(guard);
    /// assert_eq!(*lock.try_lock().unwrap(), 1);
    /// ```
    #[inline]
    pub fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        self.raw.try_acquire().then(|| LockGuard::new(self))
    }

    /// Returns `true` if the lock is held right now (a snapshot).
    #[must_use]
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    /// Returns a mutable reference to the value. No locking is needed: `&mut self` proves no
    /// guard is alive.
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` is exclusive; no guard (which borrows `self`) can exist.
        self.data.with_mut(|data| unsafe { &mut *data })
    }
}

impl<T: ?Sized> crate::trace::Traced for Lock<T> {
    fn trace_key(&self) -> usize {
        self.raw.trace_key()
    }
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Self {
        Lock::new(T::default())
    }
}

impl<T> From<T> for Lock<T> {
    fn from(value: T) -> Self {
        Lock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Lock");
        match self.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish_non_exhaustive()
    }
}

/// Access to a [`Lock`]'s value; the lock is released when the guard is dropped.
///
/// Like std's `MutexGuard`, the guard is not `Send`: it stays on the thread that locked.
#[must_use = "if unused the lock is released at once"]
pub struct LockGuard<'a, T: ?Sized> {
    lock: &'a Lock<T>,
    /// `!Send`, as std's `MutexGuard`.
    _not_send: PhantomData<*const ()>,
}

/// A shared reference to the guard only gives `&T`, so sharing it needs `T: Sync`.
// SAFETY: `&LockGuard<T>` exposes only `&T`.
unsafe impl<T: ?Sized + Sync> Sync for LockGuard<'_, T> {}

impl<'a, T: ?Sized> LockGuard<'a, T> {
    #[inline]
    fn new(lock: &'a Lock<T>) -> Self {
        LockGuard {
            lock,
            _not_send: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for LockGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, so no other thread accesses the data; the
        // reference cannot outlive the guard.
        self.lock.data.with(|data| unsafe { &*data })
    }
}

impl<T: ?Sized> DerefMut for LockGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference via the guard.
        self.lock.data.with_mut(|data| unsafe { &mut *data })
    }
}

impl<T: ?Sized> Drop for LockGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        let released = self.lock.raw.release();
        debug_assert!(released.is_ok(), "a LockGuard's lock was not held");
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for LockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<'a, T: ?Sized> LockGuard<'a, T> {
    /// The lock this guard holds: [`Condition::wait`](crate::Condition::wait) releases it (by
    /// dropping the guard) and takes it again.
    #[inline]
    pub(crate) fn lock_ref(&self) -> &'a Lock<T> {
        self.lock
    }
}
