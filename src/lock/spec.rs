//! [`RawLock`](super::RawLock)'s spec face: the checker's own blocking lock, one scheduling
//! point per operation (see [`crate::face`]). Only in loom and shuttle builds.
//!
//! The contract it models, and which the implementation's suites prove of the implementation:
//!
//! - mutual exclusion: between an `acquire` (or a successful `try_acquire`) and the next
//!   `release`, no other acquire returns;
//! - a `release` happens-before the `acquire` that takes the lock next (Release → Acquire);
//! - no lost wake-up: a `release` with threads blocked lets one of them take the lock;
//! - `release` of a free lock is `ReleaseError` and changes nothing; any thread may release.
//!
//! Blocking is the checker's: loom's `Mutex` (loom blocks the thread and reports a deadlock when
//! every thread is blocked), shuttle's batch semaphore (the primitive shuttle's own `Mutex` is
//! built on). Both are ownerless enough for a lock any thread may release: loom's `Mutex` does
//! not check which thread drops a guard, and a semaphore has no owner at all.
//!
//! What is not a scheduling point: `is_locked`, `has_waiters` and a `release` of a free lock
//! read bookkeeping kept outside the checker. Execution is serialised (one model thread runs
//! at a time, switching only at the checker's own scheduling points), so those reads see the
//! state at that point of the execution exactly.

// The spec's bookkeeping (who holds it, the guard it keeps) is plain memory on purpose: it is
// not part of what the checker explores (see the `Send`/`Sync` argument on `SpecLock`).
#![allow(clippy::disallowed_types)]

use core::cell::{Cell, UnsafeCell};
#[cfg(loom)]
use std::cell::RefCell;
#[cfg(loom)]
use std::rc::Rc;

use crate::trace;

use super::ReleaseError;

#[cfg(loom)]
type Blocker = loom::sync::Mutex<()>;
/// What a holder keeps while it holds the lock: loom's guard (dropping it releases).
#[cfg(loom)]
type Held = loom::sync::MutexGuard<'static, ()>;

#[cfg(shuttle)]
use shuttle::future::batch_semaphore::{BatchSemaphore as Blocker, Fairness};
/// Under shuttle a permit is the whole of holding: nothing to keep.
#[cfg(shuttle)]
type Held = ();

/// The spec lock. Fields are read and written only by the running model thread, at points
/// where no other model thread can run (see the `Send`/`Sync` argument below).
pub(super) struct SpecLock {
    /// The holder's guard (loom); declared before `blocker`, which it borrows, so it is dropped
    /// first.
    held: UnsafeCell<Option<Held>>,
    /// loom: a guard released while its thread unwound, not yet dropped (see `Unwound`).
    #[cfg(loom)]
    unwound: Slot,
    /// loom: the unlock's happens-before edge for a release by an unwinding thread.
    #[cfg(loom)]
    edge: Rc<Edge>,
    /// The checker's lock, boxed so a guard's borrow survives moving the `RawLock`.
    blocker: Box<Blocker>,
    /// Threads inside the checker's acquire (blocked, or about to be).
    waiting: Cell<usize>,
}

// SAFETY: loom and shuttle run every model thread as a coroutine on the one OS thread that runs
// the execution, and switch between them only at the checker's scheduling points (inside the
// checker's lock, acquire, release and atomic calls below). Every access to the `Cell`s, the
// `UnsafeCell` and the `Rc` slot happens between two such points, so no two accesses are ever
// concurrent, and the loom guard (which wraps a std guard, `!Send`) never leaves the OS thread
// that took it.
unsafe impl Send for SpecLock {}
// SAFETY: as for `Send`.
unsafe impl Sync for SpecLock {}

