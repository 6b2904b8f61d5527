//! `select!`: crossbeam-channel's macro syntax over [`Select`](crate::Select),
//! so a crossbeam user switches by renaming.
//!
//! The macro builds a `Select` whose arms store their outcome in one local
//! slot each (a `let` per arm, made distinct by macro hygiene), blocks (or
//! tries, or times out) on it, and then runs the body of the arm whose slot
//! is filled — in the caller's function, so `break`, `continue`, `return` and
//! `?` in a body work as in crossbeam.

/// Waits on several channel operations and runs the body of the one that
/// completed: crossbeam-channel's `select!` syntax, over [`Select`](crate::Select).
///
/// ```text
/// select! {
///     recv(rx) -> msg => body,          // msg: Result<T, RecvError>
///     send(tx, value) -> res => body,   // res: Result<(), SendError<T>>
///     default => body,                  // optional: never wait (try once)
///     default(timeout) => body,         // optional: wait at most `timeout`
/// }
/// ```
///
/// Exactly one operation completes (see [`Select`](crate::Select)); the arms are fair
/// (tried from a pseudo-random start). Differences from crossbeam: every
/// `send` arm's value is evaluated before the select waits, and a losing
/// send arm's value is dropped at the end of the macro (build a [`Select`](crate::Select)
/// and reuse it to keep an unsent message for the next round); `msg` and
/// `res` take irrefutable patterns. The same arms from async code:
/// [`Select::select_async`](crate::Select::select_async).
///
/// # Panics
///
/// Without a `default` arm, if no arm can complete (the macro has none).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let (jobs_tx, jobs) = mpmc::bounded::<u32>(4);
/// let (ctl_tx, ctl) = mpmc::bounded::<&str>(1);
/// jobs_tx.send(7).unwrap();
/// ctl_tx.send("stop").unwrap();
///
/// let mut seen = Vec::new();
/// loop {
///     mpmc::select! {
///         recv(jobs) -> job => seen.push(job.unwrap()),
///         recv(ctl) -> msg => {
///             assert_eq!(msg, Ok("stop"));
///             break;
///         }
///         default(Duration::from_secs(1)) => panic!("nothing arrived"),
///     }
/// }
/// // The fair select may take the control message first.
/// assert!(seen.len() <= 1);
/// ```
///
/// Sending, and a `default` that never waits:
///
/// ```
/// let (tx, rx) = mpmc::bounded(1);
/// mpmc::select! {
///     send(tx, 1) -> res => assert!(res.is_ok()),
///     default => unreachable!("there was room"),
/// }
/// mpmc::select! {
///     send(tx, 2) -> res => unreachable!("full: {res:?}"),
///     default => {}
/// }
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
#[macro_export]
macro_rules! select {
    // ---- parse: normalise each arm to `(kind (args...) (pat) (body))` ----
    (@parse [$($arms:tt)*] [$($def:tt)*]
        recv($r:expr) -> $p:pat => $body:block, $($rest:tt)*) => {
        $crate::select!(@parse [$($arms)* (recv ($r) ($p) ($body))] [$($def)*] $($rest)*)
    };
    (@parse [$($arms:tt)*] [$($def:tt)*]
        recv($r:expr) -> $p:pat => $body:block $($rest:tt)*) => {
        $crate::select!(@parse [$($arms)* (recv ($r) ($p) ($body))] [$($def)*] $($rest)*)
    };
    (@parse [$($arms:tt)*] [$($def:tt)*]
        recv($r:expr) -> $p:pat => $body:expr, $($rest:tt)*) => {
        $crate::select!(@parse [$($arms)* (recv ($r) ($p) ($body))] [$($def)*] $($rest)*)
    };
    (@parse [$($arms:tt)*] [$($def:tt)*]
        recv($r:expr) -> $p:pat => $body:expr) => {
        $crate::select!(@parse [$($arms)* (recv ($r) ($p) ($body))] [$($def)*])
    };
    (@parse [$($arms:tt)*] [$($def:tt)*]
        send($s:expr, $v:expr) -> $p:pat => $body:block, $($rest:tt)*) => {
        $crate::select!(@parse [$($arms)* (send ($s, $v) ($p) ($body))] [$($def)*] $($rest)*)
    };
    (@parse [$($arms:tt)*] [$($def:tt)*]
        send($s:expr, $v:expr) -> $p:pat => $body:block $($rest:tt)*) => {
        $crate::select!(@parse [$($arms)* (send ($s, $v) ($p) ($body))] [$($def)*] $($rest)*)
    };
    (@parse [$($arms:tt)*] [$($def:tt)*]
        send($s:expr, $v:expr) -> $p:pat => $body:expr, $($rest:tt)*) => {
        $crate::select!(@parse [$($arms)* (send ($s, $v) ($p) ($body))] [$($def)*] $($rest)*)
    };
    (@parse [$($arms:tt)*] [$($def:tt)*]
        send($s:expr, $v:expr) -> $p:pat => $body:expr) => {
        $crate::select!(@parse [$($arms)* (send ($s, $v) ($p) ($body))] [$($def)*])
    };
    (@parse [$($arms:tt)*] []
        default => $body:block, $($rest:tt)*) => {
        $crate::select!(@parse [$($arms)*] [(now) ($body)] $($rest)*)
    };
    (@parse [$($arms:tt)*] []
        default => $body:block $($rest:tt)*) => {
        $crate::select!(@parse [$($arms)*] [(now) ($body)] $($rest)*)
    };
    (@parse [$($arms:tt)*] []
        default => $body:expr, $($rest:tt)*) => {
        $crate::select!(@parse [$($arms)*] [(now) ($body)] $($rest)*)
    };
    (@parse [$($arms:tt)*] []
        default => $body:expr) => {
        $crate::select!(@parse [$($arms)*] [(now) ($body)])
    };
    (@parse [$($arms:tt)*] []
        default($t:expr) => $body:block, $($rest:tt)*) => {
        $crate::select!(@parse [$($arms)*] [(within $t) ($body)] $($rest)*)
    };
    (@parse [$($arms:tt)*] []
        default($t:expr) => $body:block $($rest:tt)*) => {
        $crate::select!(@parse [$($arms)*] [(within $t) ($body)] $($rest)*)
    };
    (@parse [$($arms:tt)*] []
        default($t:expr) => $body:expr, $($rest:tt)*) => {
        $crate::select!(@parse [$($arms)*] [(within $t) ($body)] $($rest)*)
    };
    (@parse [$($arms:tt)*] []
        default($t:expr) => $body:expr) => {
        $crate::select!(@parse [$($arms)*] [(within $t) ($body)])
    };
    (@parse [$($arms:tt)*] [$($def:tt)+] default $($rest:tt)*) => {
        ::core::compile_error!("`select!` takes at most one `default` arm")
    };
    (@parse [$($arms:tt)*] [$($def:tt)*]) => {
        $crate::select!(@build [] [] [$($def)*] $($arms)*)
    };
    (@parse [$($arms:tt)*] [$($def:tt)*] $($bad:tt)+) => {
        ::core::compile_error!(::core::concat!(
            "`select!` expects arms `recv(rx) -> msg => body`, ",
            "`send(tx, value) -> res => body`, `default => body` or ",
            "`default(timeout) => body`; found: `",
            ::core::stringify!($($bad)+),
            "`"
        ))
    };

    // ---- build: one hygienic slot per arm, then wait, then run a body ----
    (@build [$($chain:tt)*] [$($run:tt)*] [$($def:tt)*]
        (recv ($r:expr) ($p:pat) ($body:expr)) $($rest:tt)*) => {{
        let mut __slot = ::core::option::Option::None;
        $crate::select!(@build
            [$($chain)* .recv(&$r, |__out| __slot = ::core::option::Option::Some(__out))]
            [$($run)* if let ::core::option::Option::Some($p) = __slot { $body } else]
            [$($def)*] $($rest)*)
    }};
    (@build [$($chain:tt)*] [$($run:tt)*] [$($def:tt)*]
        (send ($s:expr, $v:expr) ($p:pat) ($body:expr)) $($rest:tt)*) => {{
        let mut __slot = ::core::option::Option::None;
        $crate::select!(@build
            [$($chain)* .send(&$s, $v, |__out| __slot = ::core::option::Option::Some(__out))]
            [$($run)* if let ::core::option::Option::Some($p) = __slot { $body } else]
            [$($def)*] $($rest)*)
    }};
    (@build [$($chain:tt)*] [$($run:tt)*] []) => {{
        {
            let mut __select = $crate::Select::<()>::new() $($chain)*;
            __select.select();
        }
        $($run)* { ::core::unreachable!("the completed arm filled its slot") }
    }};
    (@build [$($chain:tt)*] [$($run:tt)*] [(now) ($default:expr)]) => {{
        let __ready = {
            let mut __select = $crate::Select::<()>::new() $($chain)*;
            __select.try_select().is_ok()
        };
        if __ready {
            $($run)* { ::core::unreachable!("the completed arm filled its slot") }
        } else {
            $default
        }
    }};
    (@build [$($chain:tt)*] [$($run:tt)*] [(within $t:expr) ($default:expr)]) => {{
        let __ready = {
            let mut __select = $crate::Select::<()>::new() $($chain)*;
            __select.select_timeout($t).is_ok()
        };
        if __ready {
            $($run)* { ::core::unreachable!("the completed arm filled its slot") }
        } else {
            $default
        }
    }};

    // ---- entry ----
    ($($tokens:tt)*) => {
        $crate::select!(@parse [] [] $($tokens)*)
    };
}
