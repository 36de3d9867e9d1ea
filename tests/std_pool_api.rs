//! The rest of Python's `ThreadPool` on real threads: `starmap`, `imap`, `imap_unordered`,
//! `map_async`, the callbacks of `apply_async_with` / `map_async_with`, `successful`, the timed
//! waits, `map` waiting for every item, empty inputs, and what the pool lets go of after `get`.
//!
//! As in `tests/std_pool.rs`: tasks that must be running or queued at a given moment are held
//! on a [`Gate`]; nothing waits with `sleep`; every test that can block runs through
//! [`within`], so a lost wake-up fails the test instead of hanging the suite.
//!
//! Run: `cargo test --test std_pool_api`
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here, which clippy's disallowed lists cannot tell from a stray
// std import (see clippy.toml).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod common;

use std::error::Error as _;
use std::time::Duration;

use common::pools::{gated_pool, submit_held, GATE_TASK};
use common::watch::{wait_until, within, Gate};
use common::{scenarios, EXPECTED_PANIC};
use racelab::pool::{ImapUnordered, MapResult, NotReady, TimeoutError};
use racelab::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};
use racelab::{AsyncResult, Lock, PoolError, TaskError, ThreadPool};

fn panicked(message: &str) -> TaskError {
    TaskError::Panicked {
        message: message.to_owned(),
    }
}

fn assert_send<T: Send>() {}
fn assert_send_sync<T: Send + Sync>() {}

/// A value that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------------------------------
// starmap
// ---------------------------------------------------------------------------------------

#[test]
fn starmap_calls_the_function_with_each_tuples_fields() {
    within(|| {
        common::quiet_expected_panics();
        fn power(base: u64, exp: u32) -> u64 {
            base.pow(exp)
        }
        let pool = ThreadPool::new(3).unwrap();
        assert_eq!(
            pool.starmap(power, [(2, 10), (3, 3), (10, 0)]),
            [Ok(1024), Ok(27), Ok(1)]
        );
        assert_eq!(
            pool.starmap(|s: &str| s.len(), [("abc",), ("",)]),
            [Ok(3), Ok(0)]
        );
        let joined = pool.starmap(
            |a: char, b: char, c: char| [a, b, c].iter().collect::<String>(),
            [('a', 'b', 'c')],
        );
        assert_eq!(joined, [Ok("abc".to_owned())]);
        let six = pool.starmap(
            |a: u8, b: u8, c: u8, d: u8, e: u8, f: u8| a + b + c + d + e + f,
            [(1, 2, 3, 4, 5, 6)],
        );
        assert_eq!(six, [Ok(21)]);
        // A panicking item is its own Err, in its place.
        let divided = pool.starmap(
            |a: i32, b: i32| {
                if b == 0 {
                    panic!("{}", EXPECTED_PANIC);
                }
                a / b
            },
            [(6, 3), (1, 0), (9, 3)],
        );
        assert_eq!(divided, [Ok(2), Err(panicked(EXPECTED_PANIC)), Ok(3)]);
    });
}

#[test]
fn starmap_async_gets_every_value_in_input_order() {
    within(|| {
        let pool = ThreadPool::new(2).unwrap();
        let sums = pool.starmap_async(|a: usize, b: usize| a + b, (0..20).map(|i| (i, i)));
        let expected: Vec<usize> = (0..20).map(|i| 2 * i).collect();
        assert_eq!(sums.get(), Ok(expected));
    });
}

// ---------------------------------------------------------------------------------------
// map: waits for every item, reports the first failure in input order
// ---------------------------------------------------------------------------------------

/// Item 0 panics at once; item 1 is held on a gate that opens only after item 0 has panicked.
/// `map` must still wait for item 1 and return its value: a map that gave up at the first
/// failure could not hold item 1's `Ok`.
#[test]
fn map_waits_for_every_item_after_one_panics() {
    within(|| {
        common::quiet_expected_panics();
        let pool = Arc::new(ThreadPool::new(2).unwrap());
        let gate = Gate::new();
        let panicking = Arc::new(AtomicBool::new(false));
        let finished = Arc::new(AtomicBool::new(false));
        let mapper = {
            let (pool, gate) = (Arc::clone(&pool), gate.clone());
            let (panicking, finished) = (Arc::clone(&panicking), Arc::clone(&finished));
            thread::spawn(move || {
                pool.map(
                    move |i: usize| {
                        if i == 0 {
                            panicking.store(true, Ordering::SeqCst);
                            panic!("{}", EXPECTED_PANIC);
                        }
                        gate.pass();
                        finished.store(true, Ordering::SeqCst);
                        i
                    },
                    [0, 1],
                )
            })
        };
        gate.wait_entered(1);
        wait_until("item 0 has panicked", || panicking.load(Ordering::SeqCst));
        gate.open();
        let results = mapper.join().unwrap();
        assert!(
            finished.load(Ordering::SeqCst),
            "map returned before item 1 finished"
        );
        assert_eq!(results, [Err(panicked(EXPECTED_PANIC)), Ok(1)]);
    });
}

