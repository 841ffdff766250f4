//! `GET /widget/v1/{file}`: the widget's files, for any page to embed.

use crate::helpers::*;

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn the_loader_is_served_with_a_short_cache_and_cross_origin_headers() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let response = app
        .client
        .get(format!("{}/widget/v1/voce.js", app.address))
        .header("Origin", STRANGER_ORIGIN)
        .send()
        .await?;
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(header(&response, "cache-control"), "public, max-age=300");
    assert_eq!(header(&response, "access-control-allow-origin"), "*");
    assert_eq!(
        header(&response, "cross-origin-resource-policy"),
        "cross-origin"
    );
    assert_eq!(
        response.text().await?,
        "import('./voce-app-0123abcd.js');\n"
    );
    Ok(())
}

#[tokio::test]
async fn hashed_files_are_immutable_and_typed_by_extension() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    for (file, content_type, cache) in [
        (
            "voce-app-0123abcd.js",
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
        (
            "voce_widget-89abcdef.wasm",
            "application/wasm",
            "public, max-age=31536000, immutable",
        ),
        ("manifest.json", "application/json", "public, max-age=300"),
    ] {
        let response = app
            .client
            .get(format!("{}/widget/v1/{file}", app.address))
            .send()
            .await?;
        assert_eq!(response.status(), 200, "{file}");
        assert_eq!(header(&response, "content-type"), content_type, "{file}");
        assert_eq!(header(&response, "cache-control"), cache, "{file}");
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            "*",
            "{file}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn missing_files_and_traversal_attempts_get_404_problems() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    for path in [
        "/widget/v1/absent.js",
        "/widget/v1/..%2Fsecret.js",
        "/widget/v1/%2E%2E%2Fsecret.js",
        "/widget/v1/../secret.js",
        "/widget/v1/.hidden.js",
        "/widget/v1/voce.exe",
        "/widget/v1/",
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await?;
        expect_problem(response, 404, "/problems/not-found")
            .await
            .map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
    }
    Ok(())
}

#[tokio::test]
async fn assets_answer_404_when_the_widget_directory_does_not_exist() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| s.widget_dir = s.widget_dir.join("absent")).await?;
    let response = app
        .client
        .get(format!("{}/widget/v1/voce.js", app.address))
        .send()
        .await?;
    expect_problem(response, 404, "/problems/not-found").await?;
    Ok(())
}

/// Stand-ins for the precompressed copies `cargo xtask widget` writes beside each file: the
/// collector sends them as they are, so their bytes only need to differ from each other.
const BROTLI_GLUE: &[u8] = b"\x1b\x15\x00brotli stand-in of the glue";
const GZIP_GLUE: &[u8] = b"\x1f\x8b\x08gzip stand-in of the glue, a little longer";
const GLUE: &str = "voce-app-0123abcd.js";

/// A collector whose widget directory holds `.br` and `.gz` copies of the glue, and only a `.gz`
/// copy of the loader.
async fn spawn_app_with_precompressed_files() -> anyhow::Result<TestApp> {
    spawn_app_with(|s| {
        for (name, bytes) in [
            (format!("{GLUE}.br"), BROTLI_GLUE),
            (format!("{GLUE}.gz"), GZIP_GLUE),
            ("voce.js.gz".to_owned(), GZIP_GLUE),
        ] {
            std::fs::write(s.widget_dir.join(name), bytes).expect("the widget directory exists");
        }
    })
    .await
}

async fn get_encoded(
    app: &TestApp,
    file: &str,
    accept_encoding: Option<&str>,
) -> anyhow::Result<reqwest::Response> {
    let mut request = app.client.get(format!("{}/widget/v1/{file}", app.address));
    if let Some(accept) = accept_encoding {
        request = request.header("Accept-Encoding", accept);
    }
    Ok(request.send().await?)
}

