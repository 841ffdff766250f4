//! The load generator of `voce-bench load` (`cargo xtask bench`): HTTP/1.1 over many kept-alive
//! connections, every body read to its end, in one of two modes.
//!
//! - **Closed loop** (the maximum rate): each connection sends its next request as soon as the
//!   previous answer is read, for a fixed time. The rate is the answers of the expected status
//!   per second of wall time.
//! - **Open loop** (latency at a given rate): request `i` is *scheduled* at `t0 + i / rate`,
//!   whatever happened before, and its latency is measured from that scheduled time, not from the
//!   moment it could be sent. A server that falls behind therefore shows its queueing in the
//!   latency instead of slowing the client down (no coordinated omission). Request `i` goes on
//!   connection `i mod C`, as in `wrk2`. The timer has a 1 ms granularity: a request leaves on
//!   the last tick before its time, and its latency counts from the earlier of its scheduled time
//!   and its actual send, so it is never shortened; how late requests left after their time (the
//!   client's own lag: a busy connection, a descheduled client) is reported separately.
//!
//! A failed connection (reset, time-out, or closed by the server) counts as an error of kind
//! `io` or `timeout` and is re-opened. Nothing here knows about Voce: a [`Workload`] builds
//! request `i`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio::time::{Instant, sleep_until, timeout};

/// Longest wait for one answer before it counts as a `timeout` error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The granularity of tokio's timer.
const TIMER_TICK: Duration = Duration::from_millis(1);

/// Builds request `i` of a phase.
pub trait Workload: Send + Sync + 'static {
    /// Request number `i` (from 0).
    fn request(&self, i: usize) -> Request<Full<Bytes>>;
}

/// How requests are paced.
#[derive(Clone, Copy, Debug)]
pub enum Mode {
    /// As fast as the answers come back.
    Closed,
    /// At a fixed arrival rate, per second.
    Open(f64),
}

/// One measured phase: where, how many connections, how long, how paced.
#[derive(Clone, Debug)]
pub struct Phase {
    /// The server.
    pub addr: SocketAddr,
    /// Connections kept open at once.
    pub connections: usize,
    /// How long requests are started for.
    pub duration: Duration,
    /// Pacing.
    pub mode: Mode,
    /// Most requests to send (for example the tickets available).
    pub limit: usize,
    /// The status a successful answer has.
    pub expect: StatusCode,
    /// Keep the `ticket` of each successful answer (a form), by request number.
    pub keep_tickets: bool,
}

/// What one phase measured.
#[derive(Debug, Default)]
pub struct Outcome {
    /// From the first scheduled request to the last answer.
    pub elapsed: Duration,
    /// Requests sent.
    pub sent: usize,
    /// Answers with the expected status.
    pub succeeded: usize,
    /// Every outcome by status code, or `io` / `timeout` when there was no answer.
    pub statuses: BTreeMap<String, usize>,
    /// Latency of every request in µs, sorted.
    pub latencies_us: Vec<u32>,
    /// Open loop: how late each request was sent after its scheduled time (0 when it left
    /// early), in µs, sorted.
    pub lags_us: Vec<u32>,
    /// The tickets of the successful answers, by request number (with `keep_tickets`).
    pub tickets: Vec<(usize, String)>,
}

