//! Official releases: an immutable, citable snapshot of every published table of a period,
//! protected once over its linked tables (`voce_stats::release`), stored with its SHA-256, public
//! from its publication time. Methods: [Official releases](../../../docs/methods.md#official-releases).
//!
//! [`create`] computes the release of a [`Spec`] (a month, provisional or final; a quarter,
//! final): the true `n` of every service and month, the statuses of every cell decided and
//! audited by the attacker's linear program, then the answers of `/v1/stats` for every
//! grouping — by month, and for the quarter — read with those statuses
//! (`Audience::Release`). The result is [`content::Content`], stored as its canonical encoding.
//! Made again with the same data it is the same text: nothing is stored and the earlier
//! release is returned. Made again after late responses, it differs: it is stored only with a
//! reason, as a new release that **revises** the latest one and lists the observations that
//! changed. Nothing ever updates a stored release; [`verify`] recomputes its hash.

pub mod content;
pub mod schedule;

use std::sync::Arc;

use diesel::Connection;

use time::{Date, OffsetDateTime};
use voce_shared::Catalog;
use voce_stats::answer::{self, Audience};
use voce_stats::calendar;
use voce_stats::disclosure::Threshold;
use voce_stats::linked::ProtectionLevel;
use voce_stats::query::Grouping;
use voce_stats::release::{self as protection, ServiceFacts, Span, Statuses};
use voce_stats::{Granularity, Period};

use crate::audit::{self, Actor, AuditAction};
use crate::db::releases::{self as store, ReleaseRow};
use crate::db::{DbConnection, DbError};
use crate::domain::rfc3339;
use crate::export::aggregates::observations;
use crate::registry::cache::Snapshot;
use crate::stats::query::{self, StatsQuery};
use content::{AuditSummary, Change, Content, ReleasedCell, ReleasedObservation};

/// Provisional (a month, expected to be revised) or final.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleaseKind {
    /// A month's first release: `OBS_STATUS` `P`.
    Provisional,
    /// A quarter's (or a month's) final release: `OBS_STATUS` `A`.
    Final,
}

impl ReleaseKind {
    /// `provisional` or `final`.
    pub fn code(self) -> &'static str {
        match self {
            ReleaseKind::Provisional => "provisional",
            ReleaseKind::Final => "final",
        }
    }

    fn letter(self) -> char {
        match self {
            ReleaseKind::Provisional => 'p',
            ReleaseKind::Final => 'f',
        }
    }

    fn obs_status(self) -> &'static str {
        match self {
            ReleaseKind::Provisional => "P",
            ReleaseKind::Final => "A",
        }
    }
}

/// What to release: a period and a kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// The period, in SDMX form.
    pub period: Period,
    /// Provisional or final.
    pub kind: ReleaseKind,
    /// The months it covers.
    months: Vec<Period>,
}

impl Spec {
    /// A month (`2026-11`: provisional, or final with `final_`) or a quarter (`2026-Q3`: always
    /// final).
    pub fn parse(period: &str, final_: bool) -> Result<Spec, ReleaseError> {
        let parsed =
            Period::parse(period).ok_or_else(|| ReleaseError::BadPeriod(period.to_owned()))?;
        let (kind, months) = match parsed.granularity() {
            Granularity::Month => (
                if final_ {
                    ReleaseKind::Final
                } else {
                    ReleaseKind::Provisional
                },
                vec![parsed],
            ),
            Granularity::Quarter => (
                ReleaseKind::Final,
                Granularity::Month
                    .period_of(parsed.start())
                    .through(parsed.end())
                    .collect(),
            ),
            _ => return Err(ReleaseError::BadPeriod(period.to_owned())),
        };
        Ok(Spec {
            period: parsed,
            kind,
            months,
        })
    }

    /// The scheduled publication time: 11:00 in Rome on the 5th working day of the month after
    /// (provisional) or of the second month after the period's last month (final).
    pub fn scheduled_publication(&self) -> OffsetDateTime {
        let last_month = self
            .months
            .last()
            .map_or(self.period.start(), |m| m.start());
        let day = match self.kind {
            ReleaseKind::Provisional => calendar::provisional_release_day(last_month),
            ReleaseKind::Final => calendar::final_release_day(last_month),
        };
        calendar::rome_time(day, calendar::RELEASE_HOUR)
    }

