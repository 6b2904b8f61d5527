// Every option: `reply = T`, `field =`, `constructor =`, `method =`, and
// `crate =` as a path and as a string.
#![deny(warnings)]

use oneshot::oneshot_reply;

#[oneshot_reply(reply = Vec<u8>, field = respond_to, constructor = ask, method = answer)]
pub struct Read {
    pub len: usize,
}

#[oneshot_reply(bool, crate = ::oneshot, constructor = make)]
pub struct Check(pub i32);

#[oneshot_reply(crate = "oneshot", reply = i64)]
pub struct Negate(pub i64);

fn main() {
    let (read, bytes) = Read::ask(3);
    assert!(!read.respond_to.is_closed());
    let len = read.len;
    read.answer(vec![7; len]).unwrap();
    assert_eq!(bytes.recv(), Ok(vec![7, 7, 7]));

    let (read, bytes) = Read::ask(1);
    let Read { len, respond_to } = read;
    respond_to.send(vec![0; len]).unwrap();
    assert_eq!(bytes.recv(), Ok(vec![0]));

    let (check, positive) = Check::make(-4);
    let answer = check.0 > 0;
    check.reply(answer).unwrap();
    assert_eq!(positive.recv(), Ok(false));

    let (negate, negated) = Negate::new(5);
    let value = -negate.0;
    negate.reply(value).unwrap();
    assert_eq!(negated.recv(), Ok(-5));
}
