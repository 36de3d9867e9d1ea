//! # self_deadlock — a thread waits for a lock it holds itself
//!
//! **The bug.** racelab's lock, like Python's `threading.Lock` (and unlike its `RLock`), is not
//! reentrant: a thread that asks for a lock it already holds waits for itself, forever. In Rust
//! the held guard is often invisible: a `match` on `cache.lock()[n]` keeps the scrutinee's guard
//! alive until the end of the `match`, so the miss arm's `cache.lock()` waits for it.
//!
//! **Where it comes from.** The classic non-reentrant-lock mistake (Python's `Lock` versus
//! `RLock`), and Rust's own form of it, the guard kept alive by a `match` scrutinee. Two
//! flavours: [`buggy`] (the `match` scrutinee, the model's main case) and [`buggy_direct`] (a
//! method that holds the lock calls a getter that takes it again).
//!
//! **Reading the trace.** `main` and `t1` each look up a square in an empty cache. The first to
//! get `cache` misses and, still holding it, asks for it again: `wait cache (held by me)`. The
//! other then waits for `cache` held by that thread. The report names the self-loop first:
//! "waits for cache (held by itself)".
//!
//! **The fix.** Never lock again while a guard is alive: read the cache in a statement of its
//! own, so its guard is dropped at the `;` before the `match` (the `// FIX:` lines, next to the
//! `// BUG:` ones); in the direct flavour, read through the guard already held instead of
//! calling the locking getter.

use racelab::check::FailureKind;
use racelab::sync::{thread, Arc};
use racelab::{note, trace, Lock};

use crate::lab::{Loom, Model};

/// The catalogue entry (the `match`-scrutinee flavour).
pub const MODEL: Model = Model {
    name: "self_deadlock",
    bug_class: "deadlock (non-reentrant lock taken twice)",
    source: "classic: Python's Lock is not an RLock; Rust's guard kept alive by a match scrutinee",
    fix: "drop the guard before locking again: look up in a statement of its own",
    kind: FailureKind::Deadlock,
    message: "waits for cache (held by itself)",
    loom: Loom::Exhaustive,
    shuttle: true,
    shuttle_iterations: 1000,
    buggy,
    fixed,
};

/// The direct flavour: a method that holds the lock calls a getter that takes it again.
pub const MODEL_DIRECT: Model = Model {
    name: "self_deadlock_direct",
    fix: "read through the guard already held instead of calling the locking getter",
    message: "waits for account (held by itself)",
    buggy: buggy_direct,
    fixed: fixed_direct,
    ..MODEL
};

/// Two threads look up squares; the lookup matches on `cache.lock()[n]` and fills a miss
/// inside the `match`.
pub fn buggy() {
    cache_scenario::<false>();
}

/// The lookup reads the cache in a statement of its own, then matches on the value.
pub fn fixed() {
    cache_scenario::<true>();
}

/// Two threads deposit; `deposit` holds the account's lock and calls `balance_of`, which
/// locks it again.
pub fn buggy_direct() {
    account_scenario::<false>();
}

/// `deposit` reads the new balance through the guard it holds.
pub fn fixed_direct() {
    account_scenario::<true>();
}

/// Squares of `0..4`, computed on a miss.
type Cache = Lock<Vec<Option<u64>>>;

fn cache_scenario<const FIXED: bool>() {
    let cache: Arc<Cache> = Arc::new(Lock::new(vec![None; 4]));
    trace::label(&*cache, "cache");
    let cache2 = Arc::clone(&cache);
    let other = thread::spawn(move || square::<FIXED>(&cache2, 3));
    let mine = square::<FIXED>(&cache, 2);
    let theirs = other.join().unwrap();
    assert_eq!((mine, theirs), (4, 9));
}

/// The square of `n`, from the cache or computed and stored.
fn square<const FIXED: bool>(cache: &Cache, n: usize) -> u64 {
    if FIXED {
        // FIX: look the value up in a statement of its own, so its guard is dropped at the `;`,
        // then match on the value, with no guard alive.
        let cached = cache.lock()[n];
        match cached {
            Some(square) => square,
            None => fill(cache, n),
        }
    } else {
        // BUG: the scrutinee's temporary guard lives until the end of the `match`...
        match cache.lock()[n] {
            Some(square) => square,
            None => fill(cache, n), // ... so `fill` asks for a lock this thread still holds.
        }
    }
}

/// Computes the square of `n` and stores it in the cache.
fn fill(cache: &Cache, n: usize) -> u64 {
    note!("miss {n}: compute, store");
    let square = (n * n) as u64;
    cache.lock()[n] = Some(square);
    square
}

fn account_scenario<const FIXED: bool>() {
    let account = Arc::new(Lock::new(0u64));
    trace::label(&*account, "account");
    let account2 = Arc::clone(&account);
    let other = thread::spawn(move || deposit::<FIXED>(&account2, 20));
    deposit::<FIXED>(&account, 10);
    other.join().unwrap();
    assert_eq!(balance_of(&account), 30);
}

/// Adds `amount` and reports the new balance.
fn deposit<const FIXED: bool>(account: &Lock<u64>, amount: u64) {
    let mut balance = account.lock();
    *balance += amount;
    note!("deposited {amount}: read balance");
    let now = if FIXED {
        *balance // FIX: read through the guard this thread holds
    } else {
        balance_of(account) // BUG: the getter locks again: it waits for this thread
    };
    note!("balance is {now}");
}

/// The account's getter, which takes the lock (Python: `with self.lock: return self.balance`).
fn balance_of(account: &Lock<u64>) -> u64 {
    *account.lock()
}

#[cfg(test)]
mod tests {
    crate::lab::model_tests! {
        MODEL => buggy, fixed;
        MODEL_DIRECT => buggy_direct, fixed_direct;
    }
}
