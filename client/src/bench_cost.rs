//! What a `kuai bench` run cost the nodes, read from their `/metrics` before and after
//! it: CPU time per committed transaction (all nodes together, the figure that decides
//! how many validators a machine can carry), each node's average CPU use in cores, and
//! the mean time of each phase of a height (a proposer's build, another validator's
//! check, every node's write), so a run's latency can be placed in the phase it went to.
//!
//! Rules: a figure a node does not export (an older node) or that did not move during
//! the run (no block of that kind) is absent from the report, never 0; every figure is
//! a difference between the two samples, so what a node did before the run (its setup
//! transactions, an earlier run) is not counted.

use serde::Serialize;

/// The phases of a height, as the node's histograms name them.
const PHASES: [&str; 3] = [
    "kuai_block_build_seconds",
    "kuai_block_verify_seconds",
    "kuai_block_write_seconds",
];

/// One node's figures at one moment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    pub cpu_seconds: Option<f64>,
    pub rss_bytes: Option<f64>,
    /// Per phase (in [`PHASES`] order): the histogram's sum (seconds) and count.
    phases: [Option<(f64, f64)>; 3],
}

impl Sample {
    /// Reads a sample from the Prometheus text format.
    pub fn parse(text: &str) -> Sample {
        let value = |name: &str| -> Option<f64> {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        };
        let phase = |name: &str| {
            Some((
                value(&format!("{name}_sum"))?,
                value(&format!("{name}_count"))?,
            ))
        };
        Sample {
            cpu_seconds: value("kuai_process_cpu_seconds"),
            rss_bytes: value("kuai_resident_memory_bytes"),
            phases: PHASES.map(phase),
        }
    }
}

/// Mean milliseconds of each phase of a height over the run, over every node.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PhaseMeans {
    /// A proposer's build: its peers' gossip verified in, execution, state tree.
    pub build_ms: Option<f64>,
    /// Re-executing and checking a block another validator proposed.
    pub verify_ms: Option<f64>,
    /// Writing a decided block (one synced batch).
    pub write_ms: Option<f64>,
}

/// What the run cost the nodes.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Cost {
    /// CPU time of all nodes together per committed transaction, in microseconds.
    pub cpu_us_per_tx: Option<f64>,
    /// Each node's average CPU use over the run, in cores.
    pub cpu_cores: Vec<Option<f64>>,
    pub phases: PhaseMeans,
}

/// One decimal, as the report gives its figures.
pub fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The cost between `before` and `after` (one sample per node, in the same order), over
/// `secs` seconds of wall time, for `committed` transactions.
pub fn cost(before: &[Sample], after: &[Sample], committed: usize, secs: f64) -> Cost {
    let used: Vec<Option<f64>> = before
        .iter()
        .zip(after)
        .map(|(b, a)| Some(a.cpu_seconds? - b.cpu_seconds?).filter(|d| *d >= 0.0))
        .collect();
    let all_used: Option<f64> = if used.is_empty() {
        None
    } else {
        used.iter().copied().sum()
    };
    let cpu_us_per_tx = all_used
        .filter(|_| committed > 0)
        .map(|s| round1(s * 1e6 / committed as f64));
    let cpu_cores = used
        .iter()
        .map(|u| u.filter(|_| secs > 0.0).map(|u| round2(u / secs)))
        .collect();
    let mean = |i: usize| -> Option<f64> {
        let (mut sum, mut count) = (0.0, 0.0);
        for (b, a) in before.iter().zip(after) {
            if let (Some((bs, bc)), Some((as_, ac))) = (b.phases[i], a.phases[i]) {
                sum += as_ - bs;
                count += ac - bc;
            }
        }
        (count > 0.0).then(|| round1(sum * 1000.0 / count))
    };
    Cost {
        cpu_us_per_tx,
        cpu_cores,
        phases: PhaseMeans {
            build_ms: mean(0),
            verify_ms: mean(1),
            write_ms: mean(2),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A node's `/metrics`, trimmed to the lines read here (and one that looks alike).
    fn exposition(cpu: f64, builds: (f64, u64), verifies: (f64, u64)) -> String {
        format!(
            "# HELP kuai_process_cpu_seconds User and system CPU time\n\
             # TYPE kuai_process_cpu_seconds gauge\n\
             kuai_process_cpu_seconds {cpu}\n\
             kuai_resident_memory_bytes 524288000\n\
             kuai_block_build_seconds_sum {}\n\
             kuai_block_build_seconds_count {}\n\
             kuai_block_build_seconds_bucket{{le=\"0.005\"}} 0\n\
             kuai_block_verify_seconds_sum {}\n\
             kuai_block_verify_seconds_count {}\n\
             kuai_block_write_seconds_count 0\n",
            builds.0, builds.1, verifies.0, verifies.1
        )
    }

    #[test]
    fn a_sample_reads_exactly_the_named_lines() {
        let s = Sample::parse(&exposition(12.5, (0.3, 3), (1.0, 10)));
        assert_eq!(s.cpu_seconds, Some(12.5));
        assert_eq!(s.rss_bytes, Some(524_288_000.0));
        assert_eq!(s.phases[0], Some((0.3, 3.0)));
        assert_eq!(s.phases[1], Some((1.0, 10.0)));
        assert_eq!(s.phases[2], None, "a histogram without its sum is not read");
        assert_eq!(
            Sample::parse("kuai_process_cpu_seconds_total 5\n").cpu_seconds,
            None
        );
    }

    #[test]
    fn the_cost_is_the_difference_over_the_run_for_every_node() {
        let before = [
            Sample::parse(&exposition(10.0, (0.1, 1), (0.0, 0))),
            Sample::parse(&exposition(20.0, (0.0, 0), (0.2, 2))),
        ];
        let after = [
            Sample::parse(&exposition(13.0, (0.5, 3), (0.3, 3))),
            Sample::parse(&exposition(22.0, (0.2, 1), (0.9, 7))),
        ];
        let c = cost(&before, &after, 10_000, 4.0);
        // 3 + 2 CPU seconds for 10,000 transactions.
        assert_eq!(c.cpu_us_per_tx, Some(500.0));
        assert_eq!(c.cpu_cores, vec![Some(0.75), Some(0.5)]);
        // Builds: 0.4 + 0.2 s over 2 + 1; checks: 0.3 + 0.7 s over 3 + 5.
        assert_eq!(c.phases.build_ms, Some(200.0));
        assert_eq!(c.phases.verify_ms, Some(125.0));
        assert_eq!(c.phases.write_ms, None, "no write during the run");
    }

    #[test]
    fn figures_a_node_does_not_export_are_absent_not_zero() {
        let old = Sample::parse("kuai_height 7\n");
        let new = Sample::parse(&exposition(3.0, (0.0, 0), (0.0, 0)));
        let c = cost(&[old.clone(), new.clone()], &[old, new], 100, 1.0);
        assert_eq!(c.cpu_us_per_tx, None, "one node's CPU is unknown");
        assert_eq!(c.cpu_cores, vec![None, Some(0.0)]);
        assert_eq!(c.phases, PhaseMeans::default());
        let none = cost(&[], &[], 100, 1.0);
        assert_eq!(none.cpu_us_per_tx, None);
        let idle = Sample::parse(&exposition(3.0, (0.0, 0), (0.0, 0)));
        let both = std::slice::from_ref(&idle);
        let c = cost(both, both, 0, 1.0);
        assert_eq!(c.cpu_us_per_tx, None, "nothing committed");
    }
}
