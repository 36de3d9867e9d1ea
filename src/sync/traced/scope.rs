//! `thread::scope` for the checkers, which loom lacks: scoped threads are the facade's own
//! threads (traced, named in spawn order), and the scope joins every one of them before it
//! returns, as std's does.
//!
//! std's `scope` lets a thread borrow from the scope's caller because the scope cannot return
//! before its threads have finished. This one keeps that promise with the checker's plain
//! spawn, whose closures must be `'static`: the closure's lifetime is erased at the spawn, and
//! [`scope`] joins every thread spawned in it — also when its body panics — before it returns.

use core::marker::PhantomData;
use std::io;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use super::thread::{Builder, JoinHandle, Thread};

// Plain std state, invisible to the checker on purpose: the checker runs every model thread as
// a coroutine of one OS thread, these locks are never held across one of its scheduling
// points, and the checker's own join orders a thread's result before its joiner reads it.
#[allow(clippy::disallowed_types)]
type Shared<T> = std::sync::Arc<std::sync::Mutex<T>>;

/// A scope to spawn threads in (see [`scope`]).
pub struct Scope<'scope, 'env: 'scope> {
    /// Every thread spawned in the scope; `None` once joined.
    #[allow(clippy::disallowed_types)]
    threads: std::sync::Mutex<Vec<Option<JoinHandle<()>>>>,
    scope: PhantomData<&'scope mut &'scope ()>,
    env: PhantomData<&'env mut &'env ()>,
}

/// An owned permission to join a scoped thread.
pub struct ScopedJoinHandle<'scope, T> {
    /// The scope's threads.
    #[allow(clippy::disallowed_types)]
    threads: &'scope std::sync::Mutex<Vec<Option<JoinHandle<()>>>>,
    /// Index into the scope's threads.
    index: usize,
    result: Shared<Option<T>>,
    thread: Thread,
}

/// Creates a scope: threads spawned in it may borrow anything that outlives the call, and all
/// of them are joined before `scope` returns (`join t2` rows for those not joined already).
///
/// # Panics
///
/// If `f` panics (after joining every thread), with `f`'s panic; if a thread that was not
/// joined explicitly panicked, with "a scoped thread panicked", as std's `scope` does.
#[track_caller]
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let scope = Scope {
        threads: Default::default(),
        scope: PhantomData,
        env: PhantomData,
    };
    let result = catch_unwind(AssertUnwindSafe(|| f(&scope)));
    let panicked = scope.join_all();
    match result {
        Err(payload) => resume_unwind(payload),
        Ok(_) if panicked => panic!("a scoped thread panicked"),
        Ok(value) => value,
    }
}

impl<'scope> Scope<'scope, '_> {
    /// Spawns a thread in the scope (`t{n}` in traces): it may borrow from outside the scope.
    ///
    /// # Panics
    ///
    /// If the checker cannot spawn the thread (loom: past its thread limit).
    #[track_caller]
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        self.spawn_with(Builder::new(), f)
            .expect("the checker failed to spawn a thread")
    }

    #[track_caller]
    pub(super) fn spawn_with<F, T>(
        &'scope self,
        builder: Builder,
        f: F,
    ) -> io::Result<ScopedJoinHandle<'scope, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        let result: Shared<Option<T>> = Default::default();
        let theirs = Shared::clone(&result);
        let main: Box<dyn FnOnce() + Send + 'scope> = Box::new(move || {
            let value = f();
            *theirs.lock().unwrap_or_else(|e| e.into_inner()) = Some(value);
        });
        // SAFETY: only the lifetime changes (the same trait object, `'scope` to `'static`). The
        // closure borrows nothing that does not outlive `'scope`, and `'scope` lasts until
        // `scope` returns, which is after it has joined this thread (`join_all`, also when the
        // scope's body panicked): the closure has finished before anything it borrows can go.
        // An execution the checker abandons (a failure elsewhere) never resumes its threads.
        let main: Box<dyn FnOnce() + Send + 'static> = unsafe { core::mem::transmute(main) };
        let handle = builder.spawn(main)?;
        let thread = handle.thread().clone();
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        threads.push(Some(handle));
        let index = threads.len() - 1;
        drop(threads);
        Ok(ScopedJoinHandle {
            threads: &self.threads,
            index,
            result,
            thread,
        })
    }

    /// Joins every thread not joined yet, including those spawned meanwhile; `true` if one
    /// of them panicked.
    fn join_all(&self) -> bool {
        let mut panicked = false;
        loop {
            let next = {
                let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
                threads.iter_mut().find_map(Option::take)
            };
            match next {
                Some(handle) => panicked |= handle.join().is_err(),
                None => return panicked,
            }
        }
    }
}

impl<T> ScopedJoinHandle<'_, T> {
    /// Waits for the thread to finish (`join t2`); `Err` with its panic's payload if it panicked.
    ///
    /// # Errors
    ///
    /// The thread's panic.
    pub fn join(self) -> std::thread::Result<T> {
        let handle = self
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(self.index)
            .and_then(Option::take)
            .expect("a scoped thread is joined once: by its handle, or by the scope");
        handle.join()?;
        let value = self
            .result
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .expect("a thread that returned left its result");
        Ok(value)
    }

    /// The thread's handle.
    #[must_use]
    pub fn thread(&self) -> &Thread {
        &self.thread
    }
}

impl core::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Scope").finish_non_exhaustive()
    }
}

impl<T> core::fmt::Debug for ScopedJoinHandle<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ScopedJoinHandle")
            .field("thread", &self.thread)
            .finish_non_exhaustive()
    }
}
