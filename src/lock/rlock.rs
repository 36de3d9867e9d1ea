//! [`RLock`]: Python's reentrant lock — the thread that holds it may acquire it again, and must
//! release it as many times.

use core::fmt;

use crate::sync::internal::atomic::{AtomicUsize, Ordering};
use crate::sync::internal::cell::UnsafeCell;
use crate::trace;

use super::RawLock;

/// The owner word of a free lock: no thread's token is 0.
const NO_OWNER: usize = 0;

// A token per thread, never reused: numbered from a process-wide counter the first time the
// thread asks, and kept in the thread's own thread-local (each backend's: loom and shuttle
// keep one per model thread). Not an address: a thread-local's address is reused by a later
// thread once its thread ends, which loom shows as a second "owner" writing the count.
//
// The counter is std's atomic, outside the model on purpose: it hands out identities, not
// synchronisation (each thread reads only the value it was given), and a checker's atomic
// would add a scheduling point to every thread's first acquire.
#[allow(clippy::disallowed_types)] // see above: identity, not synchronisation
static NEXT_TOKEN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

#[cfg(not(any(loom, shuttle)))]
std::thread_local! {
    static TOKEN: core::cell::Cell<usize> = const { core::cell::Cell::new(NO_OWNER) };
}
#[cfg(loom)]
loom::thread_local! {
    static TOKEN: core::cell::Cell<usize> = core::cell::Cell::new(NO_OWNER);
}
#[cfg(shuttle)]
shuttle::thread_local! {
    static TOKEN: core::cell::Cell<usize> = const { core::cell::Cell::new(NO_OWNER) };
}

/// The calling thread's token (never [`NO_OWNER`]).
#[inline]
fn current_token() -> usize {
    TOKEN.with(|t| match t.get() {
        NO_OWNER => {
            // Relaxed: only uniqueness matters (every RMW reads a distinct value).
            let token = NEXT_TOKEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            t.set(token);
            token
        }
        token => token,
    })
}

/// Python's `threading.RLock`: a lock the thread that holds it may acquire again.
///
/// An `RLock` has an *owner* and a *recursion count*. `acquire` by the owner only counts up;
/// `acquire` by any other thread blocks until the lock is free, then takes it with a count of
/// one. `release` counts down, and the release that brings the count to zero frees the lock.
/// Only the owner may release: a release by any other thread — or of a free lock — is an
/// [`RLockReleaseError`] and changes nothing, as Python's `RuntimeError: cannot release
/// un-acquired lock`. (The plain [`RawLock`] is ownerless: any thread may release it.)
///
/// # Examples
///
/// A function that takes the lock and calls another that takes it again — with a plain lock
/// the second `acquire` would block forever (the `self_deadlock` model):
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
/// use racelab::RLock;
///
/// let lock = RLock::new();
/// lock.acquire();
/// lock.acquire(); // the owner again: only counts up
/// assert_eq!(lock.recursion_count(), 2);
/// lock.release().unwrap();
/// assert!(lock.is_locked()); // still held: one release to go
/// lock.release().unwrap();
/// assert!(!lock.is_locked());
///
/// // Releasing a lock this thread does not hold is an error, as in Python:
/// assert!(lock.release().is_err());
/// ```
///
/// # Under loom and shuttle
///
/// An `RLock` is a [`RawLock`] plus its owner and count, and shows the checker the face its
/// `RawLock` was created with ([`crate::face::current`] when [`RLock::new`] runs):
///
/// - **spec** (the default): the `RawLock`'s spec (the checker's own blocking lock), with
///   the owner and count kept in plain cells: one scheduling point per `acquire` that takes
///   the lock and per `release` that frees it; a reentrant `acquire`, a counting-down
///   `release`, a rejected `release` and the queries are no scheduling point at all (the
///   bookkeeping is the owner's alone, and execution is serialised between scheduling points);
/// - **implementation**: the `RawLock`'s implementation, and the owner word as the atomic
///   below, every load and store of it a scheduling point.
///
/// What justifies the spec — each property, and the check of the implementation that proves
/// it:
///
/// | the spec says | proved of the implementation by |
/// |---|---|
/// | at most one owner at a time, across reentrant acquires and partial releases | `tests/loom_rlock.rs` (`loom_rlock_exclusion`: two threads, each acquiring twice, the shared counter in loom's `UnsafeCell`), `tests/shuttle_rlock.rs` at 5 threads |
/// | the release that frees the lock happens-before the next owner's acquire | the same loom checks: the counter's accesses race unless it does |
/// | the owner's acquire never blocks; the count tracks acquires minus releases | `loom_rlock_reentrancy`, `tests/std_rlock.rs` |
/// | a release by a non-owner, or of a free lock, is `RLockReleaseError` and changes nothing | `loom_rlock_non_owner_release` |
/// | the spec face itself keeps all of the above | `loom_rlock_spec_exclusion`, `loom_rlock_spec_non_owner_release` |
/// | a freeing release lets a blocked acquirer in (no lost wake-up) | `RawLock`'s own suites (the `RawLock` does the blocking); a lost one is a loom deadlock in the checks above |
///
/// A timed acquire ([`acquire_timeout`](RLock::acquire_timeout)) is, under loom and shuttle, a
/// choice the checker explores: taken, or timed out.
pub struct RLock {
    /// The lock itself; held exactly while `owner` is a thread's token.
    lock: RawLock,
    /// The owner's token (see `current_token`), or `NO_OWNER`.
    ///
    /// | `owner` | `lock` | `count` | meaning |
    /// |---|---|---|---|
    /// | `NO_OWNER` | free | 0 | free |
    /// | `NO_OWNER` | held | 0 | a thread has just taken `lock` and is about to write its token, or has cleared it and is about to release |
    /// | token of t | held | n ≥ 1 | t owns the lock, acquired n times more than released |
    /// | token of t | free | any | impossible: the token is written after `lock` is taken and cleared before it is released |
    ///
    /// Written only by the thread that holds `lock`. Read by any thread, but only to ask "is
    /// it me?", so every access is `Relaxed`: a thread's own token can only be read by that
    /// thread if it wrote it itself and has not cleared it since (the other writers only ever
    /// store *their* token or `NO_OWNER`, and coherence keeps a thread from reading a value
    /// older than its own last store). Whether the answer is "no" because another thread owns
    /// the lock or because it is free does not matter: either way this thread does not own it.
    owner: AtomicUsize,
    /// The recursion count. Read and written only by the owner: the hand-over between owners
    /// is ordered by `lock`'s release/acquire.
    count: UnsafeCell<usize>,
    /// Checker builds: the spec face keeps the owner here instead of in `owner` (no
    /// scheduling point; see the type's docs).
    #[cfg(any(loom, shuttle))]
    spec_owner: Option<core::cell::Cell<usize>>,
}

