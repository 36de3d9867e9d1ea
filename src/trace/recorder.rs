//! The recorder (loom and shuttle builds only).
//!
//! loom and shuttle run every model thread on the OS thread that called the checker, so one
//! OS-thread-local recorder sees the whole execution, in order. It is plain std state on
//! purpose: recording must not add scheduling points or synchronisation to what is explored.

use std::cell::RefCell;
use std::collections::HashMap;

use super::{Step, Trace, WaitFor};
use crate::sync::thread::{self, ThreadId};

pub(crate) enum Event {
    LockAcquired(usize),
    LockWaiting(usize),
    LockPending(usize),
    LockReleased(usize),
    TaskSubmitted(u64),
    TaskStarted(u64),
    TaskFinished(u64, bool),
    TaskCancelled(u64),
    WorkerIdle,
    WorkerExit,
    ResultWaiting(u64),
    Waiting(String),
    Note(String),
}

#[derive(Default)]
struct Recorder {
    active: bool,
    trace: Trace,
    thread_ids: Vec<ThreadId>,
    /// Lock address → index into `lock_names`.
    locks: HashMap<usize, usize>,
    lock_names: Vec<String>,
    /// Locks whose events are internal detail (the pool's own queue lock).
    hidden: Vec<usize>,
    /// Lock index → holding thread.
    holders: HashMap<usize, usize>,
    /// Thread → the lock it is queued on.
    waiting: HashMap<usize, usize>,
    /// Thread → the lock it is inside the checker's acquire of, found free when it looked
    /// (a spec lock: the checker decides inside one step whether it blocks). Shown as a wait
    /// once someone else holds that lock.
    pending: HashMap<usize, usize>,
    /// Thread → what it parked for, if its last event was a wait of any kind.
    blocked: HashMap<usize, String>,
}

thread_local! {
    static RECORDER: RefCell<Recorder> = RefCell::new(Recorder::default());
}

/// Starts a fresh recording; the calling model thread becomes `main`.
pub(crate) fn begin() {
    RECORDER.with(|r| {
        let mut r = r.borrow_mut();
        *r = Recorder {
            active: true,
            ..Recorder::default()
        };
        r.thread_index();
    });
}

/// The recording so far (what a failure hook keeps).
pub(crate) fn snapshot() -> crate::trace::Trace {
    RECORDER.with(|r| match r.try_borrow() {
        Ok(r) => {
            let mut trace = r.trace.clone();
            // A thread inside a spec lock's acquire while another holds that lock is blocked
            // there now: its wait is the last thing it did.
            let mut pending: Vec<_> = r.blocked_pending().collect();
            pending.sort_unstable();
            for (thread, lock) in pending {
                let event = r.wait_text(thread, lock);
                trace.steps.push(Step { thread, event });
            }
            trace
        }
        Err(_) => Trace::default(),
    })
}

/// The threads blocked on locks right now, ordered so a cycle reads in order.
pub(crate) fn wait_for() -> Vec<WaitFor> {
    RECORDER.with(|r| {
        let Ok(r) = r.try_borrow() else {
            return Vec::new();
        };
        let mut waiters: Vec<_> = r.waiting.iter().map(|(&t, &l)| (t, l)).collect();
        waiters.extend(r.blocked_pending());
        waiters.sort_unstable();
        let edges = waiters
            .into_iter()
            .map(|(thread, lock)| {
                let mut holds: Vec<usize> = r
                    .holders
                    .iter()
                    .filter(|(_, &holder)| holder == thread)
                    .map(|(&l, _)| l)
                    .collect();
                holds.sort_unstable();
                WaitFor {
                    thread: r.trace.threads[thread].clone(),
                    holds: holds.iter().map(|&l| r.lock_names[l].clone()).collect(),
                    waits_for: r.lock_names[lock].clone(),
                    held_by: r.holders.get(&lock).map(|&h| r.trace.threads[h].clone()),
                }
            })
            .collect();
        super::waitfor::order_cycle(edges)
    })
}

/// The threads whose last event was a wait, and what each waits for, in thread order.
pub(crate) fn blocked() -> Vec<String> {
    RECORDER.with(|r| {
        let Ok(r) = r.try_borrow() else {
            return Vec::new();
        };
        let mut blocked: Vec<_> = r.blocked.iter().collect();
        blocked.sort_unstable();
        blocked
            .into_iter()
            .map(|(&t, what)| format!("{} {what}", r.trace.threads[t]))
            .collect()
    })
}

