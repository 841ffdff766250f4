//! The LP audit of an official release on seeded national data: the linked tables of a quarter
//! (every service, body, kind of service, kind of body and the nation; each month and the
//! quarter; the `n` of each rating indicator) are protected once
//! with [`LinkedTables::protect`], and then every withheld cell is attacked again from scratch —
//! two linear programs per cell over every published figure of the release — and must keep a
//! feasible interval at least the protection level wide. Methods:
//! `docs/methods.md#releases-suppression-over-the-linked-tables`.

use std::collections::{BTreeMap, BTreeSet};

use time::Month;
use voce_collector::registry::cache::Snapshot;
use voce_collector::startup;
use voce_stats::disclosure::{CellId, CellStatus, Threshold};
use voce_stats::linked::{LinkedTables, ProtectionLevel};
use voce_stats::lp_audit::{self, Knowledge};

use crate::helpers::*;
use crate::stats::seed_app;

/// The quarter released: 2026-Q3.
const MONTHS: [Month; 3] = [Month::July, Month::August, Month::September];

/// A group of the release: which services it is made of.
struct Group {
    label: String,
    services: BTreeSet<String>,
}

/// The groups of one rating indicator's tables, in the order totals follow their parts:
/// services, bodies, kinds of service, kinds of body, the nation.
fn groups(snapshot: &Snapshot, asks: &BTreeSet<String>) -> (Vec<Group>, Vec<(usize, Vec<usize>)>) {
    let mut services: Vec<(String, String, String, String)> = snapshot
        .services()
        .filter(|s| asks.contains(&s.service.id))
        .map(|s| {
            (
                s.service.id.clone(),
                s.body.ipa_code.clone(),
                s.service.service_kind.clone(),
                s.body.body_kind.clone(),
            )
        })
        .collect();
    services.sort();
    let mut groups: Vec<Group> = services
        .iter()
        .map(|(id, ..)| Group {
            label: format!("service {id}"),
            services: BTreeSet::from([id.clone()]),
        })
        .collect();
    let mut sums = Vec::new();
    let by = |key: fn(&(String, String, String, String)) -> &String| {
        let mut out: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, s) in services.iter().enumerate() {
            out.entry(key(s).clone()).or_default().push(i);
        }
        out
    };
    let mut bodies_of_kind: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (body, parts) in by(|s| &s.1) {
        let index = groups.len();
        bodies_of_kind
            .entry(services[parts[0]].3.clone())
            .or_default()
            .push(index);
        groups.push(Group {
            label: format!("body {body}"),
            services: parts.iter().map(|&i| services[i].0.clone()).collect(),
        });
        sums.push((index, parts));
    }
    let mut service_kinds = Vec::new();
    for (kind, parts) in by(|s| &s.2) {
        service_kinds.push(groups.len());
        sums.push((groups.len(), parts.clone()));
        groups.push(Group {
            label: format!("service kind {kind}"),
            services: parts.iter().map(|&i| services[i].0.clone()).collect(),
        });
    }
    let mut body_kinds = Vec::new();
    for (kind, bodies) in bodies_of_kind {
        body_kinds.push(groups.len());
        let services = bodies
            .iter()
            .flat_map(|&b| groups[b].services.iter().cloned())
            .collect();
        sums.push((groups.len(), bodies));
        groups.push(Group {
            label: format!("body kind {kind}"),
            services,
        });
    }
    let nation = groups.len();
    groups.push(Group {
        label: "nation".into(),
        services: services.iter().map(|s| s.0.clone()).collect(),
    });
    sums.push((nation, service_kinds));
    sums.push((nation, body_kinds));
    (groups, sums)
}

