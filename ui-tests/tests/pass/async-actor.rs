// A request answered by a thread and awaited by tasks on a tokio runtime,
// and a worker that stops waiting for work nobody wants (`closed()` through
// the `Request` trait).
#![deny(warnings)]

use std::sync::mpsc;
use std::thread;

use oneshot::{oneshot_reply, Request};

#[oneshot_reply(u64)]
pub struct Double(pub u64);

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (mailbox, inbox) = mpsc::channel::<Double>();
    let actor = thread::spawn(move || {
        for request in inbox {
            let value = request.0 * 2;
            let _ = request.reply(value);
        }
    });

    let mut tasks = Vec::new();
    for n in 0..4 {
        let mailbox = mailbox.clone();
        tasks.push(tokio::spawn(async move {
            let (request, doubled) = Double::new(n);
            mailbox.send(request).unwrap();
            doubled.await.unwrap()
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    assert_eq!(results, [0, 2, 4, 6]);

    let (mut request, doubled) = Double::new(1);
    drop(doubled);
    request.reply_sender_mut().closed().await;
    assert!(request.is_abandoned());

    drop(mailbox);
    actor.join().unwrap();
}
