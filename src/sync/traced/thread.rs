//! The facade's threads in checker builds: the checker's threads, named in spawn order and
//! traced.
//!
//! A thread spawned here is `t1`, `t2`, … in spawn order within the execution (or its
//! [`Builder`] name); its column is made at the spawn, whose row (`spawn t2`) is in the parent's
//! column. `join t2`, `park` and `unpark t2` are rows too; `yield_now` is not (it changes
//! nothing another thread can see).
//!
//! loom has no time: [`sleep`] panics there, naming what to use instead. loom has no
//! `thread::scope` either: [`scope`] fills the gap, under both checkers, on this module's own
//! spawn and join (see `scope.rs`).

use core::fmt;
use std::io;
use std::time::Duration;

use crate::sync::internal::thread as raw;
use crate::trace::threads as trace;

pub use super::scope::{scope, Scope, ScopedJoinHandle};
pub use raw::{panicking, ThreadId};

/// A handle to a thread: the checker's, with [`unpark`](Thread::unpark) traced.
#[derive(Clone)]
pub struct Thread {
    inner: raw::Thread,
}

impl Thread {
    /// The thread's id.
    #[must_use]
    pub fn id(&self) -> ThreadId {
        self.inner.id()
    }

    /// The thread's name, if it was given one (by [`Builder::name`]).
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.inner.name()
    }

    /// Makes the thread's token available (wakes it if it is parked): `unpark t2`.
    pub fn unpark(&self) {
        trace::unparking(self.inner.id(), self.inner.name());
        self.inner.unpark();
    }
}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thread")
            .field("id", &self.id())
            .field("name", &self.name())
            .finish_non_exhaustive()
    }
}

/// The current thread.
#[must_use]
pub fn current() -> Thread {
    Thread {
        inner: raw::current(),
    }
}

/// Blocks until the current thread's token is available: `park` (no row when the thread's
/// last row already said what it waits for, as `trace::waiting` does).
pub fn park() {
    trace::parking();
    raw::park();
    trace::resumed();
}

/// Lets the checker run another thread. Not a trace row.
pub fn yield_now() {
    raw::yield_now();
    trace::resumed();
}

/// loom: panics, since loom has no time (a sleep would only add interleavings that a yield
/// already gives). Wait for a condition with `thread::yield_now()` in a loop, or a park /
/// unpark hand-off, instead.
#[cfg(loom)]
#[track_caller]
pub fn sleep(duration: Duration) {
    panic!(
        "racelab::sync::thread::sleep({duration:?}) under loom: loom has no time; \
         use thread::yield_now() (in a loop that re-checks the condition) or park / unpark"
    );
}

/// shuttle: shuttle's `sleep`, a scheduling point (shuttle has no time either: no thread
/// waits for the duration).
#[cfg(shuttle)]
pub fn sleep(duration: Duration) {
    raw::sleep(duration);
    trace::resumed();
}

/// Spawns a thread (`t{n}` in traces): `spawn t{n}` in the current thread's column.
///
/// # Panics
///
/// If the checker cannot spawn the thread (loom: past its thread limit).
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new()
        .spawn(f)
        .expect("the checker failed to spawn a thread")
}

/// A thread factory: [`name`](Builder::name) is the thread's name in traces.
#[derive(Debug, Default)]
pub struct Builder {
    name: Option<String>,
    stack_size: Option<usize>,
}

impl Builder {
    /// A builder for an unnamed thread.
    #[must_use]
    pub fn new() -> Self {
        Builder::default()
    }

    /// Names the thread (its column in traces).
    #[must_use]
    pub fn name(mut self, name: String) -> Self {
        self.name = Some(name);
        self
    }

    /// Sets the thread's stack size.
    #[must_use]
    pub fn stack_size(mut self, size: usize) -> Self {
        self.stack_size = Some(size);
        self
    }

    /// Spawns the thread.
    ///
    /// # Errors
    ///
    /// The checker's, if it cannot spawn the thread.
    #[track_caller]
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let column = trace::spawning(self.name.as_deref());
        let mut builder = raw::Builder::new();
        if let Some(name) = self.name {
            builder = builder.name(name);
        }
        if let Some(size) = self.stack_size {
            builder = builder.stack_size(size);
        }
        let inner = builder.spawn(move || {
            trace::resumed();
            f()
        })?;
        trace::spawned(column, inner.thread().id());
        trace::resumed();
        let thread = Thread {
            inner: inner.thread().clone(),
        };
        Ok(JoinHandle {
            inner,
            thread,
            column,
        })
    }

    /// Spawns a thread in `scope` (see [`Scope::spawn`]).
    ///
    /// # Errors
    ///
    /// The checker's, if it cannot spawn the thread.
    #[track_caller]
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env>,
        f: F,
    ) -> io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        scope.spawn_with(self, f)
    }
}

/// An owned permission to join a thread: [`join`](JoinHandle::join) is `join t2` in traces.
pub struct JoinHandle<T> {
    inner: raw::JoinHandle<T>,
    thread: Thread,
    /// The thread's column in this execution's trace.
    column: Option<usize>,
}

impl<T> JoinHandle<T> {
    /// Waits for the thread to finish; `Err` with its panic's payload if it panicked.
    ///
    /// # Errors
    ///
    /// The thread's panic.
    pub fn join(self) -> std::thread::Result<T> {
        trace::joining(self.column);
        let result = self.inner.join();
        trace::resumed();
        result
    }

    /// The thread's handle.
    #[must_use]
    pub fn thread(&self) -> &Thread {
        &self.thread
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("thread", &self.thread)
            .finish_non_exhaustive()
    }
}
