//! Captures the panics of a checked run: message, kind, trace, wait-for graph.
//!
//! One process-wide panic hook, installed once on top of the others, chains to the hook that
//! was there before (so the default message still appears), except for panics a test declared
//! expected with `check::quiet_panics` and, under shuttle, the panics of a run being checked
//! (racelab reports those itself, with the one schedule that replays them). Quieting only
//! decides what is printed: a quieted panic is captured like any other.
//!
//! While a run is *armed* on this OS thread — loom and shuttle run every model thread on it —
//! the hook keeps every panic of the current execution (the list is cleared when the next
//! execution starts). Which one is *the* failure is decided afterwards, in [`disarm`]: the one
//! whose message the runner saw propagate, else the first one a checker raised (a deadlock, a
//! data race), else the first. That skips panics the model caught itself (a pool task's
//! panic, resolved as `TaskError::Panicked`) and the follow-ups of the real one (a join of a
//! panicked thread, a guard dropped while unwinding).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::cell::{Cell, RefCell};
use std::panic;
use std::sync::{Mutex, Once};

use super::failure::{deadlock_message, Failure, FailureKind, Replay};
use crate::panic_message::panic_message;
use crate::trace::{self, Trace, WaitFor};

/// What the hook kept of one panic.
#[derive(Debug, Clone)]
pub(crate) struct Captured {
    pub(crate) kind: FailureKind,
    /// The panic's own message (for a deadlock, the checker's; `message` has the cycle).
    pub(crate) raw: String,
    pub(crate) message: String,
    pub(crate) location: Option<String>,
    pub(crate) trace: Trace,
    pub(crate) wait_for: Vec<WaitFor>,
    pub(crate) execution: u64,
}

impl Captured {
    /// The failure this panic is, with how to replay it and how many executions ran.
    pub(crate) fn into_failure(self, replay: Replay, executions: u64) -> Failure {
        Failure::new(self.kind, self.message, replay, executions)
            .with_location(self.location)
            .with_trace(self.trace, self.wait_for)
    }
}

/// Called with each capture as it happens (a loom child writes it to stderr at once, before
/// loom can abort the process). The flag says the process aborts right after: the capture is
/// then the execution's failure, chosen (see [`ABORTING`]).
pub(crate) type OnCapture = fn(&Captured, bool);

/// The message of a panic in a destructor while the thread unwinds, after which the process
/// aborts. Under loom it follows a plain panic whenever loom drops, outside the execution, a
/// spawned thread's closure that never ran and holds loom objects (the body failed first):
/// the abort would take the earlier panic, the real failure, with it.
const ABORTING: &str = "panic in a destructor during cleanup";

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static ON_CAPTURE: Cell<Option<OnCapture>> = const { Cell::new(None) };
    static EXECUTION: Cell<u64> = const { Cell::new(0) };
    static PANICS: RefCell<Vec<Captured>> = const { RefCell::new(Vec::new()) };
}

/// The std backend's runs in flight in this process, and the first panic of a thread that was
/// not armed while exactly one of them was (see [`std_run_start`]).
#[cfg(not(any(loom, shuttle)))]
static STD_RUNS: Mutex<StdRuns> = Mutex::new(StdRuns {
    next: 0,
    in_flight: Vec::new(),
    stray: None,
});

#[cfg(not(any(loom, shuttle)))]
struct StdRuns {
    next: u64,
    in_flight: Vec<u64>,
    stray: Option<(u64, Captured)>,
}

/// Panic messages starting with one of these are not printed (see `check::quiet_panics`).
static QUIET: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

/// Installs racelab's hook once, on top of every other: under shuttle, shuttle's own hook
/// (installed on its first run) is put underneath first, so racelab's decides what reaches it.
fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        #[cfg(shuttle)]
        shuttle::check_random(|| {}, 1);
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let text = panic_message(info.payload());
            // Capture never depends on quieting: a quieted panic is still a failure.
            let armed = ARMED.get();
            if armed {
                keep(info, text.to_owned());
            } else {
                #[cfg(not(any(loom, shuttle)))]
                stray(info, text);
            }
            let quiet = QUIET
                .lock()
                .is_ok_and(|q| q.iter().any(|m| text.starts_with(m)));
            // Under shuttle an armed panic is reported by racelab alone: shuttle's hook would
            // add its task name, schedule and advice, a second and contradicting recipe.
            let reported_by_racelab = armed && cfg!(shuttle);
            if !quiet && !reported_by_racelab {
                previous(info);
            }
        }));
    });
}

/// Silences panics whose message starts with `marker` (an assertion that merely quotes the
/// marker still prints). Printing only: capture does not look at the list.
pub(crate) fn quiet(marker: &'static str) {
    install();
    if let Ok(mut quiet) = QUIET.lock() {
        if !quiet.contains(&marker) {
            quiet.push(marker);
        }
    }
}

/// Starts capturing on this OS thread; `on_capture` sees each capture as it happens.
pub(crate) fn arm(on_capture: Option<OnCapture>) {
    install();
    PANICS.with(|p| p.borrow_mut().clear());
    EXECUTION.set(0);
    ON_CAPTURE.set(on_capture);
    ARMED.set(true);
}

