//! A bank-account actor on its own thread, answering `#[oneshot_reply]`
//! requests from plain threads (blocking `recv`) and from async tasks on a
//! tokio runtime (`.await`).
//!
//! Run it with `cargo run -p oneshot-examples --example bank_actor`.

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread;

use oneshot::{oneshot_reply, Request};

/// Ask for an account's balance.
#[oneshot_reply(u64)]
#[derive(Debug)]
struct GetBalance {
    account: String,
}

/// Put money into an account; the reply is the new balance.
#[oneshot_reply(u64)]
#[derive(Debug)]
struct Deposit {
    account: String,
    amount: u64,
}

/// Take money out of an account, if there is enough.
#[oneshot_reply(Result<u64, String>)]
#[derive(Debug)]
struct Withdraw {
    account: String,
    amount: u64,
}

/// The actor's mailbox takes any of the requests.
enum Message {
    GetBalance(GetBalance),
    Deposit(Deposit),
    Withdraw(Withdraw),
}

/// Answers any request, unless its requester has already given up: written
/// once for every request type through the `Request` trait.
fn answer<R: Request>(request: R, work: impl FnOnce(&R) -> R::Reply) {
    if request.is_abandoned() {
        println!("  [bank] requester gone, skipping");
        return;
    }
    let reply = work(&request);
    // An error here means the requester left while we worked.
    let _ = request.reply(reply);
}

fn run_bank(inbox: mpsc::Receiver<Message>) {
    let mut accounts: HashMap<String, u64> = HashMap::new();
    for message in inbox {
        match message {
            Message::GetBalance(request) => {
                println!("  [bank] balance of {}", request.account);
                answer(request, |r| accounts.get(&r.account).copied().unwrap_or(0));
            }
            Message::Deposit(request) => {
                println!(
                    "  [bank] deposit {} into {}",
                    request.amount, request.account
                );
                answer(request, |r| {
                    let balance = accounts.entry(r.account.clone()).or_insert(0);
                    *balance += r.amount;
                    *balance
                });
            }
            Message::Withdraw(request) => {
                println!(
                    "  [bank] withdraw {} from {}",
                    request.amount, request.account
                );
                // Destructuring works too: the sender is a field.
                let Withdraw {
                    account,
                    amount,
                    reply_to,
                } = request;
                let balance = accounts.entry(account).or_insert(0);
                let reply = match balance.checked_sub(amount) {
                    Some(left) => {
                        *balance = left;
                        Ok(left)
                    }
                    None => Err(format!("only {balance} left, cannot take {amount}")),
                };
                let _ = reply_to.send(reply);
            }
        }
    }
    println!("  [bank] every client is gone, closing");
}

fn main() {
    let (mailbox, inbox) = mpsc::channel();
    let bank = thread::spawn(move || run_bank(inbox));

    println!("threads, blocking on the reply:");
    let clients: Vec<_> = ["alice", "bob"]
        .into_iter()
        .map(|name| {
            let mailbox = mailbox.clone();
            thread::spawn(move || {
                let (deposit, balance) = Deposit::new(name.to_owned(), 100);
                mailbox.send(Message::Deposit(deposit)).unwrap();
                println!(
                    "{name}: deposited 100, balance is now {}",
                    balance.recv().unwrap()
                );
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }

    println!("async tasks, awaiting the reply:");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for (name, amount) in [("alice", 30), ("bob", 250)] {
            let mailbox = mailbox.clone();
            tasks.push(tokio::spawn(async move {
                let (withdraw, outcome) = Withdraw::new(name.to_owned(), amount);
                mailbox.send(Message::Withdraw(withdraw)).unwrap();
                match outcome.await.unwrap() {
                    Ok(left) => println!("{name}: withdrew {amount}, {left} left"),
                    Err(why) => println!("{name}: refused: {why}"),
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let (get, balance) = GetBalance::new("alice".to_owned());
        mailbox.send(Message::GetBalance(get)).unwrap();
        println!("alice: balance is {}", balance.await.unwrap());
    });

    println!("a client that gives up before the bank gets to it:");
    let (get, balance) = GetBalance::new("bob".to_owned());
    drop(balance);
    mailbox.send(Message::GetBalance(get)).unwrap();

    drop(mailbox);
    bank.join().unwrap();
}