#[tokio::test]
async fn the_seeded_national_release_passes_the_attackers_linear_program() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    import_file(&app.pool, "national.toml")?;
    seed_app(&app, 20_000)?;
    let catalog = startup::catalog()?;
    let snapshot = Snapshot::read(&mut *app.conn()?, catalog)?;

    // The truth: per rating indicator, service, month and value.
    let mut counts: BTreeMap<(String, String, usize, usize), u64> = BTreeMap::new();
    let mut asks: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in snapshot.services() {
        if let Some(source) = s
            .questionnaire
            .indicator_sources()
            .find(|i| ["facilita", "chiarezza"].contains(&i.indicator.code()))
        {
            asks.entry(source.indicator.code().to_owned())
                .or_default()
                .insert(s.service.id.clone());
        }
    }
    for r in app.responses()? {
        let Some(value) = r.valutazione.and_then(|v| usize::try_from(v).ok()) else {
            continue;
        };
        let month: u8 = r.received_at[5..7].parse()?;
        let Some(m) = MONTHS.iter().position(|x| u8::from(*x) == month) else {
            continue;
        };
        if !r.received_at.starts_with("2026-") {
            continue;
        }
        let Some((indicator, _)) = asks.iter().find(|(_, s)| s.contains(&r.service_id)) else {
            continue;
        };
        *counts
            .entry((indicator.clone(), r.service_id.clone(), m, value))
            .or_default() += 1;
    }

    let k = Threshold::DEFAULT;
    let level = ProtectionLevel::for_threshold(k);
    let mut audited = 0;
    for (indicator, asking) in &asks {
        let (groups, group_sums) = groups(&snapshot, asking);
        let count = |g: &Group, p: usize| -> u64 {
            let months: Vec<usize> = if p == 3 { vec![0, 1, 2] } else { vec![p] };
            g.services
                .iter()
                .flat_map(|s| {
                    months
                        .iter()
                        .flat_map(move |&m| (1..=5).map(move |v| (s, m, v)))
                })
                .map(|(s, m, v)| {
                    counts
                        .get(&(indicator.clone(), s.clone(), m, v))
                        .copied()
                        .unwrap_or(0)
                })
                .sum()
        };

        // Protect; a group whose cells no suppression can protect (a small body, or a service
        // with a few answers in one month) is left out of the release as a row — its answers stay in every
        // total above it, as an unpublished remainder — and again, until every withheld cell
        // can be protected.
        let mut dropped: BTreeSet<usize> = BTreeSet::new();
        let started = std::time::Instant::now();
        let (release, protection) = loop {
            let release = Release::build(&groups, &group_sums, &dropped, &count, indicator)?;
            let protection = release.tables.protect(k, level)?;
            let unprotectable: BTreeSet<usize> = protection
                .unprotected()
                .iter()
                .map(|(id, _)| release.group_of[id.index()])
                .collect();
            if unprotectable.is_empty() {
                break (release, protection);
            }
            for &g in &unprotectable {
                assert!(
                    groups[g].label.starts_with("service ") || groups[g].label.starts_with("body "),
                    "{} cannot be protected, and only services and bodies are left out",
                    groups[g].label
                );
            }
            assert!(dropped.len() < 200, "the release drops too many services");
            dropped.extend(unprotectable);
        };
        let protect_secs = started.elapsed().as_secs_f64();
        let tables = &release.tables;
        let statuses = protection.statuses();
        let published_cell = |id: &CellId| !release.remainder.contains(&id.index());
        let small = tables
            .cells()
            .iter()
            .filter(|id| published_cell(id) && (1..k.get()).contains(&tables.count(**id)))
            .count();
        let of_status = |status: CellStatus| {
            tables
                .cells()
                .iter()
                .filter(|id| published_cell(id) && statuses[id.index()] == status)
                .count()
        };
        let (primary, complementary) = (
            of_status(CellStatus::Primary),
            of_status(CellStatus::Complementary),
        );

        // The audit, from scratch: two LPs per withheld cell over every figure of the release;
        // the reader knows of a remainder only that it is not negative.
        let started = std::time::Instant::now();
        let mut knowledge = tables.knowledge(statuses, k, level.attacker());
        for &r in &release.remainder {
            knowledge[r] = Knowledge::Withheld { lo: 0, hi: None };
        }
        let intervals = lp_audit::intervals(tables.constraints(), &knowledge)?;
        let audit_secs = started.elapsed().as_secs_f64();
        let mut narrowest = f64::INFINITY;
        let mut withheld = 0;
        for id in tables.cells().iter().filter(|id| published_cell(id)) {
            let Some(interval) = intervals[id.index()] else {
                assert!(
                    !(1..k.get()).contains(&tables.count(*id)),
                    "{} is published with {} responses",
                    tables.describe(*id),
                    tables.count(*id)
                );
                continue;
            };
            withheld += 1;
            narrowest = narrowest.min(interval.width());
            assert!(
                interval.spans(level.width() as f64),
                "{} ({} responses, {:?}) is pinned to {interval:?}",
                tables.describe(*id),
                tables.count(*id),
                statuses[id.index()],
            );
        }
        println!(
            "release of {indicator}: {} groups ({} left out as rows), {} cells ({small} \
             with 1 ≤ n < k), {} sums; withheld {primary} primary + {complementary} complementary \
             in {protect_secs:.1} s; audit of all {withheld} withheld cells in {audit_secs:.1} s, \
             narrowest interval {narrowest:.3} (level {})",
            groups.len(),
            dropped.len(),
            tables.len() - release.remainder.len(),
            tables.constraints().len(),
            level.width(),
        );
        assert!(
            small > 100,
            "the seeded release should have hundreds of small cells, has {small}"
        );
        assert!(
            complementary > 0,
            "the quarter and the totals give cells away: some complementary suppression is needed"
        );
        assert!(
            dropped.len() * 10 < groups.len(),
            "more than a tenth of the groups left out: {}",
            dropped.len()
        );
        audited += 1;
    }
    assert_eq!(audited, 2, "both rating indicators have a release");
    Ok(())
}

