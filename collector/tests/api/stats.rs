//! Rollups, the statistics read from them, and the demo seed.

use serde_json::json;
use voce_collector::counts::DailyCounts;
use voce_collector::db::rollups;
use voce_collector::ingest::seed::{self, SeedOptions};
use voce_collector::registry::cache::Snapshot;
use voce_collector::startup;

use crate::helpers::*;

/// Seeds `n` demo responses (seed 7, the year to 2026-11-30) into the app's database.
pub fn seed_app(app: &TestApp, n: u64) -> anyhow::Result<seed::Seeded> {
    let mut conn = app.conn()?;
    let catalog = startup::catalog()?;
    let snapshot = Snapshot::read(&mut conn, catalog)?;
    let counts = DailyCounts::default();
    let seeded = seed::seed(
        &mut conn,
        catalog,
        &snapshot,
        &counts,
        SeedOptions {
            responses: n,
            seed: 7,
            until: time::macros::date!(2026 - 11 - 30),
        },
        365,
    )?;
    counts.flush(&mut conn)?;
    Ok(seeded)
}

#[tokio::test]
async fn rollups_kept_by_the_writer_equal_rollups_rebuilt_from_the_responses() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    // Live responses through HTTP and the writer thread: both questionnaires, the national module,
    // a follow-up of each direction, a retry (counted once).
    let bodies = [
        json!({"answers": {"valutazione": 5, "aspetti-positivi": "indicazioni-chiare", "esito": "si", "soddisfazione": 5, "fiducia": 4}, "locale": "it"}),
        json!({"answers": {"valutazione": 2, "difficolta": "altro", "esito": "no", "soddisfazione": 1}, "locale": "en"}),
        json!({"answers": {"valutazione": 4, "aspetti-positivi": "altro"}, "locale": "de"}),
    ];
    for body in &bodies {
        let ticket = app.ticket().await?;
        assert_eq!(app.submit(&ticket, body).await?.status(), 201);
        assert_eq!(app.submit(&ticket, body).await?.status(), 200);
    }
    let ticket = app.ticket_from("inail-denuncia-infortunio", INAIL_ORIGIN).await?;
    let response = app
        .post_raw(
            Some(&ticket),
            Some(INAIL_ORIGIN),
            Some("application/json"),
            serde_json::to_vec(&json!({"answers": {"valutazione": 3, "difficolta": "problemi-tecnici"}, "locale": "it"}))?,
        )
        .await?;
    assert_eq!(response.status(), 201);
    // And seeded ones, in several transactions of the writer.
    let seeded = seed_app(&app, 4_500)?;
    assert_eq!(seeded.stored, 4_500);

    let incremental = rollups::all(&mut app.conn()?)?;
    let days: i64 = incremental
        .0
        .iter()
        .filter(|r| r.grain == rollups::DAY)
        .map(|r| r.responses)
        .sum();
    let months: i64 = incremental
        .0
        .iter()
        .filter(|r| r.grain == rollups::MONTH)
        .map(|r| r.responses)
        .sum();
    assert_eq!((days, months), (4_504, 4_504));
    let positive_altro: i64 = incremental
        .1
        .iter()
        .filter(|c| c.grain == rollups::DAY && c.question == "aspetti-positivi" && c.option == "altro")
        .map(|c| c.count)
        .sum();
    assert!(positive_altro >= 1, "the positive `altro` is counted under its own question");

    let rebuilt =
        voce_collector::stats::rollups::rebuild(&mut app.conn()?, startup::catalog()?)?;
    assert_eq!(rebuilt.responses, 4_504);
    assert_eq!(rollups::all(&mut app.conn()?)?, incremental);
    Ok(())
}

#[tokio::test]
async fn seeding_is_reproducible_and_seeding_twice_with_one_seed_stores_nothing_new()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    import_file(&app.pool, "national.toml")?;
    let first = seed_app(&app, 3_000)?;
    assert_eq!(first.stored, 3_000);
    assert!(first.services > 50, "spread over the registry: {first:?}");
    let rows = rollups::all(&mut app.conn()?)?;
    // The same seed on another database gives the same figures.
    let other = spawn_app().await?;
    import_file(&other.pool, "national.toml")?;
    assert_eq!(seed_app(&other, 3_000)?, first);
    assert_eq!(rollups::all(&mut other.conn()?)?, rows);
    let again = seed_app(&app, 3_000)?;
    assert_eq!(again.stored, 0);
    assert_eq!(rollups::all(&mut app.conn()?)?, rows);
    // Free texts in the five languages.
    let locales: std::collections::BTreeSet<String> = app
        .responses()?
        .into_iter()
        .map(|r| r.locale)
        .collect();
    assert_eq!(locales.len(), 5, "{locales:?}");
    assert!(!app.free_texts()?.is_empty());
    Ok(())
}
