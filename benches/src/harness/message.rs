//! The messages of the fixed-count runs: made from a key, which the
//! receivers check (count, sum and, for broadcast, order).

/// A message made from a key.
pub trait Message: Send + Unpin + 'static {
    fn new(key: u64) -> Self;
    fn key(&self) -> u64;
}

impl Message for u64 {
    #[inline]
    fn new(key: u64) -> Self {
        key
    }
    #[inline]
    fn key(&self) -> u64 {
        *self
    }
}

/// The 256-byte message: moving it copies 256 bytes, and so does its clone,
/// so a broadcast channel that clones once per receiver (and not a move for
/// the last reader) pays for it.
#[derive(Debug, Clone)]
pub struct Big(pub [u64; 32]);

impl Message for Big {
    #[inline]
    fn new(key: u64) -> Self {
        Big([key; 32])
    }
    #[inline]
    fn key(&self) -> u64 {
        self.0[31]
    }
}
