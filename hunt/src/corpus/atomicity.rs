//! Atomicity violations: steps meant to happen as one are split, and another thread runs in
//! between.

use std::collections::VecDeque;

use racelab::check::FailureKind;
use racelab::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use racelab::sync::{thread, Arc};

use crate::{Flavour, HuntLock, Program};

/// Check, then act, in two critical sections.
pub const CHECK_THEN_ACT: Program = Program {
    name: "check_then_act",
    bug: "atomicity violation (check-then-act)",
    source: "SCTBench's account / CHESS's bank account: a balance check outside the update",
    kind: FailureKind::Panic,
    message: "sold more than the stock",
    checker_message: None,
    shuttle: true,
};

/// Two buyers of one item in stock: each checks there is stock, then takes one.
pub fn check_then_act<F: Flavour>() {
    let stock = F::shared("stock", 1i32);
    let buy = |stock: &F::Lock<i32>| {
        let available = *stock.lock() > 0;
        if available {
            *stock.lock() -= 1; // BUG: the check above was made under another critical section
        }
    };
    let stock2 = Arc::clone(&stock);
    let buyer = thread::spawn(move || buy(&stock2));
    buy(&stock);
    buyer.join().unwrap();
    let left = *stock.lock();
    assert!(left >= 0, "sold more than the stock: {left} left");
}

/// Read, then write, in two critical sections.
pub const LOST_UPDATE: Program = Program {
    name: "lost_update",
    bug: "atomicity violation (read-modify-write)",
    source: "SCTBench's lazy01 / loom's README example: an increment split into a read and a write",
    kind: FailureKind::Panic,
    message: "lost update: count = ",
    checker_message: None,
    shuttle: true,
};

/// Three threads each increment a counter: read it under the lock, write it back under the
/// lock again.
pub fn lost_update<F: Flavour>() {
    let counter = F::shared("counter", 0u32);
    let increment = |counter: &F::Lock<u32>| {
        let seen = *counter.lock();
        *counter.lock() = seen + 1; // BUG: another increment may have run since the read
    };
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || increment(&counter))
        })
        .collect();
    increment(&counter);
    for worker in workers {
        worker.join().unwrap();
    }
    let count = *counter.lock();
    assert_eq!(count, 3, "lost update: count = {count}, expected 3");
}

/// Two locks guarding one datum.
pub const WRONG_LOCK: Program = Program {
    name: "wrong_lock",
    bug: "atomicity violation (two locks guard one datum)",
    source: "SCTBench's wronglock",
    kind: FailureKind::Panic,
    message: "lost update under the wrong lock",
    checker_message: None,
    shuttle: true,
};

/// main and one worker increment under lock A; the other worker under lock B.
pub fn wrong_lock<F: Flavour>() {
    // Relaxed throughout: the lock is meant to order the increments, and the final load comes
    // after every join.
    let counter = Arc::new(AtomicU32::new(0));
    let a = F::shared("A", ());
    let b = F::shared("B", ());
    let increment = |lock: &F::Lock<()>, counter: &AtomicU32| {
        let _held = lock.lock();
        let seen = counter.load(Ordering::Relaxed);
        counter.store(seen + 1, Ordering::Relaxed);
    };
    let (a2, counter2) = (Arc::clone(&a), Arc::clone(&counter));
    let right = thread::spawn(move || increment(&a2, &counter2));
    let (b2, counter3) = (Arc::clone(&b), Arc::clone(&counter));
    let wrong = thread::spawn(move || increment(&b2, &counter3)); // BUG: B does not guard the counter
    increment(&a, &counter);
    right.join().unwrap();
    wrong.join().unwrap();
    let count = counter.load(Ordering::Relaxed);
    assert_eq!(
        count, 3,
        "lost update under the wrong lock: count = {count}, expected 3"
    );
}

/// Double-checked initialisation without the second check.
pub const DOUBLE_CHECKED_INIT: Program = Program {
    name: "double_checked_init",
    bug: "atomicity violation (double-checked init, second check missing)",
    source: "the double-checked locking idiom (Schmidt & Harrison 1996), broken the common way",
    kind: FailureKind::Panic,
    message: "the initialiser ran twice",
    checker_message: None,
    shuttle: true,
};

/// Two threads get a lazily initialised value: a fast-path check, then the lock.
pub fn double_checked_init<F: Flavour>() {
    let initialised = Arc::new(AtomicBool::new(false));
    let inits = Arc::new(AtomicU32::new(0));
    let lock = F::shared("init", ());
    let get = |initialised: &AtomicBool, inits: &AtomicU32, lock: &F::Lock<()>| {
        // Acquire: pairs with the Release store below (of this thread or the other).
        if !initialised.load(Ordering::Acquire) {
            let _held = lock.lock();
            // BUG: no second check of `initialised` here, under the lock
            // Relaxed: a count, read after both threads are joined.
            inits.fetch_add(1, Ordering::Relaxed);
            // Release: pairs with the Acquire fast-path load above.
            initialised.store(true, Ordering::Release);
        }
    };
    let (i2, n2, l2) = (
        Arc::clone(&initialised),
        Arc::clone(&inits),
        Arc::clone(&lock),
    );
    let other = thread::spawn(move || get(&i2, &n2, &l2));
    get(&initialised, &inits, &lock);
    other.join().unwrap();
    // Relaxed: after the join, which orders the other thread's increment before this load.
    let n = inits.load(Ordering::Relaxed);
    assert_eq!(n, 1, "the initialiser ran twice: {n} initialisations");
}

