// Nine fields: the constructor takes them in declaration order, with no
// warning (clippy's `too_many_arguments` is allowed on it).
#![deny(warnings)]

#[oneshot::oneshot_reply(u64)]
pub struct Sum {
    pub a: u64,
    pub b: u64,
    pub c: u64,
    pub d: u64,
    pub e: u64,
    pub f: u64,
    pub g: u64,
    pub h: u64,
    pub i: u64,
}

fn main() {
    let (sum, total) = Sum::new(1, 2, 3, 4, 5, 6, 7, 8, 9);
    assert_eq!((sum.a, sum.i), (1, 9));
    let value = sum.a + sum.b + sum.c + sum.d + sum.e + sum.f + sum.g + sum.h + sum.i;
    sum.reply(value).unwrap();
    assert_eq!(total.recv(), Ok(45));
}
