//! One `mpmc::Select` waiting on several channels, from a thread and from a
//! task: a worker thread takes jobs or a control message, and hands each
//! result over a rendezvous channel while it keeps listening for control
//! messages; an async task awaits the same kind of select.
//!
//! Run it with `cargo run -p oneshot-examples --example select`.

use std::thread;
use std::time::Duration;

use mpmc::Select;

/// What the worker's select saw.
enum Event {
    Job(u64),
    Pause(Duration),
    Closed,
}

fn main() {
    let (jobs_tx, jobs) = mpmc::bounded::<u64>(8);
    let (ctl_tx, ctl) = mpmc::bounded::<Duration>(1);
    let (results_tx, results) = mpmc::bounded::<u64>(0); // a rendezvous

    let worker = thread::spawn(move || {
        let mut events = Select::new()
            .recv(&jobs, |job| job.map_or(Event::Closed, Event::Job))
            .recv(&ctl, |pause| pause.map_or(Event::Closed, Event::Pause));
        loop {
            match events.select() {
                Event::Job(n) => {
                    let square = n * n;
                    // Hand the result over, but keep serving control
                    // messages while nobody takes it.
                    loop {
                        let handed = mpmc::select! {
                            send(results_tx, square) -> res => res.is_ok(),
                            recv(ctl) -> pause => {
                                if let Ok(pause) = pause {
                                    println!("  [worker] pausing {pause:?} while holding {square}");
                                    thread::sleep(pause);
                                }
                                false
                            }
                        };
                        if handed {
                            break;
                        }
                    }
                }
                Event::Pause(pause) => {
                    println!("  [worker] pausing {pause:?}");
                    thread::sleep(pause);
                }
                Event::Closed => return,
            }
        }
    });

    // An async task consumes the results, with a select of its own: a
    // result, or a timeout tick from another thread.
    let (tick_tx, ticks) = mpmc::bounded::<()>(1);
    let ticker = thread::spawn(move || {
        while tick_tx.send_timeout((), Duration::from_millis(50)).is_ok() {
            thread::sleep(Duration::from_millis(20));
        }
    });
    let consumer = thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let mut got = Vec::new();
            let mut sel = Select::new()
                .recv(&results, |r| r.ok())
                .recv(&ticks, |_| Some(u64::MAX));
            while got.len() < 5 {
                match sel.select_async().await {
                    Some(u64::MAX) => {} // a tick: nothing to do
                    Some(square) => got.push(square),
                    None => break,
                }
            }
            got
        })
    });

    for n in 1..=5 {
        jobs_tx.send(n).unwrap();
        if n == 3 {
            ctl_tx.send(Duration::from_millis(10)).unwrap();
        }
    }
    let got = consumer.join().unwrap();
    println!("squares, in order: {got:?}");
    assert_eq!(got, [1, 4, 9, 16, 25]);
    drop(jobs_tx);
    worker.join().unwrap();
    ticker.join().unwrap();
}
