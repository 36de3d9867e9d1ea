//! The recorder (loom and shuttle builds only).
//!
//! loom and shuttle run every model thread on the OS thread that called the checker, so one
//! OS-thread-local recorder sees the whole execution, in order. It is plain std state on
//! purpose: recording must not add scheduling points or synchronisation to what is explored.

use std::cell::RefCell;
use std::collections::HashMap;

use super::{Step, Trace, WaitFor};
// The checker's own threads, never the traced facade: recording must not record itself.
use crate::sync::internal::thread::{self, ThreadId};

/// The tag bit of an object key handed out by [`object`]: what is not tagged is a key from
/// elsewhere (an address), registered as a lock on first sight.
pub(crate) const OBJECT_TAG: usize = 1 << (usize::BITS - 1);

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
    #[cfg_attr(not(shuttle), allow(dead_code))]
    MayBlock(String),
    Note(String),
    /// A facade object's access (`load count = 0 (Relaxed)`), formatted when the trace is
    /// taken: the object's key and its row given the object's name. Unlike a note, it keeps
    /// what the thread said it waits for (a wait loop re-reads its condition before it parks).
    Access(usize, Format),
    /// A spawn of the thread in column `.0`.
    Spawn(usize),
    /// A join of the thread in column `.0`.
    Join(usize),
    Park,
    Unpark(usize),
}

/// An access row's text, given the object's name: formatted only when a trace is taken.
pub(crate) type Format = Box<dyn Fn(&str) -> String>;

/// A traced object: a lock, an atomic, a cell.
struct Object {
    kind: &'static str,
    /// Its number among the objects of its kind, from 1, in order of creation.
    number: usize,
    name: Option<String>,
}

#[derive(Default)]
struct Recorder {
    active: bool,
    trace: Trace,
    /// Column → the thread in it (`None`: spawned, not started yet).
    thread_ids: Vec<Option<ThreadId>>,
    /// Object index (a key without `OBJECT_TAG`) → what it is called.
    objects: Vec<Object>,
    /// Kind → how many objects of it were created.
    per_kind: HashMap<&'static str, usize>,
    /// An untagged key (an address) → its object index.
    foreign: HashMap<usize, usize>,
    /// Locks whose events are internal detail (the pool's own queue lock).
    hidden: Vec<usize>,
    /// Lock object → holding thread.
    holders: HashMap<usize, usize>,
    /// Thread → the lock object it is queued on.
    waiting: HashMap<usize, usize>,
    /// Thread → the lock it is inside the checker's acquire of, found free when it looked
    /// (a spec lock: the checker decides inside one step whether it blocks). Shown as a wait
    /// once someone else holds that lock.
    pending: HashMap<usize, usize>,
    /// Thread → what it parked for, if its last event was a wait of any kind.
    blocked: HashMap<usize, String>,
    /// The thread running now, as of its last event or return from a blocking call: what a
    /// failure names. Kept here because the panic hook cannot ask the checker (a checker's own
    /// panic — a data race — holds its state, and asking again would abort).
    running: Option<usize>,
    /// Thread → what it said it waits for (`trace::waiting`), kept through its accesses until
    /// its park: the park's reason.
    intent: HashMap<usize, String>,
    /// Traced atomic key → the bits it last held, stores and RMWs in execution order.
    last_stored: HashMap<usize, u128>,
    /// The access rows not formatted yet: step index, object key, formatter.
    lazy: Vec<(usize, usize, Format)>,
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

/// The recording so far (what a failure hook keeps), with the current thread as the one that
/// failed.
pub(crate) fn snapshot() -> crate::trace::Trace {
    RECORDER.with(|r| match r.try_borrow_mut() {
        Ok(r) => {
            let mut trace = r.trace.clone();
            trace.failed = r.running;
            for (step, key, text) in &r.lazy {
                trace.steps[*step].event = text(&r.name_of_key(*key));
            }
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
                    holds: holds.iter().map(|&l| r.name(l)).collect(),
                    waits_for: r.name(lock),
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

/// A new traced object of `kind` (`"lock"`, `"atomic"`, `"cell"`): its key. Unnamed, it is
/// `{kind}#{n}`, numbered in order of creation within the execution, the same under every
/// backend.
pub(crate) fn object(kind: &'static str, name: Option<&str>) -> usize {
    RECORDER.with(|r| {
        let Ok(mut r) = r.try_borrow_mut() else {
            return OBJECT_TAG | usize::MAX >> 1;
        };
        if !r.active {
            return OBJECT_TAG | usize::MAX >> 1;
        }
        let index = r.new_object(kind, name.map(str::to_owned));
        OBJECT_TAG | index
    })
}

/// Names the object at `key`.
pub(crate) fn label(key: usize, name: &str) {
    RECORDER.with(|r| {
        let Ok(mut r) = r.try_borrow_mut() else {
            return;
        };
        if let Some(index) = r.object_index(key) {
            r.objects[index].name = Some(name.to_owned());
        }
    });
}

/// Leaves the lock at `key` out of traces: its events are an implementation detail.
pub(crate) fn hide(key: usize) {
    RECORDER.with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            if let Some(index) = r.object_index(key) {
                r.hidden.push(index);
            }
        }
    });
}

/// Records an access to the object at `key` in the current thread's column: `text(name)`,
/// formatted only when the trace is taken.
pub(crate) fn access(key: usize, text: impl Fn(&str) -> String + 'static) {
    RECORDER.with(|r| {
        let Ok(mut r) = r.try_borrow_mut() else {
            return;
        };
        if r.active {
            r.record(Event::Access(key, Box::new(text)));
        }
    });
}

/// The atomic at `key` now holds `bits`.
pub(crate) fn stored(key: usize, bits: u128) {
    RECORDER.with(|r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            if r.active {
                r.last_stored.insert(key, bits);
            }
        }
    });
}

