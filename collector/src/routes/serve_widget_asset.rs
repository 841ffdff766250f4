//! `GET /widget/v1/{file}`: the built widget, for any page to embed. The loader `voce.js` keeps
//! its name and is cached briefly; files whose names carry a content hash (`name-<hex>.js`,
//! `name-<hex>.wasm`) never change and are cached for a year. Only plain file names of the widget
//! directory are served, so no path can leave it.
//!
//! `cargo xtask widget` writes each file precompressed beside it (`file.br`, brotli quality 11;
//! `file.gz`, gzip level 9). The handler sends the best encoding the request accepts
//! (`br` > `gzip` > identity) with `Content-Encoding`, `Vary: Accept-Encoding` and an `ETag` per
//! encoding, answers `304` to a matching `If-None-Match`, and falls back to the next encoding when
//! a precompressed file is missing. Content types come from `mime_guess`, limited to the kinds of
//! file the widget is made of. `Timing-Allow-Origin: *` lets host pages (and the benchmark) read
//! the bytes each file cost in their resource timing.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// `Cache-Control` of files whose names change with their content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of the loader and other files with stable names.
pub const SHORT: &str = "public, max-age=300";

/// The kinds of file the widget is made of; anything else in the directory is not served.
const SERVED_TYPES: [&str; 5] = [
    "text/javascript",
    "application/javascript",
    "application/wasm",
    "application/json",
    "text/css",
];

/// The content type for a file name (by `mime_guess`, with `charset=utf-8` on text), or `None`
/// when the widget serves no such file.
pub fn content_type(file: &str) -> Option<String> {
    let mime = mime_guess::from_path(file).first()?;
    let essence = mime.essence_str();
    if !SERVED_TYPES.contains(&essence) {
        return None;
    }
    Some(if mime.type_() == mime_guess::mime::TEXT {
        format!("{essence}; charset=utf-8")
    } else {
        essence.to_owned()
    })
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

/// A content coding the widget's files are stored in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Brotli, from `file.br`.
    Brotli,
    /// Gzip, from `file.gz`.
    Gzip,
    /// The file as built.
    Identity,
}

impl Encoding {
    /// The token of `Accept-Encoding` / `Content-Encoding`.
    pub fn token(self) -> &'static str {
        match self {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
            Encoding::Identity => "identity",
        }
    }

    /// The suffix of the precompressed file beside the original.
    fn suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => ".br",
            Encoding::Gzip => ".gz",
            Encoding::Identity => "",
        }
    }
}

/// The encodings an `Accept-Encoding` header allows, best first, always ending with identity
/// (a missing precompressed file falls back to it). `q=0` refuses a coding; `*` accepts any
/// coding not named.
pub fn acceptable(accept_encoding: &str) -> Vec<Encoding> {
    let mut named = Vec::new();
    let mut any = false;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        match coding.as_str() {
            "*" => any = !refused,
            "" => {}
            _ => named.push((coding, refused)),
        }
    }
    let allowed = |token: &str| match named.iter().find(|(c, _)| c == token) {
        Some((_, refused)) => !refused,
        None => any,
    };
    let mut encodings: Vec<Encoding> = [Encoding::Brotli, Encoding::Gzip]
        .into_iter()
        .filter(|e| allowed(e.token()))
        .collect();
    encodings.push(Encoding::Identity);
    encodings
}

/// The strong entity tag of `bytes` sent in `encoding`: the same file sent brotli and gzip has
/// two tags, as its two representations differ.
pub fn entity_tag(bytes: &[u8], encoding: Encoding) -> String {
    let digest = Sha256::digest(bytes);
    format!("\"{}-{}\"", hex::encode(&digest[..12]), encoding.token())
}

/// Whether an `If-None-Match` header matches `etag` (weak comparison, as RFC 9110 asks for).
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

