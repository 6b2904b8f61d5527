//! Mixing the ways of receiving on one receiver, in every order: a receiver
//! that was polled (`Pending`), timed out, or found nothing, is then used with
//! each of `poll`, `recv`, `recv_ref`, `recv_timeout`, `recv_deadline` and
//! `try_recv`, while the sender sends or is dropped before, or concurrently
//! from another thread. Nothing may panic, hang, lose or duplicate the
//! message, or wake a waker that is no longer the registered one.
#![cfg(not(loom))]

use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use oneshot::{Receiver, RecvError, RecvTimeoutError, Sender, TryRecvError};
use oneshot_tests::{block_on, noop_waker, poll_once, CountingWaker, DropCounter, Tracked};

type Message = Tracked<u32>;

/// Short: only ever expected to run out.
const EXPIRES: Duration = Duration::from_millis(1);
/// Long: only ever expected not to run out (bounded, so a lost wake-up
/// fails the test instead of hanging it).
const LASTS: Duration = Duration::from_secs(60);

/// What was done to the receiver before the message (or the disconnect).
#[derive(Clone, Copy, Debug)]
enum Before {
    /// Polled once: `Pending`, its waker is registered.
    PolledPending,
    /// Polled with one waker and then with another: the second is registered.
    PolledWithTwoWakers,
    /// `recv_timeout` ran out.
    TimedOut,
    /// `recv_deadline` with a deadline that had passed.
    DeadlinePassed,
    /// `try_recv` found nothing.
    TryRecvEmpty,
    /// Polled (`Pending`), then `recv_timeout` ran out.
    PolledThenTimedOut,
    /// `recv_timeout` ran out, then polled (`Pending`).
    TimedOutThenPolled,
    /// Polled, timed out, polled again, hit a passed deadline, polled again.
    Alternating,
}

/// The receive that finishes the job.
#[derive(Clone, Copy, Debug)]
enum Then {
    Poll,
    Recv,
    RecvRef,
    RecvTimeout,
    RecvDeadline,
    TryRecv,
}

/// What the sender does, and when.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    SendsFirst,
    DropsFirst,
    SendsFromThread,
    DropsFromThread,
}

const OUTCOMES: [Outcome; 4] = [
    Outcome::SendsFirst,
    Outcome::DropsFirst,
    Outcome::SendsFromThread,
    Outcome::DropsFromThread,
];

/// What the final receive returned, with the message unwrapped.
#[derive(Debug, PartialEq)]
enum Got {
    Message(u32),
    Disconnected,
}

/// Applies `before` and says whether it left `latest`'s waker registered.
/// `earlier` is a waker that, if registered at all, was replaced or
/// withdrawn: it must never be woken.
fn apply(
    before: Before,
    receiver: &mut Receiver<Message>,
    earlier: &CountingWaker,
    latest: &CountingWaker,
) -> bool {
    let pending = |receiver: &mut Receiver<Message>, waker: &CountingWaker| {
        assert!(
            poll_once(receiver, &waker.waker()).is_pending(),
            "{before:?}: poll"
        );
    };
    let times_out = |receiver: &Receiver<Message>| {
        assert_eq!(
            receiver.recv_timeout(EXPIRES).unwrap_err(),
            RecvTimeoutError::Timeout,
            "{before:?}"
        );
    };
    let deadline_passes = |receiver: &Receiver<Message>| {
        let passed = Instant::now();
        assert_eq!(
            receiver.recv_deadline(passed).unwrap_err(),
            RecvTimeoutError::Timeout,
            "{before:?}"
        );
    };
    match before {
        Before::PolledPending => {
            pending(receiver, latest);
            true
        }
        Before::PolledWithTwoWakers => {
            pending(receiver, earlier);
            pending(receiver, latest);
            true
        }
        Before::TimedOut => {
            times_out(receiver);
            false
        }
        Before::DeadlinePassed => {
            deadline_passes(receiver);
            false
        }
        Before::TryRecvEmpty => {
            assert_eq!(receiver.try_recv().unwrap_err(), TryRecvError::Empty);
            false
        }
        Before::PolledThenTimedOut => {
            pending(receiver, earlier);
            times_out(receiver);
            false
        }
        Before::TimedOutThenPolled => {
            times_out(receiver);
            pending(receiver, latest);
            true
        }
        Before::Alternating => {
            pending(receiver, earlier);
            times_out(receiver);
            pending(receiver, earlier);
            deadline_passes(receiver);
            pending(receiver, latest);
            true
        }
    }
}