/// Two items fail; the later one (in input order) fails *first*. `map_async`'s `get` and its
/// error callback both report the earlier one in input order.
#[test]
fn map_async_reports_the_first_failure_in_input_order_not_completion_order() {
    within(|| {
        racelab::check::quiet_panics("item ");
        let pool = ThreadPool::new(2).unwrap();
        let gate = Gate::new();
        let item_2_failed = Arc::new(AtomicBool::new(false));
        let reported = Arc::new(Lock::new(None));
        let on_err = {
            let reported = Arc::clone(&reported);
            move |err: &TaskError| *reported.lock() = Some(err.clone())
        };
        let result = {
            let (gate, failed) = (gate.clone(), Arc::clone(&item_2_failed));
            pool.map_async_with(
                move |i: usize| -> usize {
                    match i {
                        0 => {
                            gate.pass();
                            panic!("item 0");
                        }
                        2 => {
                            failed.store(true, Ordering::SeqCst);
                            panic!("item 2");
                        }
                        _ => i,
                    }
                },
                [0, 1, 2],
                |_| panic!("on_ok ran for a failed map"),
                on_err,
            )
        };
        gate.wait_entered(1);
        wait_until("item 2 has failed", || item_2_failed.load(Ordering::SeqCst));
        assert!(!result.ready(), "the map was ready before item 0 finished");
        assert_eq!(result.successful(), Err(NotReady));
        gate.open();
        result.wait();
        assert_eq!(result.successful(), Ok(false));
        assert_eq!(result.get(), Err(panicked("item 0")));
        assert_eq!(*reported.lock(), Some(panicked("item 0")));
    });
}

#[test]
fn map_async_of_values_is_successful() {
    within(|| {
        let pool = ThreadPool::new(3).unwrap();
        let result: MapResult<String> = pool.map_async(|i: u8| i.to_string(), 0..3);
        result.wait();
        assert!(result.ready());
        assert_eq!(result.successful(), Ok(true));
        assert_eq!(format!("{result:?}"), "MapResult { ready: true, .. }");
        assert_eq!(
            result.get(),
            Ok(vec!["0".to_owned(), "1".to_owned(), "2".to_owned()])
        );
        assert_send::<MapResult<Vec<u8>>>();
    });
}

/// `terminate` while a `map_async` waits: the running item gives its value, the queued ones
/// are cancelled, and `get` reports the first failure in input order: `Cancelled`.
#[test]
fn map_async_cut_short_by_terminate_is_cancelled() {
    within(|| {
        let (pool, gate, running) = gated_pool();
        let result = pool.map_async(|i: usize| i, 0..3);
        assert_eq!(pool.queued(), 3);
        pool.terminate();
        assert!(result.ready(), "terminate left the map pending");
        assert_eq!(result.get(), Err(TaskError::Cancelled));
        gate.open();
        assert_eq!(running.get(), Ok(GATE_TASK));
        pool.join().unwrap();
    });
}

// ---------------------------------------------------------------------------------------
// empty inputs
// ---------------------------------------------------------------------------------------

