//! The two queues under every backend: the correct ones pass, the buggy ones are caught.
//!
//! ```sh
//! cargo test -p queues                                                        # std
//! RUSTFLAGS="--cfg loom" cargo test --release -p queues                       # loom
//! RUSTFLAGS="--cfg shuttle" cargo test --release -p queues                    # shuttle
//! ```

use queues::{cargill, early_publish, BoundedQueue, Ring};
use racelab::check::Explorer;
#[cfg(any(loom, shuttle))]
use racelab::check::FailureKind;
use racelab::sync::{thread, Arc};

/// What a queue offers the scenario.
trait Queue: Send + Sync + 'static {
    fn new(capacity: usize) -> Self;
    fn push(&self, item: usize);
    fn pop(&self) -> usize;
}

impl Queue for BoundedQueue<usize> {
    fn new(capacity: usize) -> Self {
        BoundedQueue::new(capacity)
    }
    fn push(&self, item: usize) {
        BoundedQueue::push(self, item);
    }
    fn pop(&self) -> usize {
        BoundedQueue::pop(self)
    }
}

impl Queue for cargill::BoundedQueue<usize> {
    fn new(capacity: usize) -> Self {
        cargill::BoundedQueue::new(capacity)
    }
    fn push(&self, item: usize) {
        cargill::BoundedQueue::push(self, item);
    }
    fn pop(&self) -> usize {
        cargill::BoundedQueue::pop(self)
    }
}

/// Room for one item; two consumers take one item each; `main` produces both.
fn one_producer_two_consumers<Q: Queue>() {
    let queue = Arc::new(Q::new(1));
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let queue = Arc::clone(&queue);
            thread::spawn(move || queue.pop())
        })
        .collect();
    queue.push(1);
    queue.push(2);
    let mut got: Vec<usize> = consumers.into_iter().map(|c| c.join().unwrap()).collect();
    got.sort_unstable();
    assert_eq!(got, [1, 2], "every item delivered once");
}

/// What a ring offers the scenario.
trait SpscRing: Send + Sync + 'static {
    fn new(capacity: usize) -> Self;
    fn push(&self, item: usize) -> Result<(), usize>;
    fn pop(&self) -> Option<usize>;
}

impl SpscRing for Ring {
    fn new(capacity: usize) -> Self {
        Ring::new(capacity)
    }
    fn push(&self, item: usize) -> Result<(), usize> {
        Ring::push(self, item)
    }
    fn pop(&self) -> Option<usize> {
        Ring::pop(self)
    }
}

impl SpscRing for early_publish::Ring {
    fn new(capacity: usize) -> Self {
        early_publish::Ring::new(capacity)
    }
    fn push(&self, item: usize) -> Result<(), usize> {
        early_publish::Ring::push(self, item)
    }
    fn pop(&self) -> Option<usize> {
        early_publish::Ring::pop(self)
    }
}

/// One slot; a producer thread pushes 1 and 2; `main` pops until it has both, in order.
fn producer_consumer<R: SpscRing>() {
    let ring = Arc::new(R::new(1));
    let producer = {
        let ring = Arc::clone(&ring);
        thread::spawn(move || {
            for item in 1..=2 {
                while ring.push(item).is_err() {
                    thread::yield_now();
                }
            }
        })
    };
    let mut got = Vec::new();
    while got.len() < 2 {
        match ring.pop() {
            Some(item) => got.push(item),
            None => thread::yield_now(),
        }
    }
    producer.join().unwrap();
    assert_eq!(
        got,
        [1, 2],
        "the consumer read a slot the producer had not written"
    );
}

#[test]
fn bounded_queue_delivers_every_item() {
    Explorer::new("queues_bounded").run(one_producer_two_consumers::<BoundedQueue<usize>>);
}

#[test]
fn ring_delivers_in_order() {
    Explorer::new("queues_ring").run(producer_consumer::<Ring>);
}

/// Cargill's bug: the consumer that takes the last item wakes the other consumer, not the
/// producer; all three wait, and nobody is left to wake them.
#[test]
#[cfg(any(loom, shuttle))]
fn cargill_notify_one_deadlocks() {
    let failure = Explorer::new("queues_cargill")
        .expect_failure(one_producer_two_consumers::<cargill::BoundedQueue<usize>>);
    assert_eq!(failure.kind, FailureKind::Deadlock, "{failure}");
    // Everyone left waits on the one condvar: the wake-up went to the wrong kind of waiter.
    assert!(
        failure.message.contains("waits for notify on cv"),
        "{failure}"
    );
    insta::assert_snapshot!(
        format!("{}_cargill", racelab::sync::BACKEND),
        failure.swimlane()
    );
}

/// The ring published before it wrote: the consumer reads the slot's old value.
#[test]
#[cfg(any(loom, shuttle))]
fn early_publish_reads_an_unwritten_slot() {
    let failure = Explorer::new("queues_early_publish")
        .expect_failure(producer_consumer::<early_publish::Ring>);
    assert_eq!(failure.kind, FailureKind::Panic, "{failure}");
    assert!(failure.message.contains("had not written"), "{failure}");
    insta::assert_snapshot!(
        format!("{}_early_publish", racelab::sync::BACKEND),
        failure.swimlane()
    );
}
