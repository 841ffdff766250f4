//! Rollups, the statistics read from them, and the demo seed.

use anyhow::Context;
use serde_json::{Value, json};
use voce_collector::audit::Actor;
use voce_collector::auth::keys::KeyFileMode;
use voce_collector::auth::operator::{self, OperatorAuth, Role};
use voce_collector::counts::DailyCounts;
use voce_collector::db::rollups;
use voce_collector::domain::IpaCode;
use voce_collector::registry::cache::Snapshot;
use voce_collector::startup;
use voce_devtools::seed::{self, SeedOptions};

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
    let ticket = app
        .ticket_from("inail-denuncia-infortunio", INAIL_ORIGIN)
        .await?;
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

    let incremental = rollups::all(&mut *app.conn()?)?;
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
        .filter(|c| {
            c.grain == rollups::DAY && c.question == "aspetti-positivi" && c.option == "altro"
        })
        .map(|c| c.count)
        .sum();
    assert!(
        positive_altro >= 1,
        "the positive `altro` is counted under its own question"
    );

    let rebuilt = voce_collector::stats::rollups::rebuild(&mut *app.conn()?, startup::catalog()?)?;
    assert_eq!(rebuilt.responses, 4_504);
    assert_eq!(rollups::all(&mut *app.conn()?)?, incremental);
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
    let rows = rollups::all(&mut *app.conn()?)?;
    // The same seed on another database gives the same figures.
    let other = spawn_app().await?;
    import_file(&other.pool, "national.toml")?;
    assert_eq!(seed_app(&other, 3_000)?, first);
    assert_eq!(rollups::all(&mut *other.conn()?)?, rows);
    let again = seed_app(&app, 3_000)?;
    assert_eq!(again.stored, 0);
    assert_eq!(rollups::all(&mut *app.conn()?)?, rows);
    // Free texts in the five languages.
    let locales: std::collections::BTreeSet<String> =
        app.responses()?.into_iter().map(|r| r.locale).collect();
    assert_eq!(locales.len(), 5, "{locales:?}");
    assert!(!app.free_texts()?.is_empty());
    Ok(())
}

