//! std's `mpsc` channels, in a checker build: a queue behind the facade's own mutex and two
//! condvars (`not_empty` for receivers, `changed` for senders), with std's disconnection
//! semantics.
//!
//! - `recv` on an empty channel blocks (a reported wait: `wait for recv on channel`) until a
//!   message comes, or returns `Err(RecvError)` once every sender is gone.
//! - `send` fails with the message back, `Err(SendError(t))`, once the receiver is gone.
//! - `sync_channel(n)`: `send` blocks while `n` messages are queued; `sync_channel(0)` is a
//!   rendezvous — `send` returns only once a receiver has taken the message.
//! - `recv_timeout` has no time to measure: as [`Condvar::wait_timeout`](super::Condvar),
//!   the timeout may fire at any point the receiver is scheduled; the duration is ignored.
//!
//! Each send and receive is a trace row (`send on channel`, `recv on channel`).

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;
use std::collections::VecDeque;

use crate::sync::Arc;
use crate::trace;

use super::{Condvar, Mutex, MutexGuard};

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

struct State<T> {
    /// Queued messages with their send number, oldest first.
    queue: VecDeque<(u64, T)>,
    /// `None`: unbounded; `Some(0)`: rendezvous.
    capacity: Option<usize>,
    senders: usize,
    receiver: bool,
    /// Messages sent so far (the next one's number).
    sent: u64,
    /// Messages received so far: message `k` was taken once `received > k`.
    received: u64,
    /// Receivers blocked in `recv` (what a rendezvous `try_send` needs).
    receiving: usize,
}

struct Chan<T> {
    state: Box<Mutex<State<T>>>,
    /// A message came, or the last sender left.
    not_empty: Condvar,
    /// A message was taken, or the receiver left.
    changed: Condvar,
}

