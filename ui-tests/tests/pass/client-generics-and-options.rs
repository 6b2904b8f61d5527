// The client on a generic enum (a lifetime, a type parameter named `H`, a
// const parameter, a where clause; reply types using them), `#[cfg]` on a
// variant and on a named field, a keyword variant, a renamed constructor,
// fields named like the generated parameters, and every renaming option.
#![deny(warnings)]

use std::time::Duration;

use oneshot::oneshot_reply;

#[oneshot_reply(
    client = Library,
    mailbox = Shelf,
    handler = Librarian,
    async_handler = AsyncLibrarian
)]
pub enum Book<'a, H, const N: usize>
where
    H: Clone + Send,
{
    #[reply([H; N])]
    Copies {
        of: H,
    },
    #[reply(&'a str, constructor = title_of)]
    Title(usize),
    #[reply(Vec<H>)]
    Wait {
        timeout: Duration,
        handler: H,
        #[cfg(any())]
        never: u8,
    },
    #[reply(bool)]
    Type,
    #[cfg(any())]
    #[reply(u8)]
    Gone,
    Note(&'a str),
}

struct Desk<'a> {
    titles: Vec<&'a str>,
    notes: Vec<&'a str>,
}

impl<'a> Librarian<'a, char, 3> for Desk<'a> {
    fn copies(&mut self, of: char) -> [char; 3] {
        [of; 3]
    }
    fn title_of(&mut self, _0: usize) -> &'a str {
        self.titles[_0]
    }
    fn wait(&mut self, timeout: Duration, handler: char) -> Vec<char> {
        vec![handler; timeout.as_secs() as usize]
    }
    fn r#type(&mut self) -> bool {
        true
    }
    fn note(&mut self, _0: &'a str) {
        self.notes.push(_0);
    }
}

impl<'a> AsyncLibrarian<'a, char, 3> for Desk<'a> {
    async fn copies(&mut self, of: char) -> [char; 3] {
        Librarian::copies(self, of)
    }
    async fn title_of(&mut self, _0: usize) -> &'a str {
        Librarian::title_of(self, _0)
    }
    async fn wait(&mut self, timeout: Duration, handler: char) -> Vec<char> {
        Librarian::wait(self, timeout, handler)
    }
    async fn r#type(&mut self) -> bool {
        false
    }
    async fn note(&mut self, _0: &'a str) {
        Librarian::note(self, _0);
    }
}

fn main() {
    let titles = vec!["Dune", "Emma"];
    let (library, shelf): (Library<'_, char, 3>, Shelf<'_, char, 3>) = Library::bounded(8);
    std::thread::scope(|scope| {
        let desk = Desk {
            titles: titles.clone(),
            notes: Vec::new(),
        };
        let actor = scope.spawn(move || shelf.serve_blocking(desk));
        assert_eq!(library.copies_blocking('x'), Ok(['x'; 3]));
        assert_eq!(library.title_of_blocking(1), Ok("Emma"));
        assert_eq!(
            library.wait_timeout(Duration::from_secs(2), 'w', Duration::from_secs(5)),
            Ok(vec!['w', 'w'])
        );
        assert_eq!(library.type_blocking(), Ok(true));
        let reply = library.try_type().unwrap();
        assert_eq!(reply.recv(), Ok(true));
        assert_eq!(library.note_blocking("read"), Ok(()));
        let (request, reply) = Book::title_of(0);
        library.send_blocking(request).unwrap();
        assert_eq!(reply.recv(), Ok("Dune"));
        drop(library);
        let desk = actor.join().unwrap();
        assert_eq!(desk.notes, ["read"]);
    });

    let (library, shelf) = Library::<'static, char, 3>::unbounded();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let desk = Desk {
            titles: vec!["Ulysses"],
            notes: Vec::new(),
        };
        let calls = async move {
            assert_eq!(library.r#type().await, Ok(false));
            assert_eq!(library.title_of(0).await, Ok("Ulysses"));
            assert_eq!(library.note("async").await, Ok(()));
        };
        let (desk, ()) = tokio::join!(shelf.serve(desk), calls);
        assert_eq!(desk.notes, ["async"]);
    });
}