/// A token of `role` (for `body`), minted with the app's operator keys.
fn operator_token(app: &TestApp, role: Role, body: Option<&str>) -> anyhow::Result<String> {
    let auth = OperatorAuth::load(
        app.settings.operator_keys_dir(),
        KeyFileMode::allowing_group_read(app.settings.keys_group_readable),
    )?;
    let body = body
        .map(IpaCode::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (token, _) = operator::issue(
        &auth,
        &mut *app.conn()?,
        &Actor::command_line(),
        role,
        body.as_ref(),
        3600,
    )?;
    Ok(token)
}

/// `GET path` with a token, if any.
async fn get(app: &TestApp, path: &str, token: Option<&str>) -> anyhow::Result<reqwest::Response> {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    Ok(request.send().await?)
}

const YEAR: &str = "from=2025-12-01&to=2026-11-30";

#[tokio::test]
async fn the_statistics_need_an_operator_token_and_a_body_reads_only_its_own_cells_with_the_national_comparison()
-> anyhow::Result<()> {
    // The pilot: three bodies, two of the same kind, services of the same kinds in each.
    let app = spawn_app().await?;
    seed_app(&app, 6_000)?;
    let path = format!("/v1/stats?granularity=year&group_by=service&{YEAR}");
    expect_problem(
        get(&app, &path, None).await?,
        401,
        "/problems/unauthenticated",
    )
    .await?;

    let national = operator_token(&app, Role::National, None)?;
    let response = get(&app, &format!("/v1/stats?{YEAR}"), Some(&national)).await?;
    assert_eq!(response.status(), 200);
    let overview: Value = response.json().await?;
    let cells = overview["cells"].as_array().context("cells")?;
    assert_eq!(
        cells
            .iter()
            .filter(|c| c["indicator"] == "facilita")
            .count(),
        12,
        "a year of months"
    );
    let total_n: u64 = cells
        .iter()
        .filter(|c| c["indicator"] == "facilita" || c["indicator"] == "chiarezza")
        .map(|c| c["n"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(total_n, 6_000, "every seeded response has a rating");
    for cell in cells.iter().filter(|c| c["indicator"] == "facilita") {
        let (low, mean, high) = (
            cell["ci95"]["low"].as_f64().context("low")?,
            cell["mean"].as_f64().context("mean")?,
            cell["ci95"]["high"].as_f64().context("high")?,
        );
        assert!(low < mean && mean < high, "{cell}");
    }

    let inps = operator_token(&app, Role::Body, Some("inps"))?;
    let response = get(&app, &path, Some(&inps)).await?;
    assert_eq!(response.status(), 200);
    let own: Value = response.json().await?;
    let cells = own["cells"].as_array().context("cells")?;
    assert!(!cells.is_empty());
    for cell in cells {
        assert_eq!(cell["group"]["body"], "inps", "{cell}");
        if cell["suppressed"] == true {
            for figure in [
                "n",
                "mean",
                "ci95",
                "top_box",
                "top_box_ci95",
                "distribution",
                "comparison",
            ] {
                assert!(
                    cell[figure].is_null(),
                    "a suppressed cell shows {figure}: {cell}"
                );
            }
        }
    }
    // A body reads its own cells exact; the pilot has only two other bodies, which is not a
    // reference (it would be their own figures): no comparison at all.
    assert_eq!(
        own["perturbation"]["exact_body"], "inps",
        "{}",
        own["perturbation"]
    );
    assert!(cells.iter().all(|c| c["perturbed"] == false));
    assert!(
        cells.iter().all(|c| c["comparison"].is_null()),
        "a reference of two other bodies is shown"
    );
    assert!(
        cells
            .iter()
            .any(|c| c["indicator"] == "facilita" && c["status"] == "published"),
        "INPS has published cells"
    );
    // An analyst reads the same cells perturbed, and is told so.
    let analyst = operator_token(&app, Role::Analyst, None)?;
    let response = get(&app, &path, Some(&analyst)).await?;
    assert_eq!(response.status(), 200);
    let perturbed: Value = response.json().await?;
    assert_eq!(perturbed["perturbation"]["method"], "cell-key");
    assert_eq!(perturbed["perturbation"]["max_noise"], 2);
    let cells = perturbed["cells"].as_array().context("cells")?;
    assert!(cells.iter().all(|c| c["perturbed"] == true));
    assert!(
        perturbed["notes"][0]
            .as_str()
            .is_some_and(|n| n.contains("perturbed")),
        "{}",
        perturbed["notes"]
    );
    let other = format!("/v1/stats?body=inail&{YEAR}");
    expect_problem(
        get(&app, &other, Some(&inps)).await?,
        403,
        "/problems/forbidden",
    )
    .await?;
    let other_service = format!("/v1/stats?service=inail-denuncia-infortunio&{YEAR}");
    expect_problem(
        get(&app, &other_service, Some(&inps)).await?,
        403,
        "/problems/forbidden",
    )
    .await?;
    let bad = "/v1/stats?granularity=fortnight";
    assert_eq!(get(&app, bad, Some(&national)).await?.status(), 400);
    Ok(())
}

/// The records of a CSV text (RFC 4180: quoted fields, doubled quotes, CRLF).
fn parse_csv(text: &str) -> anyhow::Result<Vec<Vec<String>>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                anyhow::ensure!(chars.next() == Some('\n'), "CR without LF");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    anyhow::ensure!(
        field.is_empty() && record.is_empty(),
        "the last record has no CRLF"
    );
    Ok(records)
}

#[tokio::test]
async fn the_sdmx_csv_export_of_the_pilot_has_the_sdmx_columns_and_no_suppressed_cell_carries_a_value()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    seed_app(&app, 1_500)?;
    let analyst = operator_token(&app, Role::Analyst, None)?;
    let response = get(
        &app,
        &format!("/v1/exports/aggregates.sdmx.csv?granularity=month&group_by=service&{YEAR}"),
        Some(&analyst),
    )
    .await?;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()?
            .starts_with("text/csv")
    );
    let records = parse_csv(&response.text().await?)?;
    let header = &records[0];
    for column in [
        "STRUCTURE",
        "STRUCTURE_ID",
        "ACTION",
        "FREQ",
        "REF_AREA",
        "BODY_KIND",
        "SERVICE_KIND",
        "SERVICE",
        "INDICATOR",
        "STATISTIC",
        "TIME_PERIOD",
        "OBS_VALUE",
        "UNIT_MEASURE",
        "OBS_STATUS",
        "CONF_STATUS",
        "UNIT_MULT",
        "PERTURBATION",
    ] {
        assert!(
            header.iter().any(|h| h == column),
            "no {column} in {header:?}"
        );
    }
    assert_eq!(&header[..3], ["STRUCTURE", "STRUCTURE_ID", "ACTION"]);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or(usize::MAX);
    let (value, obs, conf, freq, service, perturbation) = (
        col("OBS_VALUE"),
        col("OBS_STATUS"),
        col("CONF_STATUS"),
        col("FREQ"),
        col("SERVICE"),
        col("PERTURBATION"),
    );
    let mut counts = std::collections::BTreeMap::new();
    for record in &records[1..] {
        assert_eq!(record.len(), header.len(), "{record:?}");
        assert_eq!(
            (
                &record[0][..],
                &record[1][..],
                &record[2][..],
                &record[freq][..]
            ),
            ("dataflow", "IT1:VOCE_CX(1.0)", "I", "M")
        );
        match (&record[obs][..], &record[conf][..]) {
            ("O", "A" | "D") => assert!(record[value].is_empty(), "a suppressed value: {record:?}"),
            ("A", "F") => {}
            other => panic!("unexpected status {other:?} in {record:?}"),
        }
        *counts.entry(record[conf].clone()).or_insert(0) += 1;
        assert!(!record[service].is_empty());
        // An analyst reads perturbed figures, and every line says so.
        assert_eq!(record[perturbation], "CKM", "{record:?}");
    }
    // The pilot seeded thinly has small cells: both published and suppressed ones.
    assert!(counts.get("F").is_some_and(|n| *n > 0), "{counts:?}");
    assert!(counts.get("A").is_some_and(|n| *n > 0), "{counts:?}");

    // The same cells as CSV and JSON, and the code lists label every code used.
    let csv = get(
        &app,
        &format!("/v1/exports/aggregates.csv?group_by=service&{YEAR}"),
        Some(&analyst),
    )
    .await?;
    assert_eq!(csv.status(), 200);
    let plain = parse_csv(&csv.text().await?)?;
    assert!(plain.len() > 1);
    assert_eq!(plain[0].last().map(String::as_str), Some("perturbed"));
    assert!(
        plain[1..]
            .iter()
            .all(|r| r.last().map(String::as_str) == Some("yes"))
    );
    // A national operator reads the same cells exact, and the files say that too.
    let national = operator_token(&app, Role::National, None)?;
    let exact = |path: String| {
        let (app, national) = (&app, &national);
        async move { parse_csv(&get(app, &path, Some(national)).await?.text().await?) }
    };
    let sdmx_exact = exact(format!(
        "/v1/exports/aggregates.sdmx.csv?granularity=month&group_by=service&{YEAR}"
    ))
    .await?;
    assert!(sdmx_exact.len() > 1);
    assert!(sdmx_exact[1..].iter().all(|r| r[perturbation] == "EXACT"));
    let csv_exact = exact(format!(
        "/v1/exports/aggregates.csv?group_by=service&{YEAR}"
    ))
    .await?;
    assert!(
        csv_exact[1..]
            .iter()
            .all(|r| r.last().map(String::as_str) == Some("no"))
    );
    let json = get(
        &app,
        &format!("/v1/exports/aggregates.json?group_by=service&{YEAR}"),
        Some(&analyst),
    )
    .await?;
    assert_eq!(json.status(), 200);
    let lists: Value = get(&app, "/v1/exports/codelists.json", Some(&analyst))
        .await?
        .json()
        .await?;
    let codes = |id: &str| -> Vec<String> {
        lists
            .as_array()
            .into_iter()
            .flatten()
            .filter(|l| l["id"] == id)
            .flat_map(|l| l["codes"].as_array().cloned().unwrap_or_default())
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect()
    };
    for record in &records[1..] {
        assert!(
            codes("CL_VOCE_STATISTIC").contains(&record[col("STATISTIC")]),
            "{record:?}"
        );
        assert!(
            codes("CL_VOCE_OPTION").contains(&record[col("OPTION")]),
            "{record:?}"
        );
        assert!(
            codes("CL_VOCE_INDICATOR").contains(&record[col("INDICATOR")]),
            "{record:?}"
        );
        assert!(
            codes("CL_VOCE_SERVICE_KIND").contains(&record[col("SERVICE_KIND")]),
            "{record:?}"
        );
        assert!(
            codes("CL_VOCE_BODY_KIND").contains(&record[col("BODY_KIND")]),
            "{record:?}"
        );
        assert!(
            codes("CL_VOCE_PERTURBATION").contains(&record[perturbation]),
            "{record:?}"
        );
    }
    // Exports are audited.
    let audited = voce_collector::db::audit::list(
        &mut *app.conn()?,
        &voce_collector::db::audit::AuditFilter {
            action: Some("exported".into()),
            ..Default::default()
        },
        100,
    )?;
    assert_eq!(audited.len(), 5);
    Ok(())
}