/// Reads the best stored representation of `file` among `encodings`, in order.
fn read_best(
    dir: &std::path::Path,
    file: &str,
    encodings: &[Encoding],
) -> Option<(Encoding, Vec<u8>)> {
    encodings.iter().find_map(|&encoding| {
        let path = dir.join(format!("{file}{}", encoding.suffix()));
        std::fs::read(path).ok().map(|bytes| (encoding, bytes))
    })
}

/// One widget file.
#[utoipa::path(get, path = "/widget/v1/{file}",
    params(
        ("file" = String, Path, description = "File name, such as voce.js"),
        ("Accept-Encoding" = Option<String>, Header, description = "br and gzip are served precompressed"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer"),
    ),
    responses(
        (status = 200, description = "The file, in the best encoding the request accepts"),
        (status = 304, description = "The cached copy is current"),
        (status = 404, description = "No such file", content_type = "application/problem+json"),
    ))]
pub async fn serve_widget_asset(
    request: HttpRequest,
    file: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let file = file.into_inner();
    let missing = || ApiError::NotFound("No such widget file.".into());
    let Some(content_type) = content_type(&file).filter(|_| is_plain_file_name(&file)) else {
        return Err(missing());
    };
    let text = |name: header::HeaderName| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let encodings = acceptable(&text(header::ACCEPT_ENCODING));
    let dir = state.settings.widget_dir.clone();
    let name = file.clone();
    let (encoding, bytes) = web::block(move || read_best(&dir, &name, &encodings))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .ok_or_else(missing)?;
    let etag = entity_tag(&bytes, encoding);
    let cache = if is_content_hashed(&file) {
        IMMUTABLE
    } else {
        SHORT
    };
    let not_modified = none_match(&text(header::IF_NONE_MATCH), &etag);
    let mut response = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        // Host pages may read the transfer sizes in their resource timing (public files).
        .insert_header(("Timing-Allow-Origin", "*"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if not_modified {
        return Ok(response.finish());
    }
    if encoding != Encoding::Identity {
        response.insert_header((header::CONTENT_ENCODING, encoding.token()));
    }
    Ok(response.content_type(content_type).body(bytes))
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
        assert_eq!(content_type("voce.js.br"), None);
        assert_eq!(content_type("voce.js.gz"), None);
        assert_eq!(content_type("x.wasm").as_deref(), Some("application/wasm"));
        assert_eq!(
            content_type("x.js").as_deref(),
            Some("text/javascript; charset=utf-8")
        );
        assert_eq!(
            content_type("manifest.json").as_deref(),
            Some("application/json")
        );
    }

    #[test]
    fn brotli_is_preferred_to_gzip_and_identity_always_remains() {
        use Encoding::*;
        assert_eq!(
            acceptable("gzip, deflate, br, zstd"),
            [Brotli, Gzip, Identity]
        );
        assert_eq!(acceptable("gzip"), [Gzip, Identity]);
        assert_eq!(acceptable(""), [Identity]);
        assert_eq!(acceptable("br;q=0, gzip;q=0.5"), [Gzip, Identity]);
        assert_eq!(acceptable("*"), [Brotli, Gzip, Identity]);
        assert_eq!(acceptable("*, br;q=0"), [Gzip, Identity]);
        assert_eq!(acceptable(" BR ; q=1.0 "), [Brotli, Identity]);
    }

    #[test]
    fn each_encoding_has_its_own_entity_tag_and_if_none_match_compares_weakly() {
        let br = entity_tag(b"same", Encoding::Brotli);
        let gzip = entity_tag(b"same", Encoding::Gzip);
        assert_ne!(br, gzip);
        assert!(br.starts_with('"') && br.ends_with("-br\""));
        assert!(none_match(&br, &br));
        assert!(none_match(&format!("\"x\", W/{br}"), &br));
        assert!(none_match("*", &br));
        assert!(!none_match(&gzip, &br));
        assert!(!none_match("", &br));
    }
}