    fn quarter(&self) -> Option<String> {
        (self.period.granularity() == Granularity::Quarter).then(|| self.period.to_string())
    }
}

/// Why a release cannot be made or read.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// Not a month or a quarter.
    #[error("{0:?} is not a month (2026-11) or a quarter (2026-Q3)")]
    BadPeriod(String),
    /// The period has not ended.
    #[error("{period} ends on {end}: it can be released from the next day")]
    NotOver {
        /// The period.
        period: String,
        /// Its last day.
        end: Date,
    },
    /// The figures differ from the latest release and no reason was given.
    #[error(
        "release {latest} of {period} differs from the figures now ({changes} observations \
         changed): pass --reason to publish a revision of it"
    )]
    NeedsReason {
        /// The period.
        period: String,
        /// The latest release.
        latest: String,
        /// How many observations changed.
        changes: usize,
    },
    /// No such release.
    #[error("no release {0}")]
    Unknown(String),
    /// The stored release does not match its hash or its row.
    #[error("release {id} fails verification: {why}")]
    Tampered {
        /// The release.
        id: String,
        /// What differs.
        why: String,
    },
    /// A query of the release's tables was refused.
    #[error("the release's tables cannot be read: {0}")]
    Query(String),
    /// The disclosure protection or its audit failed.
    #[error(transparent)]
    Protection(#[from] protection::ReleaseError),
    /// The stored content cannot be read.
    #[error(transparent)]
    Content(#[from] content::ContentError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What [`create`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A first release of the period and kind.
    Created,
    /// The figures are those of the latest release: nothing stored.
    Unchanged,
    /// A revision of the latest release.
    Revised {
        /// Observations that changed.
        changes: usize,
    },
}

/// A release made (or found unchanged) by [`create`].
#[derive(Clone, Debug)]
pub struct Made {
    /// The stored row.
    pub row: ReleaseRow,
    /// What happened.
    pub outcome: Outcome,
    /// The audit of its tables.
    pub audit: AuditSummary,
}

/// What [`create`] needs besides the database.
pub struct Inputs<'a> {
    /// The questionnaire catalog.
    pub catalog: &'a Catalog,
    /// The registry.
    pub registry: &'a Snapshot,
    /// The disclosure threshold.
    pub k: Threshold,
    /// Now (the clock is injected so that tests control it).
    pub now: OffsetDateTime,
    /// The publication time; `None`: the scheduled one.
    pub publish_at: Option<OffsetDateTime>,
    /// Why a revision is made.
    pub reason: Option<String>,
    /// Who makes it.
    pub actor: Actor,
}

