//! [`Semaphore`](super::Semaphore)'s spec face under shuttle: shuttle's own `BatchSemaphore`,
//! one scheduling point per operation (see [`crate::face`]).
//!
//! The contract it models, proved of the implementation by its own suites (the table on
//! `Semaphore`): at most `permits` holders; a release happens-before the acquire that takes
//! its permit; a release with waiters lets one in; `try_acquire` never blocks; a bounded
//! release past the bound changes nothing. The batch semaphore is unfair, like the
//! implementation: a woken waiter competes with newcomers.
//!
//! `available`, `has_waiters`, `waiters` and the over-release check read bookkeeping kept outside the
//! checker. shuttle serialises execution and switches only at its scheduling points, so those
//! reads see the state at that point exactly.

use core::cell::Cell;

use shuttle::future::batch_semaphore::{BatchSemaphore, Fairness};

use crate::trace;

use super::OverReleaseError;

pub(super) struct SpecSemaphore {
    blocker: BatchSemaphore,
    /// Permits inside a `release` that has not added them yet (shuttle's `release` switches
    /// threads before it adds): counted so two racing bounded releases cannot both pass the
    /// check.
    releasing: Cell<usize>,
    /// Threads that saw no permit and are blocked inside shuttle's acquire.
    waiting: Cell<usize>,
}

// SAFETY: shuttle runs every model thread on the one OS thread that runs the execution and
// switches between them only at its scheduling points (inside the batch semaphore's calls), so
// no two accesses to the `Cell`s are ever concurrent.
unsafe impl Send for SpecSemaphore {}
// SAFETY: as for `Send`.
unsafe impl Sync for SpecSemaphore {}

impl SpecSemaphore {
    pub(super) fn new(permits: usize) -> Self {
        SpecSemaphore {
            blocker: BatchSemaphore::new(permits, Fairness::Unfair),
            releasing: Cell::new(0),
            waiting: Cell::new(0),
        }
    }

    pub(super) fn acquire(&self) {
        // A thread that sees no permit blocks inside shuttle's acquire (until a release).
        let blocks = self.available() == 0;
        if blocks {
            trace::waiting("sem");
            self.waiting.set(self.waiting.get() + 1);
        } else {
            // shuttle may still switch to a thread that takes the last permit before this one
            // does (its acquire is the scheduling point): then this thread blocks with no row.
            trace::may_block("sem");
        }
        // An `Err` means the execution is being torn down after it ended; shuttle's own
        // `Mutex` then goes on as if it had acquired, and so does this.
        let _ = self.blocker.acquire_blocking(1);
        if blocks {
            self.waiting.set(self.waiting.get() - 1);
        }
        trace::step(|| format!("acquire sem ({} left)", self.available()));
    }

    pub(super) fn try_acquire(&self) -> bool {
        let taken = self.blocker.try_acquire(1).is_ok();
        if taken {
            trace::step(|| format!("acquire sem ({} left)", self.available()));
        } else {
            trace::step(|| "try_acquire sem: none left".to_owned());
        }
        taken
    }

    pub(super) fn release(&self, n: usize, bound: usize) -> Result<(), OverReleaseError> {
        if n == 0 {
            return Ok(());
        }
        let available = self.blocker.available_permits() + self.releasing.get();
        if n > bound - available.min(bound) {
            trace::step(|| format!("release sem: over-release ({available} left)"));
            return Err(OverReleaseError {
                released: n,
                available,
                initial: bound,
            });
        }
        trace::step(|| format!("release sem ({} left)", available + n));
        self.releasing.set(self.releasing.get() + n);
        self.blocker.release(n);
        self.releasing.set(self.releasing.get() - n);
        Ok(())
    }

    pub(super) fn available(&self) -> usize {
        self.blocker.available_permits() + self.releasing.get()
    }

    pub(super) fn has_waiters(&self) -> bool {
        self.waiting.get() > 0
    }

    pub(super) fn waiters(&self) -> usize {
        self.waiting.get()
    }
}