/// Every mapping call on no items returns its empty result at once — even with the only
/// worker held, so nothing can have run on a worker.
#[test]
fn empty_inputs_return_empty_results_at_once() {
    within(|| {
        let (pool, gate, running) = gated_pool();
        assert!(pool.map(|x: u8| x, []).is_empty());
        assert!(pool.starmap(|a: u8, b: u8| a + b, []).is_empty());
        let mapped = pool.map_async(|x: u8| x, []);
        assert!(mapped.ready());
        assert_eq!(mapped.successful(), Ok(true));
        assert_eq!(mapped.get(), Ok(vec![]));
        assert_eq!(
            pool.starmap_async(|a: u8, b: u8| a + b, []).get(),
            Ok(vec![])
        );
        assert_eq!(pool.imap(|x: u8| x, []).next(), None);
        assert_eq!(pool.imap_unordered(|x: u8| x, []).next(), None);
        // The callback of an empty map runs at once, on the calling thread.
        let me = thread::current().id();
        let called_on = Arc::new(Lock::new(None));
        let on_ok = {
            let called_on = Arc::clone(&called_on);
            move |values: &[u8]| {
                assert!(values.is_empty());
                *called_on.lock() = Some(thread::current().id());
            }
        };
        let empty = pool.map_async_with(|x: u8| x, [], on_ok, |e| panic!("on_err: {e}"));
        assert_eq!(*called_on.lock(), Some(me));
        assert!(empty.ready());
        assert_eq!(pool.queued(), 0, "an empty input queued a task");
        gate.open();
        assert_eq!(running.get(), Ok(GATE_TASK));
    });
}

// ---------------------------------------------------------------------------------------
// imap
// ---------------------------------------------------------------------------------------

/// Item 0 is held until items 1..4 have finished; `imap` still yields item 0 first.
#[test]
fn imap_yields_in_input_order_when_later_items_finish_first() {
    within(|| {
        let pool = ThreadPool::new(2).unwrap();
        let gate = Gate::new();
        let done = Arc::new(AtomicUsize::new(0));
        let results = {
            let (gate, done) = (gate.clone(), Arc::clone(&done));
            pool.imap(
                move |i: usize| {
                    if i == 0 {
                        gate.pass();
                    } else {
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                    i * 10
                },
                0..4,
            )
        };
        gate.wait_entered(1);
        wait_until("items 1..4 have finished", || {
            done.load(Ordering::SeqCst) == 3
        });
        let opener = thread::spawn(move || gate.open());
        let values: Vec<_> = results.collect();
        opener.join().unwrap();
        assert_eq!(values, [Ok(0), Ok(10), Ok(20), Ok(30)]);
    });
}

/// The input is pulled as results are taken: twice the workers in flight, one more per result.
#[test]
fn imap_is_lazy_with_a_window_of_twice_the_workers() {
    within(|| {
        let pool = ThreadPool::new(3).unwrap();
        let pulled = Arc::new(AtomicUsize::new(0));
        let p = Arc::clone(&pulled);
        let endless = (0u64..).inspect(move |_| {
            p.fetch_add(1, Ordering::SeqCst);
        });
        let mut squares = pool.imap(|n: u64| n * n, endless);
        assert_eq!(pulled.load(Ordering::SeqCst), 6, "the first window");
        assert_eq!(squares.next(), Some(Ok(0)));
        assert_eq!(pulled.load(Ordering::SeqCst), 7);
        let next: Vec<_> = squares.by_ref().take(4).collect();
        assert_eq!(next, [Ok(1), Ok(4), Ok(9), Ok(16)]);
        assert_eq!(pulled.load(Ordering::SeqCst), 11);
        assert_eq!(format!("{squares:?}"), "Imap { in_flight: 6, .. }");
    });
}

#[test]
fn imap_panicking_item_is_its_own_err_and_iteration_goes_on() {
    within(|| {
        common::quiet_expected_panics();
        let pool = ThreadPool::new(2).unwrap();
        let results: Vec<_> = pool
            .imap(
                |i: u32| {
                    if i == 1 {
                        panic!("{}", EXPECTED_PANIC);
                    }
                    i
                },
                0..4,
            )
            .collect();
        assert_eq!(
            results,
            [Ok(0), Err(panicked(EXPECTED_PANIC)), Ok(2), Ok(3)]
        );
    });
}

/// On a closed pool the first item is `Rejected` and the iterator ends: an endless input is
/// not pulled forever.
#[test]
fn imap_on_a_closed_pool_is_one_rejected_then_the_end() {
    within(|| {
        let pool = ThreadPool::new(2).unwrap();
        pool.close();
        let mut results = pool.imap(|n: u64| n, 0..);
        assert_eq!(results.next(), Some(Err(TaskError::Rejected)));
        assert_eq!(results.next(), None);
        let mut unordered = pool.imap_unordered(|n: u64| n, 0..);
        assert_eq!(unordered.next(), Some(Err(TaskError::Rejected)));
        assert_eq!(unordered.next(), None);
    });
}

/// `terminate` while an `imap` is held: the running item gives its value, the queued one is
/// `Cancelled`, the next one is `Rejected`, then the iterator ends.
#[test]
fn imap_cut_short_by_terminate_is_ok_cancelled_rejected_then_the_end() {
    within(|| {
        let pool = ThreadPool::new(1).unwrap();
        let gate = Gate::new();
        let g = gate.clone();
        let mut results = pool.imap(
            move |i: usize| {
                if i == 0 {
                    g.pass();
                }
                i + 100
            },
            0..10,
        );
        gate.wait_entered(1);
        assert_eq!(
            pool.queued(),
            1,
            "window of 2: item 0 running, item 1 queued"
        );
        pool.terminate();
        gate.open();
        assert_eq!(results.next(), Some(Ok(100)));
        assert_eq!(results.next(), Some(Err(TaskError::Cancelled)));
        assert_eq!(results.next(), Some(Err(TaskError::Rejected)));
        assert_eq!(results.next(), None);
        pool.join().unwrap();
    });
}

// ---------------------------------------------------------------------------------------
// imap_unordered
// ---------------------------------------------------------------------------------------

/// Item 0 is held until item 1 has been taken: the first outcome is item 1's.
#[test]
fn imap_unordered_yields_in_completion_order() {
    within(|| {
        let pool = ThreadPool::new(2).unwrap();
        let gate = Gate::new();
        let g = gate.clone();
        let mut results: ImapUnordered<'_, _, _, usize> = pool.imap_unordered(
            move |i: usize| {
                if i == 0 {
                    g.pass();
                }
                i
            },
            [0, 1],
        );
        assert_eq!(results.next(), Some(Ok(1)));
        gate.open();
        assert_eq!(results.next(), Some(Ok(0)));
        assert_eq!(results.next(), None);
        assert_eq!(format!("{results:?}"), "ImapUnordered { in_flight: 0, .. }");
    });
}

