// Type, lifetime and const parameters, defaults, bounds and a where clause;
// the reply type uses the parameters.
#![deny(warnings)]

use std::fmt::Debug;
use std::marker::PhantomData;

use oneshot::oneshot_reply;

#[oneshot_reply(Result<Vec<T>, E>)]
pub struct TakeFirst<'a, T: Clone + Debug, E = String, const N: usize = 2>
where
    E: From<&'static str>,
{
    pub items: &'a [T],
    pub error: PhantomData<E>,
}

impl<T: Clone + Debug, E: From<&'static str>, const N: usize> TakeFirst<'_, T, E, N> {
    fn answer(self) {
        let reply = if self.items.len() >= N {
            Ok(self.items[..N].to_vec())
        } else {
            Err(E::from("too few items"))
        };
        self.reply(reply).unwrap();
    }
}

/// The reply is the parameter itself, on a unit struct.
#[oneshot_reply(T)]
pub struct Echo<T: Send>;

fn main() {
    let items = [1, 2, 3];
    let (request, first) = TakeFirst::<'_, i32>::new(&items, PhantomData);
    request.answer();
    assert_eq!(first.recv(), Ok(Ok(vec![1, 2])));

    let (request, first) = TakeFirst::<'_, i32, String, 5>::new(&items, PhantomData);
    request.answer();
    assert_eq!(first.recv(), Ok(Err("too few items".to_owned())));

    let (echo, back) = Echo::<char>::new();
    echo.reply('x').unwrap();
    assert_eq!(back.recv(), Ok('x'));
}