/// Finishes the receive with `then`. `settled` says the sender already
/// acted, so the result must be there without waiting. Returns the receiver
/// unless `then` consumed it.
fn finish(
    then: Then,
    mut receiver: Receiver<Message>,
    settled: bool,
) -> (Got, Option<Receiver<Message>>) {
    let got = |result: Result<Message, RecvError>| match result {
        Ok(message) => Got::Message(*message.payload()),
        Err(RecvError) => Got::Disconnected,
    };
    let got_timed = |result: Result<Message, RecvTimeoutError>| match result {
        Ok(message) => Got::Message(*message.payload()),
        Err(RecvTimeoutError::Disconnected) => Got::Disconnected,
        Err(RecvTimeoutError::Timeout) => panic!("{then:?}: timed out although the sender acted"),
    };
    let result = match then {
        Then::Poll if settled => match poll_once(&mut receiver, &noop_waker()) {
            Poll::Ready(result) => got(result),
            Poll::Pending => panic!("Pending although the sender acted"),
        },
        Then::Poll => got(block_on(&mut receiver)),
        Then::Recv => return (got(receiver.recv()), None),
        Then::RecvRef => got(receiver.recv_ref()),
        Then::RecvTimeout => got_timed(receiver.recv_timeout(LASTS)),
        Then::RecvDeadline => got_timed(receiver.recv_deadline(Instant::now() + LASTS)),
        Then::TryRecv => loop {
            match receiver.try_recv() {
                Ok(message) => break Got::Message(*message.payload()),
                Err(TryRecvError::Disconnected) => break Got::Disconnected,
                Err(TryRecvError::Empty) if settled => panic!("Empty although the sender acted"),
                Err(TryRecvError::Empty) => thread::yield_now(),
            }
        },
    };
    (result, Some(receiver))
}

fn act(outcome: Outcome, sender: Sender<Message>, message: Message) {
    match outcome {
        Outcome::SendsFirst | Outcome::SendsFromThread => {
            assert!(sender.send(message).is_ok(), "the receiver is still there")
        }
        Outcome::DropsFirst | Outcome::DropsFromThread => {
            drop(sender);
            drop(message);
        }
    }
}

fn run(before: Before, then: Then, outcome: Outcome) {
    let case = format!("{before:?} then {then:?}, sender {outcome:?}");
    let drops = DropCounter::new();
    let earlier = CountingWaker::new();
    let latest = CountingWaker::new();
    let (sender, mut receiver) = oneshot::channel::<Message>();
    let registered = apply(before, &mut receiver, &earlier, &latest);
    assert!(!receiver.is_terminated(), "{case}");

    let message = drops.track(42);
    let (got, receiver) = match outcome {
        Outcome::SendsFirst | Outcome::DropsFirst => {
            act(outcome, sender, message);
            finish(then, receiver, true)
        }
        Outcome::SendsFromThread | Outcome::DropsFromThread => {
            let worker = thread::spawn(move || act(outcome, sender, message));
            let finished = finish(then, receiver, false);
            worker.join().unwrap();
            finished
        }
    };

    let sent = matches!(outcome, Outcome::SendsFirst | Outcome::SendsFromThread);
    let expected = if sent {
        Got::Message(42)
    } else {
        Got::Disconnected
    };
    assert_eq!(got, expected, "{case}");
    assert_eq!(drops.alive(), 0, "{case}: the message was dropped");
    assert_eq!(drops.dropped(), 1, "{case}: the message was dropped once");

    // Wake-ups: a replaced or withdrawn waker is never woken; the waker
    // `before` left registered is woken exactly once if the sender acted
    // while it was still registered.
    assert_eq!(earlier.wakes(), 0, "{case}: a replaced waker was woken");
    let latest_wakes = latest.wakes();
    if !registered {
        assert_eq!(latest_wakes, 0, "{case}");
    } else if matches!(outcome, Outcome::SendsFirst | Outcome::DropsFirst)
        || matches!(then, Then::TryRecv)
    {
        // `try_recv` never replaces the registered waker.
        assert_eq!(
            latest_wakes, 1,
            "{case}: the registered waker must be woken once"
        );
    } else {
        assert!(latest_wakes <= 1, "{case}: woken {latest_wakes} times");
    }

    if let Some(mut receiver) = receiver {
        assert!(receiver.is_terminated(), "{case}");
        assert!(receiver.is_closed(), "{case}");
        assert!(!receiver.has_message(), "{case}");
        assert_eq!(
            receiver.try_recv().unwrap_err(),
            TryRecvError::Disconnected,
            "{case}"
        );
        assert_eq!(
            poll_once(&mut receiver, &noop_waker()),
            Poll::Ready(Err(RecvError)),
            "{case}"
        );
        assert_eq!(
            receiver.recv_timeout(EXPIRES).unwrap_err(),
            RecvTimeoutError::Disconnected,
            "{case}"
        );
    }
    assert_eq!(
        (earlier.live(), latest.live()),
        (0, 0),
        "{case}: a waker leaked"
    );
}