#[test]
fn imap_unordered_delivers_every_item_once() {
    within(|| {
        common::quiet_expected_panics();
        let pool = ThreadPool::new(4).unwrap();
        let mut values = Vec::new();
        let mut panics = 0;
        for outcome in pool.imap_unordered(
            |i: usize| {
                if i % 7 == 3 {
                    panic!("{}", EXPECTED_PANIC);
                }
                for _ in 0..(i % 5) {
                    thread::yield_now();
                }
                i
            },
            0..200,
        ) {
            match outcome {
                Ok(v) => values.push(v),
                Err(err) => {
                    assert_eq!(err, panicked(EXPECTED_PANIC));
                    panics += 1;
                }
            }
        }
        values.sort_unstable();
        let expected: Vec<usize> = (0..200).filter(|i| i % 7 != 3).collect();
        assert_eq!(values, expected);
        assert_eq!(panics, 200 - expected.len());
    });
}

#[test]
fn imap_unordered_cut_short_by_terminate_resolves_every_item() {
    within(|| {
        let pool = ThreadPool::new(1).unwrap();
        let gate = Gate::new();
        let g = gate.clone();
        let mut results = pool.imap_unordered(
            move |i: usize| {
                if i == 0 {
                    g.pass();
                }
                i
            },
            0..10,
        );
        gate.wait_entered(1);
        pool.terminate();
        // Item 1 was cancelled by terminate, and the refill after it is refused: both are in
        // the queue already, ahead of item 0, which is still held.
        assert_eq!(results.next(), Some(Err(TaskError::Cancelled)));
        assert_eq!(results.next(), Some(Err(TaskError::Rejected)));
        gate.open();
        assert_eq!(results.next(), Some(Ok(0)));
        assert_eq!(results.next(), None);
        pool.join().unwrap();
    });
}

/// An `imap_unordered` dropped with items in flight: they still run, and their values are
/// dropped as they finish, not kept in the queue.
#[test]
fn imap_unordered_dropped_early_frees_the_values_still_to_come() {
    within(|| {
        let pool = ThreadPool::new(2).unwrap();
        let gate = Gate::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let results = {
            let (g, drops) = (gate.clone(), Arc::clone(&drops));
            pool.imap_unordered(
                move |_: usize| {
                    g.pass();
                    Counted(Arc::clone(&drops))
                },
                0..4,
            )
        };
        gate.wait_entered(2);
        drop(results);
        gate.open();
        pool.close();
        pool.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 4, "a value was kept");
    });
}

