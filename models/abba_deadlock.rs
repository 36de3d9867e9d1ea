//! # abba_deadlock — two locks taken in opposite orders
//!
//! **The bug.** One thread takes lock A then B; another takes B then A. If each gets its first
//! lock before the other gets its second, each waits for the lock the other holds — forever.
//!
//! **Where it comes from.** The tutorial's closing warning that concurrent code deadlocks; this
//! is the classic way it happens (Coffman's circular wait).
//!
//! **Reading the trace.** `main` acquires A, `t1` acquires B; then `main` waits for B (held by
//! `t1`) and `t1` waits for A (held by `main`). The report names that cycle.
//!
//! **The fix.** One global lock order: both threads take A before B (the `// FIX:` line).

use racelab::sync::{thread, Arc};
use racelab::{note, trace, Lock};

/// Two threads, two locks, opposite orders.
pub fn buggy() {
    scenario::<false>();
}

/// Two threads, two locks, one order.
pub fn fixed() {
    scenario::<true>();
}

fn scenario<const FIXED: bool>() {
    let a = Arc::new(Lock::new(0));
    let b = Arc::new(Lock::new(0));
    trace::label(&*a, "A");
    trace::label(&*b, "B");
    let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
    let other = thread::spawn(move || {
        let (first, second) = if FIXED { (&a2, &b2) } else { (&b2, &a2) }; // FIX: same order as main
        let mut x = first.lock();
        let mut y = second.lock();
        note!("holds both");
        *x += 1;
        *y += 1;
    });
    {
        let mut x = a.lock();
        let mut y = b.lock();
        note!("holds both");
        *x += 1;
        *y += 1;
    }
    other.join().unwrap();
    assert_eq!((*a.lock(), *b.lock()), (2, 2));
}

#[cfg(test)]
mod tests {
    use super::*;
    use racelab::check::{Explorer, FailureKind};

    #[cfg(any(loom, shuttle))]
    fn check_caught(failure: &racelab::check::Failure) {
        assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
        assert_eq!(
            failure.message,
            "deadlock: main holds A and waits for B (held by t1); t1 holds B and waits for A (held by main)"
        );
    }

    #[test]
    #[cfg(loom)]
    fn buggy_deadlocks_under_loom() {
        let failure = Explorer::new("abba_deadlock/buggy").expect_failure(buggy);
        check_caught(&failure);
        insta::assert_snapshot!("loom_buggy", failure.swimlane());
    }

    #[test]
    #[cfg(shuttle)]
    fn buggy_deadlocks_under_shuttle() {
        let failure = Explorer::new("abba_deadlock/buggy").expect_failure(buggy);
        check_caught(&failure);
        insta::assert_snapshot!("shuttle_buggy", failure.swimlane());
    }

    #[test]
    fn fixed_passes() {
        Explorer::new("abba_deadlock/fixed").run(fixed);
    }

    #[test]
    #[cfg(not(any(loom, shuttle)))]
    fn fixed_passes_std_kind_check() {
        // std cannot prove anything; it only shows the fixed model does not fail when run.
        let _ = FailureKind::Deadlock;
    }
}
