//! [`Gate`]: one waiter's private lock, closed by the waiter and opened by whoever wakes it.

use super::timeout::Deadline;
use crate::lock::RawLock;
use crate::trace;

/// One waiter's wake-up: a [`RawLock`] the waiter holds from the moment it queues (the gate is
/// *closed*), and blocks on by acquiring it a second time; the notifier *opens* the gate by
/// releasing it (any thread may release a `RawLock`).
///
/// | `lock` | meaning |
/// |---|---|
/// | held | closed: queued, not yet woken |
/// | free | open: a notifier released it; the waiter's blocking acquire returns (or has returned) |
///
/// Blocking is therefore the `RawLock`'s own: under the spec face the checker's lock (a waiter
/// no notifier will open is a deadlock the checker finds natively), under the implementation
/// face `RawLock`'s queue and park. The notifier's release happens-before the waiter's acquire
/// returns (the lock's Release → Acquire), so everything the notifier did before `notify` is
/// visible to the woken waiter. No wake-up is lost: a release before the waiter's acquire
/// leaves the lock free, and the acquire takes it without blocking.
pub(crate) struct Gate {
    lock: RawLock,
    /// std builds: a timed waiter polls the gate between naps, and the opener unparks it.
    #[cfg(not(any(loom, shuttle)))]
    sleeper: Option<crate::sync::internal::thread::Thread>,
}

impl Gate {
    /// A closed gate (held by the calling thread). Called with the gate at its final address
    /// (inside its `Arc`), so that hiding it from traces names the right lock.
    pub(crate) fn close(&self) {
        // The gate's acquire/release rows would bury the condition's own (`wait`, `notify`).
        // A freed gate's address may be reused; only by another gate, in practice (a
        // `RawLock` of a program is its own allocation, of another size).
        trace::hide(&self.lock);
        // A fresh gate is free, so this never blocks. (Not `try_acquire`: loom can report
        // two `try_lock`s on one mutex as a deadlock, loom issue #376.)
        self.lock.acquire();
    }

    /// A gate for an untimed wait.
    pub(crate) fn new() -> Self {
        Gate {
            lock: RawLock::new(),
            #[cfg(not(any(loom, shuttle)))]
            sleeper: None,
        }
    }

    /// Blocks until the gate is opened.
    pub(crate) fn pass(&self) {
        self.lock.acquire();
    }

    /// Opens the gate: its waiter's `pass` returns.
    pub(crate) fn open(&self) {
        let opened = self.lock.release();
        debug_assert!(opened.is_ok(), "a queued gate is closed");
        #[cfg(not(any(loom, shuttle)))]
        if let Some(sleeper) = &self.sleeper {
            sleeper.unpark();
        }
    }
}

impl Gate {
    /// A gate for a timed wait: its opener (std builds) unparks the calling thread.
    pub(crate) fn timed() -> Self {
        Gate {
            lock: RawLock::new(),
            #[cfg(not(any(loom, shuttle)))]
            sleeper: Some(crate::sync::internal::thread::current()),
        }
    }

    /// Waits for the gate to open until `deadline`; returns `true` if it opened. Only for a
    /// gate made by [`Gate::timed`] on this thread. Checker builds: gives up at once (see
    /// `Deadline`); the caller's withdrawal is the scheduling point that decides.
    pub(crate) fn pass_until(&self, deadline: &Deadline) -> bool {
        #[cfg(not(any(loom, shuttle)))]
        {
            debug_assert!(
                self.sleeper.is_some(),
                "an untimed gate has no one to unpark"
            );
            loop {
                // Acquire (inside `try_acquire`): pairs with the release in `open`. The opener
                // releases, then unparks; a release after this failed attempt leaves a token,
                // so the park below returns at once: no wake-up is lost.
                if self.lock.try_acquire() {
                    return true;
                }
                match deadline.remaining() {
                    None => return false,
                    Some(Some(left)) => std::thread::park_timeout(left),
                    Some(None) => crate::sync::internal::thread::park(),
                }
            }
        }
        #[cfg(any(loom, shuttle))]
        {
            // No `try_acquire` here: loom can report two `try_lock`s on one mutex as a
            // deadlock (loom issue #376); the withdrawal under the queue's lock decides.
            let _ = deadline;
            false
        }
    }
}
