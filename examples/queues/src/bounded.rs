//! A bounded MPMC queue on a mutex and condition variables.

use std::collections::VecDeque;

use racelab::sync::{Condvar, Mutex}; // was: use std::sync::{Condvar, Mutex};

/// A bounded multi-producer multi-consumer queue: `push` blocks while it is full, `pop` while
/// it is empty.
#[derive(Debug)]
pub struct BoundedQueue<T> {
    items: Mutex<VecDeque<T>>,
    capacity: usize,
    /// Producers wait here for room.
    not_full: Condvar,
    /// Consumers wait here for an item.
    not_empty: Condvar,
}

impl<T> BoundedQueue<T> {
    /// A queue of at most `capacity` items (at least 1).
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "a bounded queue needs room for one item");
        BoundedQueue {
            items: Mutex::new(VecDeque::with_capacity(capacity)),
            capacity,
            not_full: Condvar::new(),
            not_empty: Condvar::new(),
        }
    }

    /// Appends `item`, waiting while the queue is full.
    pub fn push(&self, item: T) {
        let items = self.items.lock().unwrap();
        let mut items = self
            .not_full
            .wait_while(items, |items| items.len() == self.capacity)
            .unwrap();
        items.push_back(item);
        // A consumer waits on `not_empty` only: the one it wakes can use the item.
        self.not_empty.notify_one();
    }

    /// Removes the oldest item, waiting while the queue is empty.
    pub fn pop(&self) -> T {
        let items = self.items.lock().unwrap();
        let mut items = self
            .not_empty
            .wait_while(items, |items| items.is_empty())
            .unwrap();
        let item = items.pop_front().expect("not empty");
        self.not_full.notify_one();
        item
    }
}

/// The same queue with Cargill's bug: producers and consumers wait on *one* condition
/// variable, and each side wakes one waiter — which may be of its own kind. A consumer that
/// takes the last item can wake the other consumer instead of the waiting producer; that one
/// finds the queue empty and waits again, and nobody is left to wake anybody.
pub mod cargill {
    use std::collections::VecDeque;

    use racelab::sync::{Condvar, Mutex}; // was: use std::sync::{Condvar, Mutex};

    /// A bounded queue with one condition variable for both kinds of waiters (the bug).
    #[derive(Debug)]
    pub struct BoundedQueue<T> {
        items: Mutex<VecDeque<T>>,
        capacity: usize,
        changed: Condvar,
    }

    impl<T> BoundedQueue<T> {
        /// A queue of at most `capacity` items (at least 1).
        pub fn new(capacity: usize) -> Self {
            assert!(capacity > 0, "a bounded queue needs room for one item");
            BoundedQueue {
                items: Mutex::new(VecDeque::with_capacity(capacity)),
                capacity,
                changed: Condvar::new(),
            }
        }

        /// Appends `item`, waiting while the queue is full.
        pub fn push(&self, item: T) {
            let mut items = self.items.lock().unwrap();
            while items.len() == self.capacity {
                items = self.changed.wait(items).unwrap();
            }
            items.push_back(item);
            self.changed.notify_one(); // BUG: may wake a producer; FIX: two condvars (above)
        }

        /// Removes the oldest item, waiting while the queue is empty.
        pub fn pop(&self) -> T {
            let mut items = self.items.lock().unwrap();
            while items.is_empty() {
                items = self.changed.wait(items).unwrap();
            }
            let item = items.pop_front().expect("not empty");
            self.changed.notify_one(); // BUG: may wake the other consumer, not the producer
            item
        }
    }
}
