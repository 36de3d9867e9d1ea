//! [`RwLock`] and its guards in checker builds: a reader count and a writer flag behind the
//! facade's own mutex and condvar, std's poisoning, the data in the checker's `UnsafeCell`.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use crate::sync::internal::cell::UnsafeCell;
use crate::trace;

use super::{Condvar, LockResult, Mutex, MutexGuard, Poison, TryLockError, TryLockResult};

struct State {
    readers: usize,
    writer: bool,
    /// Writers blocked in `write`: new readers wait behind them.
    writers_waiting: usize,
}

/// std's `RwLock<T>`, in a checker build: many readers or one writer; every lock and unlock
/// is a trace row (`read rwlock`, `write rwlock`), blocking is the checker's (a thread stuck
/// is reported as waiting for the rwlock), and poisoning is std's (a *write* guard dropped
/// while its thread panics poisons).
///
/// A writer waiting keeps new readers out (std's policy on Linux), so a thread that takes a
/// read lock it already holds can deadlock against a waiting writer — the bug std's docs
/// warn of, found here as a deadlock.
///
/// Unlike std's, `new` is not `const` (a checker's objects belong to one execution).
pub struct RwLock<T: ?Sized> {
    state: Box<Mutex<State>>,
    changed: Condvar,
    poison: Poison,
    data: UnsafeCell<T>,
}

/// As std's: moving the lock moves the value.
// SAFETY: sending the lock sends the value; no guard can be alive across the move.
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
/// As std's: readers share `&T` across threads (`T: Sync`), a writer moves access (`T: Send`).
// SAFETY: readers only get `&T`; a writer is alone (the state's protocol).
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// An unlocked rwlock around `value`.
    pub fn new(value: T) -> Self {
        RwLock {
            state: Mutex::hidden(State {
                readers: 0,
                writer: false,
                writers_waiting: 0,
            }),
            changed: Condvar::internal(),
            poison: Poison::new(),
            data: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock and returns the value.
    ///
    /// # Errors
    ///
    /// If the lock is poisoned, the value inside the error.
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

impl<T: ?Sized> RwLock<T> {
    fn state(&self) -> MutexGuard<'_, State> {
        // Never poisoned: no guard of it is held while user code runs.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait<'a>(&self, state: MutexGuard<'a, State>, what: &str) -> MutexGuard<'a, State> {
        self.changed
            .wait_as(state, what)
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Blocks until no writer holds or waits for the lock, then takes a shared read lock.
    ///
    /// # Errors
    ///
    /// If the lock is poisoned, the guard inside the error.
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let mut state = self.state();
        while state.writer || state.writers_waiting > 0 {
            state = self.wait(state, "read rwlock (writer ahead)");
        }
        state.readers += 1;
        drop(state);
        trace::step(|| "read rwlock".to_owned());
        self.poison.map(RwLockReadGuard::new(self))
    }

    /// Takes a read lock if no writer holds or waits for it.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if it would block, [`TryLockError::Poisoned`] (holding the
    /// guard) if poisoned.
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        let mut state = self.state();
        if state.writer || state.writers_waiting > 0 {
            drop(state);
            trace::step(|| "try_read rwlock: would block".to_owned());
            return Err(TryLockError::WouldBlock);
        }
        state.readers += 1;
        drop(state);
        trace::step(|| "read rwlock".to_owned());
        Ok(self.poison.map(RwLockReadGuard::new(self))?)
    }

    /// Blocks until nobody holds the lock, then takes it exclusively.
    ///
    /// # Errors
    ///
    /// If the lock is poisoned, the guard inside the error.
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        let mut state = self.state();
        if state.writer || state.readers > 0 {
            state.writers_waiting += 1;
            while state.writer || state.readers > 0 {
                state = self.wait(state, "write rwlock (held)");
            }
            state.writers_waiting -= 1;
        }
        state.writer = true;
        drop(state);
        trace::step(|| "write rwlock".to_owned());
        self.poison.map(RwLockWriteGuard::new(self))
    }

    /// Takes the lock exclusively if nobody holds it.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if it is held, [`TryLockError::Poisoned`] (holding the
    /// guard) if poisoned.
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        let mut state = self.state();
        if state.writer || state.readers > 0 {
            drop(state);
            trace::step(|| "try_write rwlock: would block".to_owned());
            return Err(TryLockError::WouldBlock);
        }
        state.writer = true;
        drop(state);
        trace::step(|| "write rwlock".to_owned());
        Ok(self.poison.map(RwLockWriteGuard::new(self))?)
    }

    /// Whether the lock is poisoned.
    pub fn is_poisoned(&self) -> bool {
        self.poison.get()
    }

    /// Clears the poison flag.
    pub fn clear_poison(&self) {
        self.poison.clear();
    }

    /// Returns a mutable reference to the value; `&mut self` proves no guard is alive.
    ///
    /// # Errors
    ///
    /// If the lock is poisoned, the reference inside the error.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        // SAFETY: `&mut self` is exclusive; no guard (which borrows `self`) can exist.
        let data = self.data.with_mut(|data| unsafe { &mut *data });
        self.poison.map(data)
    }

    fn unlock(&self, write: bool) {
        let mut state = self.state();
        if write {
            state.writer = false;
        } else {
            state.readers -= 1;
        }
        let wake = !state.writer && state.readers == 0;
        drop(state);
        trace::step(|| {
            if write {
                "release write rwlock".to_owned()
            } else {
                "release read rwlock".to_owned()
            }
        });
        if wake {
            self.changed.notify_all();
        }
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(TryLockError::Poisoned(err)) => d.field("data", &&**err.get_ref()),
            Err(TryLockError::WouldBlock) => d.field("data", &format_args!("<locked>")),
        };
        d.field("poisoned", &self.poison.get());
        d.finish_non_exhaustive()
    }
}

/// std's `RwLockReadGuard`: shared access; the read lock is released on drop.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: the guard exposes only `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    fn new(lock: &'a RwLock<T>) -> Self {
        RwLockReadGuard {
            lock,
            _not_send: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: a read lock is held: no writer exists while the guard lives.
        self.lock.data.with(|data| unsafe { &*data })
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.unlock(false);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// std's `RwLockWriteGuard`: exclusive access; released on drop, and poisons the lock if
/// dropped while its thread panics.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    panicking: bool,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: a shared write guard exposes only `&T`.
unsafe impl<T: ?Sized + Sync> Sync for RwLockWriteGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    fn new(lock: &'a RwLock<T>) -> Self {
        RwLockWriteGuard {
            lock,
            panicking: Poison::guard(),
            _not_send: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the write lock is held: nobody else accesses the data.
        self.lock.data.with(|data| unsafe { &*data })
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference.
        self.lock.data.with_mut(|data| unsafe { &mut *data })
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.poison.done(self.panicking);
        self.lock.unlock(true);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
