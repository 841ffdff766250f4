//! What a release publishes, as stored: [`Content`] (every table's cells and their
//! observations), its canonical encoding ([`Content::encode`]: JSON with fields in a fixed order,
//! cells and observations in a fixed order, numbers as Rust prints them) and its SHA-256
//! ([`sha256_hex`]); the observations that differ between two releases ([`changes`]); and the
//! statuses an earlier release gave ([`Content::statuses`]), which a later one keeps.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use voce_shared::Indicator;
use voce_stats::disclosure::CellStatus;
use voce_stats::query::Grouping;
use voce_stats::release::{CellRef, Statuses};

/// The format of [`Content`], stored in it: a reader that meets another refuses it.
pub const FORMAT: &str = "voce-release-1";

/// Everything a release publishes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Content {
    /// [`FORMAT`].
    pub format: String,
    /// The period released: `2026-11` or `2026-Q3`.
    pub period: String,
    /// `provisional` or `final`.
    pub kind: String,
    /// When it becomes public (RFC 3339 UTC).
    pub publish_at: String,
    /// The disclosure threshold `k`.
    pub threshold: u64,
    /// The protection level `p` every withheld cell's feasible interval reaches.
    pub protection_level: u64,
    /// What the audit of its linked tables found.
    pub audit: AuditSummary,
    /// Every cell, by period, grouping, group, indicator.
    pub cells: Vec<ReleasedCell>,
}

/// The audit of a release, as published with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditSummary {
    /// Cells (groups × periods × indicators).
    pub cells: usize,
    /// Cells with `1 ≤ n < k`.
    pub small: usize,
    /// Withheld as primary.
    pub primary: usize,
    /// Withheld as complementary.
    pub complementary: usize,
    /// The narrowest feasible interval of a withheld cell that reaches the level.
    pub narrowest: Option<f64>,
    /// Withheld cells no suppression can protect to the level (each still wider than one value).
    pub below_level: usize,
    /// Withheld cells of at least `k` that the published figures determine all the same.
    pub determined: usize,
}

/// One cell of a release.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleasedCell {
    /// `2026-11`, `2026-Q3`.
    pub period: String,
    /// `national`, `service`, `body`, `service-kind`, `body-kind`.
    pub grouping: String,
    /// The group's code (empty for the nation).
    pub code: String,
    /// The service's or body's name.
    pub name: Option<String>,
    /// The body's IPA code, for a service.
    pub body: Option<String>,
    /// The body's kind, for a service or a body.
    pub body_kind: Option<String>,
    /// The service's kind, for a service.
    pub service_kind: Option<String>,
    /// The indicator's code.
    pub indicator: String,
    /// `published`, `primary` or `complementary`.
    pub status: String,
    /// The cell's statistics, in a fixed order; empty values when withheld.
    pub observations: Vec<ReleasedObservation>,
}

/// One figure of a cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReleasedObservation {
    /// The statistic (`CL_VOCE_STATISTIC`).
    pub statistic: String,
    /// The option or distribution value; `None` when it does not apply.
    pub option: Option<String>,
    /// The value; `None` when withheld.
    pub value: Option<f64>,
    /// The unit (`CL_VOCE_UNIT`).
    pub unit: String,
    /// `OBS_STATUS` (SDMX CL_OBS_STATUS): `P` provisional, `A` normal, `O` missing (withheld).
    pub obs_status: String,
    /// `CONF_STATUS` (SDMX CL_CONF_STATUS): `F` free, `A` primary, `D` secondary.
    pub conf_status: String,
}

/// Why stored content cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    /// Not JSON of this shape.
    #[error("the release content is not readable: {0}")]
    Json(#[from] serde_json::Error),
    /// Another format.
    #[error("the release content is in format {0:?}, this collector reads {FORMAT:?}")]
    Format(String),
}

impl Content {
    /// The canonical encoding: what is stored and hashed.
    pub fn encode(&self) -> String {
        // A struct of strings, numbers, options and vectors always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads stored content.
    pub fn decode(text: &str) -> Result<Content, ContentError> {
        let content: Content = serde_json::from_str(text)?;
        if content.format != FORMAT {
            return Err(ContentError::Format(content.format));
        }
        Ok(content)
    }

    /// The status of every cell, as a later release of the same months must keep it.
    pub fn statuses(&self) -> Statuses {
        let mut out = Statuses::default();
        for cell in &self.cells {
            let (Some(grouping), Some(indicator), Some(status)) = (
                Grouping::parse(&cell.grouping),
                Indicator::parse(&cell.indicator),
                status_of(&cell.status),
            ) else {
                continue;
            };
            let cell_ref = CellRef {
                period: cell.period.clone(),
                grouping: grouping.into(),
                code: cell.code.clone(),
                indicator,
            };
            if let Some(n) = cell
                .observations
                .iter()
                .find(|o| o.statistic == "N" && o.option.is_none())
                .and_then(|o| o.value)
            {
                out.insert_published_n(cell_ref.clone(), n as u64);
            }
            out.insert(cell_ref, status);
        }
        out
    }
}

fn status_of(code: &str) -> Option<CellStatus> {
    [
        CellStatus::Published,
        CellStatus::Primary,
        CellStatus::Complementary,
    ]
    .into_iter()
    .find(|s| status_code(*s) == code)
}

/// A status's code in [`ReleasedCell::status`].
pub fn status_code(status: CellStatus) -> &'static str {
    match status {
        CellStatus::Published => "published",
        CellStatus::Primary => "primary",
        CellStatus::Complementary => "complementary",
    }
}