// SAFETY: `count` is only touched by the thread that holds `lock`, whose acquire/release
// orders the hand-over (see the fields); `owner` is atomic. `spec_owner` (checker builds) is
// touched only between the checker's scheduling points by the one model thread running then
// (loom and shuttle run every model thread on one OS thread, one at a time, as `SpecLock`'s
// own `Sync` argument says).
unsafe impl Sync for RLock {}
// SAFETY: as for `Sync`: nothing in an `RLock` is tied to the thread that created it.
unsafe impl Send for RLock {}

impl RLock {
    /// Creates a free lock.
    #[must_use]
    pub fn new() -> Self {
        let lock = RawLock::new();
        RLock {
            #[cfg(any(loom, shuttle))]
            spec_owner: matches!(crate::face::current(), crate::face::Face::Spec)
                .then(|| core::cell::Cell::new(NO_OWNER)),
            lock,
            owner: AtomicUsize::new(NO_OWNER),
            count: UnsafeCell::new(0),
        }
    }

    /// The identity traces know this lock by (its `RawLock`'s).
    #[inline(always)]
    fn key(&self) -> usize {
        trace::Traced::trace_key(&self.lock)
    }

    #[inline]
    fn owner(&self) -> usize {
        #[cfg(any(loom, shuttle))]
        if let Some(owner) = &self.spec_owner {
            return owner.get();
        }
        // Relaxed: only compared with the caller's own token (see the field).
        self.owner.load(Ordering::Relaxed)
    }

    #[inline]
    fn set_owner(&self, token: usize) {
        #[cfg(any(loom, shuttle))]
        if let Some(owner) = &self.spec_owner {
            return owner.set(token);
        }
        // Relaxed: see the field; the hand-over itself is ordered by `lock`.
        self.owner.store(token, Ordering::Relaxed);
    }

    /// Returns `true` if the calling thread owns the lock (Python's `RLock._is_owned`).
    #[must_use]
    #[inline]
    pub fn is_owned(&self) -> bool {
        self.owner() == current_token()
    }

    /// Returns `true` if some thread holds the lock right now (a snapshot, like
    /// [`RawLock::is_locked`]).
    #[must_use]
    pub fn is_locked(&self) -> bool {
        self.lock.is_locked()
    }

    /// How many times the calling thread has acquired the lock without releasing it: 0 if it
    /// does not own it (Python's `RLock._recursion_count`).
    #[must_use]
    pub fn recursion_count(&self) -> usize {
        if self.is_owned() {
            // SAFETY: the caller owns the lock, and only the owner touches `count`.
            self.count.with(|c| unsafe { *c })
        } else {
            0
        }
    }

    /// Counts one more acquire by the owner.
    fn count_up(&self) {
        // SAFETY: the caller owns the lock, and only the owner touches `count`.
        let count = self.count.with_mut(|c| unsafe {
            *c += 1;
            *c
        });
        trace::step(|| format!("acquire rlock again (count {count})"));
    }

    /// Becomes the owner of the just-taken `lock`.
    fn take_ownership(&self, me: usize) {
        self.set_owner(me);
        // SAFETY: this thread holds `lock` and is now the owner; the previous owner's last
        // write of `count` happens-before its release, which happens-before our acquire.
        self.count.with_mut(|c| unsafe {
            debug_assert_eq!(*c, 0, "a free RLock has count 0");
            *c = 1;
        });
    }

