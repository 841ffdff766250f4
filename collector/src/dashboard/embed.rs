//! The embed snippet a body's web team copies from its page: the loader pinned by its
//! content-hashed name with its Subresource Integrity hash, and the custom element with the
//! service id.
//!
//! `cargo xtask widget` writes `manifest.json` beside the built widget, listing every file with
//! its role and its `sha384-…` integrity string; the loader under a content-hashed name has the
//! role `loader-pinned`. The snippet reads the manifest the collector is serving now, so the
//! hash is always the current loader's.

use std::path::Path;

/// The pinned loader: its file name and integrity string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinnedLoader {
    /// The content-hashed file name, such as `voce-loader-1a2b3c4d.js`.
    pub name: String,
    /// Its integrity string, `sha384-…`.
    pub integrity: String,
}

/// The pinned loader listed in a manifest's text, if any.
pub fn pinned_loader(manifest: &str) -> Option<PinnedLoader> {
    let value: serde_json::Value = serde_json::from_str(manifest).ok()?;
    value["files"]
        .as_array()?
        .iter()
        .find_map(|f| {
            (f["role"].as_str()? == "loader-pinned").then(|| PinnedLoader {
                name: f["name"].as_str().unwrap_or_default().to_owned(),
                integrity: f["integrity"].as_str().unwrap_or_default().to_owned(),
            })
        })
        .filter(|l| {
            !l.name.is_empty()
                && l.integrity.starts_with("sha384-")
                && l.name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        })
}

/// The pinned loader of the widget directory the collector serves, if it is built.
pub fn read_pinned_loader(widget_dir: &Path) -> Option<PinnedLoader> {
    let text = std::fs::read_to_string(widget_dir.join("manifest.json")).ok()?;
    pinned_loader(&text)
}

/// The snippet for `service` (a valid service id) on a collector reached at `collector`
/// (`https://host`), in `locale`.
pub fn snippet(collector: &str, loader: &PinnedLoader, service: &str, locale: &str) -> String {
    format!(
        "<script src=\"{collector}/widget/v1/{name}\" integrity=\"{sri}\" crossorigin=\"anonymous\" async></script>\n<voce-feedback service=\"{service}\" locale=\"{locale}\"></voce-feedback>",
        name = loader.name,
        sri = loader.integrity,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = r#"{"files": [
        {"name": "voce.js", "role": "loader", "integrity": "sha384-AAA"},
        {"name": "voce-loader-1a2b3c4d.js", "role": "loader-pinned", "integrity": "sha384-BBB"}
    ]}"#;

    #[test]
    fn the_snippet_pins_the_loader_by_hashed_name_and_integrity() {
        let loader = pinned_loader(MANIFEST).expect("a pinned loader");
        assert_eq!(loader.name, "voce-loader-1a2b3c4d.js");
        assert_eq!(
            snippet("https://voce.example", &loader, "inps-naspi", "it"),
            "<script src=\"https://voce.example/widget/v1/voce-loader-1a2b3c4d.js\" integrity=\"sha384-BBB\" crossorigin=\"anonymous\" async></script>\n<voce-feedback service=\"inps-naspi\" locale=\"it\"></voce-feedback>"
        );
    }

    #[test]
    fn a_manifest_without_a_sound_pinned_loader_gives_no_snippet() {
        assert_eq!(pinned_loader("not json"), None);
        assert_eq!(pinned_loader(r#"{"files": []}"#), None);
        assert_eq!(
            pinned_loader(
                r#"{"files": [{"name": "../x.js", "role": "loader-pinned", "integrity": "sha384-B"}]}"#
            ),
            None
        );
        assert_eq!(
            pinned_loader(
                r#"{"files": [{"name": "x.js", "role": "loader-pinned", "integrity": "md5-B"}]}"#
            ),
            None
        );
    }

    #[test]
    fn the_pinned_loader_is_read_from_the_served_widget_directory() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        assert_eq!(read_pinned_loader(dir.path()), None);
        std::fs::write(dir.path().join("manifest.json"), MANIFEST).expect("written");
        assert_eq!(
            read_pinned_loader(dir.path()).map(|l| l.integrity),
            Some("sha384-BBB".to_owned())
        );
    }
}
