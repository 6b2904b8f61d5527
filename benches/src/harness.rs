//! The harness the fixed-count benchmark binaries (`matrix`, `broadcast`,
//! `select`) share: each run a child process with a timeout, the CPU clock,
//! the counting allocator, the statistics of the runs, the command line and
//! the pieces of the reports.

pub mod child;
pub mod cli;
pub mod counting;
pub mod cpu;
pub mod message;
pub mod report;
pub mod stats;
