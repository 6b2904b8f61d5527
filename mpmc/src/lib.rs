//! Multi-producer multi-consumer channels (work in progress: issue 9).
#![no_std]
