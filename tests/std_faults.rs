//! Faults and misuse on real threads: what racelab does when a task panics (with a message,
//! with a non-string payload, with a payload whose own Drop panics), when a task's value
//! panics on drop, when a result is dropped unread in any state, when a queued closure panics
//! as `terminate` drops it, and when a task submits to (or waits on) its own pool. Each
//! behaviour is defined, and each test asserts it exactly (variant and message). The pool's
//! API and lifecycle are `tests/std_pool.rs`; the lock's misuse is `tests/std_lock.rs`.
//!
//! Tests that need a task to be running or queued at a given moment hold it on a [`Gate`];
//! nothing waits with `sleep`. Every test that can block runs through [`within`], so a lost
//! wake-up or a deadlock fails the test after 30 s instead of hanging the suite.
//!
//! Two `regression_` tests pin bugs found here (see each test's doc).
//!
//! Run: `cargo test --test std_faults`
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here, which clippy's disallowed lists cannot tell from a stray
// std import (see clippy.toml).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod common;

use common::pools::{assert_every_worker_serves, submit_held};
use common::watch::{panic_text, wait_until, within, Gate};
use std::any::Any;
use std::io;
use std::panic::{self, AssertUnwindSafe};

use common::{scenarios, EXPECTED_PANIC};
use racelab::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use racelab::sync::thread::{self, ThreadId};
use racelab::sync::Arc;
use racelab::{AsyncResult, Lock, TaskError, ThreadPool};

/// The message of every deliberate panic here; `check::quiet_panics` keeps them from being
/// printed.
const MARKER: &str = "racelab-faults: expected panic";

fn quiet() {
    racelab::check::quiet_panics(MARKER);
}

// ---------------------------------------------------------------------------------------
// helpers: a drop recorder
// ---------------------------------------------------------------------------------------

/// Asserts that a caught panic is the deliberate `"{MARKER}: {what}"`.
///
/// A failure message here must never start with [`MARKER`]: `quiet_panics` silences every
/// panic whose message starts with it, the test's own assertion failure included (the marker
/// is masked wherever it occurs, which keeps that true whatever the message quotes first).
fn assert_deliberate(payload: &(dyn Any + Send), what: &str) {
    let text = panic_text(payload);
    assert!(
        text == format!("{MARKER}: {what}"),
        "expected the deliberate panic `{what}`, got: {}",
        text.replace(MARKER, "<MARKER>")
    );
}

/// Where and how often a value was dropped.
#[derive(Default)]
struct Drops {
    count: AtomicUsize,
    /// The thread of the last drop, and its name.
    on: Lock<Option<(ThreadId, Option<String>)>>,
}

/// A task's return value that records its drop, and then panics if asked to.
struct Recorded {
    drops: Arc<Drops>,
    panic_on_drop: bool,
}

impl Recorded {
    fn new(drops: &Arc<Drops>, panic_on_drop: bool) -> Self {
        Recorded {
            drops: Arc::clone(drops),
            panic_on_drop,
        }
    }
}

impl Drop for Recorded {
    fn drop(&mut self) {
        let me = thread::current();
        *self.drops.on.lock() = Some((me.id(), me.name().map(str::to_owned)));
        self.drops.count.fetch_add(1, Ordering::SeqCst);
        if self.panic_on_drop {
            panic!("{MARKER}: a value's Drop");
        }
    }
}

impl Drops {
    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    fn thread(&self) -> ThreadId {
        self.on.lock().as_ref().expect("dropped").0
    }

    fn thread_name(&self) -> Option<String> {
        self.on.lock().as_ref().expect("dropped").1.clone()
    }
}

// ---------------------------------------------------------------------------------------
// panicking tasks: TaskError::Panicked
// ---------------------------------------------------------------------------------------

#[test]
fn panicking_task_is_panicked_and_the_worker_survives() {
    within(|| {
        common::quiet_expected_panics();
        scenarios::pool_panicking_task(3);
    });
}

