//! Official releases (`voce_collector::release`): made once, hashed, never changed — made again
//! with the same data they are the same release, a response arriving after a release changes
//! nothing in it, changed figures are a revision that needs a reason and lists what changed,
//! a tampered row fails verification, and the quarter's final release keeps the statuses its
//! months' provisional releases gave. Every release made here passes its LP audit (`create`
//! refuses one that does not). Methods: `docs/methods.md#official-releases`.

use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;
use voce_collector::audit::Actor;
use voce_collector::db::schema::releases;
use voce_collector::registry::cache::Snapshot;
use voce_collector::release::content::Content;
use voce_collector::release::{self, Inputs, Made, Outcome, ReleaseError, Spec};
use voce_collector::startup;
use voce_collector::stats::disclosure::Threshold;
use voce_devtools::seed::{self, SeedOptions};

use crate::helpers::*;
use crate::stats::seed_app;

/// The clock of these tests: after November 2026 and the third quarter.
const NOW: OffsetDateTime = datetime!(2026-12-02 08:00 UTC);

fn make(
    app: &TestApp,
    period: &str,
    final_: bool,
    reason: Option<&str>,
) -> anyhow::Result<Result<Made, ReleaseError>> {
    let mut conn = app.conn()?;
    let catalog = startup::catalog()?;
    let registry = Snapshot::read(&mut conn, catalog)?;
    let spec = Spec::parse(period, final_)?;
    Ok(release::create(
        &mut conn,
        &spec,
        &Inputs {
            catalog,
            registry: &registry,
            k: Threshold::DEFAULT,
            now: NOW,
            publish_at: None,
            reason: reason.map(str::to_owned),
            actor: Actor::command_line(),
        },
    ))
}

#[tokio::test]
async fn a_release_made_twice_with_the_same_data_is_one_release_and_a_later_response_changes_nothing()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    seed_app(&app, 3_000)?;
    let first = make(&app, "2026-11", false, None)??;
    assert_eq!(first.outcome, Outcome::Created);
    assert_eq!(first.row.id, "2026-11-p1");
    // 11:00 in Rome (UTC+1 in winter) on the 5th working day of December 2026: 1, 2, 3, 4, 7
    // (8 December is a holiday, but after the 5th).
    assert_eq!(first.row.publish_at, "2026-12-07T10:00:00.000Z");
    let content = Content::decode(&first.row.content)?;
    assert!(content.cells.iter().any(|c| c.status == "published"));
    assert!(
        content
            .cells
            .iter()
            .flat_map(|c| &c.observations)
            .filter(|o| o.value.is_some())
            .all(|o| o.obs_status == "P" && o.conf_status == "F"),
        "every published figure of a provisional release is provisional and free"
    );
    assert!(
        content
            .cells
            .iter()
            .flat_map(|c| &c.observations)
            .all(|o| !["RESPONSES", "TICKETS", "RESPONSE_RATE"].contains(&o.statistic.as_str())),
        "a release publishes no count of responses beside an indicator's n"
    );

    // A response arrives (today, after the period): the stored release is untouched and made
    // again it is the same.
    let ticket = app.ticket().await?;
    let answered = app
        .submit(
            &ticket,
            &json!({"answers": {"valutazione": 1}, "locale": "it"}),
        )
        .await?;
    assert_eq!(answered.status(), 201);
    let again = make(&app, "2026-11", false, None)??;
    assert_eq!(again.outcome, Outcome::Unchanged);
    assert_eq!(again.row.sha256, first.row.sha256);
    assert_eq!(again.row.content, first.row.content);
    assert_eq!(
        release::verify(&mut *app.conn()?, "2026-11-p1")?.row.id,
        "2026-11-p1"
    );

    // The audit log has the release, once.
    let audit = voce_collector::db::audit::list(
        &mut *app.conn()?,
        &voce_collector::db::audit::AuditFilter {
            action: Some("release-created".into()),
            ..Default::default()
        },
        10,
    )?;
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert!(audit[0].detail.contains(&first.row.sha256));
    Ok(())
}

