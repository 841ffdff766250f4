//! The ceiling of the load benchmark: the least an HTTP server on the collector's stack can do
//! for one submission. `voce-bench ceiling ADDR` (run as its own release process by
//! [`super::load`]) serves `POST /v1/responses` on actix-web with the collector's runtime
//! settings (an actix `System`, the default worker count, the same request and disconnect
//! time-outs), parses the body into the collector's own request type
//! ([`voce_shared::api::SubmitRequest`]) and answers `201` with a receipt of the same shape. No
//! ticket check, no validation, no storage: what the collector adds to this is its own work.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::{Context, Result};
use voce_shared::api::{Receipt, SubmitRequest};

/// Serves until killed, on the address given as the first argument.
pub fn serve(args: &[String]) -> Result<()> {
    let addr = args
        .first()
        .context("usage: voce-bench ceiling ADDR")?
        .clone();
    actix_web::rt::System::new().block_on(async move {
        let counter = web::Data::new(AtomicU64::new(0));
        HttpServer::new(move || {
            App::new()
                .app_data(counter.clone())
                .route("/v1/responses", web::post().to(accept))
        })
        .client_request_timeout(Duration::from_millis(10_000))
        .client_disconnect_timeout(Duration::from_secs(2))
        .shutdown_timeout(30)
        .bind(&addr)
        .with_context(|| format!("cannot listen on {addr}"))?
        .run()
        .await
        .context("the ceiling server stopped")
    })
}

async fn accept(body: web::Bytes, counter: web::Data<AtomicU64>) -> HttpResponse {
    match serde_json::from_slice::<SubmitRequest>(&body) {
        Ok(_request) => {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            HttpResponse::Created().json(Receipt {
                response_id: format!("00000000-0000-4000-8000-{n:012x}"),
                received_at: "2026-01-01T00:00:00Z".to_owned(),
            })
        }
        Err(e) => HttpResponse::BadRequest().body(e.to_string()),
    }
}