/// A panicking task resolves `Panicked` with the panic's message: the text of a `&str` or
/// `String` payload (a boxed one is not unboxed), a placeholder for any other payload; the
/// single worker serves on after every one.
#[test]
fn panic_messages_of_every_payload_kind() {
    within(|| {
        quiet();
        common::quiet_expected_panics();
        let pool = ThreadPool::new(1).unwrap();
        // A formatted panic, through the panic hook: a `String` payload.
        assert_eq!(
            pool.apply(|| -> u8 { panic!("{}", EXPECTED_PANIC) }),
            Err(TaskError::Panicked {
                message: EXPECTED_PANIC.to_owned()
            })
        );
        type Payload = fn() -> Box<dyn Any + Send>;
        let cases: [(Payload, &str); 6] = [
            (|| Box::new(42_u32), "<non-string panic payload>"),
            (|| Box::new(()), "<non-string panic payload>"),
            (
                || Box::new(io::Error::other("an io::Error")),
                "<non-string panic payload>",
            ),
            // A boxed payload is not unboxed: only a `&str` or a `String` gives the message.
            (
                || Box::new(Box::new(String::from("boxed")) as Box<dyn Any + Send>),
                "<non-string panic payload>",
            ),
            (|| Box::new("a &'static str"), "a &'static str"),
            (|| Box::new(String::from("a String")), "a String"),
        ];
        for (payload, message) in cases {
            // `resume_unwind` raises the payload without the panic hook (nothing printed).
            let outcome = pool.apply(move || -> u8 { panic::resume_unwind(payload()) });
            assert_eq!(
                outcome,
                Err(TaskError::Panicked {
                    message: message.to_owned()
                })
            );
        }
        // `panic_any` goes through the hook; the payload is still not a string.
        assert_eq!(
            pool.apply(|| -> u8 { panic::panic_any(MARKER.len()) }),
            Err(TaskError::Panicked {
                message: "<non-string panic payload>".to_owned()
            })
        );
        // The single worker is still alive after all of them.
        assert_eq!(pool.apply(|| 1), Ok(1));
        assert_every_worker_serves(&pool, 1);
    });
}

#[test]
fn panic_payload_whose_drop_panics_does_not_kill_the_worker() {
    within(|| {
        common::quiet_expected_panics();
        struct PanicsOnDrop;
        impl Drop for PanicsOnDrop {
            fn drop(&mut self) {
                panic!("{}", EXPECTED_PANIC);
            }
        }
        let pool = ThreadPool::new(1).unwrap();
        assert_eq!(
            pool.apply(|| -> u8 { panic::resume_unwind(Box::new(PanicsOnDrop)) }),
            Err(TaskError::Panicked {
                message: "<non-string panic payload>".to_owned()
            })
        );
        assert_eq!(pool.apply(|| 2), Ok(2));
        pool.close();
        pool.join().unwrap();
    });
}

// ---------------------------------------------------------------------------------------
// values that panic when dropped
// ---------------------------------------------------------------------------------------

/// `get()` hands the value to the caller; its Drop (and its panic) happens on the caller's
/// thread, where the caller drops it. The worker is not involved.
#[test]
fn value_that_panics_on_drop_is_dropped_by_the_caller_after_get() {
    within(|| {
        quiet();
        let pool = ThreadPool::new(1).unwrap();
        let drops = Arc::new(Drops::default());
        let d = Arc::clone(&drops);
        let value = pool
            .apply_async(move || Recorded::new(&d, true))
            .unwrap()
            .get()
            .unwrap_or_else(|err| panic!("the task did not return its value: {err}"));
        assert_eq!(drops.count(), 0, "dropped before the caller had it");
        let dropped = panic::catch_unwind(AssertUnwindSafe(|| drop(value)));
        let payload = dropped.expect_err("the value's Drop panics");
        assert_deliberate(&*payload, "a value's Drop");
        assert_eq!(drops.count(), 1);
        assert_eq!(drops.thread(), thread::current().id(), "dropped elsewhere");
        assert_eq!(pool.apply(|| 1), Ok(1), "the worker serves on");
        pool.close();
        pool.join().unwrap();
    });
}

/// A result dropped unread *after* the worker is done with its task: the value is dropped
/// with the last reference to the result's slot — here the `AsyncResult` — so on the thread
/// that drops it. (`ready()` is not enough to know the worker is done: it becomes true while
/// the worker still holds the slot, and whichever side lets go last drops the value.)
#[test]
fn unread_value_is_dropped_by_the_thread_that_drops_a_finished_result() {
    within(|| {
        quiet();
        let pool = ThreadPool::new(1).unwrap();
        for panic_on_drop in [false, true] {
            let drops = Arc::new(Drops::default());
            let d = Arc::clone(&drops);
            let result = pool
                .apply_async(move || Recorded::new(&d, panic_on_drop))
                .unwrap();
            // The single worker runs tasks one after the other: once the next one has run,
            // it has let go of this one's slot.
            assert_eq!(pool.apply(|| ()), Ok(()));
            assert!(result.ready());
            assert_eq!(
                drops.count(),
                0,
                "the worker dropped a value nobody read yet"
            );
            let dropped = panic::catch_unwind(AssertUnwindSafe(|| drop(result)));
            if panic_on_drop {
                let payload = dropped.expect_err("the value's Drop panics");
                assert_deliberate(&*payload, "a value's Drop");
            } else {
                dropped.expect("a quiet Drop");
            }
            assert_eq!(drops.count(), 1);
            assert_eq!(drops.thread(), thread::current().id());
        }
        assert_every_worker_serves(&pool, 1);
    });
}

