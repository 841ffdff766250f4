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
