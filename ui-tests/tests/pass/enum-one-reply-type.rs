// `#[oneshot_reply(T)]` on an enum: every variant replies with `T`, the enum
// gets `reply` (renameable) and implements `oneshot::Request`.
#![deny(warnings)]

use oneshot::{oneshot_reply, Request};

#[oneshot_reply(Result<u64, String>, field = respond_to, method = answer)]
pub enum Math {
    Square(u64),
    Divide { a: u64, b: u64 },
    #[reply(constructor = fail)]
    Crash,
}

fn compute(request: &Math) -> Result<u64, String> {
    match request {
        Math::Square(n, _) => Ok(n * n),
        Math::Divide { a, b, .. } => a.checked_div(*b).ok_or_else(|| "division by zero".to_owned()),
        Math::Crash { .. } => Err("asked to fail".to_owned()),
    }
}

fn serve<R: Request>(request: R, work: impl FnOnce(&R) -> R::Reply) -> bool {
    if request.is_abandoned() {
        return false;
    }
    let reply = work(&request);
    request.reply(reply).is_ok()
}

fn main() {
    let (square, answer) = Math::square(9);
    assert!(serve(square, compute));
    assert_eq!(answer.recv(), Ok(Ok(81)));

    let (divide, answer) = Math::divide(1, 0);
    let reply = compute(&divide);
    divide.answer(reply).unwrap();
    assert_eq!(answer.recv(), Ok(Err("division by zero".to_owned())));

    let (crash, answer) = Math::fail();
    drop(answer);
    assert!(crash.is_abandoned());
    assert!(!serve(crash, compute));

    let (mut divide, answer) = Math::divide(6, 3);
    assert!(!divide.reply_sender_mut().is_closed());
    let Math::Divide { a, b, respond_to } = divide else { unreachable!() };
    respond_to.send(Ok(a / b)).unwrap();
    assert_eq!(answer.recv(), Ok(Ok(2)));
}
