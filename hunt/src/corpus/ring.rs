//! A token ring whose bug needs a scheduling change at the very start.

use racelab::check::FailureKind;
use racelab::sync::{thread, Arc};

use crate::{Flavour, HuntLock, Program};

/// A ring that assumes its first member starts.
pub const TOKEN_RING: Program = Program {
    name: "token_ring",
    bug: "order violation found only by an early scheduling change",
    source: "CHESS's preemption-bounding argument (Musuvathi & Qadeer 2007): a token ring",
    kind: FailureKind::Panic,
    message: "the token started at member",
    checker_message: None,
    shuttle: true,
};

/// How many times each member takes the token.
const ROUNDS: u32 = 2;

/// Four members (main and three workers) take the token in turn, `ROUNDS` times each; each
/// assumes member 0, main, takes it first.
pub fn token_ring<F: Flavour>() {
    let ring = F::shared("ring", 0u32);
    let take = |member: u32, ring: &F::Lock<u32>| {
        for _ in 0..ROUNDS {
            let mut hops = ring.lock();
            // BUG: spawn order is not run order: a worker can take the token before main
            assert!(
                *hops > 0 || member == 0,
                "the token started at member {member}, not at member 0"
            );
            *hops += 1;
        }
    };
    let workers: Vec<_> = (1..4)
        .map(|member| {
            let ring = Arc::clone(&ring);
            thread::spawn(move || take(member, &ring))
        })
        .collect();
    take(0, &ring);
    for worker in workers {
        worker.join().unwrap();
    }
}