impl<T> Chan<T> {
    fn new(capacity: Option<usize>) -> Arc<Self> {
        Arc::new(Chan {
            state: Mutex::hidden(State {
                queue: VecDeque::new(),
                capacity,
                senders: 1,
                receiver: true,
                sent: 0,
                received: 0,
                receiving: 0,
            }),
            not_empty: Condvar::internal(),
            changed: Condvar::internal(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Never poisoned: no guard of it is held while user code runs.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn send(&self, t: T, block: bool) -> Result<(), TrySendError<T>> {
        let mut state = self.lock();
        if !state.receiver {
            drop(state);
            trace::step(|| "send on channel: receiver gone".to_owned());
            return Err(TrySendError::Disconnected(t));
        }
        let full = |s: &State<T>| match s.capacity {
            None => false,
            Some(0) => false,
            Some(n) => s.queue.len() >= n,
        };
        if full(&state) {
            if !block {
                drop(state);
                trace::step(|| "try_send on channel: full".to_owned());
                return Err(TrySendError::Full(t));
            }
            while full(&state) && state.receiver {
                state = self.wait(&self.changed, state, "send on channel (full)");
            }
            if !state.receiver {
                drop(state);
                trace::step(|| "send on channel: receiver gone".to_owned());
                return Err(TrySendError::Disconnected(t));
            }
        }
        let rendezvous = state.capacity == Some(0);
        if rendezvous && !block && state.receiving <= state.queue.len() {
            drop(state);
            trace::step(|| "try_send on channel: no receiver waiting".to_owned());
            return Err(TrySendError::Full(t));
        }
        let number = state.sent;
        state.sent += 1;
        state.queue.push_back((number, t));
        trace::step(|| "send on channel".to_owned());
        self.not_empty.notify_one();
        if rendezvous && block {
            while state.received <= number && state.receiver {
                state = self.wait(&self.changed, state, "a receiver (rendezvous send)");
            }
            if state.received <= number {
                // The receiver left without taking it: take it back.
                let at = state.queue.iter().position(|(n, _)| *n == number);
                let (_, t) = state
                    .queue
                    .remove(at.expect("an untaken message is still queued"))
                    .expect("a position found is in the queue");
                drop(state);
                trace::step(|| "send on channel: receiver gone".to_owned());
                return Err(TrySendError::Disconnected(t));
            }
        }
        Ok(())
    }

    fn wait<'a>(
        &self,
        cv: &Condvar,
        state: MutexGuard<'a, State<T>>,
        what: &str,
    ) -> MutexGuard<'a, State<T>> {
        cv.wait_as(state, what).unwrap_or_else(|e| e.into_inner())
    }

    fn take(&self, mut state: MutexGuard<'_, State<T>>) -> Option<T> {
        let (_, t) = state.queue.pop_front()?;
        state.received += 1;
        drop(state);
        trace::step(|| "recv on channel".to_owned());
        self.changed.notify_all();
        Some(t)
    }

    /// `timed`: `recv_timeout` (the wait may time out), else `recv`.
    fn recv(&self, timed: bool) -> Result<T, RecvTimeoutError> {
        let mut state = self.lock();
        let mut timed_out = false;
        loop {
            if !state.queue.is_empty() {
                return Ok(self.take(state).expect("the queue is not empty"));
            }
            if state.senders == 0 {
                drop(state);
                trace::step(|| "recv on channel: every sender gone".to_owned());
                return Err(RecvTimeoutError::Disconnected);
            }
            if timed_out {
                drop(state);
                trace::step(|| "recv_timeout on channel: timed out".to_owned());
                return Err(RecvTimeoutError::Timeout);
            }
            state.receiving += 1;
            if timed {
                let (s, result) = self
                    .not_empty
                    .wait_timeout_as(state, "recv on channel (empty)")
                    .unwrap_or_else(|e| e.into_inner());
                state = s;
                timed_out = result.timed_out();
            } else {
                state = self.wait(&self.not_empty, state, "recv on channel (empty)");
            }
            state.receiving -= 1;
        }
    }

    fn try_recv(&self) -> Result<T, TryRecvError> {
        let state = self.lock();
        let senders = state.senders;
        match self.take(state) {
            Some(t) => Ok(t),
            None if senders == 0 => {
                trace::step(|| "try_recv on channel: every sender gone".to_owned());
                Err(TryRecvError::Disconnected)
            }
            None => {
                trace::step(|| "try_recv on channel: empty".to_owned());
                Err(TryRecvError::Empty)
            }
        }
    }

    fn add_sender(&self) {
        self.lock().senders += 1;
    }

    fn drop_sender(&self) {
        let mut state = self.lock();
        state.senders -= 1;
        let last = state.senders == 0;
        drop(state);
        if last {
            trace::step(|| "last sender of channel dropped".to_owned());
            self.not_empty.notify_all();
        }
    }

    fn drop_receiver(&self) {
        let mut state = self.lock();
        state.receiver = false;
        // Messages nobody will receive are dropped now, as in std; a rendezvous sender still
        // waiting takes its own back.
        let rendezvous = state.capacity == Some(0);
        let dropped = if rendezvous {
            VecDeque::new()
        } else {
            core::mem::take(&mut state.queue)
        };
        drop(state);
        trace::step(|| "receiver of channel dropped".to_owned());
        self.changed.notify_all();
        drop(dropped);
    }
}

/// Creates an unbounded channel: `send` never blocks.
///
/// # Examples
///
/// ```
/// # if racelab::sync::BACKEND != "std" { return; } // run on real threads only
/// use racelab::sync::{mpsc, thread};
///
/// let (tx, rx) = mpsc::channel();
/// thread::spawn(move || tx.send(1).unwrap());
/// assert_eq!(rx.recv(), Ok(1));
/// assert!(rx.recv().is_err()); // the sender is gone
/// ```
#[must_use]
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let chan = Chan::new(None);
    (
        Sender {
            chan: Arc::clone(&chan),
        },
        Receiver::new(chan),
    )
}

/// Creates a channel that holds at most `bound` messages: `send` blocks while it is full;
/// `sync_channel(0)` is a rendezvous (each `send` waits for a receiver to take its message).
#[must_use]
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    let chan = Chan::new(Some(bound));
    (
        SyncSender {
            chan: Arc::clone(&chan),
        },
        Receiver::new(chan),
    )
}

