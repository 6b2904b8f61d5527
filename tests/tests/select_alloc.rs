//! `mpmc::Select`: no allocation per select after warm-up, counted by this
//! binary's own global allocator — not per arm (up to 8 arms of mixed
//! message types), not per wait (a blocked thread, a pending future, a
//! rendezvous with a select on the other side), not in `select!`, not when
//! a `Select` is reused in a loop. Only threads that opted in are counted,
//! and the tests take a lock so they count one at a time.

#![cfg(not(loom))]

use std::pin::pin;
use std::sync::{Arc, Barrier};
use std::task::Poll;
use std::thread;

use mpmc::{select, Select};
use oneshot_tests::{
    alloc_test_lock, counted, poll_pinned, CountingAlloc, CountingWaker, Watchdog, HANG_LIMIT,
};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn rounds() -> u32 {
    if cfg!(miri) {
        8
    } else {
        2000
    }
}

#[test]
fn a_ready_select_of_eight_arms_allocates_nothing() {
    let _lock = alloc_test_lock();
    let (t0, r0) = mpmc::bounded::<u8>(1);
    let (t1, r1) = mpmc::bounded::<String>(2);
    let (t2, r2) = mpmc::bounded::<u64>(0);
    let (t3, r3) = mpmc::bounded::<[u8; 64]>(1);
    let (t4, r4) = mpmc::bounded::<u16>(4);
    let (t5, r5) = mpmc::bounded::<u32>(1);
    let (t6, r6) = mpmc::bounded::<u8>(1);
    let (t7, r7) = mpmc::bounded::<i64>(3);
    let round = |i: u32| {
        match i % 4 {
            0 => t0.send(1).unwrap(),
            1 => t4.send(2).unwrap(),
            2 => t5.send(3).unwrap(),
            _ => t7.send(4).unwrap(),
        }
        let mut sel = Select::new()
            .recv(&r0, |r| r.map(u64::from).ok())
            .recv(&r1, |r| r.map(|s| s.len() as u64).ok())
            .recv(&r2, |r| r.ok())
            .recv(&r3, |r| r.map(|a| u64::from(a[0])).ok())
            .recv(&r4, |r| r.map(u64::from).ok())
            .recv(&r5, |r| r.map(u64::from).ok())
            .send(&t6, 9, |_| None)
            .recv(&r7, |r| r.map(|v| v as u64).ok());
        let got = sel.select();
        // The send arm may win when `t6` has room: drain it for the next.
        if got.is_none() {
            let _ = r6.try_recv();
        }
        drop(sel);
        // Whatever is still queued goes before the next round.
        while r0.try_recv().is_ok() || r4.try_recv().is_ok() {}
        while r5.try_recv().is_ok() || r7.try_recv().is_ok() {}
    };
    for i in 0..16 {
        round(i);
    }
    let ((), used) = counted(|| {
        for i in 0..rounds() {
            round(i);
        }
    });
    assert_eq!(used.allocs, 0, "ready selects allocated: {used:?}");
    drop((t1, t2, t3));
}

#[test]
fn a_reused_select_in_a_loop_allocates_nothing() {
    let _lock = alloc_test_lock();
    let (tx, rx) = mpmc::bounded::<u32>(2);
    let (tx2, rx2) = mpmc::bounded::<u32>(2);
    let mut sel = Select::new()
        .recv(&rx, |r| r.unwrap())
        .recv(&rx2, |r| r.unwrap());
    let mut round = |i: u32| {
        tx.send(i).unwrap();
        tx2.send(i).unwrap();
        assert_eq!(sel.select(), i);
        assert_eq!(sel.try_select(), Ok(i));
        assert!(sel.try_select().is_err());
    };
    for i in 0..16 {
        round(i);
    }
    let ((), used) = counted(|| (0..rounds()).for_each(&mut round));
    assert_eq!(used.allocs, 0, "{used:?}");
}