/// `(service, questionnaire, month, record key, rating)` of a stored response.
type Keyed = (String, String, String, i64, Option<i32>);

/// The stored record keys of every response.
fn keys_of(app: &TestApp) -> anyhow::Result<Vec<Keyed>> {
    Ok(app
        .responses()?
        .into_iter()
        .map(|r| {
            (
                r.service_id,
                r.questionnaire_id,
                r.received_at[..7].to_owned(),
                r.record_key,
                r.valutazione,
            )
        })
        .collect())
}

/// Every month row's key sums, recomputed from `keys`: `responses_key` and the key sums of the
/// rating's bars, compared with what the rollups hold.
fn assert_month_keys_match(rows: &[rollups::RollupRow], keys: &[Keyed]) {
    let months: Vec<&rollups::RollupRow> = rows.iter().filter(|r| r.grain == "M").collect();
    assert!(!months.is_empty());
    for row in months {
        let mine: Vec<_> = keys
            .iter()
            .filter(|k| k.0 == row.service_id && k.1 == row.questionnaire_id && k.2 == row.period)
            .collect();
        assert_eq!(
            row.responses_key,
            mine.iter().map(|k| k.3).sum::<i64>(),
            "{row:?}"
        );
        let bar = |v: i32| -> i64 { mine.iter().filter(|k| k.4 == Some(v)).map(|k| k.3).sum() };
        assert_eq!(
            [
                row.valutazione_key_1,
                row.valutazione_key_2,
                row.valutazione_key_3,
                row.valutazione_key_4,
                row.valutazione_key_5
            ],
            [bar(1), bar(2), bar(3), bar(4), bar(5)],
            "{row:?}"
        );
    }
}