#[tokio::test]
async fn changed_figures_are_a_revision_that_needs_a_reason_and_lists_what_changed()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    seed_app(&app, 3_000)?;
    let first = make(&app, "2026-11", false, None)??;

    // More November responses (a late import): the figures now differ from the release.
    {
        let mut conn = app.conn()?;
        let catalog = startup::catalog()?;
        let snapshot = Snapshot::read(&mut conn, catalog)?;
        let counts = voce_collector::counts::DailyCounts::default();
        seed::seed(
            &mut conn,
            catalog,
            &snapshot,
            &counts,
            SeedOptions {
                responses: 300,
                seed: 8,
                until: time::macros::date!(2026 - 11 - 30),
            },
            30,
        )?;
        counts.flush(&mut conn)?;
    }
    match make(&app, "2026-11", false, None)? {
        Err(ReleaseError::NeedsReason {
            latest, changes, ..
        }) => {
            assert_eq!(latest, "2026-11-p1");
            assert!(changes > 0);
        }
        other => anyhow::bail!("a changed release without a reason was not refused: {other:?}"),
    }
    let revised = make(&app, "2026-11", false, Some("responses imported late"))??;
    assert!(matches!(revised.outcome, Outcome::Revised { changes } if changes > 0));
    assert_eq!(revised.row.id, "2026-11-p2");
    assert_eq!(revised.row.revises.as_deref(), Some("2026-11-p1"));
    assert_eq!(
        revised.row.reason.as_deref(),
        Some("responses imported late")
    );
    let changes: serde_json::Value =
        serde_json::from_str(revised.row.changes.as_deref().unwrap_or("null"))?;
    assert!(changes.as_array().is_some_and(|c| !c.is_empty()));
    assert_ne!(revised.row.sha256, first.row.sha256);
    // The first release is still there, as it was.
    let kept = release::verify(&mut *app.conn()?, "2026-11-p1")?;
    assert_eq!(kept.row.content, first.row.content);
    Ok(())
}

#[tokio::test]
async fn a_tampered_release_fails_verification() -> anyhow::Result<()> {
    use diesel::prelude::*;
    let app = spawn_app().await?;
    seed_app(&app, 2_000)?;
    let made = make(&app, "2026-11", false, None)??;
    let mut conn = app.conn()?;
    assert!(release::verify(&mut conn, &made.row.id).is_ok());

    // One figure changed in the stored content.
    let mut content = Content::decode(&made.row.content)?;
    let figure = content
        .cells
        .iter_mut()
        .flat_map(|c| &mut c.observations)
        .find(|o| o.value.is_some())
        .ok_or_else(|| anyhow::anyhow!("no published figure"))?;
    figure.value = figure.value.map(|v| v + 1.0);
    diesel::update(releases::table.filter(releases::id.eq(&made.row.id)))
        .set(releases::content.eq(content.encode()))
        .execute(&mut *conn)?;
    let failed = release::verify(&mut conn, &made.row.id);
    assert!(
        matches!(&failed, Err(ReleaseError::Tampered { why, .. }) if why.contains("SHA-256")),
        "{failed:?}"
    );

    // The hash recomputed too, but the publication time moved: the row and content disagree.
    let mut content = Content::decode(&made.row.content)?;
    content.publish_at = "2026-12-01T10:00:00Z".into();
    let text = content.encode();
    diesel::update(releases::table.filter(releases::id.eq(&made.row.id)))
        .set((
            releases::content.eq(&text),
            releases::sha256.eq(voce_collector::release::content::sha256_hex(&text)),
        ))
        .execute(&mut *conn)?;
    assert!(matches!(
        release::verify(&mut conn, &made.row.id),
        Err(ReleaseError::Tampered { .. })
    ));
    Ok(())
}

#[tokio::test]
async fn a_period_not_over_or_not_a_month_or_quarter_is_refused() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    assert!(matches!(
        make(&app, "2026-12", false, None)?,
        Err(ReleaseError::NotOver { .. })
    ));
    assert!(matches!(
        Spec::parse("2026-W40", false),
        Err(ReleaseError::BadPeriod(_))
    ));
    assert!(matches!(
        Spec::parse("novembre", false),
        Err(ReleaseError::BadPeriod(_))
    ));
    Ok(())
}

