//! The seeder stores the same data for the same seed: what it stores into a fresh database is
//! pinned by a digest taken from `voce-collector seed-demo` before the seeder left the collector,
//! so the move (and any later change) is shown to keep the demo data exactly as it was.

use sha2::{Digest, Sha256};
use voce_collector::configuration::Settings;
use voce_collector::counts::DailyCounts;
use voce_collector::registry::{self, cache::Snapshot};
use voce_collector::{db, startup};
use voce_devtools::seed::{self, SeedOptions, Seeded};

/// Seeds `responses` responses with `seed` (the year to 2026-11-30) into a fresh SQLite database
/// with the national example registry; returns what the seeder said and a digest of what was
/// stored: every response (all but its random id) with its free texts, in ticket order, and
/// each service's tickets issued and responses counted.
fn seed_fresh_database(responses: u64, seed: u64) -> anyhow::Result<(Seeded, String)> {
    let dir = tempfile::tempdir()?;
    let mut settings = Settings::default();
    settings.database.url = dir.path().join("voce.db").display().to_string();
    let pool = startup::prepare_database(&settings)?;
    let mut conn = pool.get()?;
    let catalog = startup::catalog()?;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/registry/national.toml"
    ))?;
    let national = registry::check(&text, catalog).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    registry::import(&mut conn, &national)?;
    let snapshot = Snapshot::read(&mut conn, catalog)?;
    let counts = DailyCounts::default();
    let seeded = seed::seed(
        &mut conn,
        catalog,
        &snapshot,
        &counts,
        SeedOptions {
            responses,
            seed,
            until: time::macros::date!(2026 - 11 - 30),
        },
        365,
    )?;
    counts.flush(&mut conn)?;
    let mut lines = Vec::new();
    for (response, texts) in db::responses::list(&mut conn, None)? {
        let mut line = serde_json::to_value(&response)?;
        if let Some(fields) = line.as_object_mut() {
            fields.remove("id");
        }
        line["free_texts"] = serde_json::to_value(&texts)?;
        lines.push(line.to_string());
    }
    lines.sort();
    let mut services: Vec<String> = snapshot.services().map(|s| s.service.id.clone()).collect();
    services.sort();
    for service in services {
        let totals = voce_devtools::totals::service_totals(&mut conn, &service)?;
        lines.push(format!("{service} {totals:?}"));
    }
    Ok((seeded, hex::encode(Sha256::digest(lines.join("\n")))))
}

/// On SQLite: the digest does not depend on the backend, and one run pins it.
mod sqlite_only {
    use super::*;

    #[test]
    fn the_seeder_stores_what_seed_demo_stored_for_the_same_seed() -> anyhow::Result<()> {
        let (seeded, digest) = seed_fresh_database(3_000, 7)?;
        assert_eq!(
            seeded,
            Seeded {
                stored: 3_000,
                services: 188
            }
        );
        assert_eq!(
            digest, "d074f8d22cb371eabd911a460087b4003355f66cd5fb7f3db64ee0420b239c6b",
            "the demo data of seed 7 changed"
        );
        Ok(())
    }

    #[test]
    fn another_seed_stores_other_data() -> anyhow::Result<()> {
        let (_, seven) = seed_fresh_database(300, 7)?;
        let (_, eight) = seed_fresh_database(300, 8)?;
        assert_ne!(seven, eight);
        assert_eq!(seed_fresh_database(300, 7)?.1, seven);
        Ok(())
    }
}