/// A result dropped unread *before* its task finished: the worker holds the last reference
/// to the slot when it writes the value, so the value is dropped on the worker, once.
#[test]
fn unread_value_is_dropped_on_the_worker_when_the_result_went_first() {
    within(|| {
        let gate = Gate::new();
        let pool = ThreadPool::new(1).unwrap();
        let drops = Arc::new(Drops::default());
        let d = Arc::clone(&drops);
        let result = submit_held(&pool, &gate, move || Recorded::new(&d, false));
        drop(result);
        gate.open();
        pool.close();
        pool.join().unwrap();
        assert_eq!(drops.count(), 1);
        assert_eq!(drops.thread_name().as_deref(), Some("racelab-worker-0"));
    });
}

/// Regression: as above, but the value's Drop panics. The panic used to escape `Task::run`
/// on the worker — outside the task's `catch_unwind` — and kill the worker: a one-worker pool
/// then never ran another task (a queued task's `get()` waited forever), and `join` re-raised
/// the panic. Now the worker loop catches it and serves on.
#[test]
fn regression_unread_value_that_panics_on_drop_does_not_kill_the_worker() {
    within(|| {
        quiet();
        let gate = Gate::new();
        let pool = ThreadPool::new(1).unwrap();
        let drops = Arc::new(Drops::default());
        let d = Arc::clone(&drops);
        let result = submit_held(&pool, &gate, move || Recorded::new(&d, true));
        drop(result);
        let next = pool.apply_async(|| "next task").unwrap();
        gate.open();
        pool.close();
        // Today: join re-raises the worker's panic (`a value's Drop`), and `next` never runs.
        let joined = panic::catch_unwind(AssertUnwindSafe(|| pool.join().unwrap()));
        if let Err(payload) = joined {
            assert_deliberate(&*payload, "a value's Drop");
            panic!("the worker died of the value's Drop panic, and join re-raised it");
        }
        assert_eq!(drops.count(), 1);
        assert_eq!(drops.thread_name().as_deref(), Some("racelab-worker-0"));
        assert_eq!(next.get(), Ok("next task"));
    });
}

// ---------------------------------------------------------------------------------------
// results dropped unread
// ---------------------------------------------------------------------------------------

/// Dropping a result without `get()` neither cancels nor repeats its task — queued,
/// running or finished — and the pool shuts down normally.
#[test]
fn async_result_dropped_without_get_in_every_state() {
    within(|| {
        let gate = Gate::new();
        let pool = ThreadPool::new(1).unwrap();
        let runs = Arc::new(AtomicUsize::new(0));
        let counted = |runs: &Arc<AtomicUsize>| {
            let runs = Arc::clone(runs);
            move || runs.fetch_add(1, Ordering::SeqCst)
        };
        let finished = pool.apply_async(counted(&runs)).unwrap();
        finished.wait();
        drop(finished);
        let running = submit_held(&pool, &gate, counted(&runs));
        let queued_result = pool.apply_async(counted(&runs)).unwrap();
        drop(running);
        drop(queued_result);
        gate.open();
        assert_eq!(
            pool.apply(|| 5),
            Ok(5),
            "the worker survived the unread results"
        );
        pool.close();
        pool.join().unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 3, "each task ran exactly once");
    });
}

// ---------------------------------------------------------------------------------------
// terminate and a queued task whose closure panics when dropped
// ---------------------------------------------------------------------------------------

/// Captured by a task's closure; panics when the closure is dropped unrun.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("{MARKER}: a cancelled closure's Drop");
    }
}

