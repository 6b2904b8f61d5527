//! The parent's command line, common to the benchmark binaries:
//!
//! ```text
//! [--runs R] [--scale F] [--quick] [--filter TEXT] [--peers a,b]
//! [--timeout S] [--json FILE] [--markdown FILE]
//! ```
//!
//! `--quick` and `--markdown` only where the binary takes them.

use std::time::Duration;

/// What `--quick` (a binary's CI smoke) sets.
#[derive(Debug, Clone, Copy)]
pub struct Quick {
    pub runs: usize,
    pub scale: f64,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub runs: usize,
    pub scale: f64,
    pub quick: bool,
    pub filter: Vec<String>,
    pub peers: Option<Vec<String>>,
    pub timeout: Duration,
    pub json: Option<String>,
    pub markdown: Option<String>,
}

impl Options {
    /// Parses `args`, with the defaults (5 runs, scale 1) and `timeout`.
    /// `quick`: whether the binary takes `--quick`, and what it sets, where
    /// it stands on the line (a later `--runs` still counts; see
    /// [`Options::apply`]); `markdown`: whether it takes `--markdown FILE`.
    pub fn parse(
        args: &[String],
        timeout: Duration,
        quick: Option<Quick>,
        markdown: bool,
    ) -> Result<Options, String> {
        let mut o = Options {
            runs: 5,
            scale: 1.0,
            quick: false,
            filter: Vec::new(),
            peers: None,
            timeout,
            json: None,
            markdown: None,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = || it.next().cloned().ok_or(format!("{arg} needs a value"));
            match (arg.as_str(), quick) {
                ("--runs", _) => o.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
                ("--scale", _) => {
                    o.scale = value()?.parse().map_err(|e| format!("--scale: {e}"))?
                }
                ("--quick", Some(q)) => {
                    o.quick = true;
                    o.apply(q);
                }
                ("--filter", _) => o.filter.push(value()?),
                ("--peers", _) => o.peers = Some(value()?.split(',').map(str::to_owned).collect()),
                ("--timeout", _) => {
                    o.timeout = Duration::from_secs_f64(
                        value()?.parse().map_err(|e| format!("--timeout: {e}"))?,
                    )
                }
                ("--json", _) => o.json = Some(value()?),
                ("--markdown", _) if markdown => o.markdown = Some(value()?),
                (other, _) => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(o)
    }

    /// Sets what `q` sets.
    pub fn apply(&mut self, q: Quick) {
        self.runs = q.runs;
        self.scale = q.scale;
        self.timeout = q.timeout;
    }

    /// Whether `--filter` selects the cell `id` (any of them, or none
    /// given).
    pub fn wants(&self, id: &str) -> bool {
        self.filter.is_empty() || self.filter.iter().any(|f| id.contains(f.as_str()))
    }

    /// Whether `--peers` selects `peer` (or none given).
    pub fn wants_peer(&self, peer: &str) -> bool {
        self.peers
            .as_ref()
            .is_none_or(|ps| ps.iter().any(|q| q == peer))
    }

    /// Messages per run: `base` (at `--scale 1`) scaled, at least `min`.
    pub fn messages(&self, base: u64, min: u64) -> u64 {
        ((base as f64 * self.scale) as u64).max(min)
    }
}
