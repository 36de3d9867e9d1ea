//! The std-shaped facade's scenarios (`racelab::sync::{Mutex, Condvar, …}`), written as a
//! user's crate writes them against `std::sync`: under std they run std's own types, under
//! loom and shuttle racelab's. Each passing scenario asserts what std promises; each `buggy_`
//! one is a classic bug a checker must catch.

use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use racelab::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use racelab::sync::mpsc::{self, RecvError, SendError, TryRecvError};
use racelab::sync::{
    thread, Arc, Barrier, Condvar, LazyLock, Mutex, Once, OnceLock, RwLock, TryLockError,
};

use super::Inside;
use crate::common::EXPECTED_PANIC;

/// `threads` threads increment a `Mutex<usize>` as a separate read and write; the mutex must
/// make the count exact and the sections disjoint.
pub fn mutex_counter(threads: usize) {
    let counter = Arc::new(Mutex::new(0usize));
    let inside = Arc::new(Inside::new());
    let increment = |counter: &Mutex<usize>, inside: &Inside| {
        let mut guard = counter.lock().unwrap();
        inside.enter();
        let v = *guard;
        *guard = v + 1;
        inside.leave();
    };
    let workers: Vec<_> = (1..threads)
        .map(|_| {
            let (counter, inside) = (Arc::clone(&counter), Arc::clone(&inside));
            thread::spawn(move || increment(&counter, &inside))
        })
        .collect();
    increment(&counter, &inside);
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(*counter.lock().unwrap(), threads, "lost update");
}

/// `try_lock` fails only while another thread holds the mutex.
pub fn mutex_try_lock() {
    let m = Arc::new(Mutex::new(0));
    let holding = Arc::new(AtomicBool::new(false));
    let (m2, holding2) = (Arc::clone(&m), Arc::clone(&holding));
    let t = thread::spawn(move || {
        let mut g = m2.lock().unwrap();
        holding2.store(true, Ordering::Relaxed);
        *g += 1;
        holding2.store(false, Ordering::Relaxed);
    });
    match m.try_lock() {
        Ok(mut g) => *g += 1,
        Err(TryLockError::WouldBlock) => {}
        Err(TryLockError::Poisoned(_)) => panic!("nobody panicked"),
    }
    t.join().unwrap();
    assert!(m.try_lock().is_ok(), "a free mutex refused try_lock");
}

/// std's poisoning: a thread panics while holding the guard; every later `lock` (and
/// `try_lock`, `into_inner`) is `Err(PoisonError)` holding the data, until `clear_poison`.
/// The main thread locks concurrently too: before the panic it gets `Ok`, after it `Err`.
pub fn mutex_poisoning() {
    let m = Arc::new(Mutex::new(7));
    let m2 = Arc::clone(&m);
    let t = thread::spawn(move || {
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            let mut guard = m2.lock().unwrap();
            *guard = 8;
            panic!("{EXPECTED_PANIC}");
        }));
        assert!(caught.is_err());
    });
    let early = match m.lock() {
        Ok(g) => *g,
        Err(poisoned) => *poisoned.into_inner(),
    };
    assert!(early == 7 || early == 8, "saw {early}");
    t.join().unwrap();
    assert!(
        m.is_poisoned(),
        "a guard dropped while panicking must poison"
    );
    let guard = m.lock().expect_err("a poisoned lock is Err").into_inner();
    assert_eq!(*guard, 8, "the poisoned data is still there");
    drop(guard);
    assert!(matches!(m.try_lock(), Err(TryLockError::Poisoned(_))));
    m.clear_poison();
    assert!(!m.is_poisoned());
    assert_eq!(*m.lock().unwrap(), 8);
}

/// A bounded hand-off on `Mutex` + `Condvar`: the producer pushes `items`, the consumer pops
/// them, each waiting in a `while` loop; the consumer gets them all, in order.
pub fn condvar_producer_consumer(items: u32) {
    let shared = Arc::new((Mutex::new(VecDeque::new()), Condvar::new()));
    let producer = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            for i in 0..items {
                shared.0.lock().unwrap().push_back(i);
                shared.1.notify_one();
            }
        })
    };
    let (queue, cv) = &*shared;
    for expected in 0..items {
        let mut q = queue.lock().unwrap();
        while q.is_empty() {
            q = cv.wait(q).unwrap();
        }
        assert_eq!(q.pop_front(), Some(expected), "out of order");
    }
    producer.join().unwrap();
}