/// loom: a lock released by a thread that was unwinding (a panic inside the critical section,
/// the guard dropped on the way out).
///
/// Dropping loom's guard then would poison loom's `Mutex` (it wraps a std one, and std poisons
/// a guard dropped while panicking), and loom's next `lock` panics on a poisoned mutex.
/// racelab's lock does not poison, so neither may its spec. The release therefore happens in two
/// halves: at once, the lock is free (`held` is empty, the trace says released) and a loom
/// atomic `edge` is stored with Release; the guard itself is kept here until a thread that is
/// not unwinding either takes it over (the next `acquire` or `try_acquire` of this lock adopts
/// it: it holds the lock from then on, after an Acquire RMW on `edge`) or drops it (any spec
/// lock operation or [`flush_unwound`], after the same RMW: the threads blocked inside loom's
/// `lock` are woken then). The Release/Acquire pair on `edge` is the unlock's happens-before
/// edge, from the thread that released to the one that acquires next.
///
/// A thread that unwinds out of a critical section and then ends flushes as it ends (a loom
/// thread-local's destructor), so a thread blocked on the lock is woken even when nobody else
/// touches a lock again.
///
/// The price: from the release to the take-over, a thread *already blocked* inside loom's
/// `lock` of this mutex stays blocked, so that window's interleavings in which it gets the lock
/// first are not explored. Nothing is made up: every interleaving explored is one the
/// implementation has.
#[cfg(loom)]
struct Unwound {
    guard: Held,
    /// The lock's `edge` (created with the lock, so every thread that can see the lock can
    /// see it).
    edge: Rc<Edge>,
}

#[cfg(loom)]
type Edge = loom::sync::atomic::AtomicUsize;

#[cfg(loom)]
impl Unwound {
    /// The acquiring side of the release's edge.
    fn synchronise(&self) {
        // Acquire: pairs with the Release RMW on `edge` in `release`. Both are RMWs, so this
        // one reads the latest release's value (an RMW reads the last value in modification
        // order) and synchronises with it.
        let stored = self
            .edge
            .fetch_add(0, loom::sync::atomic::Ordering::Acquire);
        debug_assert!(stored > 0, "an unwound release always counts on its edge");
    }
}

#[cfg(loom)]
type Slot = Rc<RefCell<Option<Unwound>>>;