/// Reverts the migrations down to (and including) the one that added the record keys, then
/// applies every pending one again: what an existing database goes through on upgrade.
fn migrate_again_from_before_record_keys(app: &TestApp) -> anyhow::Result<()> {
    use diesel_migrations::MigrationHarness;
    use voce_collector::db::DbConnection;
    let mut conn = app.conn()?;
    loop {
        let reverted = match &mut *conn {
            #[cfg(feature = "sqlite")]
            DbConnection::Sqlite(c) => {
                c.revert_last_migration(voce_collector::db::SQLITE_MIGRATIONS)
            }
            #[cfg(feature = "postgres")]
            DbConnection::Postgresql(c) => {
                c.revert_last_migration(voce_collector::db::POSTGRES_MIGRATIONS)
            }
        }
        .map_err(|e| anyhow::anyhow!("revert: {e}"))?;
        if reverted.to_string().starts_with("20261207000000") {
            break;
        }
    }
    voce_collector::db::run_migrations(&mut conn)?;
    Ok(())
}

#[tokio::test]
async fn every_response_gets_its_own_record_key_and_every_rollup_row_the_sum_of_its_responses_keys()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    // Live responses get a key drawn by the collector.
    for _ in 0..50 {
        let ticket = app.ticket().await?;
        assert_eq!(app.submit(&ticket, &valid_body()).await?.status(), 201);
    }
    let live: std::collections::BTreeSet<i64> =
        app.responses()?.iter().map(|r| r.record_key).collect();
    assert!(
        live.len() >= 49,
        "50 responses, {} distinct keys",
        live.len()
    );
    assert!(live.iter().all(|k| (0..1 << 32).contains(k)));
    seed_app(&app, 2_000)?;
    let keys = keys_of(&app)?;
    assert_eq!(keys.len(), 2_050);
    let (rows, choices) = rollups::all(&mut *app.conn()?)?;
    assert_month_keys_match(&rows, &keys);
    assert!(choices.iter().any(|c| c.key_sum > 0));
    Ok(())
}