/// Two consumers, one producer of two items, `notify_one` per item; `take` is how a consumer
/// waits for an item.
fn two_consumers(take: fn(&Mutex<VecDeque<u32>>, &Condvar) -> u32) {
    let shared = Arc::new((Mutex::new(VecDeque::new()), Condvar::new()));
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || take(&shared.0, &shared.1))
        })
        .collect();
    for i in 0..2 {
        shared.0.lock().unwrap().push_back(i);
        shared.1.notify_one();
    }
    let mut got: Vec<u32> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
    got.sort_unstable();
    assert_eq!(got, [0, 1]);
}

/// The fixed twin of [`buggy_condvar_if_not_while`]: the condition is re-checked after every
/// wake-up.
pub fn condvar_while_two_consumers() {
    two_consumers(|queue, cv| {
        let mut q = queue.lock().unwrap();
        while q.is_empty() {
            q = cv.wait(q).unwrap();
        }
        q.pop_front().unwrap()
    });
}

/// The classic bug: `if` instead of `while` around the wait. A consumer woken by a
/// `notify_one` finds the item taken by the other consumer, which came in between.
pub fn buggy_condvar_if_not_while() {
    two_consumers(|queue, cv| {
        let mut q = queue.lock().unwrap();
        if q.is_empty() {
            q = cv.wait(q).unwrap();
        }
        q.pop_front()
            .expect("woken to an empty queue: `if` instead of `while`")
    });
}

/// `wait_while` waits out the condition: the waiter sees the flag set.
pub fn condvar_wait_while() {
    let shared = Arc::new((Mutex::new(false), Condvar::new()));
    let setter = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            *shared.0.lock().unwrap() = true;
            shared.1.notify_one();
        })
    };
    let ready = shared
        .1
        .wait_while(shared.0.lock().unwrap(), |ready| !*ready)
        .unwrap();
    assert!(*ready);
    drop(ready);
    setter.join().unwrap();
}

/// The lost wake-up: the waiter waits without checking the flag under the mutex, so a
/// notify sent before it waits is lost and it waits forever.
pub fn buggy_condvar_lost_wakeup() {
    let shared = Arc::new((Mutex::new(false), Condvar::new()));
    let waiter = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            let guard = shared.0.lock().unwrap();
            let guard = shared.1.wait(guard).unwrap();
            assert!(*guard);
        })
    };
    *shared.0.lock().unwrap() = true;
    shared.1.notify_one();
    waiter.join().unwrap();
}

/// A timed wait whose notifier may come before or after the timeout: `timed_out` says which,
/// and the flag agrees (set → notified or timed out late; not set → timed out). `expect`
/// says which outcome the caller insists on (a check that both are explored).
pub fn condvar_wait_timeout(expect: Option<bool>) {
    let shared = Arc::new((Mutex::new(false), Condvar::new()));
    let notifier = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            *shared.0.lock().unwrap() = true;
            shared.1.notify_one();
        })
    };
    let guard = shared.0.lock().unwrap();
    let (guard, result) = shared
        .1
        .wait_timeout_while(guard, Duration::from_secs(1), |set| !*set)
        .unwrap();
    assert_eq!(
        result.timed_out(),
        !*guard,
        "timed_out disagrees with the flag"
    );
    drop(guard);
    // Joined before the outcome is judged: a loom execution that fails before a spawned
    // thread ever ran cannot be torn down (loom drops that thread's closure outside the
    // execution).
    notifier.join().unwrap();
    if let Some(timed_out) = expect {
        assert_eq!(result.timed_out(), timed_out, "the other outcome");
    }
}

/// A timed wait nobody notifies times out; it is no deadlock.
pub fn condvar_wait_timeout_alone() {
    let m = Mutex::new(());
    let cv = Condvar::new();
    let (_guard, result) = cv
        .wait_timeout(m.lock().unwrap(), Duration::from_millis(1))
        .unwrap();
    assert!(result.timed_out());
}

