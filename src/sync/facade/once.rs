//! [`Once`] and [`OnceState`] in checker builds: a state behind the facade's own mutex and
//! condvar; the closure runs outside the lock.

use core::fmt;

use crate::trace;

use super::{Condvar, Mutex};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Status {
    Incomplete,
    /// A thread runs the closure; others wait.
    Running,
    /// A closure panicked: `call_once` panics, `call_once_force` runs again.
    Poisoned,
    Complete,
}

/// std's `Once`, in a checker build: the first `call_once` runs its closure, concurrent
/// callers wait for it (a reported wait: `wait for call_once`), later callers return at once;
/// the closure's effects happen-before every `call_once` that returns after it.
///
/// As in std, a closure that panics poisons the `Once`: later `call_once` calls panic, and
/// [`call_once_force`](Self::call_once_force) runs its closure, told so by [`OnceState`].
///
/// Unlike std's, `new` is not `const` (a checker's objects belong to one execution).
pub struct Once {
    state: Box<Mutex<Status>>,
    done: Condvar,
}

/// What [`Once::call_once_force`]'s closure is told: whether an earlier closure panicked.
#[derive(Debug)]
pub struct OnceState {
    poisoned: bool,
}

impl OnceState {
    /// `true` if an earlier closure of this `Once` panicked.
    #[must_use]
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }
}

/// Marks the `Once` poisoned (and wakes its waiters) if the closure unwinds.
struct PoisonOnUnwind<'a> {
    once: &'a Once,
    armed: bool,
}

impl Drop for PoisonOnUnwind<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.once.finish(Status::Poisoned);
        }
    }
}

impl Once {
    /// A `Once` whose closure has not run.
    #[must_use]
    pub fn new() -> Self {
        Once {
            state: Mutex::hidden(Status::Incomplete),
            done: Condvar::internal(),
        }
    }

    /// Runs `f` if no closure of this `Once` has completed; waits while another thread runs
    /// one.
    ///
    /// # Panics
    ///
    /// If the `Once` is poisoned (an earlier closure panicked), and whatever `f` panics with.
    pub fn call_once<F: FnOnce()>(&self, f: F) {
        self.call(false, |_| f());
    }

    /// Like [`call_once`](Self::call_once), but runs `f` on a poisoned `Once` too, telling it
    /// so.
    pub fn call_once_force<F: FnOnce(&OnceState)>(&self, f: F) {
        self.call(true, f);
    }

    /// Whether a closure has completed (a snapshot).
    pub fn is_completed(&self) -> bool {
        *self.lock() == Status::Complete
    }

    fn lock(&self) -> super::MutexGuard<'_, Status> {
        // Never poisoned: no guard of this mutex is held while user code runs.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn call(&self, force: bool, f: impl FnOnce(&OnceState)) {
        let mut status = self.lock();
        loop {
            match *status {
                Status::Complete => {
                    drop(status);
                    trace::step(|| "call_once: already done".to_owned());
                    return;
                }
                Status::Running => {
                    status = self
                        .done
                        .wait_as(status, "call_once (another thread runs it)")
                        .unwrap_or_else(|e| e.into_inner());
                }
                Status::Poisoned if !force => {
                    drop(status);
                    panic!("Once instance has previously been poisoned");
                }
                Status::Incomplete | Status::Poisoned => break,
            }
        }
        let poisoned = *status == Status::Poisoned;
        *status = Status::Running;
        drop(status);
        trace::step(|| "call_once: runs the closure".to_owned());
        let mut guard = PoisonOnUnwind {
            once: self,
            armed: true,
        };
        f(&OnceState { poisoned });
        guard.armed = false;
        self.finish(Status::Complete);
    }

    fn finish(&self, end: Status) {
        *self.lock() = end;
        trace::step(|| match end {
            Status::Complete => "call_once: done".to_owned(),
            _ => "call_once: the closure panicked, poisoned".to_owned(),
        });
        self.done.notify_all();
    }
}

impl Default for Once {
    fn default() -> Self {
        Once::new()
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once").finish_non_exhaustive()
    }
}
