// The attribute used through another crate's re-export of `oneshot`
// (`oneshot_ui_tests` re-exports it), with `crate =` naming that path, also
// from a nested module, and through a renamed `extern crate`.
#![deny(warnings)]

extern crate oneshot as renamed_oneshot;

use oneshot_ui_tests::oneshot as reexported;

#[reexported::oneshot_reply(u8, crate = oneshot_ui_tests::oneshot)]
pub struct Twice(pub u8);

mod nested {
    #[crate::reexported::oneshot_reply(u8, crate = crate::reexported)]
    pub struct Half(pub u8);
}

#[renamed_oneshot::oneshot_reply(u8, crate = ::renamed_oneshot)]
pub struct Same(pub u8);

fn main() {
    let (twice, doubled) = Twice::new(21);
    let value = twice.0 * 2;
    twice.reply(value).unwrap();
    assert_eq!(doubled.recv(), Ok(42));

    let (half, halved) = nested::Half::new(8);
    let value = half.0 / 2;
    half.reply(value).unwrap();
    assert_eq!(halved.recv(), Ok(4));

    let (same, back) = Same::new(1);
    let value = same.0;
    same.reply(value).unwrap();
    assert_eq!(back.recv(), Ok(1));

    // The requests built in this crate answer the re-exported crate's types.
    let (request, sum) = oneshot_ui_tests::Add::new(2, 2);
    let total = request.a + request.b;
    request.reply(total).unwrap();
    assert_eq!(sum.recv(), Ok(4));
}