#[tokio::test]
async fn brotli_gzip_or_identity_is_served_by_accept_encoding_with_the_right_length()
-> anyhow::Result<()> {
    let app = spawn_app_with_precompressed_files().await?;
    let identity = b"export const app = 1;\n".as_slice();
    for (accept, encoding, body) in [
        (Some("br"), "br", BROTLI_GLUE),
        (Some("gzip, deflate, br, zstd"), "br", BROTLI_GLUE),
        (Some("gzip"), "gzip", GZIP_GLUE),
        (Some("br;q=0, gzip"), "gzip", GZIP_GLUE),
        (None, "", identity),
        (Some("identity"), "", identity),
    ] {
        let response = get_encoded(&app, GLUE, accept).await?;
        assert_eq!(response.status(), 200, "{accept:?}");
        assert_eq!(
            header(&response, "content-encoding"),
            encoding,
            "{accept:?}"
        );
        assert_eq!(header(&response, "vary"), "Accept-Encoding", "{accept:?}");
        assert_eq!(
            header(&response, "content-length"),
            body.len().to_string(),
            "{accept:?}"
        );
        assert_eq!(
            header(&response, "content-type"),
            "text/javascript; charset=utf-8",
            "{accept:?}"
        );
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=31536000, immutable",
            "{accept:?}"
        );
        assert_eq!(response.bytes().await?.as_ref(), body, "{accept:?}");
    }
    Ok(())
}

#[tokio::test]
async fn a_missing_precompressed_file_falls_back_to_the_next_encoding() -> anyhow::Result<()> {
    let app = spawn_app_with_precompressed_files().await?;
    let loader = get_encoded(&app, "voce.js", Some("br, gzip")).await?;
    assert_eq!(loader.status(), 200);
    assert_eq!(header(&loader, "content-encoding"), "gzip");
    assert_eq!(loader.bytes().await?.as_ref(), GZIP_GLUE);
    let wasm = get_encoded(&app, "voce_widget-89abcdef.wasm", Some("br, gzip")).await?;
    assert_eq!(wasm.status(), 200);
    assert_eq!(header(&wasm, "content-encoding"), "");
    assert_eq!(header(&wasm, "content-type"), "application/wasm");
    assert_eq!(wasm.bytes().await?.as_ref(), b"\0asm");
    Ok(())
}

#[tokio::test]
async fn each_encoding_has_its_own_etag_and_a_matching_if_none_match_gets_304() -> anyhow::Result<()>
{
    let app = spawn_app_with_precompressed_files().await?;
    let mut tags = Vec::new();
    for accept in ["br", "gzip", "identity"] {
        let response = get_encoded(&app, GLUE, Some(accept)).await?;
        let etag = header(&response, "etag");
        assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
        let again = app
            .client
            .get(format!("{}/widget/v1/{GLUE}", app.address))
            .header("Accept-Encoding", accept)
            .header("If-None-Match", &etag)
            .send()
            .await?;
        assert_eq!(again.status(), 304, "{accept}");
        assert_eq!(header(&again, "etag"), etag, "{accept}");
        assert_eq!(header(&again, "vary"), "Accept-Encoding", "{accept}");
        assert_eq!(
            header(&again, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert!(again.bytes().await?.is_empty(), "{accept}");
        tags.push(etag);
    }
    tags.dedup();
    assert_eq!(tags.len(), 3, "one ETag per encoding: {tags:?}");
    let stale = app
        .client
        .get(format!("{}/widget/v1/{GLUE}", app.address))
        .header("Accept-Encoding", "br")
        .header("If-None-Match", &tags[1])
        .send()
        .await?;
    assert_eq!(
        stale.status(),
        200,
        "the gzip tag does not match the brotli copy"
    );
    Ok(())
}

#[tokio::test]
async fn precompressed_copies_are_not_served_by_their_own_names() -> anyhow::Result<()> {
    let app = spawn_app_with_precompressed_files().await?;
    for file in [format!("{GLUE}.br"), format!("{GLUE}.gz")] {
        let response = get_encoded(&app, &file, None).await?;
        expect_problem(response, 404, "/problems/not-found").await?;
    }
    Ok(())
}
