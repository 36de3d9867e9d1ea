//! [`Barrier`] in checker builds: a count and a generation behind the facade's own mutex and
//! condvar.

use core::fmt;

use crate::trace;

use super::{Condvar, Mutex};

struct State {
    /// Threads arrived in the current generation.
    arrived: usize,
    /// Bumped by each leader: a waiter leaves once the generation it arrived in is over.
    generation: u64,
}

/// std's `Barrier`, in a checker build: `n` threads meet; nobody passes before all `n` have
/// arrived, exactly one of them is the leader, and the barrier is reusable at once. Each
/// arrival is a trace row (`barrier wait (2 of 3)`), and a thread stuck at the barrier is
/// reported as waiting for it.
///
/// # Examples
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
/// use racelab::sync::{thread, Arc, Barrier};
///
/// let barrier = Arc::new(Barrier::new(2));
/// let b = Arc::clone(&barrier);
/// let t = thread::spawn(move || b.wait().is_leader());
/// let leaders = usize::from(barrier.wait().is_leader()) + usize::from(t.join().unwrap());
/// assert_eq!(leaders, 1);
/// ```
pub struct Barrier {
    n: usize,
    state: Box<Mutex<State>>,
    all_arrived: Condvar,
}

/// What [`Barrier::wait`] returns: whether this thread is the leader.
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// `true` for exactly one thread of each generation (the last to arrive).
    #[must_use]
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl fmt::Debug for BarrierWaitResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWaitResult")
            .field("is_leader", &self.0)
            .finish()
    }
}

impl Barrier {
    /// A barrier for `n` threads (`0` and `1` never block, as in std).
    #[must_use]
    pub fn new(n: usize) -> Self {
        Barrier {
            n,
            state: Mutex::hidden(State {
                arrived: 0,
                generation: 0,
            }),
            all_arrived: Condvar::internal(),
        }
    }

    /// Blocks until all `n` threads have called `wait`; then all pass, and exactly one gets
    /// a result whose [`is_leader`](BarrierWaitResult::is_leader) is `true`.
    pub fn wait(&self) -> BarrierWaitResult {
        // The facade's own mutex: no guard of it is dropped while panicking (nothing here
        // panics while holding it), so it is never poisoned.
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.arrived += 1;
        let (arrived, n) = (state.arrived, self.n);
        trace::step(|| format!("barrier wait ({arrived} of {n})"));
        if arrived >= n {
            state.arrived = 0;
            state.generation += 1;
            drop(state);
            self.all_arrived.notify_all();
            return BarrierWaitResult(true);
        }
        let generation = state.generation;
        let what = format!("barrier ({arrived} of {n} arrived)");
        while state.generation == generation {
            state = self
                .all_arrived
                .wait_as(state, &what)
                .unwrap_or_else(|e| e.into_inner());
        }
        BarrierWaitResult(false)
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").finish_non_exhaustive()
    }
}