fn run_all_outcomes(before: Before, then: Then) {
    for outcome in OUTCOMES {
        run(before, then, outcome);
    }
}

/// One test per (before, then) pair, each over every [`Outcome`]:
/// `polled_pending::then_recv`, `timed_out::then_poll`, ...
macro_rules! mixes {
    ([$($module:ident => $before:expr),* $(,)?], $thens:tt) => {
        $(
            mod $module {
                use super::*;
                mixes!(@thens $before, $thens);
            }
        )*
    };
    (@thens $before:expr, [$($test:ident => $then:expr),* $(,)?]) => {
        $(
            #[test]
            fn $test() {
                run_all_outcomes($before, $then);
            }
        )*
    };
}

mixes!(
    [
        polled_pending => Before::PolledPending,
        polled_with_two_wakers => Before::PolledWithTwoWakers,
        timed_out => Before::TimedOut,
        deadline_passed => Before::DeadlinePassed,
        try_recv_empty => Before::TryRecvEmpty,
        polled_then_timed_out => Before::PolledThenTimedOut,
        timed_out_then_polled => Before::TimedOutThenPolled,
        alternating => Before::Alternating,
    ],
    [
        then_poll => Then::Poll,
        then_recv => Then::Recv,
        then_recv_ref => Then::RecvRef,
        then_recv_timeout => Then::RecvTimeout,
        then_recv_deadline => Then::RecvDeadline,
        then_try_recv => Then::TryRecv,
    ]
);

/// Every way of finishing, followed by every way of receiving again: the
/// second receive always reports a disconnect, never a panic or a value.
#[test]
fn every_receive_after_every_finished_receive_is_disconnected() {
    let firsts = [
        Then::Poll,
        Then::RecvRef,
        Then::RecvTimeout,
        Then::RecvDeadline,
        Then::TryRecv,
    ];
    let seconds = [
        Then::Poll,
        Then::Recv,
        Then::RecvRef,
        Then::RecvTimeout,
        Then::RecvDeadline,
        Then::TryRecv,
    ];
    for sent in [true, false] {
        for first in firsts {
            for second in seconds {
                let case = format!("{first:?} then {second:?} (sent: {sent})");
                let drops = DropCounter::new();
                let (sender, receiver) = oneshot::channel::<Message>();
                if sent {
                    sender.send(drops.track(1)).unwrap();
                } else {
                    drop(sender);
                }
                let (got, receiver) = finish(first, receiver, true);
                assert_eq!(
                    got,
                    if sent {
                        Got::Message(1)
                    } else {
                        Got::Disconnected
                    },
                    "{case}"
                );
                let receiver = receiver.expect("only `recv` consumes the receiver");
                assert!(receiver.is_terminated(), "{case}");
                let (again, _) = finish(second, receiver, true);
                assert_eq!(again, Got::Disconnected, "{case}");
                assert_eq!(drops.alive(), 0, "{case}");
            }
        }
    }
}