#[test]
fn blocked_selects_on_both_ends_of_a_rendezvous_allocate_nothing() {
    let _lock = alloc_test_lock();
    let _watchdog = Watchdog::new("blocked_selects_allocate_nothing", HANG_LIMIT);
    let (ping_tx, ping_rx) = mpmc::bounded::<u32>(0);
    let (pong_tx, pong_rx) = mpmc::bounded::<u32>(1);
    let (_idle_tx, idle_rx) = mpmc::bounded::<u32>(0);
    let n = rounds();
    let warm = 16;
    let start = Arc::new(Barrier::new(2));
    let echo = {
        let start = Arc::clone(&start);
        let idle_rx = idle_rx.clone();
        thread::spawn(move || {
            let step = || {
                // A blocking select receives (waits for the ping's offer or
                // is handed it) and answers with a select's send arm.
                let v = Select::new()
                    .recv(&idle_rx, |_| u32::MAX)
                    .recv(&ping_rx, |r| r.unwrap())
                    .select();
                let sent = Select::new().send(&pong_tx, v + 1, |r| r.is_ok()).select();
                assert!(sent);
            };
            (0..warm).for_each(|_| step());
            start.wait();
            let ((), used) = counted(|| (0..n).for_each(|_| step()));
            used
        })
    };
    let mut step = |i: u32| {
        let sent = Select::new()
            .recv(&idle_rx, |_| false)
            .send(&ping_tx, i, |r| r.is_ok())
            .select();
        assert!(sent);
        let got = Select::new().recv(&pong_rx, |r| r.unwrap()).select();
        assert_eq!(got, i + 1);
    };
    (0..warm).for_each(&mut step);
    start.wait();
    let ((), mine) = counted(|| (0..n).for_each(&mut step));
    let theirs = echo.join().unwrap();
    assert_eq!(mine.allocs, 0, "the sending select allocated: {mine:?}");
    assert_eq!(
        theirs.allocs, 0,
        "the receiving select allocated: {theirs:?}"
    );
}

#[test]
fn pending_select_futures_allocate_nothing() {
    let _lock = alloc_test_lock();
    let counting = CountingWaker::new();
    let waker = counting.waker();
    for cap in [0, 1, 4] {
        let (tx, rx) = mpmc::bounded::<u32>(cap);
        let (tx2, rx2) = mpmc::bounded::<u32>(cap);
        let mut round = |i: u32| {
            let mut sel = Select::new()
                .recv(&rx, |r| r.unwrap())
                .recv(&rx2, |r| r.unwrap());
            let mut fut = pin!(sel.select_async());
            assert!(poll_pinned(fut.as_mut(), &waker).is_pending());
            assert!(poll_pinned(fut.as_mut(), &waker).is_pending());
            if cap == 0 {
                // A pending send future offers; the select pulls it.
                let mut send = pin!(tx2.send_async(i));
                assert!(poll_pinned(send.as_mut(), &waker).is_pending());
                assert_eq!(poll_pinned(fut.as_mut(), &waker), Poll::Ready(i));
                assert_eq!(poll_pinned(send.as_mut(), &waker), Poll::Ready(Ok(())));
            } else {
                tx2.try_send(i).unwrap();
                assert_eq!(poll_pinned(fut.as_mut(), &waker), Poll::Ready(i));
            }
            // Dropped pending futures (a rendezvous send arm takes its
            // offer back).
            let mut sel = Select::new().recv(&rx, |r| r.unwrap());
            assert!(poll_pinned(pin!(sel.select_async()), &waker).is_pending());
            if cap == 0 {
                let mut sel = Select::new().send(&tx, 5, |r| r.is_ok());
                assert!(poll_pinned(pin!(sel.select_async()), &waker).is_pending());
            }
        };
        for i in 0..16 {
            round(i);
        }
        let ((), used) = counted(|| (0..rounds()).for_each(&mut round));
        assert_eq!(used.allocs, 0, "cap {cap}: {used:?}");
    }
}

#[test]
fn the_select_macro_allocates_nothing() {
    let _lock = alloc_test_lock();
    let (tx, rx) = mpmc::bounded::<u32>(1);
    let (tx2, rx2) = mpmc::bounded::<u32>(1);
    let round = |i: u32| {
        select! {
            send(tx, i) -> res => res.unwrap(),
            recv(rx2) -> _msg => unreachable!("empty"),
        }
        let got = select! {
            recv(rx) -> msg => msg.unwrap(),
            recv(rx2) -> _msg => unreachable!("empty"),
            default => unreachable!("ready"),
        };
        assert_eq!(got, i);
        select! {
            recv(rx) -> _msg => unreachable!("empty"),
            send(tx2, i) -> res => res.unwrap(),
            default(std::time::Duration::from_secs(60)) => unreachable!("room"),
        }
        assert_eq!(rx2.try_recv(), Ok(i));
    };
    for i in 0..16 {
        round(i);
    }
    let ((), used) = counted(|| (0..rounds()).for_each(round));
    assert_eq!(used.allocs, 0, "{used:?}");
}
