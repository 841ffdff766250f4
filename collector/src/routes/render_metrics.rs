//! `GET /metrics` (admin listener): Prometheus text exposition of the collector's counters.

use actix_web::{HttpResponse, web};

use crate::metrics::Metrics;

/// The current metrics.
pub async fn render_metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(metrics.render())
}
