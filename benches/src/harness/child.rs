//! One run, one child process: the binary runs itself with
//! `--child ID PEER N`, so a hang is killed after the timeout, a panic is
//! reported, and no run inherits another's heap, runtime or threads.
//!
//! The child prints `ok` and its figures (exit 0), or why the run failed
//! (exit [`EXIT_FAILED`]); [`EXIT_UNSUPPORTED`] when the peer lacks the
//! cell.

use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::cli::Options;
use super::stats::Results;

/// Exit code of a child whose run failed its check ("lost", ...).
pub const EXIT_FAILED: u8 = 3;
/// Exit code of a child whose peer does not support the cell.
pub const EXIT_UNSUPPORTED: u8 = 4;

/// A benchmark binary: its cells, the child's one run and the parent.
#[derive(Debug, Clone, Copy)]
pub struct Bin<C> {
    /// The binary's name, in its messages.
    pub name: &'static str,
    /// What a row is called ("cell", "case").
    pub row: &'static str,
    /// Every cell, in the order of the tables.
    pub cells: fn() -> Vec<C>,
    pub id: fn(&C) -> String,
    /// Runs a cell once for a peer with `n` messages: the figures to print
    /// after `ok`, or why the run failed; `None` if the peer does not
    /// support the cell.
    pub run_one: fn(&C, &str, u64) -> Option<Result<String, String>>,
    /// Every cell, every peer, every run; an error is a bad command line.
    pub parent: fn(&[String]) -> Result<ExitCode, String>,
}

impl<C> Bin<C> {
    /// `main`: `--child ID PEER N`, `--list`, or the parent's options.
    pub fn main(&self) -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        match args.first().map(String::as_str) {
            Some("--child") => {
                let [_, id, peer, n] = args.as_slice() else {
                    eprintln!("usage: {} --child ID PEER N", self.name);
                    return ExitCode::from(2);
                };
                self.child(id, peer, n)
            }
            Some("--list") => {
                for cell in (self.cells)() {
                    println!("{}", (self.id)(&cell));
                }
                ExitCode::SUCCESS
            }
            _ => (self.parent)(&args).unwrap_or_else(|e| {
                eprintln!("{}: {e}", self.name);
                ExitCode::from(2)
            }),
        }
    }

    fn child(&self, id: &str, peer: &str, n: &str) -> ExitCode {
        let Some(cell) = (self.cells)().into_iter().find(|c| (self.id)(c) == id) else {
            eprintln!("no {} {id:?} (see --list)", self.row);
            return ExitCode::from(2);
        };
        let Ok(n) = n.parse::<u64>() else {
            eprintln!("N must be a number, not {n:?}");
            return ExitCode::from(2);
        };
        match (self.run_one)(&cell, peer, n) {
            None => ExitCode::from(EXIT_UNSUPPORTED),
            Some(Ok(figures)) => {
                println!("ok {figures}");
                ExitCode::SUCCESS
            }
            Some(Err(why)) => {
                println!("{why}");
                ExitCode::from(EXIT_FAILED)
            }
        }
    }
}

/// Runs one child; the `K` numbers it printed after `ok`, or the failure
/// to report.
pub fn spawn_run<const K: usize>(
    id: &str,
    peer: &str,
    n: u64,
    timeout: Duration,
) -> Result<[f64; K], String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut child = Command::new(exe)
        .args(["--child", id, peer, &n.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait().map_err(|e| format!("wait: {e}"))? {
            Some(status) => break status,
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("hang (killed after {} s)", timeout.as_secs()));
            }
            None => thread::sleep(Duration::from_millis(2)),
        }
    };
    let output = child
        .wait_with_output()
        .map_err(|e| format!("output: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    match status.code() {
        Some(0) => {
            let bad = || format!("bad output {stdout:?}");
            let words: Vec<f64> = stdout
                .split_whitespace()
                .skip(1)
                .map(|w| w.parse().map_err(|_| bad()))
                .collect::<Result<_, _>>()?;
            words.try_into().map_err(|_| bad())
        }
        Some(code) if code == i32::from(EXIT_FAILED) => Err(stdout.trim().to_owned()),
        Some(code) if code == i32::from(EXIT_UNSUPPORTED) => Err("n/a".to_owned()),
        _ => {
            let last = stderr
                .lines()
                .rev()
                .find(|l| l.contains("panicked"))
                .unwrap_or("");
            Err(format!("panic ({status}) {last}").trim().to_owned())
        }
    }
}

/// Runs the peers of one cell that `o` selects (`--peers`), each `o.runs`
/// times, in a rotated order each run so no peer always goes first. A peer
/// that `supports` rejects is "n/a" and never run; a peer's first failure
/// becomes its status and ends its runs.
pub fn run_peers<R>(
    o: &Options,
    peers: &[&'static str],
    supports: impl Fn(&str) -> bool,
    mut spawn: impl FnMut(&str) -> Result<R, String>,
) -> Vec<(&'static str, Results<R>)> {
    let mut results: Vec<(&'static str, Results<R>)> = peers
        .iter()
        .copied()
        .filter(|p| o.wants_peer(p))
        .map(|p| {
            let mut r = Results::default();
            if !supports(p) {
                r.status = Some("n/a".to_owned());
            }
            (p, r)
        })
        .collect();
    for run in 0..o.runs {
        for k in 0..results.len() {
            let i = (k + run) % results.len();
            let (peer, r) = &mut results[i];
            if r.status.is_some() {
                continue;
            }
            match spawn(peer) {
                Ok(figures) => r.runs.push(figures),
                Err(why) => r.status = Some(why),
            }
        }
    }
    results
}