/// Makes the release of `spec`: see the module's documentation. Audited.
pub fn create(
    conn: &mut DbConnection,
    spec: &Spec,
    inputs: &Inputs<'_>,
) -> Result<Made, ReleaseError> {
    let end = spec.period.end();
    if inputs.now.date() <= end {
        return Err(ReleaseError::NotOver {
            period: spec.period.to_string(),
            end,
        });
    }
    let period = spec.period.to_string();
    let kind = spec.kind.code();
    let latest = store::latest(conn, &period, kind)?;
    let mut earlier = Statuses::default();
    if let Some(row) = &latest {
        merge(&mut earlier, Content::decode(&row.content)?.statuses());
    }
    if spec.kind == ReleaseKind::Final {
        for month in &spec.months {
            if let Some(row) =
                store::latest(conn, &month.to_string(), ReleaseKind::Provisional.code())?
            {
                merge(&mut earlier, Content::decode(&row.content)?.statuses());
            }
        }
    }
    let publish_at = inputs
        .publish_at
        .unwrap_or_else(|| spec.scheduled_publication());
    let content = tables(conn, spec, inputs, &earlier, publish_at)?;
    let encoded = content.encode();
    let sha256 = content::sha256_hex(&encoded);
    let audit_summary = content.audit.clone();
    let (sequence, revises, reason, changes, outcome) = match latest {
        Some(row) if row.sha256 == sha256 => {
            return Ok(Made {
                row,
                outcome: Outcome::Unchanged,
                audit: audit_summary,
            });
        }
        Some(row) => {
            let changed: Vec<Change> = content::changes(&Content::decode(&row.content)?, &content);
            let Some(reason) = inputs.reason.clone().filter(|r| !r.trim().is_empty()) else {
                return Err(ReleaseError::NeedsReason {
                    period,
                    latest: row.id,
                    changes: changed.len(),
                });
            };
            let count = changed.len();
            (
                row.sequence + 1,
                Some(row.id),
                Some(reason),
                Some(serde_json::to_string(&changed).unwrap_or_default()),
                Outcome::Revised { changes: count },
            )
        }
        None => (1, None, None, None, Outcome::Created),
    };
    let row = ReleaseRow {
        id: format!("{period}-{}{sequence}", spec.kind.letter()),
        period,
        kind: kind.to_owned(),
        sequence,
        created_at: rfc3339(inputs.now),
        publish_at: rfc3339(publish_at),
        sha256,
        content: encoded,
        revises,
        reason,
        changes,
        created_by: inputs.actor.id.clone(),
    };
    conn.transaction::<_, DbError, _>(|conn| {
        store::insert(conn, &row)?;
        audit::record(
            conn,
            &inputs.actor,
            AuditAction::ReleaseCreated,
            None,
            &format!(
                "release {} ({} {}), sha256 {}, public from {}{}",
                row.id,
                row.kind,
                row.period,
                row.sha256,
                row.publish_at,
                row.revises
                    .as_ref()
                    .map(|r| format!(", revises {r}"))
                    .unwrap_or_default()
            ),
        )
    })?;
    Ok(Made {
        row,
        outcome,
        audit: audit_summary,
    })
}

fn merge(into: &mut Statuses, from: Statuses) {
    into.extend(from);
}

/// A stored release whose hash and row agree with its content.
#[derive(Clone, Debug)]
pub struct Verified {
    /// The row.
    pub row: ReleaseRow,
    /// Its content, read back.
    pub content: Content,
}

/// Reads release `id` and checks it: the SHA-256 of the stored content is the stored hash, the
/// content is readable and names the row's period, kind and publication time.
pub fn verify(conn: &mut DbConnection, id: &str) -> Result<Verified, ReleaseError> {
    let row = store::find(conn, id)?.ok_or_else(|| ReleaseError::Unknown(id.to_owned()))?;
    let tampered = |why: String| ReleaseError::Tampered {
        id: id.to_owned(),
        why,
    };
    let hash = content::sha256_hex(&row.content);
    if hash != row.sha256 {
        return Err(tampered(format!(
            "the content's SHA-256 is {hash}, the release says {}",
            row.sha256
        )));
    }
    let content = Content::decode(&row.content).map_err(|e| tampered(e.to_string()))?;
    if (
        content.period.as_str(),
        content.kind.as_str(),
        content.publish_at.as_str(),
    ) != (
        row.period.as_str(),
        row.kind.as_str(),
        row.publish_at.as_str(),
    ) {
        return Err(tampered(format!(
            "the row says {} {} public from {}, the content {} {} public from {}",
            row.kind, row.period, row.publish_at, content.kind, content.period, content.publish_at
        )));
    }
    Ok(Verified { row, content })
}