/// SHA-256 of `text`, lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// One observation that differs between two releases of the same period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The cell's period.
    pub period: String,
    /// Its grouping.
    pub grouping: String,
    /// Its group.
    pub code: String,
    /// Its indicator.
    pub indicator: String,
    /// The statistic.
    pub statistic: String,
    /// Its option.
    pub option: Option<String>,
    /// The value before (`None`: withheld or not there).
    pub before: Option<f64>,
    /// The value after.
    pub after: Option<f64>,
}

type ObservationKey = (String, String, String, String, String, Option<String>);

fn keyed(content: &Content) -> std::collections::BTreeMap<ObservationKey, Option<f64>> {
    let mut out = std::collections::BTreeMap::new();
    for cell in &content.cells {
        for o in &cell.observations {
            out.insert(
                (
                    cell.period.clone(),
                    cell.grouping.clone(),
                    cell.code.clone(),
                    cell.indicator.clone(),
                    o.statistic.clone(),
                    o.option.clone(),
                ),
                o.value,
            );
        }
    }
    out
}

/// The observations whose value differs between `before` and `after` (or that only one has).
pub fn changes(before: &Content, after: &Content) -> Vec<Change> {
    let (old, new) = (keyed(before), keyed(after));
    let keys: std::collections::BTreeSet<&ObservationKey> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter_map(|key| {
            let (b, a) = (old.get(key).copied(), new.get(key).copied());
            (b != a).then(|| Change {
                period: key.0.clone(),
                grouping: key.1.clone(),
                code: key.2.clone(),
                indicator: key.3.clone(),
                statistic: key.4.clone(),
                option: key.5.clone(),
                before: b.flatten(),
                after: a.flatten(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(value: Option<f64>) -> Content {
        Content {
            format: FORMAT.into(),
            period: "2026-11".into(),
            kind: "provisional".into(),
            publish_at: "2026-12-07T10:00:00Z".into(),
            threshold: 10,
            protection_level: 5,
            audit: AuditSummary {
                cells: 1,
                small: 0,
                primary: 0,
                complementary: 0,
                narrowest: None,
                below_level: 0,
                determined: 0,
            },
            cells: vec![ReleasedCell {
                period: "2026-11".into(),
                grouping: "national".into(),
                code: String::new(),
                name: None,
                body: None,
                body_kind: None,
                service_kind: None,
                indicator: "facilita".into(),
                status: "published".into(),
                observations: vec![ReleasedObservation {
                    statistic: "N".into(),
                    option: None,
                    value,
                    unit: "NUMBER".into(),
                    obs_status: "P".into(),
                    conf_status: "F".into(),
                }],
            }],
        }
    }

    #[test]
    fn the_same_content_encodes_to_the_same_text_and_hash_and_reads_back_equal() {
        let a = content(Some(12.0));
        assert_eq!(a.encode(), content(Some(12.0)).encode());
        assert_eq!(sha256_hex(&a.encode()), sha256_hex(&a.clone().encode()));
        assert_eq!(Content::decode(&a.encode()).ok(), Some(a));
    }

    #[test]
    fn a_changed_value_is_listed_with_its_value_before_and_after() {
        let changed = changes(&content(Some(12.0)), &content(Some(13.0)));
        assert_eq!(changed.len(), 1);
        assert_eq!(
            (changed[0].before, changed[0].after),
            (Some(12.0), Some(13.0))
        );
        assert!(changes(&content(Some(12.0)), &content(Some(12.0))).is_empty());
    }

    #[test]
    fn content_of_another_format_is_refused() {
        let mut other = content(None);
        other.format = "voce-release-0".into();
        assert!(matches!(
            Content::decode(&other.encode()),
            Err(ContentError::Format(_))
        ));
    }

    #[test]
    fn the_statuses_of_a_release_read_back_from_its_cells() {
        let statuses = content(Some(12.0)).statuses();
        assert_eq!(
            statuses.status("2026-11", Grouping::National, "", Indicator::Facilita),
            CellStatus::Published
        );
    }
}