// ---------------------------------------------------------------------------------------
// callbacks: apply_async_with, map_async_with
// ---------------------------------------------------------------------------------------

/// Which callback ran, how often, on which thread, and what it saw.
#[derive(Default)]
struct Calls {
    ok: AtomicUsize,
    err: AtomicUsize,
    seen: Lock<Vec<String>>,
    thread: Lock<Option<String>>,
}

impl Calls {
    fn on_ok<T: std::fmt::Debug + ?Sized>(self: &Arc<Self>) -> impl FnOnce(&T) + Send + 'static {
        let calls = Arc::clone(self);
        move |value| {
            calls.ok.fetch_add(1, Ordering::SeqCst);
            calls.seen.lock().push(format!("ok {value:?}"));
            *calls.thread.lock() = thread::current().name().map(str::to_owned);
        }
    }

    fn on_err(self: &Arc<Self>) -> impl FnOnce(&TaskError) + Send + 'static {
        let calls = Arc::clone(self);
        move |err| {
            calls.err.fetch_add(1, Ordering::SeqCst);
            calls.seen.lock().push(format!("err {err}"));
            *calls.thread.lock() = thread::current().name().map(str::to_owned);
        }
    }

    fn counts(&self) -> (usize, usize) {
        (
            self.ok.load(Ordering::SeqCst),
            self.err.load(Ordering::SeqCst),
        )
    }
}

#[test]
fn apply_async_with_runs_on_ok_once_on_the_worker_before_get_returns() {
    within(|| {
        let pool = ThreadPool::new(1).unwrap();
        let calls = Arc::new(Calls::default());
        let result = pool
            .apply_async_with(|| 6 * 7, calls.on_ok(), calls.on_err())
            .unwrap();
        assert_eq!(result.get(), Ok(42));
        assert_eq!(calls.counts(), (1, 0));
        assert_eq!(*calls.seen.lock(), ["ok 42"]);
        assert_eq!(calls.thread.lock().as_deref(), Some("racelab-worker-0"));
    });
}

#[test]
fn apply_async_with_runs_on_err_for_a_panicking_task() {
    within(|| {
        common::quiet_expected_panics();
        let pool = ThreadPool::new(1).unwrap();
        let calls = Arc::new(Calls::default());
        let result = pool
            .apply_async_with(
                || -> u8 { panic!("{}", EXPECTED_PANIC) },
                calls.on_ok(),
                calls.on_err(),
            )
            .unwrap();
        result.wait();
        assert_eq!(result.successful(), Ok(false));
        assert_eq!(result.get(), Err(panicked(EXPECTED_PANIC)));
        assert_eq!(calls.counts(), (0, 1));
        assert_eq!(
            *calls.seen.lock(),
            [format!("err task panicked: {EXPECTED_PANIC}")]
        );
        assert_eq!(calls.thread.lock().as_deref(), Some("racelab-worker-0"));
    });
}

/// A queued task that `terminate` cancels: `on_err` gets `Cancelled`, on the thread that
/// called `terminate` (where the task is dropped), before `terminate` returns.
#[test]
fn apply_async_with_cancelled_runs_on_err_on_the_terminating_thread() {
    within(|| {
        let (pool, gate, running) = gated_pool();
        let calls = Arc::new(Calls::default());
        let result = pool
            .apply_async_with(|| 1, calls.on_ok(), calls.on_err())
            .unwrap();
        let terminator = thread::Builder::new()
            .name("terminator".to_owned())
            .spawn({
                let pool = Arc::new(pool);
                move || {
                    pool.terminate();
                    pool
                }
            })
            .unwrap();
        let pool = terminator.join().unwrap();
        assert_eq!(calls.counts(), (0, 1));
        assert_eq!(calls.thread.lock().as_deref(), Some("terminator"));
        assert_eq!(
            *calls.seen.lock(),
            ["err task cancelled: the pool was terminated before it ran"]
        );
        assert_eq!(result.get(), Err(TaskError::Cancelled));
        gate.open();
        assert_eq!(running.get(), Ok(GATE_TASK));
        pool.join().unwrap();
    });
}

