//! The aggregate exports: the cells of a statistics answer ([`crate::stats::answer_for`]) as one
//! observation per line, in plain CSV (`aggregates.csv`), as JSON (`aggregates.json`, the
//! answer itself) and as SDMX-CSV (`aggregates.sdmx.csv`), with the code lists a statistical
//! office needs to label every code ([`code_lists`]).
//!
//! Disclosure control is the answer's: a suppressed cell (primary or complementary) is written
//! with every statistic it would carry and an **empty value**, its status saying why —
//! `OBS_STATUS = O` (missing value) and `CONF_STATUS = A` (primary confidentiality, small
//! counts) or `D` (secondary confidentiality), from the SDMX cross-domain code lists
//! CL_OBS_STATUS 2.2 and CL_CONF_STATUS 1.3 (SDMX Global Registry, agency SDMX); a published one
//! has `OBS_STATUS = A` (normal value) and `CONF_STATUS = F` (free).
//!
//! SDMX-CSV layout (SDMX-CSV 1.0 with its `STRUCTURE`, `STRUCTURE_ID`, `ACTION` columns, as in
//! [Output codes](../../../docs/methods.md#output-codes)): dataflow `IT1:VOCE_CX(1.0)`, dimensions `FREQ`, `REF_AREA`
//! (`IT`), `BODY_KIND`, `BODY`, `SERVICE_KIND`, `SERVICE`, `INDICATOR`, `STATISTIC`, `OPTION`,
//! `TIME_PERIOD`; then `OBS_VALUE` and the attributes `UNIT_MEASURE`, `OBS_STATUS`,
//! `CONF_STATUS`, `UNIT_MULT` (`0`), `PERTURBATION` (`CKM` when the cell's figures are
//! perturbed by the cell key method, `EXACT` when the reader sees them exact; `perturbed`
//! `yes`/`no` in plain CSV). A dimension that does not apply is `_Z`; a total over it is
//! `_T` (SDMX cross-domain conventions).

use serde::Serialize;
use utoipa::ToSchema;

use super::csv::{Cell as Field, CsvWriter};
use crate::stats::disclosure::CellStatus;
use crate::stats::query::{Cell, StatsAnswer};

/// The SDMX dataflow of the exports.
pub const DATAFLOW: &str = "IT1:VOCE_CX(1.0)";

/// The header of `aggregates.sdmx.csv`.
pub const SDMX_HEADER: [&str; 19] = [
    "STRUCTURE",
    "STRUCTURE_ID",
    "ACTION",
    "FREQ",
    "REF_AREA",
    "BODY_KIND",
    "BODY",
    "SERVICE_KIND",
    "SERVICE",
    "INDICATOR",
    "STATISTIC",
    "OPTION",
    "TIME_PERIOD",
    "OBS_VALUE",
    "UNIT_MEASURE",
    "OBS_STATUS",
    "CONF_STATUS",
    "UNIT_MULT",
    "PERTURBATION",
];

/// The header of `aggregates.csv`.
pub const CSV_HEADER: [&str; 14] = [
    "period",
    "grouping",
    "group",
    "group_name",
    "body_kind",
    "body",
    "service_kind",
    "indicator",
    "statistic",
    "option",
    "value",
    "unit",
    "status",
    "perturbed",
];

/// One observation: a statistic of a cell (with an option, for shares and the distribution).
#[derive(Clone, Debug, PartialEq)]
pub struct Observation<'a> {
    /// The cell.
    pub cell: &'a Cell,
    /// The statistic's code (see [`STATISTICS`]).
    pub statistic: &'static str,
    /// The option of a share or the value of a distribution; `None` when it does not apply.
    pub option: Option<String>,
    /// The value; `None` when the cell is suppressed (or the figure does not exist, e.g. no
    /// interval below two answers).
    pub value: Option<f64>,
    /// The unit's code (see [`UNITS`]).
    pub unit: &'static str,
}

