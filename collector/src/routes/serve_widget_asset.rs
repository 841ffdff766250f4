//! `GET /widget/v1/{file}`: the built widget, for any page to embed. The loader `voce.js` keeps
//! its name and is cached briefly; files whose names carry a content hash (`name-<hex>.js`,
//! `name-<hex>.wasm`) never change and are cached for a year. Only plain file names of the widget
//! directory are served, so no path can leave it.

use std::path::Path;

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::error::ApiError;
use crate::state::AppState;

/// `Cache-Control` of files whose names change with their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of the loader and other files with stable names.
pub const SHORT: &str = "public, max-age=300";

/// The content type for a file name, or `None` when the widget serves no such file.
pub fn content_type(file: &str) -> Option<&'static str> {
    match Path::new(file).extension().and_then(|e| e.to_str())? {
        "js" | "mjs" => Some("text/javascript; charset=utf-8"),
        "wasm" => Some("application/wasm"),
        "json" => Some("application/json"),
        "css" => Some("text/css; charset=utf-8"),
        "map" => Some("application/json"),
        _ => None,
    }
}

/// Whether a file name carries a content hash: the stem ends with `-` and at least 8 hex digits.
pub fn is_content_hashed(file: &str) -> bool {
    let stem = file.split('.').next().unwrap_or_default();
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() >= 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_plain_file_name(file: &str) -> bool {
    (1..=128).contains(&file.len())
        && !file.starts_with('.')
        && !file.contains("..")
        && file
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// One widget file.
#[utoipa::path(get, path = "/widget/v1/{file}",
    params(("file" = String, Path, description = "File name, such as voce.js")),
    responses(
        (status = 200, description = "The file"),
        (status = 404, description = "No such file", content_type = "application/problem+json"),
    ))]
pub async fn serve_widget_asset(
    file: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let file = file.into_inner();
    let missing = || ApiError::NotFound("No such widget file.".into());
    let Some(content_type) = content_type(&file).filter(|_| is_plain_file_name(&file)) else {
        return Err(missing());
    };
    let path = state.settings.widget_dir.join(&file);
    let bytes = web::block(move || std::fs::read(path))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|_| missing())?;
    let cache = if is_content_hashed(&file) {
        IMMUTABLE
    } else {
        SHORT
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_told_from_stable_ones() {
        assert!(is_content_hashed("voce_widget-3f2a9c1b.wasm"));
        assert!(is_content_hashed("voce-app-0123456789abcdef.js"));
        assert!(!is_content_hashed("voce.js"));
        assert!(!is_content_hashed("manifest.json"));
        assert!(!is_content_hashed("voce-app.js"));
    }

    #[test]
    fn only_plain_names_of_known_types_are_served() {
        assert!(is_plain_file_name("voce.js"));
        for bad in ["../x.js", ".hidden.js", "a/b.js", "a\\b.js", "a%2fb.js", ""] {
            assert!(!is_plain_file_name(bad), "{bad}");
        }
        assert_eq!(content_type("x.exe"), None);
        assert_eq!(content_type("x.wasm"), Some("application/wasm"));
    }
}