/// A refused task runs neither callback: the call's `Err` is the report, and the task and the
/// callbacks' captures are let go (or handed back).
#[test]
fn apply_async_with_refused_runs_neither_callback() {
    within(|| {
        let pool = ThreadPool::new(1).unwrap();
        pool.close();
        let calls = Arc::new(Calls::default());
        let refused = pool
            .apply_async_with(|| "ran", calls.on_ok(), calls.on_err())
            .unwrap_err();
        assert!(matches!(refused.error(), PoolError::Closed));
        assert_eq!(refused.into_task()(), "ran");
        assert_eq!(calls.counts(), (0, 0));
        assert_eq!(Arc::strong_count(&calls), 1, "the callbacks were kept");
    });
}

/// A callback that panics: caught, the worker serves on, and the result says so.
#[test]
fn a_panicking_callback_is_callback_panicked_and_the_worker_serves_on() {
    within(|| {
        racelab::check::quiet_panics("callback: ");
        let pool = ThreadPool::new(1).unwrap();
        let drops = Arc::new(AtomicUsize::new(0));
        let d = Arc::clone(&drops);
        let result = pool
            .apply_async_with(
                move || Counted(d),
                |_| panic!("callback: on_ok"),
                |_| unreachable!("on_err after a value"),
            )
            .unwrap();
        result.wait();
        assert_eq!(result.successful(), Ok(false));
        let err = result.get().err().expect("a callback panic is an error");
        assert_eq!(
            err,
            TaskError::CallbackPanicked {
                message: "callback: on_ok".to_owned()
            }
        );
        assert_eq!(
            err.to_string(),
            "the task's callback panicked: callback: on_ok"
        );
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "the displaced value was not freed"
        );
        let failed = pool
            .apply_async_with(
                || -> u8 { panic!("callback: the task") },
                |_| {},
                |_| panic!("callback: on_err"),
            )
            .unwrap();
        assert_eq!(
            failed.get(),
            Err(TaskError::CallbackPanicked {
                message: "callback: on_err".to_owned()
            })
        );
        let mapped = pool.map_async_with(|i: u8| i, [1, 2], |_| panic!("callback: map"), |_| {});
        assert_eq!(
            mapped.get(),
            Err(TaskError::CallbackPanicked {
                message: "callback: map".to_owned()
            })
        );
        assert_eq!(pool.apply(|| "still serving"), Ok("still serving"));
    });
}

/// `on_err` panicking while `terminate` cancels its task (on the terminating thread): caught
/// there too — `terminate` returns normally, every idle worker is still woken — and the result
/// says so.
#[test]
fn a_callback_panicking_on_the_terminating_thread_is_callback_panicked() {
    within(|| {
        racelab::check::quiet_panics("callback: ");
        let (pool, gate, running) = gated_pool();
        let queued = pool
            .apply_async_with(|| 1, |_| {}, |_| panic!("callback: cancelled"))
            .unwrap();
        pool.terminate();
        assert_eq!(
            queued.get(),
            Err(TaskError::CallbackPanicked {
                message: "callback: cancelled".to_owned()
            })
        );
        gate.open();
        assert_eq!(running.get(), Ok(GATE_TASK));
        pool.join().unwrap();
    });
}

#[test]
fn map_async_with_runs_on_ok_once_with_every_value_before_get_returns() {
    within(|| {
        let pool = ThreadPool::new(3).unwrap();
        let calls = Arc::new(Calls::default());
        let on_ok = calls.on_ok::<[usize]>();
        let result = pool.map_async_with(|i: usize| i * i, 0..5, on_ok, calls.on_err());
        assert_eq!(result.get(), Ok(vec![0, 1, 4, 9, 16]));
        assert_eq!(calls.counts(), (1, 0));
        assert_eq!(*calls.seen.lock(), ["ok [0, 1, 4, 9, 16]"]);
        let on = calls.thread.lock().clone().expect("on a named worker");
        assert!(on.starts_with("racelab-worker-"), "{on}");
    });
}

/// `map_async_with` on a closed pool: every item is rejected, `on_err` runs once on the
/// calling thread before the call returns.
#[test]
fn map_async_with_on_a_closed_pool_runs_on_err_once_at_once() {
    within(|| {
        let pool = ThreadPool::new(2).unwrap();
        pool.close();
        let calls = Arc::new(Calls::default());
        let on_ok = calls.on_ok::<[u8]>();
        let result = pool.map_async_with(|i: u8| i, [1, 2, 3], on_ok, calls.on_err());
        assert_eq!(calls.counts(), (0, 1));
        assert_eq!(
            *calls.seen.lock(),
            ["err task rejected: the pool was closed before it was submitted"]
        );
        assert!(result.ready());
        assert_eq!(result.get(), Err(TaskError::Rejected));
    });
}

