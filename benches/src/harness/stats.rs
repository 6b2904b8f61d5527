//! The statistics of the runs: each peer's runs of one cell, their median
//! and range, and how two peers' ranges compare.

/// The median; NaN for no runs.
pub fn median(runs: &[f64]) -> f64 {
    let mut v = runs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The smallest and largest run; `(∞, 0)` for no runs.
pub fn min_max(runs: impl IntoIterator<Item = f64>) -> (f64, f64) {
    runs.into_iter()
        .fold((f64::INFINITY, 0.0), |(lo, hi), x| (lo.min(x), hi.max(x)))
}

pub fn geometric_mean(ratios: &[f64]) -> f64 {
    (ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64).exp()
}

/// How the runs of ours compare with a peer's: the median alone does not
/// decide where the ranges overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spread {
    /// Ours' slowest run is faster than the peer's fastest.
    Faster,
    Overlap,
    /// Ours' fastest run is slower than the peer's slowest.
    Slower,
}

impl Spread {
    /// From the `(min, max)` of ours and of the peer.
    pub fn of(ours: (f64, f64), peer: (f64, f64)) -> Spread {
        if ours.1 < peer.0 {
            Spread::Faster
        } else if ours.0 > peer.1 {
            Spread::Slower
        } else {
            Spread::Overlap
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Spread::Faster => "faster in every run",
            Spread::Overlap => "ranges overlap",
            Spread::Slower => "slower in every run",
        }
    }
}

/// One peer's results for one cell: the figures of each successful run and
/// the first failure ("n/a", "hang ...", "lost ...", "panic ..."), if any.
#[derive(Debug)]
pub struct Results<R> {
    pub runs: Vec<R>,
    pub status: Option<String>,
}

impl<R> Default for Results<R> {
    fn default() -> Self {
        Results {
            runs: Vec::new(),
            status: None,
        }
    }
}

impl<R> Results<R> {
    /// One figure of every run.
    pub fn values(&self, f: impl Fn(&R) -> f64) -> Vec<f64> {
        self.runs.iter().map(f).collect()
    }

    /// The median of one figure; `None` without runs.
    pub fn median(&self, f: impl Fn(&R) -> f64) -> Option<f64> {
        (!self.runs.is_empty()).then(|| median(&self.values(f)))
    }

    /// The range of one figure (see [`min_max`]).
    pub fn min_max(&self, f: impl Fn(&R) -> f64) -> (f64, f64) {
        min_max(self.runs.iter().map(f))
    }

    /// Usable for a ratio: runs and no failure.
    pub fn ok(&self) -> bool {
        !self.runs.is_empty() && self.status.is_none()
    }
}