/// Readers and a writer: the writer changes two fields together; a reader never sees them
/// differ, and a write guard dropped while panicking poisons.
pub fn rwlock_readers_writer() {
    let lock = Arc::new(RwLock::new((0, 0)));
    let writer = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || {
            let mut g = lock.write().unwrap();
            g.0 += 1;
            g.1 += 1;
        })
    };
    let reader = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || {
            let g = lock.read().unwrap();
            assert_eq!(g.0, g.1, "a reader saw half a write");
        })
    };
    {
        let g = lock.read().unwrap();
        assert_eq!(g.0, g.1, "a reader saw half a write");
    }
    writer.join().unwrap();
    reader.join().unwrap();
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        let _g = lock.write().unwrap();
        panic!("{EXPECTED_PANIC}");
    }));
    assert!(caught.is_err());
    assert!(lock.is_poisoned());
    assert_eq!(*lock.read().expect_err("poisoned").into_inner(), (1, 1));
}

/// `threads` threads meet at a `Barrier` twice: nobody passes before all have arrived, and
/// exactly one leader per round.
pub fn barrier_rounds(threads: usize, rounds: usize) {
    let barrier = Arc::new(Barrier::new(threads));
    let arrived: Arc<Vec<AtomicUsize>> =
        Arc::new((0..rounds).map(|_| AtomicUsize::new(0)).collect());
    let leaders = Arc::new(AtomicUsize::new(0));
    let meet = {
        let (barrier, arrived, leaders) = (
            Arc::clone(&barrier),
            Arc::clone(&arrived),
            Arc::clone(&leaders),
        );
        move || {
            for round in arrived.iter() {
                // Relaxed: the barrier orders these increments before every thread's load.
                round.fetch_add(1, Ordering::Relaxed);
                if barrier.wait().is_leader() {
                    // Relaxed: a count; read after the joins.
                    leaders.fetch_add(1, Ordering::Relaxed);
                }
                assert_eq!(
                    round.load(Ordering::Relaxed),
                    threads,
                    "passed the barrier before everyone arrived"
                );
            }
        }
    };
    let workers: Vec<_> = (1..threads).map(|_| thread::spawn(meet.clone())).collect();
    meet();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(
        leaders.load(Ordering::Relaxed),
        rounds,
        "one leader per round"
    );
}

/// `Once`, `OnceLock` and `LazyLock` from two threads: each initialiser runs once, and both
/// threads see its value.
pub fn once_inits_once() {
    struct Cells {
        once: Once,
        once_runs: AtomicUsize,
        cell: OnceLock<u32>,
        cell_runs: AtomicUsize,
        lazy: LazyLock<u32, Box<dyn FnOnce() -> u32 + Send>>,
    }
    let lazy_runs = Arc::new(AtomicUsize::new(0));
    let cells = Arc::new(Cells {
        once: Once::new(),
        once_runs: AtomicUsize::new(0),
        cell: OnceLock::new(),
        cell_runs: AtomicUsize::new(0),
        lazy: LazyLock::new({
            let lazy_runs = Arc::clone(&lazy_runs);
            Box::new(move || {
                // Relaxed: a count, read after the join.
                lazy_runs.fetch_add(1, Ordering::Relaxed);
                5
            })
        }),
    });
    let use_cells = |c: &Cells| {
        c.once.call_once(|| {
            // Relaxed: a count, read after the join.
            c.once_runs.fetch_add(1, Ordering::Relaxed);
        });
        assert!(c.once.is_completed());
        let v = c.cell.get_or_init(|| {
            // Relaxed: a count, read after the join.
            c.cell_runs.fetch_add(1, Ordering::Relaxed);
            3
        });
        assert_eq!(*v, 3);
        assert_eq!(*c.lazy, 5);
    };
    let t = {
        let cells = Arc::clone(&cells);
        thread::spawn(move || use_cells(&cells))
    };
    use_cells(&cells);
    t.join().unwrap();
    assert_eq!(cells.once_runs.load(Ordering::Relaxed), 1);
    assert_eq!(cells.cell_runs.load(Ordering::Relaxed), 1);
    assert_eq!(lazy_runs.load(Ordering::Relaxed), 1);
    assert_eq!(cells.cell.set(9), Err(9), "set on a full OnceLock");
}

/// A `OnceLock` raced by `set` from two threads: exactly one wins.
pub fn once_lock_set_race() {
    let cell = Arc::new(OnceLock::new());
    let t = {
        let cell = Arc::clone(&cell);
        thread::spawn(move || cell.set(1).is_ok())
    };
    let main_won = cell.set(2).is_ok();
    let t_won = t.join().unwrap();
    assert!(main_won != t_won, "exactly one set wins");
    let expected = if main_won { 2 } else { 1 };
    assert_eq!(cell.get(), Some(&expected));
}