/// The linked tables of one indicator's release.
struct Release {
    tables: LinkedTables,
    /// The group of each cell (`usize::MAX` for a remainder).
    group_of: Vec<usize>,
    /// The cells that are not published: per total and period, the sum of its parts left out.
    remainder: BTreeSet<usize>,
}

impl Release {
    /// The cells of every group not `dropped` (the months and the quarter) and every sum.
    fn build(
        groups: &[Group],
        sums: &[(usize, Vec<usize>)],
        dropped: &BTreeSet<usize>,
        count: &dyn Fn(&Group, usize) -> u64,
        indicator: &str,
    ) -> anyhow::Result<Release> {
        let mut tables = LinkedTables::new();
        let mut group_of = Vec::new();
        let mut remainder = BTreeSet::new();
        let mut cells: Vec<Option<Vec<CellId>>> = Vec::new();
        let add_row = |tables: &mut LinkedTables,
                       group_of: &mut Vec<usize>,
                       label: &str,
                       n: &dyn Fn(usize) -> u64,
                       group: usize|
         -> anyhow::Result<Vec<CellId>> {
            let row: Vec<CellId> = (0..4)
                .map(|p| {
                    let period = if p == 3 {
                        "2026-Q3".to_owned()
                    } else {
                        format!("2026-M{:02}", u8::from(MONTHS[p]))
                    };
                    group_of.push(group);
                    tables.add_labelled_cell(n(p), format!("{label}, {period}, n of {indicator}"))
                })
                .collect();
            // The quarter is the sum of its months.
            tables.add_sum(row[3], row[..3].iter().copied())?;
            Ok(row)
        };
        for (i, g) in groups.iter().enumerate() {
            cells.push(if dropped.contains(&i) {
                None
            } else {
                Some(add_row(
                    &mut tables,
                    &mut group_of,
                    &g.label,
                    &|p| count(g, p),
                    i,
                )?)
            });
        }
        for (total, parts) in sums {
            let Some(total_row) = cells[*total].clone() else {
                continue;
            };
            let left_out: Vec<usize> = parts
                .iter()
                .copied()
                .filter(|p| dropped.contains(p))
                .collect();
            let rest = if left_out.is_empty() {
                None
            } else {
                let row = add_row(
                    &mut tables,
                    &mut group_of,
                    &format!("the rest of {}", groups[*total].label),
                    &|p| left_out.iter().map(|&g| count(&groups[g], p)).sum(),
                    usize::MAX,
                )?;
                remainder.extend(row.iter().map(|id| id.index()));
                Some(row)
            };
            for p in 0..4 {
                let members = parts
                    .iter()
                    .filter_map(|&part| cells[part].as_ref().map(|row| row[p]))
                    .chain(rest.as_ref().map(|row| row[p]));
                tables.add_sum(total_row[p], members)?;
            }
        }
        Ok(Release {
            tables,
            group_of,
            remainder,
        })
    }
}