#[tokio::test]
async fn the_final_release_of_a_quarter_keeps_the_statuses_of_its_months_provisional_releases()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    import_file(&app.pool, "national.toml")?;
    seed_app(&app, 6_000)?;
    let mut provisional = Vec::new();
    for month in ["2026-07", "2026-08", "2026-09"] {
        let started = std::time::Instant::now();
        let made = make(&app, month, false, None)??;
        println!(
            "release {} ({:.1} s): {} cells, {} small, {} primary, {} complementary, {} below \
             the level",
            made.row.id,
            started.elapsed().as_secs_f64(),
            made.audit.cells,
            made.audit.small,
            made.audit.primary,
            made.audit.complementary,
            made.audit.below_level
        );
        assert!(made.audit.small > 0, "the seed should have small cells");
        provisional.push(Content::decode(&made.row.content)?);
    }
    let started = std::time::Instant::now();
    let quarter = make(&app, "2026-Q3", true, None)??;
    let quarter_took = started.elapsed().as_secs_f64();
    assert_eq!(quarter.row.id, "2026-Q3-f1");
    // 5th working day of November 2026 (2, 3, 4, 5, 6), 11:00 in Rome.
    assert_eq!(quarter.row.publish_at, "2026-11-06T10:00:00.000Z");
    let final_ = Content::decode(&quarter.row.content)?;
    println!(
        "release {} ({quarter_took:.1} s): {} cells, {} small, {} primary, {} complementary, {} \
         below the level",
        quarter.row.id,
        quarter.audit.cells,
        quarter.audit.small,
        quarter.audit.primary,
        quarter.audit.complementary,
        quarter.audit.below_level
    );
    let statuses = final_.statuses();
    let mut compared = 0;
    for month in &provisional {
        for (cell, status) in month.statuses().iter() {
            assert_eq!(
                statuses.status(&cell.period, grouping(cell), &cell.code, cell.indicator),
                *status,
                "{cell:?}"
            );
            compared += 1;
        }
    }
    assert!(compared > 1_000, "{compared}");
    assert!(final_.cells.iter().any(|c| c.period == "2026-Q3"));
    assert!(
        final_
            .cells
            .iter()
            .flat_map(|c| &c.observations)
            .filter(|o| o.value.is_some())
            .all(|o| o.obs_status == "A")
    );
    Ok(())
}

fn grouping(cell: &voce_stats::release::CellRef) -> voce_stats::query::Grouping {
    voce_stats::query::Grouping::ALL
        .into_iter()
        .find(|g| voce_stats::release::GroupingKey::from(*g) == cell.grouping)
        .unwrap_or(voce_stats::query::Grouping::National)
}

#[tokio::test]
async fn the_schedule_makes_each_due_release_once_and_serve_runs_it() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    seed_app(&app, 2_000)?;
    let mut conn = app.conn()?;
    let catalog = startup::catalog()?;
    let registry = Snapshot::read(&mut conn, catalog)?;
    let inputs = |now| Inputs {
        catalog,
        registry: &registry,
        k: Threshold::DEFAULT,
        now,
        publish_at: None,
        reason: None,
        actor: Actor {
            id: "schedule".into(),
            role: "cli".into(),
        },
    };
    // 7 December 2026, the 5th working day: October's and November's provisional releases, the
    // second and third quarters' final ones.
    let now = datetime!(2026-12-07 00:05 UTC);
    let made = release::schedule::run(&mut conn, &inputs(now))?;
    let ids: Vec<&str> = made.iter().map(|m| m.row.id.as_str()).collect();
    assert_eq!(
        ids,
        ["2026-Q2-f1", "2026-Q3-f1", "2026-10-p1", "2026-11-p1"]
    );
    let november = made
        .iter()
        .find(|m| m.row.id == "2026-11-p1")
        .ok_or_else(|| anyhow::anyhow!("no November release"))?;
    assert_eq!(november.row.publish_at, "2026-12-07T10:00:00.000Z");
    // The next day nothing more is due.
    assert!(release::schedule::run(&mut conn, &inputs(now + time::Duration::days(1)))?.is_empty());

    // `serve` runs the schedule when it starts (and daily): a collector with it on makes the
    // releases due today by the real clock.
    let served = spawn_app_with(|s| s.release_schedule = true).await?;
    let started = std::time::Instant::now();
    loop {
        let listed = voce_collector::db::releases::list(&mut *served.conn()?)?;
        if !listed.is_empty() {
            let mut conn = served.conn()?;
            for r in &listed {
                assert_eq!(
                    release::verify(&mut conn, &r.id)?.row.created_by,
                    "schedule"
                );
            }
            break;
        }
        anyhow::ensure!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "serve made no scheduled release in 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Ok(())
}