/// `(service, day or month, tickets, key sum)` of every counter row, days then months.
type TicketRows = Vec<(String, String, i64, i64)>;

/// The tickets counted per service and day, and per service and month, with their key sums.
fn ticket_rows(app: &TestApp) -> anyhow::Result<(TicketRows, TicketRows)> {
    use diesel::prelude::*;
    use voce_collector::db::schema::{daily_counters as dc, monthly_counters as mc};
    let mut conn = app.conn()?;
    let days = dc::table
        .select((dc::service_id, dc::day, dc::tickets_issued, dc::tickets_key))
        .order((dc::service_id, dc::day))
        .load(&mut *conn)?;
    let months = mc::table
        .select((
            mc::service_id,
            mc::month,
            mc::tickets_issued,
            mc::tickets_key,
        ))
        .order((mc::service_id, mc::month))
        .load(&mut *conn)?;
    Ok((days, months))
}

/// Every day with tickets has a key sum of as many keys (below tickets × 2^32, nearly all
/// distinct), and every month holds the sums of its days, tickets and keys.
fn assert_ticket_keys_hold(app: &TestApp) -> anyhow::Result<()> {
    let (days, months) = ticket_rows(app)?;
    let with_tickets: Vec<_> = days.iter().filter(|d| d.2 > 0).collect();
    assert!(
        with_tickets.len() > 100,
        "{} days with tickets",
        with_tickets.len()
    );
    for d in &with_tickets {
        assert!((0..d.2 << 32).contains(&d.3), "{d:?}");
    }
    let distinct: std::collections::BTreeSet<i64> = with_tickets.iter().map(|d| d.3).collect();
    assert!(
        distinct.len() * 100 >= with_tickets.len() * 99,
        "keys repeat: {distinct:?}"
    );
    let mut summed: std::collections::BTreeMap<(String, String), (i64, i64)> = Default::default();
    for (service, day, tickets, key) in &days {
        let e = summed
            .entry((service.clone(), day[..7].to_owned()))
            .or_default();
        *e = (e.0 + tickets, e.1 + key);
    }
    let from_days: TicketRows = summed
        .into_iter()
        .filter(|(_, (t, _))| *t > 0)
        .map(|((s, m), (t, k))| (s, m, t, k))
        .collect();
    let months: TicketRows = months.into_iter().filter(|m| m.2 > 0).collect();
    assert_eq!(months, from_days);
    Ok(())
}

