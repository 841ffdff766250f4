//! In-process metrics, exposed at `GET /metrics` in the OpenMetrics text format by the
//! `prometheus-client` crate: requests by route and status, tickets issued, responses stored,
//! refusals by reason, and database latency. Labels hold route patterns and fixed reason codes
//! only, never client data.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// The content type of [`Metrics::render`].
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Upper bounds (seconds) of the database latency histogram.
const LATENCY_BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Upper bounds (responses) of the write batch size histogram.
const BATCH_BUCKETS: [f64; 11] = [
    1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RejectionLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AttestationRefusalLabels {
    reason: &'static str,
}

/// The collector's counters, and the registry that renders them.
pub struct Metrics {
    attestations_verified: Counter,
    attestation_refusals: Family<AttestationRefusalLabels, Counter>,
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    tickets_issued: Counter,
    responses_stored: Counter,
    rejections: Family<RejectionLabels, Counter>,
    db_latency: Histogram,
    write_batches: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let tickets_issued = Counter::default();
        let responses_stored = Counter::default();
        let rejections = Family::<RejectionLabels, Counter>::default();
        let db_latency = Histogram::new(LATENCY_BUCKETS);
        registry.register(
            "voce_http_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        registry.register(
            "voce_tickets_issued",
            "Tickets issued",
            tickets_issued.clone(),
        );
        registry.register(
            "voce_responses_stored",
            "Responses committed to the database",
            responses_stored.clone(),
        );
        registry.register(
            "voce_rejections",
            "Refused requests, by reason",
            rejections.clone(),
        );
        registry.register(
            "voce_db_seconds",
            "Time of database operations",
            db_latency.clone(),
        );
        let write_batches = Histogram::new(BATCH_BUCKETS);
        registry.register(
            "voce_write_batch_responses",
            "Responses per transaction of the group-commit writer",
            write_batches.clone(),
        );
        let attestations_verified = Counter::default();
        let attestation_refusals = Family::<AttestationRefusalLabels, Counter>::default();
        registry.register(
            "voce_attestations_verified",
            "Completion attestations accepted: tickets issued as verified",
            attestations_verified.clone(),
        );
        registry.register(
            "voce_attestation_refusals",
            "Completion attestations not accepted (an unverified ticket was issued), by reason",
            attestation_refusals.clone(),
        );
        Metrics {
            attestations_verified,
            attestation_refusals,
            registry,
            requests,
            tickets_issued,
            responses_stored,
            rejections,
            db_latency,
            write_batches,
        }
    }
}

impl Metrics {
    /// Counts one answered request.
    pub fn record_request(&self, route: &str, status: u16) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_owned(),
                status,
            })
            .inc();
    }

    /// Counts one ticket issued.
    pub fn record_ticket(&self) {
        self.tickets_issued.inc();
    }

    /// Counts one response stored.
    pub fn record_response(&self) {
        self.responses_stored.inc();
    }

    /// Counts one refusal.
    pub fn record_rejection(&self, reason: &'static str) {
        self.rejections
            .get_or_create(&RejectionLabels { reason })
            .inc();
    }

    /// Counts one attestation accepted.
    pub fn record_attestation_verified(&self) {
        self.attestations_verified.inc();
    }

    /// Counts one attestation not accepted, by reason.
    pub fn record_attestation_refusal(&self, reason: &'static str) {
        self.attestation_refusals
            .get_or_create(&AttestationRefusalLabels { reason })
            .inc();
    }

    /// Records the time one database operation took.
    pub fn record_db_latency(&self, elapsed: Duration) {
        self.db_latency.observe(elapsed.as_secs_f64());
    }

    /// Records how many responses one writer transaction held.
    pub fn record_write_batch(&self, responses: usize) {
        self.write_batches.observe(responses as f64);
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "cannot encode the metrics");
        }
        out
    }
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
        m.record_write_batch(40);
        let text = m.render();
        for needle in [
            "voce_http_requests_total{route=\"/v1/forms/{service_id}\",status=\"200\"} 1",
            "voce_tickets_issued_total 1",
            "voce_responses_stored_total 1",
            "voce_rejections_total{reason=\"honeypot\"} 1",
            "voce_db_seconds_bucket{le=\"0.005\"} 1",
            "voce_db_seconds_count 1",
            "voce_write_batch_responses_bucket{le=\"32.0\"} 0",
            "voce_write_batch_responses_bucket{le=\"64.0\"} 1",
            "# EOF",
        ] {
            assert!(text.contains(needle), "{needle} missing from\n{text}");
        }
    }
}
