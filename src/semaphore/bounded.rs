//! [`BoundedSemaphore`]: Python's `threading.BoundedSemaphore` — a semaphore whose count never
//! exceeds its initial value.

use core::fmt;

use super::{OverReleaseError, Semaphore};

/// Python's `threading.BoundedSemaphore`: a [`Semaphore`] whose `release` is an error, not a
/// silent extra permit, when it would raise the count above the initial value — the usual
/// sign of a release without its acquire (a resource pool that "grows" by one on every bug).
///
/// Everything else — blocking, fairness, the faces under loom and shuttle, and what proves
/// them — is [`Semaphore`]'s (it is one inside).
///
/// # Examples
///
/// Python's
///
/// ```python
/// sem = threading.BoundedSemaphore(1)
/// sem.release()   # ValueError: Semaphore released too many times
/// ```
///
/// in racelab:
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
/// use racelab::BoundedSemaphore;
///
/// let sem = BoundedSemaphore::new(1);
/// sem.acquire();
/// sem.release().expect("one acquire, one release");
///
/// let error = sem.release().unwrap_err();
/// assert_eq!(error.initial, 1);
/// assert_eq!(sem.available(), 1); // unchanged
/// ```
pub struct BoundedSemaphore {
    inner: Semaphore,
    initial: usize,
}

impl BoundedSemaphore {
    /// Creates a bounded semaphore with `permits` free permits, also its largest count.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds `usize::MAX >> 2`, as for [`Semaphore::new`].
    #[must_use]
    pub fn new(permits: usize) -> Self {
        BoundedSemaphore {
            inner: Semaphore::new(permits),
            initial: permits,
        }
    }

    /// Blocks until a permit is free, then takes it.
    #[inline]
    pub fn acquire(&self) {
        self.inner.acquire();
    }

    /// Takes a permit if one is free (`true`); `false` at once otherwise.
    #[inline]
    #[must_use = "if a permit was taken it must be released"]
    pub fn try_acquire(&self) -> bool {
        self.inner.try_acquire()
    }

    /// [`Semaphore::acquire_timeout`]: `false` if no permit came free within `timeout` (under
    /// loom and shuttle, the checker's choice).
    #[must_use = "if a permit was taken it must be released"]
    pub fn acquire_timeout(&self, timeout: core::time::Duration) -> bool {
        self.inner.acquire_timeout(timeout)
    }

    /// Returns one permit and wakes the longest waiter, if any.
    ///
    /// # Errors
    ///
    /// [`OverReleaseError`] if the count is already at its initial value (Python's
    /// `ValueError`); nothing changes then.
    #[inline]
    pub fn release(&self) -> Result<(), OverReleaseError> {
        self.release_n(1)
    }

    /// Returns `n` permits and wakes up to `n` waiters; `release_n(0)` does nothing.
    ///
    /// # Errors
    ///
    /// [`OverReleaseError`] if the count would exceed its initial value; none of the `n`
    /// permits is returned then (all or nothing, as Python's `release(n)`).
    pub fn release_n(&self, n: usize) -> Result<(), OverReleaseError> {
        self.inner.release_bounded(n, self.initial)
    }

    /// The number of free permits now (a snapshot).
    #[must_use]
    pub fn available(&self) -> usize {
        self.inner.available()
    }

    /// The initial, and largest, count.
    #[must_use]
    pub fn initial(&self) -> usize {
        self.initial
    }

    /// `true` if threads are parked waiting for a permit (a snapshot).
    #[must_use]
    pub fn has_waiters(&self) -> bool {
        self.inner.has_waiters()
    }

    /// How many threads are parked waiting for a permit now (a snapshot).
    #[must_use]
    pub fn waiters(&self) -> usize {
        self.inner.waiters()
    }
}

impl Default for BoundedSemaphore {
    /// Python's default: one permit.
    fn default() -> Self {
        Self::new(1)
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available", &self.available())
            .field("initial", &self.initial)
            .field("waiters", &self.has_waiters())
            .finish()
    }
}