#[cfg(loom)]
std::thread_local! {
    /// The slots of this OS thread's locks with a guard waiting to be dropped (see `Unwound`).
    static UNWOUND: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

/// loom: drops every guard an unwinding thread released (see `Unwound`), waking the threads
/// blocked on those locks. A no-op while the calling thread is itself unwinding. Called on
/// every spec lock operation, and by the pool after it catches a task's panic.
pub(crate) fn flush_unwound() {
    #[cfg(loom)]
    {
        if std::thread::panicking() {
            return;
        }
        while let Some(slot) = UNWOUND.with(|u| u.borrow_mut().pop()) {
            let unwound = slot.borrow_mut().take();
            if let Some(unwound) = unwound {
                unwound.synchronise();
                drop(unwound);
            }
        }
    }
}

/// loom: makes sure the calling thread flushes the unwound guards when it ends. A thread that
/// catches the panic and then ends without another lock operation would otherwise leave a
/// thread already blocked on that lock blocked for good — a deadlock the implementation does
/// not have. loom runs a loom thread-local's destructor as its thread ends (not unwinding, so
/// the flush may drop guards).
#[cfg(loom)]
fn flush_at_exit() {
    struct FlushAtExit;
    impl Drop for FlushAtExit {
        fn drop(&mut self) {
            flush_unwound();
        }
    }
    loom::thread_local! {
        static FLUSH_AT_EXIT: FlushAtExit = FlushAtExit;
    }
    FLUSH_AT_EXIT.with(|_| ());
}

/// loom: forgets the slots left by an execution that ended (a failure can end one with a guard
/// still kept): their locks belong to a finished execution and must not be touched again.
/// Called when an execution begins.
pub(crate) fn forget_unwound() {
    #[cfg(loom)]
    UNWOUND.with(|u| {
        for slot in u.borrow_mut().drain(..) {
            if let Ok(mut slot) = slot.try_borrow_mut() {
                core::mem::forget(slot.take());
            }
        }
    });
}

fn new_blocker() -> Box<Blocker> {
    #[cfg(loom)]
    {
        Box::new(loom::sync::Mutex::new(()))
    }
    #[cfg(shuttle)]
    {
        Box::new(Blocker::new(1, Fairness::Unfair))
    }
}

impl SpecLock {
    pub(super) fn new() -> Self {
        SpecLock {
            held: UnsafeCell::new(None),
            #[cfg(loom)]
            unwound: Rc::new(RefCell::new(None)),
            #[cfg(loom)]
            edge: Rc::new(Edge::new(0)),
            blocker: new_blocker(),
            waiting: Cell::new(0),
        }
    }

    fn is_held(&self) -> bool {
        // SAFETY: serialised access (see `Sync`); no reference into the slot is live.
        unsafe { (*self.held.get()).is_some() }
    }

    fn blocker(&self) -> &'static Blocker {
        // SAFETY: the box lives as long as `self` and never moves; the `'static` is the guard's,
        // and no guard outlives `self`: `held` is dropped before `blocker` (field order), and
        // `Drop` drops a kept unwound guard first.
        unsafe { &*core::ptr::from_ref::<Blocker>(&*self.blocker) }
    }

    fn store(&self, held: Held) {
        // SAFETY: serialised access; only the new holder writes the slot.
        unsafe { *self.held.get() = Some(held) };
    }

    /// loom: takes over this lock's unwound guard, if it has one (see `Unwound`).
    fn adopt(&self, key: usize) -> bool {
        #[cfg(loom)]
        {
            let unwound = self.unwound.borrow_mut().take();
            if let Some(unwound) = unwound {
                unwound.synchronise();
                self.store(unwound.guard);
                trace::lock_acquired(key);
                return true;
            }
        }
        let _ = key;
        false
    }

    pub(super) fn acquire(&self, key: usize) {
        if self.adopt(key) {
            return;
        }
        flush_unwound();
        // The checker decides inside its acquire whether this thread blocks: a lock seen held
        // is a wait now; one seen free is a pending acquire, shown as a wait if someone else
        // holds it when a trace is taken (the thread is blocked inside the checker then).
        if self.is_held() {
            trace::lock_waiting(key);
        } else {
            trace::lock_pending(key);
        }
        self.waiting.set(self.waiting.get() + 1);
        // Under shuttle `Held` is `()`: a permit is the whole of holding.
        #[allow(clippy::let_unit_value)]
        let held = self.block_until_taken();
        self.waiting.set(self.waiting.get() - 1);
        self.store(held);
        trace::lock_acquired(key);
    }

    #[cfg(loom)]
    fn block_until_taken(&self) -> Held {
        // Never poisoned: no guard is dropped while its thread unwinds (see `Unwound`).
        self.blocker()
            .lock()
            .expect("racelab: the spec lock's loom Mutex is never poisoned")
    }

    #[cfg(shuttle)]
    fn block_until_taken(&self) -> Held {
        // An `Err` means the execution is being torn down after it ended; shuttle's own `Mutex`
        // then takes the lock as if it were free, and so does this.
        let _ = self.blocker().acquire_blocking(1);
    }

    pub(super) fn try_acquire(&self, key: usize) -> bool {
        if self.adopt(key) {
            return true;
        }
        flush_unwound();
        #[cfg(loom)]
        let taken = self.blocker().try_lock().ok();
        #[cfg(shuttle)]
        let taken = self.blocker().try_acquire(1).ok();
        match taken {
            Some(held) => {
                self.store(held);
                trace::lock_acquired(key);
                true
            }
            None => false,
        }
    }

    pub(super) fn release(&self, key: usize) -> Result<(), ReleaseError> {
        // SAFETY: serialised access; the slot is ours to take: any thread may release.
        let Some(held) = (unsafe { (*self.held.get()).take() }) else {
            flush_unwound();
            return Err(ReleaseError);
        };
        trace::lock_released(key);
        #[cfg(loom)]
        {
            if std::thread::panicking() {
                // Free now; the guard is dropped later, by a thread that is not unwinding.
                // Release: the unlock; pairs with the Acquire RMW in `Unwound::synchronise`.
                self.edge
                    .fetch_add(1, loom::sync::atomic::Ordering::Release);
                *self.unwound.borrow_mut() = Some(Unwound {
                    guard: held,
                    edge: Rc::clone(&self.edge),
                });
                UNWOUND.with(|u| u.borrow_mut().push(Rc::clone(&self.unwound)));
                flush_at_exit();
            } else {
                drop(held);
                flush_unwound();
            }
        }
        #[cfg(shuttle)]
        {
            let () = held;
            self.blocker().release(1);
        }
        Ok(())
    }

    pub(super) fn is_locked(&self) -> bool {
        self.is_held()
    }

    pub(super) fn has_waiters(&self) -> bool {
        self.waiting.get() > 0
    }
}

#[cfg(loom)]
impl Drop for SpecLock {
    fn drop(&mut self) {
        // A kept guard borrows `blocker`: drop it first (the lock is going away, so whatever
        // that does to loom's mutex no longer matters).
        let unwound = self.unwound.borrow_mut().take();
        drop(unwound);
    }
}
