//! The std-shaped facade in a std build: `racelab::sync::{Mutex, Condvar, …}` *are* std's
//! types (a function written for `std::sync` takes them, at no cost), and the facade
//! scenarios that pass under loom and shuttle pass on real threads too.
//!
//! Run: `cargo test --test std_facade`
#![cfg(not(any(loom, shuttle)))]
// std only: the facade is std here, which clippy's disallowed lists cannot tell from a stray
// std import (see clippy.toml).
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod common;

use std::any::TypeId;

use common::scenarios::facade;
use common::watch::within;

/// Written for std, as a user's crate is.
fn std_mutex_value(m: &std::sync::Mutex<i32>) -> i32 {
    *m.lock().unwrap()
}

fn std_channel_sum(rx: std::sync::mpsc::Receiver<i32>) -> i32 {
    rx.iter().sum()
}

#[test]
fn a_function_for_std_types_takes_the_facades() {
    let m: racelab::sync::Mutex<i32> = racelab::sync::Mutex::new(3);
    assert_eq!(std_mutex_value(&m), 3);
    let (tx, rx) = racelab::sync::mpsc::channel();
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    drop(tx);
    assert_eq!(std_channel_sum(rx), 3);
}

#[test]
fn every_facade_type_is_std_s_own() {
    macro_rules! same {
        ($($ty:ty => $std:ty),* $(,)?) => {$(
            assert_eq!(TypeId::of::<$ty>(), TypeId::of::<$std>(), stringify!($ty));
        )*};
    }
    use racelab::sync as rs;
    use std::sync as ss;
    same! {
        rs::Mutex<i32> => ss::Mutex<i32>,
        rs::MutexGuard<'static, i32> => ss::MutexGuard<'static, i32>,
        rs::RwLock<i32> => ss::RwLock<i32>,
        rs::RwLockReadGuard<'static, i32> => ss::RwLockReadGuard<'static, i32>,
        rs::RwLockWriteGuard<'static, i32> => ss::RwLockWriteGuard<'static, i32>,
        rs::Condvar => ss::Condvar,
        rs::WaitTimeoutResult => ss::WaitTimeoutResult,
        rs::Barrier => ss::Barrier,
        rs::BarrierWaitResult => ss::BarrierWaitResult,
        rs::Once => ss::Once,
        rs::OnceState => ss::OnceState,
        rs::OnceLock<i32> => ss::OnceLock<i32>,
        rs::LazyLock<i32> => ss::LazyLock<i32>,
        rs::LockResult<()> => ss::LockResult<()>,
        rs::TryLockResult<()> => ss::TryLockResult<()>,
        rs::PoisonError<()> => ss::PoisonError<()>,
        rs::TryLockError<()> => ss::TryLockError<()>,
        rs::mpsc::Sender<i32> => ss::mpsc::Sender<i32>,
        rs::mpsc::SyncSender<i32> => ss::mpsc::SyncSender<i32>,
        rs::mpsc::Receiver<i32> => ss::mpsc::Receiver<i32>,
        rs::mpsc::SendError<i32> => ss::mpsc::SendError<i32>,
        rs::mpsc::RecvError => ss::mpsc::RecvError,
        rs::mpsc::TryRecvError => ss::mpsc::TryRecvError,
        rs::mpsc::TrySendError<i32> => ss::mpsc::TrySendError<i32>,
        rs::mpsc::RecvTimeoutError => ss::mpsc::RecvTimeoutError,
        rs::mpsc::Iter<'static, i32> => ss::mpsc::Iter<'static, i32>,
        rs::mpsc::TryIter<'static, i32> => ss::mpsc::TryIter<'static, i32>,
    }
    // std's constructors stay `const` in std builds: a `static` works.
    static GLOBAL: racelab::sync::Mutex<i32> = racelab::sync::Mutex::new(0);
    *GLOBAL.lock().unwrap() += 1;
    assert_eq!(*GLOBAL.lock().unwrap(), 1);
}

#[test]
fn labelling_a_std_mutex_compiles_and_does_nothing() {
    let m = racelab::sync::Mutex::new(0);
    racelab::trace::label(&m, "A");
    assert_eq!(*m.lock().unwrap(), 0);
}

#[test]
fn the_facade_scenarios_pass_on_real_threads() {
    common::quiet_expected_panics();
    within(|| {
        for _ in 0..50 {
            facade::mutex_counter(4);
            facade::mutex_try_lock();
            facade::mutex_poisoning();
            facade::condvar_producer_consumer(3);
            facade::condvar_while_two_consumers();
            facade::condvar_wait_while();
            facade::condvar_wait_timeout(None);
            facade::condvar_wait_timeout_alone();
            facade::rwlock_readers_writer();
            facade::barrier_rounds(3, 2);
            facade::once_inits_once();
            facade::once_lock_set_race();
            facade::mpsc_order_and_disconnect();
            facade::mpsc_receiver_gone();
            facade::mpsc_rendezvous();
            facade::mpsc_bounded();
        }
    });
}
