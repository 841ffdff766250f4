//! Importing registries, and serving forms for every service of the national example.

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn the_national_registry_imports_and_serves_a_form_for_every_service() -> anyhow::Result<()> {
    let app = spawn_app_with(|s| s.registry_refresh_secs = 1).await?;
    import_file(&app.pool, "national.toml")?;
    let (bodies, services) = voce_collector::db::bodies::count(&mut *app.conn()?)?;
    assert_eq!((bodies, services), (103, 312));
    // Importing again changes nothing.
    import_file(&app.pool, "national.toml")?;
    assert_eq!(
        voce_collector::db::bodies::count(&mut *app.conn()?)?,
        (103, 312)
    );
    // CORS learns the new origins within the refresh period.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/registry/national.toml");
    let national: toml::Table = toml::from_str(&std::fs::read_to_string(path)?)?;
    let entries = |key: &str| -> Vec<toml::Value> {
        national
            .get(key)
            .and_then(toml::Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (bodies, services) = (entries("bodies"), entries("services"));
    assert_eq!((bodies.len(), services.len()), (100, 300));
    for service in &services {
        let (id, body) = (
            service["id"].as_str().unwrap_or_default(),
            service["body"].as_str().unwrap_or_default(),
        );
        let origin = bodies
            .iter()
            .find(|b| b["ipa_code"].as_str() == Some(body))
            .and_then(|b| b["allowed_origins"].get(0))
            .and_then(toml::Value::as_str)
            .unwrap_or_default();
        let response = app.get_form(id, Some(origin), "?locale=en").await?;
        anyhow::ensure!(response.status() == 200, "{id}: {}", response.status());
        let form: Value = response.json().await?;
        anyhow::ensure!(form["service"]["id"] == id);
        anyhow::ensure!(form["ticket"].is_string());
    }
    Ok(())
}

#[tokio::test]
async fn importing_the_pilot_twice_changes_nothing() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let before = voce_collector::db::bodies::count(&mut *app.conn()?)?;
    import_file(&app.pool, "pilot.toml")?;
    assert_eq!(
        voce_collector::db::bodies::count(&mut *app.conn()?)?,
        before
    );
    assert_eq!(before, (3, 12));
    let allowed: i64 = {
        use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
        use voce_collector::db::schema::body_origins as bo;
        bo::table
            .filter(bo::ipa_code.eq("inps"))
            .filter(bo::origin.eq(INPS_ORIGIN))
            .count()
            .get_result(&mut *app.conn()?)?
    };
    assert_eq!(allowed, 1, "the INPS origin is allowed after the import");
    Ok(())
}
