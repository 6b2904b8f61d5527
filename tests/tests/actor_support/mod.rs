//! The actor the `actor_*` tests call: a key-value store whose commands
//! cover a reply, a unit reply, a reply that waits on a gate the test
//! opens, and a command without a reply.

use std::collections::HashMap;
use std::time::Duration;

use oneshot::oneshot_reply;

/// What the store can be asked.
#[oneshot_reply(client)]
#[derive(Debug)]
pub enum Kv {
    /// Reads a key.
    #[reply(Option<u64>)]
    Get { key: String },
    /// Writes a key.
    #[reply(())]
    Set { key: String, value: u64 },
    /// Holds the actor until `gate` is sent to (or dropped), then replies
    /// with the number of commands handled so far.
    #[reply(u64)]
    Hold { gate: oneshot::Receiver<()> },
    /// Counts, without a reply.
    Bump,
}

/// The store, served by either handler.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub(crate) map: HashMap<String, u64>,
    pub(crate) bumps: u64,
    pub(crate) handled: u64,
}

impl KvHandler for Store {
    fn get(&mut self, key: String) -> Option<u64> {
        self.handled += 1;
        self.map.get(&key).copied()
    }
    fn set(&mut self, key: String, value: u64) {
        self.handled += 1;
        self.map.insert(key, value);
    }
    fn hold(&mut self, gate: oneshot::Receiver<()>) -> u64 {
        self.handled += 1;
        let _ = gate.recv();
        self.handled
    }
    fn bump(&mut self) {
        self.handled += 1;
        self.bumps += 1;
    }
}

impl KvAsyncHandler for Store {
    async fn get(&mut self, key: String) -> Option<u64> {
        KvHandler::get(self, key)
    }
    async fn set(&mut self, key: String, value: u64) {
        KvHandler::set(self, key, value);
    }
    async fn hold(&mut self, gate: oneshot::Receiver<()>) -> u64 {
        self.handled += 1;
        let _ = gate.await;
        self.handled
    }
    async fn bump(&mut self) {
        KvHandler::bump(self);
    }
}

/// Long enough that a wait which should not end does not end by chance.
pub(crate) const LONG: Duration = Duration::from_secs(10);
