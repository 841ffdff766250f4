//! The fixture of the raw-export memory benchmark (`cargo xtask bench-export`): migrates the
//! database named by `VOCE_DATABASE_URL`, imports the pilot registry, and inserts N responses to
//! INPS's services through the collector's own insert (`db::responses::insert_unless_stored`),
//! 3,000 per transaction, reproducibly (a fixed seed): ratings 1–5, received over the last year,
//! a redacted free text on every third. Not part of the collector binary.
//!
//! Usage: `export_bench_fixture N` (run from the workspace root).

use anyhow::Context;
use diesel::Connection;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use voce_collector::configuration::Settings;
use voce_collector::db::DbError;
use voce_collector::db::responses::{self, FreeTextRow, ResponseRow};
use voce_collector::registry::cache::RegistryCache;
use voce_collector::{registry, startup};

const SERVICES: [&str; 4] = [
    "inps-naspi",
    "inps-estratto-conto",
    "inps-assegno-unico-info",
    "inps-certificazione-unica",
];
/// Responses per transaction (and per statement on PostgreSQL: 17 parameters a row, under its
/// 65,535).
const BATCH: usize = 3000;

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .context("usage: export_bench_fixture N")?
        .parse()
        .context("N must be a number")?;
    let settings = Settings::load(None)?;
    let pool = startup::prepare_database(&settings)?;
    let mut conn = pool.get()?;
    let catalog = startup::catalog()?;
    let text = std::fs::read_to_string("examples/registry/pilot.toml")
        .context("run from the workspace root")?;
    let pilot = registry::check(&text, catalog).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    registry::import(&mut conn, &pilot)?;
    let snapshot = RegistryCache::load(&mut conn, catalog)?.snapshot();
    let references: Vec<_> = SERVICES
        .iter()
        .map(|s| {
            snapshot
                .service(s)
                .map(|c| c.reference.clone())
                .with_context(|| format!("{s} is not in the pilot registry"))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut rng = StdRng::seed_from_u64(10);
    let now = time::OffsetDateTime::now_utc();
    let started = std::time::Instant::now();
    let mut inserted = 0;
    while inserted < n {
        let size = BATCH.min(n - inserted);
        let mut rows = Vec::with_capacity(size);
        let mut texts = Vec::new();
        for _ in 0..size {
            let k = rng.random_range(0..SERVICES.len());
            let rating: i32 = rng.random_range(1..=5);
            let at = now - time::Duration::seconds(rng.random_range(0..365 * 86_400));
            let id = uuid::Builder::from_random_bytes(rng.random())
                .into_uuid()
                .to_string();
            let reason = if rating >= 4 {
                ("aspetti-positivi", "indicazioni-chiare")
            } else {
                ("difficolta", "indicazioni-non-complete")
            };
            if rng.random_range(0..3) == 0 {
                texts.push(FreeTextRow {
                    id: uuid::Builder::from_random_bytes(rng.random())
                        .into_uuid()
                        .to_string(),
                    response_id: id.clone(),
                    question: "dettagli".into(),
                    text: "Il servizio è stato chiaro, ma la pagina era lenta".into(),
                    redacted_kinds: String::new(),
                    purge_after: "9999-12-31".into(),
                });
            }
            rows.push(ResponseRow {
                id,
                service_id: SERVICES[k].into(),
                questionnaire_id: references[k].id.clone(),
                questionnaire_version: i32::try_from(references[k].version)?,
                questionnaire_hash: references[k].hash.clone(),
                ticket_id: hex::encode(rng.random::<[u8; 16]>()),
                body_fingerprint: hex::encode(rng.random::<[u8; 32]>()),
                received_at: voce_collector::domain::rfc3339(at),
                locale: "it".into(),
                answers: serde_json::json!({"valutazione": rating, reason.0: reason.1}).to_string(),
                valutazione: Some(rating),
                motivo: Some(reason.1.into()),
                esito: None,
                soddisfazione: None,
                fiducia: None,
                channel: "widget".into(),
                verified: false,
                export_key: hex::encode(rng.random::<[u8; 16]>()),
                record_key: i64::from(rng.random::<u32>()),
            });
        }
        conn.transaction::<_, DbError, _>(|c| {
            responses::insert_unless_stored(c, &rows, &texts).map(|_| ())
        })?;
        inserted += size;
    }
    println!(
        "inserted {inserted} responses in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