/// The statistics (code list `CL_VOCE_STATISTIC`).
pub const STATISTICS: [(&str, &str); 16] = [
    ("N", "Number of answers to the indicator"),
    ("RESPONSES", "Number of responses"),
    ("TICKETS", "Tickets issued (forms shown)"),
    ("RESPONSE_RATE", "Responses divided by tickets issued"),
    ("MEAN", "Mean on the 1-5 scale"),
    ("SD", "Sample standard deviation"),
    (
        "CI95_LOW",
        "Lower bound of the 95% Student t-interval of the mean, clamped to 1-5",
    ),
    (
        "CI95_HIGH",
        "Upper bound of the 95% Student t-interval of the mean, clamped to 1-5",
    ),
    ("TOP_BOX", "Share of answers 4 or 5"),
    (
        "TOP_BOX_CI95_LOW",
        "Lower bound of the 95% Wilson interval of the top-box share",
    ),
    (
        "TOP_BOX_CI95_HIGH",
        "Upper bound of the 95% Wilson interval of the top-box share",
    ),
    ("COUNT", "Answers with the value or option in OPTION"),
    ("SHARE", "Share of the option in OPTION"),
    (
        "SHARE_CI95_LOW",
        "Lower bound of the 95% Wilson interval of the share",
    ),
    (
        "SHARE_CI95_HIGH",
        "Upper bound of the 95% Wilson interval of the share",
    ),
    ("DISTRIBUTION", "Answers with the value in OPTION (1-5)"),
];

/// The units (code list `CL_VOCE_UNIT`).
pub const UNITS: [(&str, &str); 3] = [
    ("SCORE_1_5", "Points on the 1-5 scale"),
    ("NUMBER", "Count"),
    ("RATIO", "Proportion between 0 and 1"),
];

/// The observations of a cell, in a fixed order: the same statistics whether it is published or
/// suppressed (then every value is empty; the options of shares are not listed, since which
/// options were chosen is itself a figure).
pub fn observations(cell: &Cell) -> Vec<Observation<'_>> {
    let mut out = Vec::new();
    let mut push = |statistic, option: Option<String>, value: Option<f64>, unit| {
        out.push(Observation {
            cell,
            statistic,
            option,
            value: if cell.suppressed { None } else { value },
            unit,
        });
    };
    let f = |v: Option<u64>| v.map(|x| x as f64);
    push("N", None, f(cell.n), "NUMBER");
    push("RESPONSES", None, f(cell.responses), "NUMBER");
    if cell.tickets.is_some() || cell.suppressed {
        push("TICKETS", None, f(cell.tickets), "NUMBER");
        push("RESPONSE_RATE", None, cell.response_rate, "RATIO");
    }
    match cell.indicator.as_str() {
        "esito" | "motivi" => {
            for s in &cell.shares {
                let option = Some(format!("{}.{}", s.question, s.option));
                push("COUNT", option.clone(), Some(s.count as f64), "NUMBER");
                push("SHARE", option.clone(), Some(s.share), "RATIO");
                push("SHARE_CI95_LOW", option.clone(), Some(s.ci95.low), "RATIO");
                push("SHARE_CI95_HIGH", option, Some(s.ci95.high), "RATIO");
            }
        }
        _ => {
            push("MEAN", None, cell.mean, "SCORE_1_5");
            push("SD", None, cell.sd, "SCORE_1_5");
            push("CI95_LOW", None, cell.ci95.map(|i| i.low), "SCORE_1_5");
            push("CI95_HIGH", None, cell.ci95.map(|i| i.high), "SCORE_1_5");
            push("TOP_BOX", None, cell.top_box, "RATIO");
            push(
                "TOP_BOX_CI95_LOW",
                None,
                cell.top_box_ci95.map(|i| i.low),
                "RATIO",
            );
            push(
                "TOP_BOX_CI95_HIGH",
                None,
                cell.top_box_ci95.map(|i| i.high),
                "RATIO",
            );
            for value in 1..=5u8 {
                let count = cell
                    .distribution
                    .as_ref()
                    .and_then(|d| d.get(usize::from(value) - 1))
                    .map(|c| *c as f64);
                push("DISTRIBUTION", Some(value.to_string()), count, "NUMBER");
            }
        }
    }
    out
}

/// Every cell of an answer, then its totals.
fn all_cells(answer: &StatsAnswer) -> impl Iterator<Item = &Cell> {
    answer.cells.iter().chain(&answer.totals)
}

/// `aggregates.csv`: the header then the records of `cells[from..]`, at most `max` cells.
pub fn csv_page(answer: &StatsAnswer, from: usize, max: usize) -> (CsvWriter, Option<usize>) {
    let mut w = CsvWriter::new();
    let cells: Vec<&Cell> = all_cells(answer).skip(from).take(max).collect();
    for cell in &cells {
        for o in observations(cell) {
            let g = &cell.group;
            w.record([
                Field::Text(&cell.period),
                Field::Text(&g.grouping),
                Field::Text(&g.code),
                Field::Text(g.name.as_deref().unwrap_or("")),
                Field::Text(g.body_kind.as_deref().unwrap_or("")),
                Field::Text(g.body.as_deref().unwrap_or("")),
                Field::Text(g.service_kind.as_deref().unwrap_or("")),
                Field::Text(&cell.indicator),
                Field::Text(o.statistic),
                Field::Text(o.option.as_deref().unwrap_or("")),
                o.value.map_or(Field::Empty, Field::Float),
                Field::Text(o.unit),
                Field::Text(status_code(cell.status)),
                Field::Text(if cell.perturbed { "yes" } else { "no" }),
            ]);
        }
    }
    let next = from + cells.len();
    (w, (cells.len() == max).then_some(next))
}