// ---------------------------------------------------------------------------------------
// successful, wait_timeout, get_timeout
// ---------------------------------------------------------------------------------------

#[test]
fn successful_is_not_ready_until_the_task_finishes() {
    within(|| {
        let (pool, gate, running) = gated_pool();
        assert_eq!(running.successful(), Err(NotReady));
        assert_eq!(
            NotReady.to_string(),
            "the task has not finished: successful() needs a ready result"
        );
        assert!(NotReady.source().is_none());
        assert_send_sync::<NotReady>();
        gate.open();
        running.wait();
        assert_eq!(running.successful(), Ok(true));
        assert_eq!(running.successful(), Ok(true), "successful() takes nothing");
        assert_eq!(running.get(), Ok(GATE_TASK));
        pool.terminate();
        let cancelled = {
            let (pool, gate, held) = gated_pool();
            let queued = pool.apply_async(|| ()).unwrap();
            pool.terminate();
            gate.open();
            assert_eq!(held.get(), Ok(GATE_TASK));
            queued
        };
        assert_eq!(cancelled.successful(), Ok(false));
    });
}

/// A timed wait on a task held at a gate times out; the task keeps running, and the result
/// that comes back in the error still gives its value.
#[test]
fn get_timeout_times_out_and_a_later_get_still_returns_the_value() {
    within(|| {
        let (pool, gate, running) = gated_pool();
        assert!(!running.wait_timeout(Duration::from_millis(1)));
        assert!(!running.wait_timeout(Duration::ZERO));
        let timed_out: TimeoutError<AsyncResult<&str>> =
            running.get_timeout(Duration::from_millis(2)).unwrap_err();
        assert_eq!(timed_out.timeout(), Duration::from_millis(2));
        assert_eq!(
            timed_out.to_string(),
            "timed out after 2ms waiting for the task; it keeps running \
             (into_result() returns the pending result)"
        );
        assert_eq!(
            format!("{timed_out:?}"),
            "TimeoutError { timeout: 2ms, .. }"
        );
        assert!(timed_out.source().is_none());
        let running = timed_out.into_result();
        assert!(!running.ready());
        gate.open();
        // After timed waits that withdrew, a plain wait still parks and is woken.
        assert_eq!(running.get(), Ok(GATE_TASK));
        drop(pool);
    });
}

/// A long timed wait that the task's end wakes (the park/unpark path of a timed wait), and a
/// timeout too long to represent.
#[test]
fn wait_timeout_is_woken_by_the_task() {
    within(|| {
        for timeout in [Duration::from_secs(20), Duration::MAX] {
            let (pool, gate, running) = gated_pool();
            let opener = {
                let gate = gate.clone();
                let waiting = Arc::new(AtomicBool::new(false));
                let w = Arc::clone(&waiting);
                let waiter = thread::spawn(move || {
                    w.store(true, Ordering::SeqCst);
                    running.get_timeout(timeout)
                });
                wait_until("the waiter is waiting", || waiting.load(Ordering::SeqCst));
                gate.open();
                waiter
            };
            match opener.join().unwrap() {
                Ok(outcome) => assert_eq!(outcome, Ok(GATE_TASK)),
                Err(e) => panic!("{timeout:?}: {e}"),
            }
            drop(pool);
        }
    });
}

#[test]
fn get_timeout_of_a_finished_task_is_its_value() {
    within(|| {
        let pool = ThreadPool::new(1).unwrap();
        let done = pool.apply_async(|| 5).unwrap();
        done.wait();
        assert!(done.wait_timeout(Duration::ZERO));
        assert_eq!(done.get_timeout(Duration::ZERO).unwrap(), Ok(5));
    });
}