/// The bits the atomic at `key` last held, if this execution stored to it.
pub(crate) fn last_stored(key: usize) -> Option<u128> {
    RECORDER.with(|r| r.try_borrow().ok()?.last_stored.get(&key).copied())
}

/// The current thread is about to spawn a thread called `name` (or `t{n}`, `n` its column):
/// records `spawn {name}` in the current thread's column and returns the new thread's column,
/// which [`spawned`] binds to the thread once the checker has made it.
pub(crate) fn spawning(name: Option<&str>) -> Option<usize> {
    RECORDER.with(|r| {
        let mut r = r.try_borrow_mut().ok()?;
        if !r.active {
            return None;
        }
        let column = r.trace.threads.len();
        let name = match name {
            Some(name) => name.to_owned(),
            None => format!("t{column}"),
        };
        r.trace.threads.push(name);
        r.thread_ids.push(None);
        r.record(Event::Spawn(column));
        Some(column)
    })
}

/// Called in the parent once the checker has spawned the thread of [`spawning`]'s `column`:
/// its id, so an `unpark` before it runs finds its column.
pub(crate) fn spawned(column: Option<usize>, id: ThreadId) {
    let Some(column) = column else { return };
    RECORDER.with(|r| {
        let Ok(mut r) = r.try_borrow_mut() else {
            return;
        };
        if let Some(slot @ None) = r.thread_ids.get_mut(column) {
            *slot = Some(id);
        }
    });
}

/// The current thread runs (again): a thread's start, a return from a blocking call. What a
/// failure names if it fails before its next event.
pub(crate) fn resumed() {
    RECORDER.with(|r| {
        let Ok(mut r) = r.try_borrow_mut() else {
            return;
        };
        if r.active {
            let thread = r.thread_index();
            r.running = Some(thread);
        }
    });
}

/// The column of the thread `id` (one is made for a thread not seen yet, named `name`).
pub(crate) fn column_of(id: ThreadId, name: Option<&str>) -> Option<usize> {
    RECORDER.with(|r| {
        let mut r = r.try_borrow_mut().ok()?;
        r.active.then(|| r.column(id, name))
    })
}