/// `aggregates.sdmx.csv`: the records of `cells[from..]`, at most `max` cells.
pub fn sdmx_page(answer: &StatsAnswer, from: usize, max: usize) -> (CsvWriter, Option<usize>) {
    let mut w = CsvWriter::new();
    let cells: Vec<&Cell> = all_cells(answer).skip(from).take(max).collect();
    let freq = answer.granularity.sdmx_freq();
    for cell in &cells {
        let g = &cell.group;
        // A dimension the grouping fixes carries its code; one it sums over is a total (_T).
        let dim = |v: Option<&str>| v.filter(|s| !s.is_empty()).unwrap_or("_T").to_owned();
        let (body_kind, body, service_kind, service) = match g.grouping.as_str() {
            "service" => (
                dim(g.body_kind.as_deref()),
                dim(g.body.as_deref()),
                dim(g.service_kind.as_deref()),
                dim(Some(&g.code)),
            ),
            "body" => (
                dim(g.body_kind.as_deref()),
                dim(Some(&g.code)),
                dim(None),
                dim(None),
            ),
            "service-kind" => (dim(None), dim(None), dim(Some(&g.code)), dim(None)),
            "body-kind" => (dim(Some(&g.code)), dim(None), dim(None), dim(None)),
            _ => (dim(None), dim(None), dim(None), dim(None)),
        };
        for o in observations(cell) {
            w.record([
                Field::Text("dataflow"),
                Field::Text(DATAFLOW),
                Field::Text("I"),
                Field::Text(freq),
                Field::Text("IT"),
                Field::Text(&body_kind),
                Field::Text(&body),
                Field::Text(&service_kind),
                Field::Text(&service),
                Field::Text(&cell.indicator),
                Field::Text(o.statistic),
                Field::Text(o.option.as_deref().unwrap_or("_Z")),
                Field::Text(&cell.period),
                o.value.map_or(Field::Empty, Field::Float),
                Field::Text(o.unit),
                Field::Text(cell.status.sdmx_obs_status()),
                Field::Text(cell.status.sdmx_conf_status()),
                Field::Int(0),
                Field::Text(perturbation_code(cell.perturbed)),
            ]);
        }
    }
    let next = from + cells.len();
    (w, (cells.len() == max).then_some(next))
}

/// The code of `PERTURBATION` (code list `CL_VOCE_PERTURBATION`).
pub fn perturbation_code(perturbed: bool) -> &'static str {
    if perturbed {
        PERTURBATION_CODES[0].0
    } else {
        PERTURBATION_CODES[1].0
    }
}

/// The codes of `PERTURBATION`: how the figures of a cell were protected.
pub const PERTURBATION_CODES: [(&str, &str); 2] = [
    (
        "CKM",
        "Perturbed by the cell key method, perturbation table voce-ptable-1 (docs/methods.md)",
    ),
    (
        "EXACT",
        "Exact: the reader may read the body's raw responses",
    ),
];

fn status_code(status: CellStatus) -> &'static str {
    match status {
        CellStatus::Published => "published",
        CellStatus::Primary => "primary",
        CellStatus::Complementary => "complementary",
    }
}

/// One code of a code list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Code {
    /// The code.
    pub id: String,
    /// Its meaning.
    pub name: String,
}

/// A code list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CodeList {
    /// The list's id, e.g. `CL_VOCE_INDICATOR` or the SDMX cross-domain `CL_OBS_STATUS`.
    pub id: String,
    /// The agency and version it comes from.
    pub source: String,
    /// The dimension or attribute of `aggregates.sdmx.csv` it labels.
    pub column: String,
    /// Its codes.
    pub codes: Vec<Code>,
}

fn list(
    id: &str,
    source: &str,
    column: &str,
    codes: impl IntoIterator<Item = (String, String)>,
) -> CodeList {
    CodeList {
        id: id.into(),
        source: source.into(),
        column: column.into(),
        codes: codes
            .into_iter()
            .map(|(id, name)| Code { id, name })
            .collect(),
    }
}