/// The sending half of [`channel`] (std's `mpsc::Sender`); cloneable.
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Queues `t`; never blocks.
    ///
    /// # Errors
    ///
    /// `Err(SendError(t))` if the receiver is gone.
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.chan.send(t, true).map_err(|e| match e {
            TrySendError::Disconnected(t) | TrySendError::Full(t) => SendError(t),
        })
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: Arc::clone(&self.chan),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

/// The sending half of [`sync_channel`] (std's `mpsc::SyncSender`); cloneable.
pub struct SyncSender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> SyncSender<T> {
    /// Queues `t`, blocking while the channel is full; on a rendezvous channel, until a
    /// receiver has taken it.
    ///
    /// # Errors
    ///
    /// `Err(SendError(t))` if the receiver is gone (also if it leaves before taking a
    /// rendezvous message).
    pub fn send(&self, t: T) -> Result<(), SendError<T>> {
        self.chan.send(t, true).map_err(|e| match e {
            TrySendError::Disconnected(t) | TrySendError::Full(t) => SendError(t),
        })
    }

    /// Queues `t` if there is room (on a rendezvous channel: if a receiver is waiting).
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Disconnected`], with the message.
    pub fn try_send(&self, t: T) -> Result<(), TrySendError<T>> {
        self.chan.send(t, false)
    }
}

impl<T> Clone for SyncSender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        SyncSender {
            chan: Arc::clone(&self.chan),
        }
    }
}

impl<T> Drop for SyncSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> fmt::Debug for SyncSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncSender").finish_non_exhaustive()
    }
}

/// The receiving half of a channel (std's `mpsc::Receiver`): `Send`, not `Sync`.
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
    /// `!Sync`, as std's.
    _not_sync: PhantomData<core::cell::Cell<()>>,
}

impl<T> Receiver<T> {
    fn new(chan: Arc<Chan<T>>) -> Self {
        Receiver {
            chan,
            _not_sync: PhantomData,
        }
    }

    /// Blocks until a message comes.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the channel is empty and every sender is gone.
    pub fn recv(&self) -> Result<T, RecvError> {
        self.chan.recv(false).map_err(|_| RecvError)
    }

    /// Takes a message if one is queued.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`], or [`TryRecvError::Disconnected`] once every sender is gone.
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Blocks until a message comes or the timeout fires (at any point the checker
    /// chooses; the duration is not modelled).
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`], or [`RecvTimeoutError::Disconnected`] once the channel
    /// is empty and every sender is gone.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        let _ = timeout;
        self.chan.recv(true)
    }

    /// An iterator that blocks for each message and ends when every sender is gone.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { rx: self }
    }

    /// An iterator over the messages queued now; it never blocks.
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { rx: self }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.drop_receiver();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

/// [`Receiver::iter`]: blocks for each message, ends when every sender is gone.
#[derive(Debug)]
pub struct Iter<'a, T> {
    rx: &'a Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

/// [`Receiver::try_iter`]: the messages queued now.
#[derive(Debug)]
pub struct TryIter<'a, T> {
    rx: &'a Receiver<T>,
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rx.try_recv().ok()
    }
}

/// `for message in rx`: the owning [`Receiver::iter`].
#[derive(Debug)]
pub struct IntoIter<T> {
    rx: Receiver<T>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.rx.recv().ok()
    }
}

impl<T> IntoIterator for Receiver<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter { rx: self }
    }
}

impl<'a, T> IntoIterator for &'a Receiver<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}
