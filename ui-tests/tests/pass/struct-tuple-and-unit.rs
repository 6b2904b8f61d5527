// A tuple struct gets the sender as its last field; a unit struct becomes a
// struct with only the sender.
#![deny(warnings)]

use oneshot::oneshot_reply;

#[oneshot_reply(u32)]
pub struct Add(pub u32, pub u32);

#[oneshot_reply(&'static str)]
pub struct Ping;

fn main() {
    let (add, sum) = Add::new(2, 3);
    assert_eq!(add.0 + add.1, 5);
    let Add(a, b, reply_to) = add;
    reply_to.send(a + b).unwrap();
    assert_eq!(sum.recv(), Ok(5));

    let (add, sum) = Add::new(1, 1);
    let total = add.0 + add.1;
    add.reply(total).unwrap();
    assert_eq!(sum.recv(), Ok(2));

    let (ping, pong) = Ping::new();
    let Ping { reply_to } = ping;
    reply_to.send("pong").unwrap();
    assert_eq!(pong.recv(), Ok("pong"));
}
