//! What both bench files share: the group type, the `each!` helper and the
//! criterion settings.

use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};

pub(crate) type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Calls `$one::<C>(args..)` for each listed channel, in table order.
macro_rules! each {
    ($one:ident, $args:tt; $($channel:ty),+) => {
        $( $one::<$channel> $args; )+
    };
}

/// Short runs: the whole suite (both bench files, the cross-thread ones three
/// times) must fit in about ten minutes on 2 cores. Fewer bootstrap
/// resamples than the default keep the analysis quick; the medians do not
/// depend on them.
pub(crate) fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .sample_size(50)
        .nresamples(10_000)
}