    /// Blocks until the lock is free or owned by the calling thread, then takes it (or counts
    /// one more acquire).
    #[inline]
    pub fn acquire(&self) {
        let me = current_token();
        if self.owner() == me {
            return self.count_up();
        }
        self.lock.acquire();
        self.take_ownership(me);
    }

    /// Takes the lock if it is free or already the calling thread's, and returns `true`;
    /// returns `false` at once if another thread holds it.
    ///
    /// # Examples
    ///
    /// ```
    /// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
    /// let lock = racelab::RLock::new();
    /// assert!(lock.try_acquire());
    /// assert!(lock.try_acquire()); // reentrant
    /// lock.release().unwrap();
    /// lock.release().unwrap();
    /// ```
    #[must_use = "if the lock was taken it must be released"]
    pub fn try_acquire(&self) -> bool {
        let me = current_token();
        if self.owner() == me {
            self.count_up();
            return true;
        }
        if self.lock.try_acquire() {
            self.take_ownership(me);
            true
        } else {
            false
        }
    }

    /// Releases one acquire; the release that brings the count to zero frees the lock (and
    /// lets one blocked acquirer in).
    ///
    /// # Errors
    ///
    /// [`RLockReleaseError`] if the calling thread does not own the lock (another thread
    /// holds it, or it is free); the lock is left as it was.
    pub fn release(&self) -> Result<(), RLockReleaseError> {
        if !self.is_owned() {
            trace::step(|| "release rlock: not the owner".to_owned());
            return Err(RLockReleaseError);
        }
        // SAFETY: the caller owns the lock, and only the owner touches `count`.
        let left = self.count.with_mut(|c| unsafe {
            *c -= 1;
            *c
        });
        if left > 0 {
            trace::step(|| format!("release rlock once (count {left})"));
            return Ok(());
        }
        self.set_owner(NO_OWNER);
        let released = self.lock.release();
        assert!(
            released.is_ok(),
            "racelab: an owned RLock's RawLock was not held (released by hand?)"
        );
        Ok(())
    }
}

impl RLock {
    /// Like [`acquire`](RLock::acquire), but gives up after `timeout`: returns `true` if the
    /// lock was taken (or counted up), `false` if the time ran out (Python's
    /// `acquire(timeout=…)`).
    ///
    /// The wait spins briefly, then sleeps in growing steps (up to 1 ms) between attempts:
    /// `RawLock`'s queue has no way to leave it before being woken, so a timed waiter polls
    /// instead of queueing, and may see the lock free up to 1 ms late.
    ///
    /// Under loom and shuttle (no time) the timeout is the checker's choice: one attempt, at a
    /// scheduling point, that takes the lock if it is free (or the caller's) and times out
    /// otherwise — what a real timed acquire does when the owner keeps the lock past the
    /// timeout. (One `try_acquire`: mind loom issue #376, two `try_lock`s of one mutex can be
    /// reported as a deadlock.)
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let lock = racelab::RLock::new();
    /// assert!(lock.acquire_timeout(Duration::from_millis(10)));
    /// lock.release().unwrap();
    /// ```
    #[must_use = "if the lock was taken it must be released"]
    pub fn acquire_timeout(&self, timeout: core::time::Duration) -> bool {
        #[cfg(any(loom, shuttle))]
        {
            let _ = timeout;
            self.try_acquire()
        }
        #[cfg(not(any(loom, shuttle)))]
        self.acquire_until(timeout)
    }

    #[cfg(not(any(loom, shuttle)))]
    fn acquire_until(&self, timeout: core::time::Duration) -> bool {
        let deadline = std::time::Instant::now().checked_add(timeout);
        let mut spins = 0;
        let mut nap = core::time::Duration::from_micros(20);
        loop {
            if self.try_acquire() {
                return true;
            }
            let now = std::time::Instant::now();
            let remaining = match deadline {
                Some(deadline) if now >= deadline => return false,
                Some(deadline) => deadline - now,
                None => core::time::Duration::MAX,
            };
            if spins < crate::sync::SPIN_LIMIT {
                spins += 1;
                crate::sync::hint::spin_loop();
                continue;
            }
            std::thread::park_timeout(nap.min(remaining));
            nap = (nap * 2).min(core::time::Duration::from_millis(1));
        }
    }
}

impl trace::Traced for RLock {
    fn trace_key(&self) -> usize {
        self.key()
    }
}

impl Default for RLock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for RLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RLock")
            .field("locked", &self.is_locked())
            .field("owned", &self.is_owned())
            .field("recursion_count", &self.recursion_count())
            .finish()
    }
}

/// [`RLock::release`] was called by a thread that does not own the lock (another thread holds
/// it, or it is free).
///
/// The lock is left as it was. Python raises `RuntimeError: cannot release un-acquired lock`
/// here; racelab returns this error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RLockReleaseError;

impl fmt::Display for RLockReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "cannot release un-acquired lock: release() was called by a thread that does not \
             own the RLock (it is free, or another thread holds it)",
        )
    }
}

impl std::error::Error for RLockReleaseError {}
