//! The Condition scenarios (included by `tests/{loom,shuttle,std}_condition.rs`): plain
//! functions on `racelab::sync`, each asserting what it proves.
#![allow(dead_code)] // each test binary uses its own subset

use racelab::sync::{thread, Arc};
use racelab::{Condition, Lock};

/// A producer makes `items` items one at a time into a one-slot buffer; `consumers` threads
/// take them, each waiting in a `while` loop. No lost wake-up: every consumer returns (a
/// waiter left blocked is a deadlock), and every item is taken exactly once. Data is behind
/// the lock: under loom its accesses are checked, so a wake-up without happens-before from the
/// notifier is a reported race.
pub fn no_lost_wakeup(consumers: usize, items: usize) {
    struct Slot {
        item: Option<usize>,
        made: usize,
        taken: Vec<usize>,
    }
    let shared = Arc::new((
        Lock::new(Slot {
            item: None,
            made: 0,
            taken: Vec::new(),
        }),
        Condition::named("changed"),
    ));
    let handles: Vec<_> = (0..consumers)
        .map(|_| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (lock, cond) = &*shared;
                loop {
                    let mut slot = lock.lock();
                    while slot.item.is_none() && slot.made < items {
                        slot = cond.wait(slot);
                    }
                    match slot.item.take() {
                        Some(item) => {
                            slot.taken.push(item);
                            // The producer waits for the slot to empty.
                            cond.notify_all();
                        }
                        None => return, // all made and taken
                    }
                }
            })
        })
        .collect();
    let (lock, cond) = &*shared;
    for item in 0..items {
        let mut slot = cond.wait_while(lock.lock(), |s| s.item.is_some());
        slot.item = Some(item);
        slot.made += 1;
        cond.notify_all();
    }
    {
        // Wait until the last item is taken, then tell the consumers there is no more.
        let _slot = cond.wait_while(lock.lock(), |s| s.item.is_some());
        cond.notify_all();
    }
    for h in handles {
        h.join().unwrap();
    }
    let mut taken = std::mem::take(&mut lock.lock().taken);
    taken.sort_unstable();
    assert_eq!(
        taken,
        (0..items).collect::<Vec<_>>(),
        "items lost or taken twice"
    );
}

/// One waiter, one notifier, `notify_one` after the flag is set under the lock: the waiter's
/// `while` loop always returns.
pub fn flag_handoff() {
    let shared = Arc::new((Lock::new(false), Condition::new()));
    let waiter = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            let (lock, cond) = &*shared;
            let mut set = lock.lock();
            while !*set {
                set = cond.wait(set);
            }
        })
    };
    let (lock, cond) = &*shared;
    *lock.lock() = true;
    cond.notify_one();
    waiter.join().unwrap();
}

/// `waiters` threads queue on the condition (each records its place under the lock, just
/// before `wait`); the main thread notifies one at a time and waits until that one is back:
/// the k-th `notify_one` wakes the k-th to have queued (FIFO, as Python's `Condition`).
pub fn fifo(waiters: usize) {
    #[derive(Default)]
    struct Order {
        queued: Vec<usize>,
        woken: Vec<usize>,
    }
    let shared = Arc::new((
        Lock::new(Order::default()),
        Condition::named("cond"),
        Condition::named("progress"),
    ));
    let handles: Vec<_> = (0..waiters)
        .map(|id| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (lock, cond, progress) = &*shared;
                let mut order = lock.lock();
                order.queued.push(id);
                progress.notify_all();
                // Exactly one wait, no loop: a `Condition` never wakes without a notify, so
                // returning here means this thread was chosen.
                order = cond.wait(order);
                order.woken.push(id);
                progress.notify_all();
            })
        })
        .collect();
    let (lock, cond, progress) = &*shared;
    let mut order = lock.lock();
    for k in 0..waiters {
        // Wait until at least k+1 have queued and the previous one is back.
        order = progress.wait_while(order, |o| o.queued.len() <= k || o.woken.len() < k);
        cond.notify_one();
        order = progress.wait_while(order, |o| o.woken.len() <= k);
        assert_eq!(
            order.woken[k], order.queued[k],
            "notify_one #{k} woke a later waiter: queued {:?}, woken {:?}",
            order.queued, order.woken
        );
    }
    drop(order);
    for h in handles {
        h.join().unwrap();
    }
}

/// `waiters` threads wait; once all are queued (seen through `Condition::waiting`, under the
/// lock), `notify(n)` wakes exactly `n` of them, then `notify_all` the rest.
pub fn notify_n(waiters: usize, n: usize) {
    let shared = Arc::new((
        Lock::new((0usize, 0usize)), // (queued, woken)
        Condition::named("cond"),
        Condition::named("progress"),
    ));
    let handles: Vec<_> = (0..waiters)
        .map(|_| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (lock, cond, progress) = &*shared;
                let mut state = lock.lock();
                state.0 += 1;
                progress.notify_all();
                state = cond.wait(state);
                state.1 += 1;
                progress.notify_all();
            })
        })
        .collect();
    let (lock, cond, progress) = &*shared;
    let state = progress.wait_while(lock.lock(), |s| s.0 < waiters);
    assert_eq!(
        cond.waiting(),
        waiters,
        "every waiter queued under the lock"
    );
    cond.notify(n);
    assert_eq!(cond.waiting(), waiters - n, "notify(n) took n waiters");
    let state = progress.wait_while(state, |s| s.1 < n);
    assert_eq!(state.1, n, "notify(n) woke more than n");
    cond.notify_all();
    assert_eq!(cond.waiting(), 0);
    drop(state);
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(lock.lock().1, waiters);
}

/// A timed wait racing a notify (under loom and shuttle the timeout is the checker's choice):
/// the waiter is either woken with the flag set, or times out; either way it leaves the queue,
/// and it holds the lock again when it returns.
pub fn timed_wait_racing_notify() {
    let shared = Arc::new((Lock::new(false), Condition::new()));
    let waiter = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            let (lock, cond) = &*shared;
            let (set, result) =
                cond.wait_timeout_while(lock.lock(), std::time::Duration::from_secs(5), |s| !*s);
            assert_eq!(
                result.timed_out(),
                !*set,
                "timed out with the flag set, or returned without it"
            );
            result.timed_out()
        })
    };
    let (lock, cond) = &*shared;
    *lock.lock() = true;
    cond.notify_one();
    let _timed_out = waiter.join().unwrap();
    assert_eq!(cond.waiting(), 0, "a timed-out waiter left its gate queued");
}