#[test]
fn map_result_timed_waits() {
    within(|| {
        let pool = ThreadPool::new(1).unwrap();
        let gate = Gate::new();
        let g = gate.clone();
        let mapped = pool.map_async(
            move |i: u8| {
                if i == 0 {
                    g.pass();
                }
                i
            },
            [0, 1],
        );
        gate.wait_entered(1);
        assert!(!mapped.wait_timeout(Duration::from_millis(1)));
        let mapped = mapped
            .get_timeout(Duration::ZERO)
            .unwrap_err()
            .into_result();
        gate.open();
        assert_eq!(
            mapped.get_timeout(Duration::from_secs(20)).unwrap(),
            Ok(vec![0, 1])
        );
    });
}

// ---------------------------------------------------------------------------------------
// nothing kept
// ---------------------------------------------------------------------------------------

/// After `get`, the value is the caller's alone (dropping it frees it at once) and the task's
/// closure is gone from the pool; the same for an unread result dropped after its task ran.
#[test]
fn the_pool_keeps_nothing_of_a_task_after_get() {
    within(|| {
        let pool = ThreadPool::new(2).unwrap();
        let drops = Arc::new(AtomicUsize::new(0));
        let captured = Arc::new(());
        let (d, c) = (Arc::clone(&drops), Arc::clone(&captured));
        let value = pool
            .apply_async(move || {
                let _keep = c;
                Counted(d)
            })
            .unwrap()
            .get()
            .unwrap();
        assert_eq!(
            Arc::strong_count(&captured),
            1,
            "the pool kept the task's closure"
        );
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        drop(value);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "the dropped value was not freed"
        );

        // Callbacks, map, imap: the same.
        let c = Arc::clone(&captured);
        let on_ok = move |_: &usize| drop(c);
        let c = Arc::clone(&captured);
        assert_eq!(
            pool.apply_async_with(|| 1, on_ok, move |_| drop(c))
                .unwrap()
                .get(),
            Ok(1)
        );
        let c = Arc::clone(&captured);
        let d = Arc::clone(&drops);
        let values = pool.map(
            move |_: u8| {
                let _keep = &c;
                Counted(Arc::clone(&d))
            },
            [0, 1, 2],
        );
        assert_eq!(Arc::strong_count(&captured), 1, "map kept a closure");
        drop(values);
        assert_eq!(drops.load(Ordering::SeqCst), 4);
        let c = Arc::clone(&captured);
        let d = Arc::clone(&drops);
        let mapped = pool
            .map_async(
                move |_: u8| {
                    let _keep = &c;
                    Counted(Arc::clone(&d))
                },
                [0, 1],
            )
            .get()
            .unwrap();
        assert_eq!(Arc::strong_count(&captured), 1, "map_async kept a closure");
        drop(mapped);
        assert_eq!(drops.load(Ordering::SeqCst), 6);
        let c = Arc::clone(&captured);
        let d = Arc::clone(&drops);
        for value in pool.imap(
            move |_: u8| {
                let _keep = &c;
                Counted(Arc::clone(&d))
            },
            [0, 1],
        ) {
            drop(value);
        }
        assert_eq!(Arc::strong_count(&captured), 1, "imap kept a closure");
        assert_eq!(drops.load(Ordering::SeqCst), 8);

        // An unread result whose task has run: dropping it frees the value.
        let d = Arc::clone(&drops);
        let unread = pool.apply_async(move || Counted(d)).unwrap();
        unread.wait();
        assert_eq!(drops.load(Ordering::SeqCst), 8);
        drop(unread);
        assert_eq!(drops.load(Ordering::SeqCst), 9);
    });
}

/// An unread result dropped while its task is still held: the worker frees the value when the
/// task ends, so after `join` it is freed.
#[test]
fn a_result_dropped_before_its_task_ends_is_freed_by_the_worker() {
    within(|| {
        let pool = ThreadPool::new(1).unwrap();
        let gate = Gate::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let d = Arc::clone(&drops);
        let held = submit_held(&pool, &gate, move || Counted(d));
        drop(held);
        gate.open();
        pool.close();
        pool.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    });
}

// ---------------------------------------------------------------------------------------
// the shared scenarios, at std scale
// ---------------------------------------------------------------------------------------

#[test]
fn scenarios_at_std_scale() {
    within(|| {
        common::quiet_expected_panics();
        for _ in 0..20 {
            scenarios::imap_in_order(4, 40);
            scenarios::imap_unordered_each_once(4, 40);
            scenarios::callback_once_racing_terminate(3);
            scenarios::map_callback_once_racing_terminate(3, 12);
            scenarios::get_timeout_race(2);
        }
    });
}