/// The services of the registry as a release groups them.
fn services_of(registry: &Snapshot) -> Vec<ServiceFacts> {
    let mut out: Vec<ServiceFacts> = registry
        .services()
        .map(|s| {
            let mut indicators = Vec::new();
            for source in s.questionnaire.indicator_sources() {
                if !indicators.contains(&source.indicator) {
                    indicators.push(source.indicator);
                }
            }
            ServiceFacts {
                id: s.service.id.clone(),
                body: s.body.ipa_code.clone(),
                service_kind: s.service.service_kind.clone(),
                body_kind: s.body.body_kind.clone(),
                indicators,
            }
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// The statistics a release publishes of a cell: not `RESPONSES`, `TICKETS` or
/// `RESPONSE_RATE`, which count every response of the group whatever indicator it answered —
/// beside a published indicator they would give away the `n` of a withheld one asked of the
/// same responses.
fn released(statistic: &str) -> bool {
    !matches!(statistic, "RESPONSES" | "TICKETS" | "RESPONSE_RATE")
}

/// Computes the content of a release.
fn tables(
    conn: &mut DbConnection,
    spec: &Spec,
    inputs: &Inputs<'_>,
    earlier: &Statuses,
    publish_at: OffsetDateTime,
) -> Result<Content, ReleaseError> {
    let (from, to) = (spec.period.start(), spec.period.end());
    let today = inputs.now.date();
    let ask = |grouping: Grouping, granularity: Granularity| StatsQuery {
        group_by: Some(grouping),
        granularity: Some(granularity),
        from: Some(from),
        to: Some(to),
        ..StatsQuery::default()
    };
    let planned = |q: &StatsQuery| {
        query::plan(q, inputs.registry, today).map_err(|e| ReleaseError::Query(e.0))
    };
    // The true n of every service and month.
    let by_service = ask(Grouping::Service, Granularity::Month);
    let service_plan = planned(&by_service)?;
    let service_rows = query::fetch(conn, &service_plan)?;
    let counts = answer::cell_counts(inputs.catalog, &service_plan.plan, &service_rows);
    let months: Vec<String> = spec.months.iter().map(ToString::to_string).collect();
    let n = |indicator, service: &str, m: usize| {
        counts
            .get(&(months[m].clone(), service.to_owned(), indicator))
            .copied()
            .unwrap_or(0)
    };
    let level = ProtectionLevel::for_threshold(inputs.k);
    let (statuses, audit) = protection::protect(
        &services_of(inputs.registry),
        &Span {
            months: months.clone(),
            quarter: spec.quarter(),
        },
        &n,
        earlier,
        inputs.k,
        level,
    )?;
    let audience = Audience::Release(Arc::new(statuses));
    let mut granularities = vec![Granularity::Month];
    if spec.quarter().is_some() {
        granularities.push(Granularity::Quarter);
    }
    let mut cells = Vec::new();
    for granularity in granularities {
        for grouping in Grouping::ALL {
            let q = ask(grouping, granularity);
            let plan = planned(&q)?;
            let fetched = if (grouping, granularity) == (Grouping::Service, Granularity::Month) {
                service_rows.clone()
            } else {
                query::fetch(conn, &plan)?
            };
            let answer = answer::answer(
                inputs.catalog,
                inputs.registry,
                &plan.plan,
                q,
                &fetched,
                inputs.k,
                &audience,
            );
            cells.extend(answer.cells.iter().map(|cell| {
                ReleasedCell {
                    period: cell.period.clone(),
                    grouping: cell.group.grouping.clone(),
                    code: cell.group.code.clone(),
                    name: cell.group.name.clone(),
                    body: cell.group.body.clone(),
                    body_kind: cell.group.body_kind.clone(),
                    service_kind: cell.group.service_kind.clone(),
                    indicator: cell.indicator.clone(),
                    status: content::status_code(cell.status).to_owned(),
                    observations: observations(cell)
                        .into_iter()
                        .filter(|o| released(o.statistic))
                        .map(|o| ReleasedObservation {
                            statistic: o.statistic.to_owned(),
                            option: o.option,
                            value: o.value,
                            unit: o.unit.to_owned(),
                            obs_status: if cell.suppressed {
                                "O".to_owned()
                            } else {
                                spec.kind.obs_status().to_owned()
                            },
                            conf_status: cell.status.sdmx_conf_status().to_owned(),
                        })
                        .collect(),
                }
            }));
        }
    }
    Ok(Content {
        format: content::FORMAT.to_owned(),
        period: spec.period.to_string(),
        kind: spec.kind.code().to_owned(),
        publish_at: rfc3339(publish_at),
        threshold: inputs.k.get(),
        protection_level: level.width(),
        audit: AuditSummary {
            cells: audit.cells,
            small: audit.small,
            primary: audit.primary,
            complementary: audit.complementary,
            narrowest: audit.narrowest,
            below_level: audit.below_level,
            determined: audit.determined,
        },
        cells,
    })
}