/// Regression: `terminate` used to drop the cancelled jobs *before* waking the idle workers
/// (`Shared::shut_down`). A cancelled closure whose Drop panicked unwound out of `terminate`
/// there, so the idle workers already taken off the idle list were never woken: `join` (and
/// the pool's `Drop`) then waited forever. Now every idle worker is woken first and every
/// cancelled job dropped whatever one job's Drop does; `terminate` re-raises that panic.
///
/// The race: a worker must be idle while the bomb is still queued. Submitting to a pool of 2
/// idle workers wakes one; `terminate` right after usually beats it to the job.
#[test]
fn regression_terminate_with_a_closure_that_panics_on_drop_still_wakes_idle_workers() {
    within(|| {
        quiet();
        for round in 0..20 {
            let pool = ThreadPool::new(2).unwrap();
            wait_until("both workers are idle", || {
                format!("{pool:?}").ends_with("idle: 2 }")
            });
            let bomb = Bomb;
            let result = pool
                .apply_async(move || {
                    // Run, the task defuses the bomb; only a cancelled closure drops it.
                    std::mem::forget(bomb);
                    "ran before terminate"
                })
                .unwrap();
            if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| pool.terminate())) {
                assert_deliberate(&*payload, "a cancelled closure's Drop");
            }
            match result.get() {
                Ok("ran before terminate") | Err(TaskError::Cancelled) => {}
                other => panic!("round {round}: unexpected {other:?}"),
            }
            pool.join().unwrap(); // today: hangs here when the bomb was cancelled
        }
    });
}

// ---------------------------------------------------------------------------------------
// a task using its own pool
// ---------------------------------------------------------------------------------------

/// A task may submit to its own pool, even a one-worker pool whose only worker it occupies:
/// `apply_async` never waits. The subtask runs after the task; its result is readable.
#[test]
fn task_submits_to_its_own_pool() {
    within(|| {
        let pool = Arc::new(ThreadPool::new(1).unwrap());
        let p = Arc::clone(&pool);
        let outer = pool
            .apply_async(move || {
                let inner = p
                    .apply_async(|| thread::current().name().map(str::to_owned))
                    .expect("the pool is open");
                assert!(!inner.ready(), "the only worker is busy with this task");
                inner
            })
            .unwrap();
        let inner: AsyncResult<Option<String>> = outer.get().unwrap();
        assert_eq!(inner.get(), Ok(Some("racelab-worker-0".to_owned())));
        pool.close();
        pool.join().unwrap();
    });
}

/// A task that waits (`get()`) for a subtask it submitted: with a free worker the subtask runs
/// there, and the waiting task then finishes.
#[test]
fn task_waits_for_its_subtask_on_a_free_worker() {
    within(|| {
        let pool = Arc::new(ThreadPool::new(2).unwrap());
        let p = Arc::clone(&pool);
        let outer = pool
            .apply_async(move || {
                let inner = p
                    .apply_async(|| thread::current().name().map(str::to_owned))
                    .expect("the pool is open");
                let me = thread::current().name().map(str::to_owned);
                (me, inner.get())
            })
            .unwrap();
        let (outer_worker, inner_worker) = outer.get().unwrap();
        let inner_worker = inner_worker.unwrap();
        assert_ne!(
            outer_worker, inner_worker,
            "the subtask ran on the other worker"
        );
        for name in [outer_worker, inner_worker] {
            assert!(
                matches!(
                    name.as_deref(),
                    Some("racelab-worker-0" | "racelab-worker-1")
                ),
                "{name:?}"
            );
        }
        pool.close();
        pool.join().unwrap();
    });
}

/// The full-pool case: the only worker runs a task that waits for a subtask queued behind it,
/// which can only run on that same worker. It blocks (like Python's pool) — `close` and the
/// pool's `Drop` would wait for it forever — until `terminate` cancels the queued subtask,
/// whose `get()` then returns `Cancelled`, freeing the worker.
#[test]
fn task_waiting_on_a_subtask_queued_behind_it_is_freed_by_terminate() {
    within(|| {
        let pool = Arc::new(ThreadPool::new(1).unwrap());
        let p = Arc::clone(&pool);
        let waiting = Arc::new(AtomicBool::new(false));
        let w = Arc::clone(&waiting);
        let outer = pool
            .apply_async(move || {
                let inner = p.apply_async(|| "never runs").expect("the pool is open");
                w.store(true, Ordering::SeqCst);
                inner.get()
            })
            .unwrap();
        wait_until("the task has queued its subtask", || {
            waiting.load(Ordering::SeqCst)
        });
        assert_eq!(pool.queued(), 1, "the subtask waits behind its parent");
        assert!(!outer.ready());
        pool.terminate();
        assert_eq!(outer.get(), Ok(Err(TaskError::Cancelled)));
        pool.join().unwrap();
    });
}