/// The code lists of `aggregates.sdmx.csv` (`GET /v1/exports/codelists.json`).
pub fn code_lists() -> Vec<CodeList> {
    let s = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    let voce = "IT1 (Voce), 1.0";
    vec![
        list(
            "CL_FREQ",
            "SDMX cross-domain, 2.1",
            "FREQ",
            [
                s("D", "Daily (TIME_PERIOD 2026-10-03)"),
                s("W", "Weekly, ISO 8601 week (2026-W40)"),
                s("M", "Monthly (2026-10)"),
                s("Q", "Quarterly (2026-Q4)"),
                s("A", "Annual (2026)"),
            ],
        ),
        list(
            "CL_AREA",
            "SDMX cross-domain",
            "REF_AREA",
            [s("IT", "Italy")],
        ),
        list(
            "CL_VOCE_BODY_KIND",
            voce,
            "BODY_KIND",
            voce_shared::BodyKind::ALL
                .iter()
                .map(|k| s(k.code(), k.code()))
                .chain([s("_T", "All kinds of body")]),
        ),
        list(
            "CL_VOCE_SERVICE_KIND",
            voce,
            "SERVICE_KIND",
            voce_shared::ServiceKind::ALL
                .iter()
                .map(|k| s(k.code(), k.code()))
                .chain([s("_T", "All kinds of service")]),
        ),
        list(
            "CL_VOCE_INDICATOR",
            voce,
            "INDICATOR",
            [
                s(
                    "chiarezza",
                    "How clear the information page was (1-5 stars)",
                ),
                s("facilita", "How easy the service was to use (1-5 stars)"),
                s("soddisfazione", "Overall satisfaction (1-5 scale)"),
                s(
                    "fiducia",
                    "Trust in the body after the experience (1-5 scale)",
                ),
                s(
                    "esito",
                    "Whether the citizen did what they needed (si / in-parte / no)",
                ),
                s("motivi", "Reasons given in the follow-ups, by direction"),
            ],
        ),
        list(
            "CL_VOCE_STATISTIC",
            voce,
            "STATISTIC",
            STATISTICS.iter().map(|(a, b)| s(a, b)),
        ),
        list(
            "CL_VOCE_OPTION",
            voce,
            "OPTION",
            [
                s("_Z", "Not applicable"),
                s("1", "Answer 1"),
                s("2", "Answer 2"),
                s("3", "Answer 3"),
                s("4", "Answer 4"),
                s("5", "Answer 5"),
                s("esito.si", "esito: yes"),
                s("esito.in-parte", "esito: partly"),
                s("esito.no", "esito: no"),
            ]
            .into_iter()
            .chain(
                [
                    "indicazioni-non-chiare",
                    "indicazioni-non-complete",
                    "non-capivo-se-procedevo",
                    "problemi-tecnici",
                    "altro",
                ]
                .map(|o| s(&format!("difficolta.{o}"), &format!("difficulty: {o}"))),
            )
            .chain(
                [
                    "indicazioni-chiare",
                    "indicazioni-complete",
                    "capivo-come-procedere",
                    "nessun-problema-tecnico",
                    "altro",
                ]
                .map(|o| s(&format!("aspetti-positivi.{o}"), &format!("positive: {o}"))),
            ),
        ),
        list(
            "CL_VOCE_UNIT",
            voce,
            "UNIT_MEASURE",
            UNITS.iter().map(|(a, b)| s(a, b)),
        ),
        list(
            "CL_OBS_STATUS",
            "SDMX cross-domain, 2.2",
            "OBS_STATUS",
            [
                s("A", "Normal value"),
                s("O", "Missing value (suppressed for confidentiality)"),
            ],
        ),
        list(
            "CL_CONF_STATUS",
            "SDMX cross-domain, 1.3",
            "CONF_STATUS",
            [
                s("F", "Free (published)"),
                s("A", "Primary confidentiality due to small counts"),
                s(
                    "D",
                    "Secondary confidentiality set by the sender, not for publication",
                ),
            ],
        ),
        list(
            "CL_VOCE_PERTURBATION",
            voce,
            "PERTURBATION",
            PERTURBATION_CODES.iter().map(|(a, b)| s(a, b)),
        ),
        list(
            "CL_UNIT_MULT",
            "SDMX cross-domain",
            "UNIT_MULT",
            [s("0", "Units")],
        ),
    ]
}
