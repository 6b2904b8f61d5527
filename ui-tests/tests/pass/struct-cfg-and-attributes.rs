// `#[cfg]` on fields is honoured (in the struct, the constructor and the
// literal), and the item's other attributes and docs are kept. (A derive
// goes below the attribute, so that it sees the added field.)
#![deny(warnings)]

use oneshot::oneshot_reply;

/// Documented request.
#[oneshot_reply(u32)]
#[derive(Debug)]
#[repr(C)]
pub struct Scale {
    /// Kept doc.
    pub value: u32,
    #[cfg(any())]
    pub never: String,
    #[cfg(not(any()))]
    pub factor: u32,
}

#[oneshot_reply(u8)]
pub struct Positional(#[cfg(any())] pub String, pub u8);

fn main() {
    // `never` is configured out: the constructor takes two arguments.
    let (scale, scaled) = Scale::new(3, 4);
    assert!(format!("{scale:?}").contains("reply_to"));
    let product = scale.value * scale.factor;
    scale.reply(product).unwrap();
    assert_eq!(scaled.recv(), Ok(12));

    let (positional, back) = Positional::new(9);
    let doubled = positional.0 * 2;
    positional.reply(doubled).unwrap();
    assert_eq!(back.recv(), Ok(18));
}