pub(crate) fn record(event: Event) {
    RECORDER.with(|r| {
        let Ok(mut r) = r.try_borrow_mut() else {
            return;
        };
        if !r.active {
            return;
        }
        let hidden = match event {
            Event::LockAcquired(key)
            | Event::LockWaiting(key)
            | Event::LockPending(key)
            | Event::LockReleased(key) => r
                .object_index(key)
                .is_some_and(|index| r.hidden.contains(&index)),
            _ => false,
        };
        if !hidden {
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

    /// A wait's row: `wait lock#1 (held by t2)`.
    fn wait_text(&self, thread: usize, lock: usize) -> String {
        match self.holders.get(&lock) {
            Some(&h) if h == thread => format!("wait {} (held by me)", self.name(lock)),
            Some(&h) => format!(
                "wait {} (held by {})",
                self.name(lock),
                self.trace.threads[h]
            ),
            None => format!("wait {}", self.name(lock)),
        }
    }

    fn new_object(&mut self, kind: &'static str, name: Option<String>) -> usize {
        let count = self.per_kind.entry(kind).or_insert(0);
        *count += 1;
        let number = *count;
        self.objects.push(Object { kind, number, name });
        self.objects.len() - 1
    }

    /// The object index of `key`: a tagged key's own, or (an address from elsewhere) the lock
    /// registered for it on first sight. `None` for a tagged key of another execution.
    fn object_index(&mut self, key: usize) -> Option<usize> {
        if key & OBJECT_TAG != 0 {
            let index = key & !OBJECT_TAG;
            return (index < self.objects.len()).then_some(index);
        }
        if let Some(&index) = self.foreign.get(&key) {
            return Some(index);
        }
        let index = self.new_object("lock", None);
        self.foreign.insert(key, index);
        Some(index)
    }

    /// What the object at `key` is called in the trace (`?` for a key of another execution).
    fn name_of_key(&self, key: usize) -> String {
        let index = if key & OBJECT_TAG != 0 {
            Some(key & !OBJECT_TAG)
        } else {
            self.foreign.get(&key).copied()
        };
        index.map_or_else(|| "?".to_owned(), |i| self.name(i))
    }

    /// What object `index` is called in the trace.
    fn name(&self, index: usize) -> String {
        match self.objects.get(index) {
            Some(Object {
                name: Some(name), ..
            }) => name.clone(),
            Some(Object { kind, number, .. }) => format!("{kind}#{number}"),
            None => "?".to_owned(),
        }
    }

    /// The column of thread `id`, made (named `name`, else `t{n}`) if it has none yet.
    fn column(&mut self, id: ThreadId, name: Option<&str>) -> usize {
        if let Some(i) = self.thread_ids.iter().position(|&t| t == Some(id)) {
            return i;
        }
        let index = self.thread_ids.len();
        let name = match (index, name) {
            (0, _) => "main".to_owned(),
            (_, Some(name)) if name != "main" => name.to_owned(),
            _ => format!("t{index}"),
        };
        self.thread_ids.push(Some(id));
        self.trace.threads.push(name);
        index
    }

    fn thread_index(&mut self) -> usize {
        let current = thread::current();
        self.column(current.id(), current.name())
    }

    /// The object index of a lock event's key (an unknown key gets a fresh lock).
    fn lock(&mut self, key: usize) -> usize {
        match self.object_index(key) {
            Some(index) => index,
            None => self.new_object("lock", None),
        }
    }

    fn record(&mut self, event: Event) {
        let thread = self.thread_index();
        self.running = Some(thread);
        // A park right after the thread said what it waits for keeps that reason, and needs no
        // row of its own.
        match event {
            Event::Park => {
                if self.blocked.contains_key(&thread) {
                    return;
                }
                let why = match self.intent.get(&thread) {
                    Some(what) => format!("waits for {what}"),
                    None => "is parked".to_owned(),
                };
                self.blocked.insert(thread, why);
                self.push(thread, "park".to_owned());
                return;
            }
            Event::Access(key, text) => {
                self.blocked.remove(&thread);
                self.lazy.push((self.trace.steps.len(), key, text));
                self.push(thread, String::new());
                return;
            }
            Event::Waiting(ref what) => {
                self.intent.insert(thread, what.clone());
            }
            _ => {
                self.intent.remove(&thread);
            }
        }
        self.blocked.remove(&thread);
        let text = match event {
            Event::LockAcquired(key) => {
                let lock = self.lock(key);
                self.waiting.remove(&thread);
                self.pending.remove(&thread);
                self.holders.insert(lock, thread);
                format!("acquire {}", self.name(lock))
            }
            Event::LockWaiting(key) => {
                let lock = self.lock(key);
                self.waiting.insert(thread, lock);
                self.blocked
                    .insert(thread, format!("waits for {}", self.name(lock)));
                self.wait_text(thread, lock)
            }
            Event::LockPending(key) => {
                let lock = self.lock(key);
                self.pending.insert(thread, lock);
                return;
            }
            Event::MayBlock(what) => {
                self.blocked.insert(thread, format!("waits for {what}"));
                return;
            }
            Event::LockReleased(key) => {
                let lock = self.lock(key);
                self.holders.remove(&lock);
                format!("release {}", self.name(lock))
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
            Event::Spawn(column) => format!("spawn {}", self.trace.threads[column]),
            Event::Join(column) => {
                let name = &self.trace.threads[column];
                self.blocked.insert(thread, format!("waits to join {name}"));
                format!("join {name}")
            }
            Event::Unpark(column) => format!("unpark {}", self.trace.threads[column]),
            Event::Park | Event::Access(..) => unreachable!("handled above"),
        };
        self.push(thread, text);
    }

    fn push(&mut self, thread: usize, event: String) {
        self.trace.steps.push(Step { thread, event });
    }
}