impl Outcome {
    /// Successful answers per second.
    pub fn rate(&self) -> f64 {
        self.succeeded as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q` quantile of the latencies, in ms.
    pub fn latency_ms(&self, q: f64) -> f64 {
        quantile(&self.latencies_us, q)
    }

    /// The `q` quantile of the client's send lag, in ms.
    pub fn lag_ms(&self, q: f64) -> f64 {
        quantile(&self.lags_us, q)
    }

    /// The outcomes other than the expected status, by status.
    pub fn errors(&self, expect: StatusCode) -> BTreeMap<String, usize> {
        let ok = expect.as_u16().to_string();
        self.statuses
            .iter()
            .filter(|(k, _)| **k != ok)
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }
}

fn quantile(sorted_us: &[u32], q: f64) -> f64 {
    if sorted_us.is_empty() {
        return 0.0;
    }
    let i = ((sorted_us.len() - 1) as f64 * q).round() as usize;
    f64::from(sorted_us[i]) / 1000.0
}

/// A client runtime on `threads` threads: one thread runs every connection itself (no wake-ups
/// across threads), more share them out.
pub fn runtime(threads: usize) -> Result<Runtime> {
    let mut builder = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    };
    builder
        .enable_all()
        .build()
        .context("building the client runtime")
}

/// Sends one request on a fresh connection and reads the answer (for checks before a phase).
pub fn once(
    rt: &Runtime,
    addr: SocketAddr,
    request: Request<Full<Bytes>>,
) -> Result<(StatusCode, Bytes)> {
    rt.block_on(async move {
        let mut sender = connect(addr).await?;
        let answer = sender.send_request(request).await?;
        let status = answer.status();
        let body = answer.into_body().collect().await?.to_bytes();
        Ok((status, body))
    })
}

/// Runs one phase of `work` and gathers what every connection measured.
pub fn run(rt: &Runtime, phase: &Phase, work: Arc<dyn Workload>) -> Result<Outcome> {
    rt.block_on(async {
        let next = Arc::new(AtomicUsize::new(0));
        let t0 = Instant::now();
        let tasks: Vec<_> = (0..phase.connections)
            .map(|c| {
                let (phase, work, next) = (phase.clone(), work.clone(), next.clone());
                tokio::spawn(async move { connection(c, &phase, work.as_ref(), &next, t0).await })
            })
            .collect();
        let mut total = Outcome::default();
        let mut last = t0;
        for task in tasks {
            let (outcome, finished) = task.await.context("a client connection panicked")?;
            last = last.max(finished);
            total.sent += outcome.sent;
            total.succeeded += outcome.succeeded;
            for (k, v) in outcome.statuses {
                *total.statuses.entry(k).or_default() += v;
            }
            total.latencies_us.extend(outcome.latencies_us);
            total.lags_us.extend(outcome.lags_us);
            total.tickets.extend(outcome.tickets);
        }
        total.elapsed = last - t0;
        total.latencies_us.sort_unstable();
        total.lags_us.sort_unstable();
        total.tickets.sort_unstable_by_key(|(i, _)| *i);
        Ok(total)
    })
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true)?;
    let (sender, driver) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(driver);
    Ok(sender)
}

/// One connection's share of a phase; returns what it measured and when its last answer came.
async fn connection(
    c: usize,
    phase: &Phase,
    work: &dyn Workload,
    next: &AtomicUsize,
    t0: Instant,
) -> (Outcome, Instant) {
    let mut out = Outcome::default();
    let mut sender: Option<SendRequest<Full<Bytes>>> = None;
    let end = t0 + phase.duration;
    let mut last = t0;
    let mut k = 0;
    loop {
        let (i, scheduled) = match phase.mode {
            Mode::Closed => {
                if Instant::now() >= end {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= phase.limit {
                    break;
                }
                (i, None)
            }
            Mode::Open(rate) => {
                let i = c + k * phase.connections;
                k += 1;
                let at = t0 + Duration::from_secs_f64(i as f64 / rate);
                if i >= phase.limit || at >= end {
                    break;
                }
                // The timer ticks every millisecond and wakes at the first tick at or after
                // its deadline: aim one tick early, so that a request leaves within the
                // millisecond before its time rather than up to one after it.
                sleep_until(at.checked_sub(TIMER_TICK).unwrap_or(at)).await;
                (i, Some(at))
            }
        };
        let started = Instant::now();
        let answer = timeout(REQUEST_TIMEOUT, async {
            if sender.as_ref().is_none_or(SendRequest::is_closed) {
                sender = Some(connect(phase.addr).await?);
            }
            let s = sender.as_mut().context("no connection")?;
            s.ready().await?;
            let answer = s.send_request(work.request(i)).await?;
            let status = answer.status();
            let body = answer.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, body))
        })
        .await;
        let done = Instant::now();
        last = done;
        out.sent += 1;
        // From the scheduled time, or from the send when the request left before it.
        let from = scheduled.map_or(started, |at| at.min(started));
        out.latencies_us.push(micros(done - from));
        if let Some(at) = scheduled {
            out.lags_us
                .push(micros(started.saturating_duration_since(at)));
        }
        let kind = match answer {
            Ok(Ok((status, body))) => {
                if status == phase.expect {
                    out.succeeded += 1;
                    if phase.keep_tickets
                        && let Some(ticket) = ticket_of(&body)
                    {
                        out.tickets.push((i, ticket));
                    }
                }
                status.as_u16().to_string()
            }
            Ok(Err(_)) => {
                sender = None;
                "io".to_owned()
            }
            Err(_) => {
                sender = None;
                "timeout".to_owned()
            }
        };
        *out.statuses.entry(kind).or_default() += 1;
    }
    (out, last)
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// The `ticket` string of a form's JSON (a JWT: no escapes inside).
fn ticket_of(body: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"\"ticket\":\"";
    let start = body.windows(KEY.len()).position(|w| w == KEY)? + KEY.len();
    let len = body[start..].iter().position(|b| *b == b'"')?;
    String::from_utf8(body[start..start + len].to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticket_is_read_from_a_form_body() {
        let body = br#"{"service":{"id":"x"},"ticket":"aa.bb.cc","expires_at":"2026"}"#;
        assert_eq!(ticket_of(body).as_deref(), Some("aa.bb.cc"));
        assert_eq!(ticket_of(br#"{"service":{}}"#), None);
    }

    #[test]
    fn quantiles_pick_the_nearest_rank() {
        let us: Vec<u32> = (1..=1000).map(|v| v * 1000).collect();
        assert!((quantile(&us, 0.5) - 500.0).abs() < 1.01);
        assert!((quantile(&us, 0.999) - 999.0).abs() < 1.01);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }
}
