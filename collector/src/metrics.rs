//! In-process metrics, rendered as Prometheus text at `GET /metrics`: requests by route and
//! status, tickets issued, responses stored, refusals by reason, and database latency.
//! Labels hold route patterns and fixed reason codes only, never client data.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

/// Upper bounds (seconds) of the database latency histogram.
const LATENCY_BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The collector's counters.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    tickets_issued: AtomicU64,
    responses_stored: AtomicU64,
    rejections: Mutex<BTreeMap<&'static str, u64>>,
    db_latency: Mutex<Histogram>,
}

#[derive(Default)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while counting leaves the counts usable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Metrics {
    /// Counts one answered request.
    pub fn record_request(&self, route: &str, status: u16) {
        *lock(&self.requests)
            .entry((route.to_owned(), status))
            .or_default() += 1;
    }

    /// Counts one ticket issued.
    pub fn record_ticket(&self) {
        self.tickets_issued.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one response stored.
    pub fn record_response(&self) {
        self.responses_stored.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one refusal.
    pub fn record_rejection(&self, reason: &'static str) {
        *lock(&self.rejections).entry(reason).or_default() += 1;
    }

    /// Records the time one database operation took.
    pub fn record_db_latency(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut h = lock(&self.db_latency);
        for (bound, count) in LATENCY_BUCKETS.iter().zip(h.buckets.iter_mut()) {
            if secs <= *bound {
                *count += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        header(
            &mut out,
            "voce_http_requests_total",
            "counter",
            "HTTP requests answered, by route and status.",
        );
        for ((route, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "voce_http_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        for (name, help, counter) in [
            (
                "voce_tickets_issued_total",
                "Tickets issued.",
                &self.tickets_issued,
            ),
            (
                "voce_responses_stored_total",
                "Responses committed to the database.",
                &self.responses_stored,
            ),
        ] {
            header(&mut out, name, "counter", help);
            let _ = writeln!(out, "{name} {}", counter.load(Ordering::Relaxed));
        }
        header(
            &mut out,
            "voce_rejections_total",
            "counter",
            "Refused requests, by reason.",
        );
        for (reason, n) in lock(&self.rejections).iter() {
            let _ = writeln!(out, "voce_rejections_total{{reason=\"{reason}\"}} {n}");
        }
        header(
            &mut out,
            "voce_db_seconds",
            "histogram",
            "Time of database operations.",
        );
        let h = lock(&self.db_latency);
        for (bound, n) in LATENCY_BUCKETS.iter().zip(h.buckets.iter()) {
            let _ = writeln!(out, "voce_db_seconds_bucket{{le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(out, "voce_db_seconds_bucket{{le=\"+Inf\"}} {}", h.count);
        let _ = writeln!(out, "voce_db_seconds_sum {}", h.sum);
        let _ = writeln!(out, "voce_db_seconds_count {}", h.count);
        out
    }
}

/// The `# HELP` and `# TYPE` lines of one metric.
fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware counting every answered request by route pattern and status.
pub async fn track_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16();
    // The route pattern, never the path or the client: nothing personal reaches the logs.
    tracing::debug!(%method, route = %route, status, elapsed_us = started.elapsed().as_micros(), "request");
    if let Some(metrics) = metrics {
        metrics.record_request(&route, status);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_holds_every_family() {
        let m = Metrics::default();
        m.record_request("/v1/forms/{service_id}", 200);
        m.record_ticket();
        m.record_response();
        m.record_rejection("honeypot");
        m.record_db_latency(Duration::from_millis(3));
        let text = m.render();
        for needle in [
            "voce_http_requests_total{route=\"/v1/forms/{service_id}\",status=\"200\"} 1",
            "voce_tickets_issued_total 1",
            "voce_responses_stored_total 1",
            "voce_rejections_total{reason=\"honeypot\"} 1",
            "voce_db_seconds_bucket{le=\"0.005\"} 1",
            "voce_db_seconds_count 1",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
    }
}