#[tokio::test]
async fn every_ticket_counted_adds_a_record_key_to_its_day_and_each_month_keeps_the_sums_of_its_days()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    for _ in 0..20 {
        app.ticket().await?;
    }
    app.flush_counts()?;
    let (days, _) = ticket_rows(&app)?;
    let live: i64 = days.iter().map(|d| d.2).sum();
    assert_eq!(live, 20);
    // Twenty keys of 0 .. 2^32: their sum is far from zero.
    assert!(days.iter().map(|d| d.3).sum::<i64>() > 1 << 32, "{days:?}");
    seed_app(&app, 2_000)?;
    assert_ticket_keys_hold(&app)?;
    // A rebuild of the months from the days keeps them.
    let before = ticket_rows(&app)?;
    voce_collector::stats::rollups::rebuild(&mut *app.conn()?, startup::catalog()?)?;
    assert_eq!(ticket_rows(&app)?, before);
    Ok(())
}

#[tokio::test]
async fn the_migration_gives_existing_responses_keys_and_existing_rollups_the_sums_a_rebuild_computes()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    seed_app(&app, 2_000)?;
    let (before, _) = rollups::all(&mut *app.conn()?)?;
    let (tickets_before, _) = ticket_rows(&app)?;
    migrate_again_from_before_record_keys(&app)?;
    let keys = keys_of(&app)?;
    let distinct: std::collections::BTreeSet<i64> = keys.iter().map(|k| k.3).collect();
    assert!(distinct.len() >= 1_990, "{} distinct keys", distinct.len());
    assert!(keys.iter().all(|k| (0..1 << 32).contains(&k.3)));
    let migrated = rollups::all(&mut *app.conn()?)?;
    assert_month_keys_match(&migrated.0, &keys);
    // The counts are untouched; every key sum (day and month rows, choices) is what a rebuild
    // from the backfilled keys gives.
    let counts = |rows: &[rollups::RollupRow]| -> Vec<(String, String, i64, i64)> {
        rows.iter()
            .map(|r| {
                (
                    r.period.clone(),
                    r.service_id.clone(),
                    r.responses,
                    r.valutazione_sum,
                )
            })
            .collect()
    };
    assert_eq!(counts(&migrated.0), counts(&before));
    voce_collector::stats::rollups::rebuild(&mut *app.conn()?, startup::catalog()?)?;
    assert_eq!(rollups::all(&mut *app.conn()?)?, migrated);
    // The tickets counted before their keys existed get one drawn per day, months their sums.
    assert_eq!(
        ticket_rows(&app)?.0.iter().map(|d| d.2).collect::<Vec<_>>(),
        tickets_before.iter().map(|d| d.2).collect::<Vec<_>>()
    );
    assert_ticket_keys_hold(&app)?;
    Ok(())
}

#[tokio::test]
async fn the_price_of_protection_on_seeded_national_data_stays_within_its_stated_bounds()
-> anyhow::Result<()> {
    let app = spawn_app().await?;
    import_file(&app.pool, "national.toml")?;
    seed_app(&app, 20_000)?;
    let mut conn = app.conn()?;
    let catalog = startup::catalog()?;
    let snapshot = Snapshot::read(&mut conn, catalog)?;
    let measured = voce_devtools::utility::measure(
        &mut conn,
        catalog,
        &snapshot,
        voce_collector::stats::disclosure::Threshold::DEFAULT,
        time::macros::date!(2026 - 11 - 30),
    )?;
    println!("{}", measured.report());
    assert!(measured.compared > 1_000, "{measured:?}");
    assert!(measured.max_abs_mean_at_30 > 0.0, "means are perturbed");
    measured.within_bounds().map_err(|e| anyhow::anyhow!(e))?;
    Ok(())
}