#[test]
fn timed_out_then_polled_wakes_the_poll() {
    let (sender, mut receiver) = oneshot::channel();
    assert_eq!(
        receiver.recv_timeout(EXPIRES),
        Err(RecvTimeoutError::Timeout)
    );
    let counting = CountingWaker::new();
    assert!(poll_once(&mut receiver, &counting.waker()).is_pending());
    sender.send(5).unwrap();
    assert_eq!(counting.wakes(), 1);
    assert_eq!(
        poll_once(&mut receiver, &counting.waker()),
        Poll::Ready(Ok(5))
    );
}

#[test]
fn polled_then_timed_out_does_not_wake_the_old_poll() {
    let (sender, mut receiver) = oneshot::channel();
    let counting = CountingWaker::new();
    assert!(poll_once(&mut receiver, &counting.waker()).is_pending());
    assert_eq!(
        receiver.recv_timeout(EXPIRES),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(
        counting.live(),
        0,
        "the blocking receive replaced the task's waker"
    );
    sender.send(5).unwrap();
    assert_eq!(counting.wakes(), 0);
    assert_eq!(receiver.try_recv(), Ok(5));
}

#[test]
fn polled_then_recv_is_woken_by_a_thread() {
    let (sender, mut receiver) = oneshot::channel();
    let counting = CountingWaker::new();
    assert!(poll_once(&mut receiver, &counting.waker()).is_pending());
    let worker = thread::spawn(move || sender.send(String::from("to the thread")).unwrap());
    assert_eq!(receiver.recv().as_deref(), Ok("to the thread"));
    worker.join().unwrap();
    assert_eq!(counting.live(), 0);
}

#[test]
#[cfg_attr(miri, ignore = "sleeps")]
fn polled_then_recv_blocks_until_a_late_send() {
    let (sender, mut receiver) = oneshot::channel();
    let counting = CountingWaker::new();
    assert!(poll_once(&mut receiver, &counting.waker()).is_pending());
    let worker = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        sender.send(1).unwrap();
    });
    assert_eq!(receiver.recv_ref(), Ok(1));
    worker.join().unwrap();
    assert_eq!(
        counting.wakes(),
        0,
        "the task's waker was replaced by the thread's"
    );
}

#[test]
#[cfg_attr(miri, ignore = "sleeps")]
fn polled_then_recv_blocks_until_a_late_drop() {
    let (sender, mut receiver) = oneshot::channel::<u8>();
    assert!(poll_once(&mut receiver, &noop_waker()).is_pending());
    let worker = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        drop(sender);
    });
    assert_eq!(receiver.recv(), Err(RecvError));
    worker.join().unwrap();
}

#[test]
fn timed_out_then_awaited_on_the_executor() {
    let (sender, receiver) = oneshot::channel();
    assert_eq!(
        receiver.recv_timeout(EXPIRES),
        Err(RecvTimeoutError::Timeout)
    );
    let worker = thread::spawn(move || sender.send("late").unwrap());
    assert_eq!(block_on(receiver), Ok("late"));
    worker.join().unwrap();
}

#[test]
fn ping_pong_between_poll_and_block_many_times() {
    let (sender, mut receiver) = oneshot::channel::<u8>();
    let counting = CountingWaker::new();
    for round in 0..10 {
        assert!(
            poll_once(&mut receiver, &counting.waker()).is_pending(),
            "round {round}"
        );
        assert_eq!(
            receiver.recv_timeout(Duration::ZERO),
            Err(RecvTimeoutError::Timeout)
        );
        assert_eq!(receiver.try_recv(), Err(TryRecvError::Empty));
    }
    assert_eq!(counting.live(), 0);
    assert_eq!(counting.wakes(), 0);
    sender.send(3).unwrap();
    assert_eq!(receiver.recv(), Ok(3));
}