/// Two senders, one receiver: each sender's messages arrive in its order; once both are
/// gone, `recv` is `Err(RecvError)` and `try_recv` is `Disconnected`.
pub fn mpsc_order_and_disconnect() {
    let (tx, rx) = mpsc::channel();
    let tx2 = tx.clone();
    let senders = [
        thread::spawn(move || (0..2).for_each(|i| tx.send((0, i)).unwrap())),
        thread::spawn(move || (0..2).for_each(|i| tx2.send((1, i)).unwrap())),
    ];
    let mut next = [0, 0];
    for _ in 0..4 {
        let (from, i) = rx.recv().unwrap();
        assert_eq!(i, next[from], "sender {from}'s messages out of order");
        next[from] += 1;
    }
    for s in senders {
        s.join().unwrap();
    }
    assert_eq!(rx.recv(), Err(RecvError));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

/// Disconnection: messages sent before the last sender left are still received, then `recv`
/// is `Err(RecvError)`; a `send` racing the receiver's drop either succeeds or gives the message
/// back, and once the receiver is gone it always gives it back.
pub fn mpsc_receiver_gone() {
    let (tx, rx) = mpsc::channel::<u32>();
    let t = thread::spawn(move || {
        tx.send(1).unwrap();
        drop(tx);
    });
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(rx.recv(), Err(RecvError));
    t.join().unwrap();
    let (tx, rx) = mpsc::channel::<u32>();
    let t = thread::spawn(move || drop(rx));
    match tx.send(5) {
        Ok(()) => {}
        Err(SendError(v)) => assert_eq!(v, 5, "the message comes back"),
    }
    t.join().unwrap();
    assert_eq!(tx.send(6), Err(SendError(6)));
}

/// `sync_channel(0)` is a rendezvous: a `send` returns only after the receiver took the
/// message; and a rendezvous sender whose receiver leaves gets its message back.
pub fn mpsc_rendezvous() {
    let (tx, rx) = mpsc::sync_channel(0);
    let returned = Arc::new(AtomicBool::new(false));
    let sender = {
        let returned = Arc::clone(&returned);
        thread::spawn(move || {
            tx.send(1).unwrap();
            // Relaxed: read by the receiver before its `recv`, which this send waited for.
            returned.store(true, Ordering::Relaxed);
            tx.send(2)
        })
    };
    assert!(
        !returned.load(Ordering::Relaxed),
        "a rendezvous send returned before the receive"
    );
    assert_eq!(rx.recv(), Ok(1));
    drop(rx);
    match sender.join().unwrap() {
        Ok(()) => panic!("a rendezvous send returned with nobody to receive"),
        Err(SendError(v)) => assert_eq!(v, 2),
    }
}

/// `sync_channel(1)`: the second `send` blocks until the first message is received.
pub fn mpsc_bounded() {
    let (tx, rx) = mpsc::sync_channel(1);
    let sender = thread::spawn(move || {
        tx.send(1).unwrap();
        tx.send(2).unwrap();
    });
    assert_eq!(rx.recv(), Ok(1));
    assert_eq!(rx.recv(), Ok(2));
    sender.join().unwrap();
    assert_eq!(rx.recv(), Err(RecvError));
}

/// The classic ABBA: two threads take two facade mutexes in opposite orders.
pub fn buggy_abba_mutexes() {
    let a = Arc::new(Mutex::new(0));
    let b = Arc::new(Mutex::new(0));
    racelab::trace::label(&*a, "A");
    racelab::trace::label(&*b, "B");
    let t = {
        let (a, b) = (Arc::clone(&a), Arc::clone(&b));
        thread::spawn(move || {
            let _a = a.lock().unwrap();
            let _b = b.lock().unwrap();
        })
    };
    {
        let _b = b.lock().unwrap();
        let _a = a.lock().unwrap();
    }
    t.join().unwrap();
}

/// A read lock taken again by a thread that holds one, while a writer waits: the writer waits
/// for the reader, the second read for the writer (std's docs warn that this may deadlock).
pub fn buggy_rwlock_recursive_read() {
    let lock = Arc::new(RwLock::new(0));
    let writer = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || *lock.write().unwrap() += 1)
    };
    let first = lock.read().unwrap();
    let second = lock.read().unwrap();
    assert_eq!(*first, *second);
    drop((first, second));
    writer.join().unwrap();
}
