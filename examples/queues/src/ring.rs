//! A lock-free single-producer single-consumer ring buffer.

use racelab::sync::atomic::{AtomicUsize, Ordering}; // was: use std::sync::atomic::{…};

/// A fixed-size ring of `usize` slots for one producer thread and one consumer thread (the
/// slots are atomics, so the ring needs no `unsafe`).
///
/// `tail` counts pushes, `head` pops; slot `i % capacity` holds item `i`. The producer writes
/// a slot, then publishes it by advancing `tail` (Release); the consumer sees it by loading
/// `tail` (Acquire), reads the slot, then frees it by advancing `head` (Release), which the
/// producer loads (Acquire) before reusing the slot.
#[derive(Debug)]
pub struct Ring {
    slots: Box<[AtomicUsize]>,
    head: AtomicUsize,
    tail: AtomicUsize,
}

impl Ring {
    /// A ring of `capacity` slots (at least 1).
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "a ring needs one slot");
        Ring {
            slots: (0..capacity).map(|_| AtomicUsize::new(0)).collect(),
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
        }
    }

    /// Producer only: appends `item`, or gives it back if the ring is full.
    pub fn push(&self, item: usize) -> Result<(), usize> {
        // Relaxed: only this thread writes `tail`.
        let tail = self.tail.load(Ordering::Relaxed);
        // Acquire: pairs with the consumer's Release of `head` in `pop` (the slot is free).
        if tail - self.head.load(Ordering::Acquire) == self.slots.len() {
            return Err(item);
        }
        // Relaxed: published by the Release store of `tail` below.
        self.slots[tail % self.slots.len()].store(item, Ordering::Relaxed);
        // Release: publishes the slot; pairs with the consumer's Acquire of `tail` in `pop`.
        self.tail.store(tail + 1, Ordering::Release);
        Ok(())
    }

    /// Consumer only: removes the oldest item, if any.
    pub fn pop(&self) -> Option<usize> {
        // Relaxed: only this thread writes `head`.
        let head = self.head.load(Ordering::Relaxed);
        // Acquire: pairs with the producer's Release of `tail` in `push` (the slot is written).
        if self.tail.load(Ordering::Acquire) == head {
            return None;
        }
        // Relaxed: the Acquire load of `tail` above made the producer's store visible.
        let item = self.slots[head % self.slots.len()].load(Ordering::Relaxed);
        // Release: frees the slot; pairs with the producer's Acquire of `head` in `push`.
        self.head.store(head + 1, Ordering::Release);
        Some(item)
    }
}

/// The same ring with an ordering bug: `push` advances `tail` *before* it writes the slot, so
/// the consumer can read a slot that is not written yet: a stale item.
pub mod early_publish {
    use racelab::sync::atomic::{AtomicUsize, Ordering}; // was: use std::sync::atomic::{…};

    /// An SPSC ring that publishes a slot before writing it (the bug).
    #[derive(Debug)]
    pub struct Ring {
        slots: Box<[AtomicUsize]>,
        head: AtomicUsize,
        tail: AtomicUsize,
    }

    impl Ring {
        /// A ring of `capacity` slots (at least 1).
        pub fn new(capacity: usize) -> Self {
            assert!(capacity > 0, "a ring needs one slot");
            Ring {
                slots: (0..capacity).map(|_| AtomicUsize::new(0)).collect(),
                head: AtomicUsize::new(0),
                tail: AtomicUsize::new(0),
            }
        }

        /// Producer only: appends `item`, or gives it back if the ring is full.
        pub fn push(&self, item: usize) -> Result<(), usize> {
            // Relaxed: only this thread writes `tail`.
            let tail = self.tail.load(Ordering::Relaxed);
            // Acquire: pairs with the consumer's Release of `head`.
            if tail - self.head.load(Ordering::Acquire) == self.slots.len() {
                return Err(item);
            }
            // BUG: published before it is written; FIX: write the slot first (see `super::Ring`).
            // Release: pairs with the consumer's Acquire of `tail`.
            self.tail.store(tail + 1, Ordering::Release);
            // Relaxed: meant to be published by the store of `tail` — which already happened.
            self.slots[tail % self.slots.len()].store(item, Ordering::Relaxed);
            Ok(())
        }

        /// Consumer only: removes the oldest item, if any.
        pub fn pop(&self) -> Option<usize> {
            // Relaxed: only this thread writes `head`.
            let head = self.head.load(Ordering::Relaxed);
            // Acquire: pairs with the producer's Release of `tail`.
            if self.tail.load(Ordering::Acquire) == head {
                return None;
            }
            // Relaxed: as in `super::Ring::pop`.
            let item = self.slots[head % self.slots.len()].load(Ordering::Relaxed);
            // Release: pairs with the producer's Acquire of `head`.
            self.head.store(head + 1, Ordering::Release);
            Some(item)
        }
    }
}
