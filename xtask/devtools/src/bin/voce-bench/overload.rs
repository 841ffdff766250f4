//! The overload phases of the load benchmark: submissions offered at **twice the measured
//! maximum** (open loop, over many kept-alive connections), with the collector's resident memory
//! sampled every [`SAMPLE_EVERY`] while it lasts, then a closed loop at the usual concurrency to
//! see that the accepted rate comes back.
//!
//! What it can and cannot stage: the client keeps at most one request in flight on each of its
//! connections, so the collector never has more requests in flight than the phase has
//! connections; what it cannot take yet waits in the client (its send lag, printed) — as citizens
//! queue at a load balancer that caps connections per replica. Refusals (`503` with
//! `Retry-After` when the write queue is full, `429` from the rate limit) need more requests in
//! flight than the queue holds; the fault tests stage those (`collector/tests/api/faults.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{sleep, spawn};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::runtime::Runtime;

use super::client::{self, Outcome, Phase, Workload};

/// How often the collector's resident memory is read during the overload.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// A line of `/proc/PID/status` in MiB (`VmRSS` now, `VmHWM` the peak).
pub fn memory_mib(pid: u32, field: &str) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .with_context(|| format!("no {field} in /proc/{pid}/status"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?;
    Ok(kib / 1024.0)
}

/// What the overload and the recovery after it measured.
pub struct Overload {
    /// The arrival rate offered, per second.
    pub offered_per_s: f64,
    /// The overload phase.
    pub overload: Outcome,
    /// The closed loop right after it.
    pub recovery: Outcome,
    /// `(seconds since the overload began, VmRSS MiB)`, one sample every [`SAMPLE_EVERY`]; the
    /// first one is taken just before it begins.
    pub rss: Vec<(f64, f64)>,
    /// The collector's peak resident memory after both phases (`VmHWM`), MiB.
    pub peak_mib: f64,
}

impl Overload {
    /// The growth of the resident memory over the second half of the overload (last sample minus
    /// the middle one of those taken under load), MiB: what keeps growing with time, not the
    /// step up when the connections open.
    pub fn late_growth_mib(&self) -> f64 {
        let under_load = self.rss.get(1..).unwrap_or_default();
        match (under_load.get(under_load.len() / 2), under_load.last()) {
            (Some((_, middle)), Some((_, last))) => last - middle,
            _ => 0.0,
        }
    }
}

/// Runs `overload` (open loop) while sampling process `pid`'s memory, then `recovery`.
pub fn run(
    rt: &Runtime,
    pid: u32,
    overload: (&Phase, Arc<dyn Workload>),
    recovery: (&Phase, Arc<dyn Workload>),
) -> Result<Overload> {
    let offered_per_s = match overload.0.mode {
        client::Mode::Open(rate) => rate,
        client::Mode::Closed => f64::NAN,
    };
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        spawn(move || -> Result<Vec<(f64, f64)>> {
            let start = Instant::now();
            let mut samples = Vec::new();
            let mut next = start;
            while !done.load(Ordering::SeqCst) {
                samples.push((start.elapsed().as_secs_f64(), memory_mib(pid, "VmRSS")?));
                next += SAMPLE_EVERY;
                while Instant::now() < next && !done.load(Ordering::SeqCst) {
                    sleep(Duration::from_millis(20));
                }
            }
            samples.push((start.elapsed().as_secs_f64(), memory_mib(pid, "VmRSS")?));
            Ok(samples)
        })
    };
    let measured = client::run(rt, overload.0, overload.1);
    done.store(true, Ordering::SeqCst);
    let rss = sampler
        .join()
        .map_err(|_| anyhow::anyhow!("the memory sampler panicked"))??;
    let overload_out = measured?;
    let recovery_out = client::run(rt, recovery.0, recovery.1)?;
    Ok(Overload {
        offered_per_s,
        overload: overload_out,
        recovery: recovery_out,
        rss,
        peak_mib: memory_mib(pid, "VmHWM")?,
    })
}

/// The resident memory samples as `t s: MiB` pairs.
pub fn describe_rss(samples: &[(f64, f64)]) -> String {
    samples
        .iter()
        .map(|(t, mib)| format!("{t:.0} s: {mib:.1}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_read_from_this_process_status() -> Result<()> {
        let rss = memory_mib(std::process::id(), "VmRSS")?;
        let peak = memory_mib(std::process::id(), "VmHWM")?;
        assert!(rss > 0.0 && peak >= rss, "{rss} {peak}");
        assert!(memory_mib(std::process::id(), "VmNothing").is_err());
        Ok(())
    }

    #[test]
    fn late_growth_is_over_the_second_half_of_the_samples_under_load() {
        let o = Overload {
            offered_per_s: 2.0,
            overload: Outcome::default(),
            recovery: Outcome::default(),
            rss: vec![
                (0.0, 10.0),
                (1.0, 20.0),
                (2.0, 21.5),
                (3.0, 22.0),
                (4.0, 22.5),
            ],
            peak_mib: 22.0,
        };
        // Under load: 20.0, 21.5, 22.0, 22.5; from the middle one (22.0) to the last.
        assert!((o.late_growth_mib() - 0.5).abs() < 1e-9);
        assert_eq!(describe_rss(&o.rss[..2]), "0 s: 10.0, 1 s: 20.0");
    }
}
