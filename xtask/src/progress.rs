//! A heartbeat for long stages: when the child has printed nothing for [`QUIET`], print one
//! line saying how long the stage has run and what it is doing, so a person (or a CI log)
//! can tell a slow check from a hung one.

use std::io::IsTerminal as _;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::table::seconds;

/// How long the output may stay silent before a heartbeat line.
const QUIET: Duration = Duration::from_secs(10);

pub struct Progress {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    stopped: Condvar,
}

struct State {
    label: String,
    started: Instant,
    last_output: Instant,
    /// The forwarded output ended without a newline (libtest's `test NAME ... ` while it runs).
    mid_line: bool,
    stop: bool,
}

impl Progress {
    /// Starts the heartbeat for a stage called `label`.
    pub fn start(label: impl Into<String>) -> Self {
        let now = Instant::now();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                label: label.into(),
                started: now,
                last_output: now,
                mid_line: false,
                stop: false,
            }),
            stopped: Condvar::new(),
        });
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || heartbeat(&shared))
        };
        Progress {
            shared,
            thread: Some(thread),
        }
    }

    /// The child just printed `chunk`.
    pub fn saw_output(&self, chunk: &[u8]) {
        let mut state = self.lock();
        state.last_output = Instant::now();
        if let Some(&last) = chunk.last() {
            state.mid_line = last != b'\n';
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.lock().stop = true;
        self.shared.stopped.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Lock order, here as in `exec::run_teed`: stdout first, then the state.
fn heartbeat(shared: &Shared) {
    let lock = || shared.state.lock().unwrap_or_else(|e| e.into_inner());
    let mut state = lock();
    loop {
        if state.stop {
            return;
        }
        let now = Instant::now();
        let due = state.last_output + QUIET;
        if now < due {
            state = match shared.stopped.wait_timeout(state, due - now) {
                Ok((state, _)) => state,
                Err(poisoned) => poisoned.into_inner().0,
            };
            continue;
        }
        drop(state);
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        state = lock();
        // Output may have arrived while we waited for stdout.
        if !state.stop && state.last_output + QUIET <= Instant::now() {
            print_heartbeat(&state, &mut out, stdout.is_terminal());
            state.last_output = Instant::now();
            state.mid_line = false;
        }
    }
}

fn print_heartbeat(state: &State, out: &mut impl std::io::Write, terminal: bool) {
    let line = format!(
        "    ... {} {}",
        seconds(state.started.elapsed()),
        state.label
    );
    // Never tear the child's output: start on a line of our own. On a terminal, also wipe
    // cargo's progress bar (stderr), which redraws itself afterwards.
    let lead = if state.mid_line {
        "\n"
    } else if terminal {
        "\r\x1b[2K"
    } else {
        ""
    };
    let _ = writeln!(out, "{lead}{line}");
    let _ = out.flush();
}
