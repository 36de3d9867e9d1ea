//! The std tiers' watchdogs (std builds only): a test that would hang on a bug fails instead.
#![allow(dead_code)] // each test binary uses its own subset

use std::panic;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use racelab::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use racelab::sync::{thread, Arc};

/// Spins (yielding) until `done()` holds. Panics after a generous deadline, so a bug that
/// would leave the condition false fails the test instead of hanging it.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        thread::yield_now();
    }
}

/// Runs a test body on its own thread and fails the test if the body has not finished within
/// 30 s: a lost wake-up or a deadlock then fails the test instead of hanging it (the stuck
/// threads are leaked). A panic in the body is the test's panic, message unchanged.
pub fn within<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    within_for(Duration::from_secs(30), String::new, body)
}

/// [`within`] with another time limit; on a timeout the failure also quotes `progress()`
/// (how far the body got), unless it is empty.
pub fn within_for<T: Send + 'static>(
    limit: Duration,
    progress: impl Fn() -> String,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = mpsc::channel();
    let runner = thread::spawn(move || {
        let _ = done.send(body());
    });
    match finished.recv_timeout(limit) {
        Ok(value) => {
            runner.join().expect("the body returned");
            value
        }
        Err(RecvTimeoutError::Disconnected) => match runner.join() {
            Err(payload) => panic::resume_unwind(payload),
            Ok(()) => unreachable!("the body neither returned nor panicked"),
        },
        Err(RecvTimeoutError::Timeout) => {
            let progress = progress();
            let progress = if progress.is_empty() {
                progress
            } else {
                format!(" ({progress})")
            };
            panic!(
                "the test body did not finish within {} s{progress}: a deadlock or a lost wake-up",
                limit.as_secs()
            )
        }
    }
}

/// The text of a caught panic's payload (the library's [`racelab::check::panic_message`]).
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    racelab::check::panic_message(payload).to_owned()
}

/// Holds tasks inside the pool until the test opens it.
///
/// A task calls [`pass`](Gate::pass); the test waits until `n` tasks have
/// [`entered`](Gate::wait_entered) (so `n` workers are known to be busy) and later calls
/// [`open`](Gate::open). A task gives up (panics) after the `wait_until` deadline, so a failing
/// test cannot leave a worker blocked forever.
#[derive(Clone)]
pub struct Gate(Arc<GateState>);

pub struct GateState {
    entered: AtomicUsize,
    open: AtomicBool,
}

impl Gate {
    pub fn new() -> Self {
        Gate(Arc::new(GateState {
            entered: AtomicUsize::new(0),
            open: AtomicBool::new(false),
        }))
    }

    pub fn pass(&self) {
        self.0.entered.fetch_add(1, Ordering::SeqCst);
        wait_until("the test opens the gate", || {
            self.0.open.load(Ordering::SeqCst)
        });
    }

    pub fn wait_entered(&self, n: usize) {
        wait_until("workers reach the gate", || {
            self.0.entered.load(Ordering::SeqCst) >= n
        });
    }

    pub fn open(&self) {
        self.0.open.store(true, Ordering::SeqCst);
    }
}
