//! # rlock_misuse — a reentrant lock released once for two acquires
//!
//! **The bug.** An account's `deposit` takes the account's `RLock` and calls `audit`, which
//! takes it again (that is what a reentrant lock is for). `audit` forgets its release on an
//! early return. `deposit`'s own release then only takes the count from 2 to 1: the lock stays
//! held by a thread that believes it let go, and the next thread that wants it waits forever.
//!
//! **Where it comes from.** Python's `threading.RLock` is released once *per acquire*; code
//! ported from a plain `Lock`, or an early `return` between an `acquire()` and its
//! `release()`, leaves one acquire unmatched — the reentrant cousin of `missing_release`.
//!
//! **Reading the trace.** `main` acquires the account lock twice (deposit, then audit) and
//! releases it once; `t1` then waits for the lock, held by `main`, which has finished its work.
//! The report names the wait and its holder.
//!
//! **The fix.** Release on every path out of `audit` (the `// FIX:` line): each acquire has its
//! release, and the recursion count is back to 0 when `deposit` returns. In Rust, a guard type
//! makes this impossible to forget; `RLock` keeps Python's shape on purpose.

use racelab::check::FailureKind;
use racelab::sync::{thread, Arc};
use racelab::{trace, RLock};

use crate::lab::{Loom, Model};

/// The catalogue entry.
pub const MODEL: Model = Model {
    name: "rlock_misuse",
    bug_class: "deadlock (reentrant lock released too few times)",
    source: "Python's RLock: one release per acquire",
    fix: "release on every path out of the inner critical section",
    kind: FailureKind::Deadlock,
    message: "t1 waits for account (held by main)",
    loom: Loom::Exhaustive,
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// `audit` returns early without releasing.
pub fn buggy() {
    scenario::<false>();
}

/// `audit` releases on every path.
pub fn fixed() {
    scenario::<true>();
}

fn scenario<const FIXED: bool>() {
    let account = Arc::new(RLock::new());
    trace::label(&*account, "account");
    deposit::<FIXED>(&account);
    let other = {
        let account = Arc::clone(&account);
        thread::spawn(move || deposit::<FIXED>(&account))
    };
    other.join().unwrap();
}

fn deposit<const FIXED: bool>(account: &RLock) {
    account.acquire();
    audit::<FIXED>(account, true);
    account.release().expect("deposit's own acquire");
}

/// Re-enters the lock; `nothing_to_audit` is the early return.
fn audit<const FIXED: bool>(account: &RLock, nothing_to_audit: bool) {
    account.acquire();
    if nothing_to_audit {
        if FIXED {
            account.release().expect("audit's own acquire"); // FIX: release on this path too
        }
        return; // BUG: (without the line above) returns still holding audit's acquire
    }
    account.release().expect("audit's own acquire");
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
    }
}
