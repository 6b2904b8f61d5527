// A struct with named fields: the added `reply_to`, `new`, `reply`,
// `is_abandoned`, destructuring, and the `Request` trait.
#![deny(warnings)]

use oneshot::{oneshot_reply, Request};

/// Ask the bank for an account's balance.
#[oneshot_reply(u64)]
#[derive(Debug)]
pub struct GetBalance {
    pub account: String,
}

fn balance_of<R: Request<Reply = u64>>(request: R, balance: u64) {
    request.reply(balance).unwrap();
}

fn main() {
    let (request, balance) = GetBalance::new("alice".to_owned());
    assert_eq!(request.account, "alice");
    assert!(!request.is_abandoned());
    assert!(format!("{request:?}").contains("alice"));
    request.reply(120).unwrap();
    assert_eq!(balance.recv(), Ok(120));

    // A handler destructures the request.
    let (request, balance) = GetBalance::new("bob".to_owned());
    let GetBalance { account, reply_to } = request;
    reply_to.send(account.len() as u64).unwrap();
    assert_eq!(balance.recv(), Ok(3));

    // Through the trait.
    let (request, balance) = GetBalance::new("carol".to_owned());
    balance_of(request, 7);
    assert_eq!(balance.recv(), Ok(7));

    // The requester gives up: the request says so, and the reply comes back.
    let (request, balance) = GetBalance::new("dave".to_owned());
    drop(balance);
    assert!(request.is_abandoned());
    assert_eq!(request.reply(1).unwrap_err().into_inner(), 1);

    // The sender dropped unanswered: the requester hears of it.
    let (request, balance) = GetBalance::new("erin".to_owned());
    drop(request);
    assert_eq!(balance.recv(), Err(oneshot::RecvError));
}
