//! The bank actor again, answering an enum of commands: the tokio
//! tutorial's `Command` enum, with `#[oneshot_reply]` adding each variant's
//! reply sender and a constructor for it. The mailbox is a bounded `mpmc`
//! channel: a thread sends with the blocking `send` and waits for its reply
//! with `recv`, a task with `send_async(..).await` and `.await` on the
//! reply, on the same mailbox. (`#[oneshot_reply(client)]` writes this
//! plumbing for you: see `bank_actor`.)
//!
//! Run it with `cargo run -p oneshot-examples --example bank_commands`.

use std::collections::HashMap;
use std::thread;

use oneshot::oneshot_reply;

/// Everything the bank can be asked.
#[oneshot_reply]
#[derive(Debug)]
enum Command {
    /// The balance, or `None` for an unknown account.
    #[reply(Option<u64>)]
    Balance { account: String },
    /// The new balance.
    #[reply(u64)]
    Deposit { account: String, amount: u64 },
    /// Moves money; the reply says whether it was possible.
    #[reply(Result<(), String>, constructor = transfer)]
    Move {
        from: String,
        to: String,
        amount: u64,
    },
    /// No reply: the bank just stops.
    Shutdown,
}

fn run_bank(inbox: mpmc::Receiver<Command>) {
    let mut accounts: HashMap<String, u64> = HashMap::new();
    for command in inbox {
        println!("  [bank] got {command:?}");
        if command.is_abandoned() {
            println!("  [bank] nobody waits for it, skipping");
            continue;
        }
        match command {
            Command::Balance { account, reply_to } => {
                let _ = reply_to.send(accounts.get(&account).copied());
            }
            Command::Deposit {
                account,
                amount,
                reply_to,
            } => {
                let balance = accounts.entry(account).or_insert(0);
                *balance += amount;
                let _ = reply_to.send(*balance);
            }
            Command::Move {
                from,
                to,
                amount,
                reply_to,
            } => {
                let available = accounts.get(&from).copied().unwrap_or(0);
                let reply = if available >= amount {
                    *accounts.entry(from).or_insert(0) -= amount;
                    *accounts.entry(to).or_insert(0) += amount;
                    Ok(())
                } else {
                    Err(format!("{from} has only {available}"))
                };
                let _ = reply_to.send(reply);
            }
            Command::Shutdown => break,
        }
    }
    println!("  [bank] shut down");
}

fn main() {
    // Room for 16 commands: a flood of senders waits for room instead of
    // growing the queue without limit.
    let (mailbox, inbox) = mpmc::bounded(16);
    let bank = thread::spawn(move || run_bank(inbox));

    let (deposit, balance) = Command::deposit("alice".to_owned(), 100);
    mailbox.send(deposit).unwrap();
    println!("alice deposited 100: balance {}", balance.recv().unwrap());

    let (transfer, done) = Command::transfer("alice".to_owned(), "bob".to_owned(), 40);
    mailbox.send(transfer).unwrap();
    println!("alice -> bob 40: {:?}", done.recv().unwrap());

    let (transfer, done) = Command::transfer("bob".to_owned(), "carol".to_owned(), 75);
    mailbox.send(transfer).unwrap();
    println!("bob -> carol 75: {:?}", done.recv().unwrap());

    for account in ["alice", "bob", "carol"] {
        let (query, balance) = Command::balance(account.to_owned());
        mailbox.send(query).unwrap();
        println!("{account}: {:?}", balance.recv().unwrap());
    }

    // A task asks on the same mailbox: the async send waits for room
    // without blocking the runtime's thread, and the reply is awaited.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (query, balance) = Command::balance("bob".to_owned());
        mailbox.send_async(query).await.unwrap();
        println!("bob, asked from a task: {:?}", balance.await.unwrap());
    });

    // Asked and abandoned at once: the bank sees `is_abandoned()`.
    let (query, balance) = Command::balance("alice".to_owned());
    drop(balance);
    mailbox.send(query).unwrap();

    mailbox.send(Command::Shutdown).unwrap();
    bank.join().unwrap();
}