/// Names the lock at `key`.
pub(crate) fn label(key: usize, name: &str) {
    RECORDER.with(|r| {
        let Ok(mut r) = r.try_borrow_mut() else {
            return;
        };
        let index = r.lock_index(key);
        r.lock_names[index] = name.to_owned();
    });
}

/// Leaves the lock at `key` out of traces: its events are an implementation detail.
pub(crate) fn hide(key: usize) {
    RECORDER.with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            r.hidden.push(key);
        }
    });
}

pub(crate) fn record(event: Event) {
    RECORDER.with(|r| {
        let Ok(mut r) = r.try_borrow_mut() else {
            return;
        };
        let hidden = match event {
            Event::LockAcquired(key)
            | Event::LockWaiting(key)
            | Event::LockPending(key)
            | Event::LockReleased(key) => r.hidden.contains(&key),
            _ => false,
        };
        if r.active && !hidden {
            r.record(event);
        }
    });
}

impl Recorder {
    /// The pending acquires (see `pending`) whose lock another thread holds.
    fn blocked_pending(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.pending
            .iter()
            .filter(|(_, lock)| self.holders.contains_key(lock))
            .map(|(&t, &l)| (t, l))
    }

    /// A wait's row: `wait L1 (held by t2)`.
    fn wait_text(&self, thread: usize, lock: usize) -> String {
        match self.holders.get(&lock) {
            Some(&h) if h == thread => format!("wait {} (held by me)", self.lock_names[lock]),
            Some(&h) => format!(
                "wait {} (held by {})",
                self.lock_names[lock], self.trace.threads[h]
            ),
            None => format!("wait {}", self.lock_names[lock]),
        }
    }

    fn thread_index(&mut self) -> usize {
        let current = thread::current();
        let id = current.id();
        if let Some(i) = self.thread_ids.iter().position(|&t| t == id) {
            return i;
        }
        let index = self.thread_ids.len();
        let name = match (index, current.name()) {
            (0, _) => "main".to_owned(),
            (_, Some(name)) if name != "main" => name.to_owned(),
            _ => format!("t{index}"),
        };
        self.thread_ids.push(id);
        self.trace.threads.push(name);
        index
    }

    fn lock_index(&mut self, key: usize) -> usize {
        let next = self.lock_names.len();
        let index = *self.locks.entry(key).or_insert(next);
        if index == next {
            self.lock_names.push(format!("L{}", next + 1));
        }
        index
    }

    fn record(&mut self, event: Event) {
        let thread = self.thread_index();
        self.blocked.remove(&thread);
        let text = match event {
            Event::LockAcquired(key) => {
                let lock = self.lock_index(key);
                self.waiting.remove(&thread);
                self.pending.remove(&thread);
                self.holders.insert(lock, thread);
                format!("acquire {}", self.lock_names[lock])
            }
            Event::LockWaiting(key) => {
                let lock = self.lock_index(key);
                self.waiting.insert(thread, lock);
                self.blocked
                    .insert(thread, format!("waits for {}", self.lock_names[lock]));
                self.wait_text(thread, lock)
            }
            Event::LockPending(key) => {
                let lock = self.lock_index(key);
                self.pending.insert(thread, lock);
                return;
            }
            Event::LockReleased(key) => {
                let lock = self.lock_index(key);
                self.holders.remove(&lock);
                format!("release {}", self.lock_names[lock])
            }
            Event::TaskSubmitted(task) => format!("submit task {task}"),
            Event::TaskStarted(task) => format!("start task {task}"),
            Event::TaskFinished(task, true) => format!("finish task {task}"),
            Event::TaskFinished(task, false) => format!("task {task} panicked"),
            Event::TaskCancelled(task) => format!("cancel task {task}"),
            Event::WorkerIdle => {
                self.blocked
                    .insert(thread, "is idle, waiting for a task".to_owned());
                "idle: park".to_owned()
            }
            Event::ResultWaiting(task) => {
                self.blocked
                    .insert(thread, format!("waits for the result of task {task}"));
                format!("wait for task {task}")
            }
            Event::Waiting(what) => {
                self.blocked.insert(thread, format!("waits for {what}"));
                format!("wait for {what}")
            }
            Event::WorkerExit => "exit".to_owned(),
            Event::Note(text) => text,
        };
        self.trace.steps.push(Step {
            thread,
            event: text,
        });
    }
}
