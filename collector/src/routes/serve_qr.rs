//! `GET /s/{service_id}/qr.svg` and `/qr.png`: a QR code of the service's hosted page with
//! `channel=qr` (and the `locale` asked for, Italian by default), to print at a counter.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use voce_shared::Locale;

use crate::domain::{Channel, ServiceId};
use crate::error::ApiError;
use crate::hosted::links;
use crate::hosted::qr::Matrix;
use crate::state::AppState;

/// The query string.
#[derive(Debug, Deserialize)]
pub struct QrQuery {
    /// The language the page opens in; Italian when absent.
    pub locale: Option<String>,
}

/// Serves the QR code of a service's hosted page, as SVG or PNG by the file name.
pub async fn serve_qr(
    path: web::Path<(String, String)>,
    query: web::Query<QrQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (service_id, file) = path.into_inner();
    let not_found = || ApiError::NotFound("No such service.".into());
    let service_id = ServiceId::parse(&service_id).map_err(|_| not_found())?;
    state
        .registry
        .snapshot()
        .service(service_id.as_str())
        .ok_or_else(not_found)?;
    let locale = query
        .locale
        .as_deref()
        .map_or(Locale::It, Locale::negotiate);
    let url = links::hosted_url(
        &state.settings.public_url,
        service_id.as_str(),
        locale,
        Channel::Qr,
    );
    let matrix = Matrix::encode(&url).map_err(|e| ApiError::Internal(e.to_string()))?;
    let (content_type, body) = match file.as_str() {
        "qr.svg" => ("image/svg+xml", matrix.svg(&url).into_bytes()),
        "qr.png" => (
            "image/png",
            matrix
                .png()
                .map_err(|e| ApiError::Internal(e.to_string()))?,
        ),
        _ => return Err(ApiError::NotFound("Not found.".into())),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .content_type(content_type)
        .body(body))
}