/// Stops capturing and returns the failure of the last execution, if it had one.
/// `propagated` is the payload the runner caught, if any: the panic with that message is the
/// failure (see the module docs).
pub(crate) fn disarm(propagated: Option<&(dyn std::any::Any + Send)>) -> Option<Captured> {
    ARMED.set(false);
    let panics = PANICS.with(|p| std::mem::take(&mut *p.borrow_mut()));
    choose(panics, propagated.map(panic_message))
}

/// Picks the failure among an execution's panics.
pub(crate) fn choose(mut panics: Vec<Captured>, propagated: Option<&str>) -> Option<Captured> {
    let by_message = propagated.and_then(|text| panics.iter().position(|c| c.raw == text));
    let by_checker = || panics.iter().position(|c| c.kind != FailureKind::Panic);
    let index = by_message.or_else(by_checker).unwrap_or(0);
    (index < panics.len()).then(|| panics.swap_remove(index))
}

/// A std run is starting; returns its token for [`std_run_end`].
///
/// Under loom and shuttle every thread of a run is on the armed OS thread; under std the
/// body's threads are real ones, which std's `thread::spawn` (that `racelab::sync::thread` is,
/// in std builds) gives no hook to arm. Their panics would be lost, and the run's failure be
/// only the body's follow-up (`called Result::unwrap() on an Err value: Any { .. }` from a
/// `join`). So while exactly one std run is in flight in the process, the first panic of an
/// unarmed thread is kept for it; with several (tests run in parallel by `cargo test`), none
/// is, since nothing tells whose it would be.
#[cfg(not(any(loom, shuttle)))]
pub(crate) fn std_run_start() -> u64 {
    install();
    let mut runs = STD_RUNS.lock().unwrap_or_else(|e| e.into_inner());
    runs.next += 1;
    let token = runs.next;
    runs.in_flight.push(token);
    token
}

/// The std run `token` ended: the stray panic kept for it, if any.
#[cfg(not(any(loom, shuttle)))]
pub(crate) fn std_run_end(token: u64) -> Option<Captured> {
    let mut runs = STD_RUNS.lock().unwrap_or_else(|e| e.into_inner());
    runs.in_flight.retain(|&t| t != token);
    match runs.stray.take() {
        Some((owner, captured)) if owner == token => Some(captured),
        other => {
            runs.stray = other;
            None
        }
    }
}

/// Whether `message` is what a thread says when it unwraps the `Err` of joining a panicked
/// thread (`Result::unwrap`'s or `expect`'s Debug of the payload): a follow-up, not a cause.
#[cfg(not(any(loom, shuttle)))]
pub(crate) fn is_join_follow_up(message: &str) -> bool {
    message.ends_with("Any { .. }")
}

/// A panic on a thread that is not armed: kept for the one std run in flight, if there is one.
#[cfg(not(any(loom, shuttle)))]
fn stray(info: &panic::PanicHookInfo<'_>, text: &str) {
    let Ok(mut runs) = STD_RUNS.lock() else {
        return;
    };
    if let ([owner], None) = (runs.in_flight.as_slice(), &runs.stray) {
        let owner = *owner;
        runs.stray = Some((owner, captured(info, text.to_owned())));
    }
}

/// Called at the start of each execution: earlier executions' panics were not failures.
pub(crate) fn set_execution(n: u64) {
    EXECUTION.set(n);
    PANICS.with(|p| {
        if let Ok(mut p) = p.try_borrow_mut() {
            p.clear();
        }
    });
}

fn keep(info: &panic::PanicHookInfo<'_>, raw: String) {
    if raw == ABORTING {
        // Not a failure of its own: hand on the execution's failure before the abort.
        if let Some(on_capture) = ON_CAPTURE.get() {
            let earlier = PANICS.with(|p| p.try_borrow().ok().map(|p| p.clone()));
            if let Some(chosen) = earlier.and_then(|p| choose(p, None)) {
                on_capture(&chosen, true);
            }
        }
        return;
    }
    let captured = captured(info, raw);
    if let Some(on_capture) = ON_CAPTURE.get() {
        on_capture(&captured, false);
    }
    PANICS.with(|p| {
        if let Ok(mut p) = p.try_borrow_mut() {
            p.push(captured);
        }
    });
}

fn captured(info: &panic::PanicHookInfo<'_>, raw: String) -> Captured {
    let kind = FailureKind::classify(&raw);
    let wait_for = if kind == FailureKind::Deadlock {
        trace::wait_for()
    } else {
        Vec::new()
    };
    let message = if kind == FailureKind::Deadlock {
        deadlock_message(&wait_for, &trace::blocked(), &raw)
    } else {
        raw.clone()
    };
    Captured {
        kind,
        raw,
        message,
        // Only a panic in the model has a useful location; a checker's own (a deadlock, a
        // data race) points into the checker's source.
        location: (kind == FailureKind::Panic)
            .then(|| {
                info.location()
                    .map(|at| format!("{}:{}", at.file(), at.line()))
            })
            .flatten(),
        trace: trace::snapshot(),
        wait_for,
        execution: EXECUTION.get(),
    }
}