/// A bounded buffer whose consumer tests with `if` instead of taking atomically.
pub const BOUNDED_BUFFER: Program = Program {
    name: "bounded_buffer",
    bug: "atomicity violation (bounded buffer: check, then take)",
    source: "the producer-consumer bounded buffer (Dijkstra), consumer checks outside its take",
    kind: FailureKind::Panic,
    message: "took from an empty buffer",
    checker_message: None,
    shuttle: true,
};

/// main produces one item; two consumers each look for an item, then take it.
pub fn bounded_buffer<F: Flavour>() {
    let buffer = F::shared("buffer", VecDeque::<u32>::with_capacity(2));
    let consume = |buffer: &F::Lock<VecDeque<u32>>| {
        let has_item = !buffer.lock().is_empty();
        if has_item {
            // BUG: the item seen above may be gone: the check and the take are two sections
            let item = buffer.lock().pop_front();
            item.expect("took from an empty buffer");
        }
    };
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let buffer = Arc::clone(&buffer);
            thread::spawn(move || consume(&buffer))
        })
        .collect();
    buffer.lock().push_back(1);
    for consumer in consumers {
        consumer.join().unwrap();
    }
}

/// Two stages, each under its own lock, read between them.
pub const TWO_STAGE: Program = Program {
    name: "two_stage",
    bug: "atomicity violation (two-stage update, two locks)",
    source: "SCTBench's twostage",
    kind: FailureKind::Panic,
    message: "read between the two stages",
    checker_message: None,
    shuttle: true,
};

/// A worker sets `data1` under m1, then `data2 = data1 + 1` under m2; main reads both.
pub fn two_stage<F: Flavour>() {
    let m1 = F::shared("m1", 0u32);
    let m2 = F::shared("m2", 0u32);
    let (m1b, m2b) = (Arc::clone(&m1), Arc::clone(&m2));
    let worker = thread::spawn(move || {
        *m1b.lock() = 1;
        // BUG: the two stages are two critical sections; a reader can run between them
        let data1 = *m1b.lock();
        *m2b.lock() = data1 + 1;
    });
    let data1 = *m1.lock();
    if data1 == 1 {
        let data2 = *m2.lock();
        assert_eq!(
            data2,
            data1 + 1,
            "read between the two stages: data1 = {data1}, data2 = {data2}"
        );
    }
    worker.join().unwrap();
}

/// A 64-bit counter as two 32-bit atomics.
pub const SPLIT_COUNTER: Program = Program {
    name: "split_counter",
    bug: "atomicity violation (one value over two atomics)",
    source: "torn reads of a split counter (a 64-bit counter on 32-bit atomics)",
    kind: FailureKind::Panic,
    message: "the counter went backwards",
    checker_message: None,
    shuttle: true,
};

/// One below the carry: the increment that follows carries into the high half.
const SPLIT_START: u64 = u32::MAX as u64;

/// A worker increments the counter (low half, then the carry into the high half); main reads
/// it (high half, then low half).
pub fn split_counter() {
    // SeqCst on every access: the bug is the split, not the ordering; even the strongest
    // ordering cannot make two atomics one.
    let lo = Arc::new(AtomicU32::new(u32::MAX));
    let hi = Arc::new(AtomicU32::new(0));
    let (lo2, hi2) = (Arc::clone(&lo), Arc::clone(&hi));
    let writer = thread::spawn(move || {
        let old = lo2.fetch_add(1, Ordering::SeqCst);
        if old == u32::MAX {
            hi2.fetch_add(1, Ordering::SeqCst); // BUG: the carry lands in a second step
        }
    });
    let high = u64::from(hi.load(Ordering::SeqCst));
    let low = u64::from(lo.load(Ordering::SeqCst));
    let value = (high << 32) | low;
    assert!(
        value >= SPLIT_START,
        "the counter went backwards: read {value:#x}, it started at {SPLIT_START:#x}"
    );
    writer.join().unwrap();
}

/// A pair of values written one at a time.
pub const REORDER: Program = Program {
    name: "reorder",
    bug: "atomicity violation (a pair written in two steps)",
    source: "SCTBench's reorder_3 (CHESS)",
    kind: FailureKind::Panic,
    message: "torn pair",
    checker_message: None,
    shuttle: true,
};

/// Two setters write `(a, b) = (1, -1)`, one field at a time; a checker reads the pair.
pub fn reorder() {
    // SeqCst: the bug is the two steps, not the ordering (as in SCTBench, where the fields are
    // plain ints under sequential consistency).
    let a = Arc::new(AtomicI32::new(0));
    let b = Arc::new(AtomicI32::new(0));
    let setters: Vec<_> = (0..2)
        .map(|_| {
            let (a, b) = (Arc::clone(&a), Arc::clone(&b));
            thread::spawn(move || {
                a.store(1, Ordering::SeqCst);
                b.store(-1, Ordering::SeqCst); // BUG: the pair is half written in between
            })
        })
        .collect();
    let (a2, b2) = (Arc::clone(&a), Arc::clone(&b));
    let checker = thread::spawn(move || {
        let pair = (a2.load(Ordering::SeqCst), b2.load(Ordering::SeqCst));
        assert!(
            pair == (0, 0) || pair == (1, -1),
            "torn pair: (a, b) = {pair:?}"
        );
    });
    for setter in setters {
        setter.join().unwrap();
    }
    checker.join().unwrap();
}
