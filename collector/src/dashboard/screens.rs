//! The pages of the dashboard built from what the API answers: the audit log and the exports
//! (this module), the statistics pages ([`super::stat_pages`]). Pure functions: the handlers
//! fetch with the same functions as the API and pass the answers here.

use crate::audit::{AuditAction, AuditPage};
use crate::auth::operator::{Operator, Role};
use crate::filters::{AGGREGATE_KEYS, AUDIT_KEYS, Filters, RAW_KEYS, encode};
use crate::stats::query::{Granularity, Grouping};
use voce_shared::Indicator;

use super::charts::Table;
use super::i18n::Lang;
use super::pages::{DateInput, Link, Page, Parts, Section, Select};
use super::views;

/// The audit page: the filter form, the entries, a link to older ones.
pub fn audit(operator: &Operator, lang: Lang, filters: &Filters, page: &AuditPage) -> String {
    let t = lang.texts();
    let parts = Parts::new(lang);
    let query = filters.query(&AUDIT_KEYS);
    let form = parts.filters(
        "/dashboard/audit",
        &[],
        &[Select::new(
            "action",
            t.what,
            Some(t.any),
            AuditAction::ALL.map(|a| (a.as_str().to_owned(), a.as_str().to_owned())),
            filters.action.map(AuditAction::as_str),
        )],
        &[
            DateInput {
                name: "from".into(),
                label: t.from.into(),
                value: filters.from.map(|d| d.to_string()).unwrap_or_default(),
            },
            DateInput {
                name: "to".into(),
                label: t.to.into(),
                value: filters.to.map(|d| d.to_string()).unwrap_or_default(),
            },
        ],
    );
    let table = Table {
        caption: t.audit.to_owned(),
        head: vec![
            t.when.to_owned(),
            t.who.to_owned(),
            t.what.to_owned(),
            t.body.to_owned(),
            t.detail.to_owned(),
        ],
        rows: page
            .entries
            .iter()
            .map(|e| {
                vec![
                    e.at.clone(),
                    format!("{} ({})", e.actor, e.role),
                    e.action.clone(),
                    e.body.clone().unwrap_or_default(),
                    e.detail.clone(),
                ]
            })
            .collect(),
        row_links: Vec::new(),
    };
    let mut list = vec![parts.table("audit-log", &table)];
    if let Some(cursor) = &page.next_cursor {
        let rest = if query.is_empty() {
            format!("cursor={}", encode(cursor))
        } else {
            format!("{query}&cursor={}", encode(cursor))
        };
        let older = match lang {
            Lang::It => "Voci precedenti",
            Lang::En => "Older entries",
        };
        list.push(parts.links(
            "pager",
            &[Link::new(
                older,
                format!("/dashboard/audit?locale={}&{rest}", lang.code()),
            )],
        ));
    }
    Page {
        frame: views::frame(operator, lang, t.audit, "/dashboard/audit", &query),
        lead: None,
        sections: vec![
            Section {
                id: "filters".into(),
                heading: t.filters.to_owned(),
                note: None,
                parts: vec![form],
            },
            Section {
                id: "entries".into(),
                heading: t.audit.to_owned(),
                note: None,
                parts: list,
            },
        ],
    }
    .html()
}

/// The indicators of the export form, in the order of the exports.
const INDICATORS: [Indicator; 6] = [
    Indicator::Chiarezza,
    Indicator::Facilita,
    Indicator::Soddisfazione,
    Indicator::Fiducia,
    Indicator::Esito,
    Indicator::Motivi,
];

fn with(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// The export links for an operator and filters: the three aggregate files for every role, the
/// raw responses for the roles that may read them (`national`; `body`, its own).
pub fn export_links(operator: &Operator, lang: Lang, filters: &Filters) -> Vec<Link> {
    let aggregates = filters.query(&AGGREGATE_KEYS);
    let (csv, json, sdmx, raw) = match lang {
        Lang::It => (
            "Aggregati (CSV)",
            "Aggregati (JSON)",
            "Aggregati (SDMX-CSV)",
            "Risposte (CSV)",
        ),
        Lang::En => (
            "Aggregates (CSV)",
            "Aggregates (JSON)",
            "Aggregates (SDMX-CSV)",
            "Responses (CSV)",
        ),
    };
    let mut links = vec![
        Link {
            download: Some("aggregates.csv".into()),
            ..Link::new(csv, with("/v1/exports/aggregates.csv", &aggregates))
        },
        Link {
            download: Some("aggregates.json".into()),
            ..Link::new(json, with("/v1/exports/aggregates.json", &aggregates))
        },
        Link {
            download: Some("aggregates.sdmx.csv".into()),
            ..Link::new(sdmx, with("/v1/exports/aggregates.sdmx.csv", &aggregates))
        },
    ];
    let raw_allowed = match operator.role() {
        Role::National => true,
        Role::Body => filters
            .body
            .as_ref()
            .is_none_or(|b| Some(b.as_str()) == operator.body()),
        Role::Analyst => false,
    };
    if raw_allowed {
        let mut query = filters.query(&RAW_KEYS);
        if operator.role() == Role::Body && filters.body.is_none() {
            let own = format!("body={}", operator.body().unwrap_or_default());
            query = if query.is_empty() {
                own
            } else {
                format!("{own}&{query}")
            };
        }
        links.push(Link {
            download: Some("responses.csv".into()),
            ..Link::new(raw, with("/v1/exports/responses.csv", &query))
        });
    }
    links
}

/// The exports page: the filters, and a button per export carrying them.
pub fn exports(
    operator: &Operator,
    lang: Lang,
    filters: &Filters,
    service_kinds: &[String],
    body_kinds: &[String],
) -> String {
    let t = lang.texts();
    let parts = Parts::new(lang);
    let pairs = |codes: &mut dyn Iterator<Item = &'static str>| -> Vec<(String, String)> {
        codes.map(|s| (s.to_owned(), s.to_owned())).collect()
    };
    let mut hidden = Vec::new();
    for (k, v) in [
        ("service", filters.service.as_ref().map(|s| s.as_str())),
        ("body", filters.body.as_ref().map(|b| b.as_str())),
    ] {
        if let Some(v) = v {
            hidden.push((k.to_owned(), v.to_owned()));
        }
    }
    let group_label = match lang {
        Lang::It => "Raggruppamento",
        Lang::En => "Grouping",
    };
    let form = parts.filters(
        "/dashboard/exports",
        &hidden,
        &[
            Select::new(
                "granularity",
                t.granularity,
                Some(t.any),
                pairs(&mut Granularity::ALL.iter().map(|g| g.code())),
                filters.granularity.map(|g| g.code()),
            ),
            Select::new(
                "group_by",
                group_label,
                Some(t.any),
                pairs(&mut Grouping::ALL.iter().map(|g| g.code())),
                filters.group_by.map(|g| g.code()),
            ),
            Select::new(
                "indicator",
                t.indicator,
                Some(t.any),
                pairs(&mut INDICATORS.iter().map(|i| i.code())),
                filters.indicator.map(|i| i.code()),
            ),
            Select::new(
                "service_kind",
                t.service_kind,
                Some(t.any),
                service_kinds.iter().map(|k| (k.clone(), k.clone())),
                filters.service_kind.map(|k| k.code()),
            ),
            Select::new(
                "body_kind",
                t.body_kind,
                Some(t.any),
                body_kinds.iter().map(|k| (k.clone(), k.clone())),
                filters.body_kind.map(|k| k.code()),
            ),
        ],
        &[
            DateInput {
                name: "from".into(),
                label: t.from.into(),
                value: filters.from.map(|d| d.to_string()).unwrap_or_default(),
            },
            DateInput {
                name: "to".into(),
                label: t.to.into(),
                value: filters.to.map(|d| d.to_string()).unwrap_or_default(),
            },
        ],
    );
    let note = match (operator.role(), lang) {
        (Role::Analyst, Lang::It) => {
            "Il ruolo analyst scarica solo aggregati: nessuna risposta individuale né testo libero."
        }
        (Role::Analyst, Lang::En) => {
            "The analyst role downloads aggregates only: no individual response, no free text."
        }
        (_, Lang::It) => "Ogni esportazione è registrata nel registro degli accessi.",
        (_, Lang::En) => "Every export is recorded in the audit log.",
    };
    let query = filters.query(&AGGREGATE_KEYS);
    Page {
        frame: views::frame(operator, lang, t.exports, "/dashboard/exports", &query),
        lead: Some(note.to_owned()),
        sections: vec![
            Section {
                id: "filters".into(),
                heading: t.filters.to_owned(),
                note: None,
                parts: vec![form],
            },
            Section {
                id: "files".into(),
                heading: t.exports.to_owned(),
                note: None,
                parts: vec![parts.links("exports", &export_links(operator, lang, filters))],
            },
        ],
    }
    .html()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditEntry;
    use crate::domain::IpaCode;

    fn operator(role: Role, body: Option<&str>) -> Operator {
        Operator::new(
            "t1".into(),
            role,
            body.map(|b| IpaCode::parse(b).expect("an IPA code")),
        )
        .expect("an operator")
    }

    #[test]
    fn every_role_gets_the_aggregate_exports_and_only_national_and_body_the_raw_one() {
        let filters = Filters {
            granularity: Some(Granularity::Quarter),
            from: voce_stats::period::parse_day("2026-01-01"),
            ..Filters::default()
        };
        let hrefs = |o: &Operator| -> Vec<String> {
            export_links(o, Lang::It, &filters)
                .into_iter()
                .map(|l| l.href)
                .collect()
        };
        let analyst = hrefs(&operator(Role::Analyst, None));
        assert_eq!(
            analyst,
            [
                "/v1/exports/aggregates.csv?from=2026-01-01&granularity=quarter",
                "/v1/exports/aggregates.json?from=2026-01-01&granularity=quarter",
                "/v1/exports/aggregates.sdmx.csv?from=2026-01-01&granularity=quarter",
            ]
        );
        let body = hrefs(&operator(Role::Body, Some("inps")));
        assert_eq!(
            body[3],
            "/v1/exports/responses.csv?body=inps&from=2026-01-01"
        );
        let national = hrefs(&operator(Role::National, None));
        assert_eq!(national[3], "/v1/exports/responses.csv?from=2026-01-01");
        // A body filtering on another body is not offered that body's raw responses.
        let other = Filters {
            body: IpaCode::parse("inail").ok(),
            ..Filters::default()
        };
        assert_eq!(
            export_links(&operator(Role::Body, Some("inps")), Lang::It, &other).len(),
            3
        );
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        let filters: Filters =
            serde_urlencoded::from_str("actor=cli%3Aroot&from=+").expect("filters");
        assert_eq!(filters.query(&AUDIT_KEYS), "actor=cli%3Aroot");
    }

    #[test]
    fn the_audit_page_lists_entries_and_links_to_older_ones_keeping_the_filters() {
        let page = AuditPage {
            entries: vec![AuditEntry {
                id: 7,
                at: "2026-12-01T10:00:00Z".into(),
                actor: "abc".into(),
                role: "national".into(),
                action: "exported".into(),
                body: Some("inps".into()),
                detail: "aggregates.csv <all>".into(),
            }],
            next_cursor: Some("7".into()),
        };
        let filters = Filters {
            action: Some(AuditAction::Exported),
            ..Filters::default()
        };
        let html = audit(&operator(Role::National, None), Lang::En, &filters, &page);
        assert!(html.contains("<td>abc (national)</td><td>exported</td><td>inps</td><td>aggregates.csv &#60;all&#62;</td>"), "{html}");
        assert!(
            html.contains(r#"href="/dashboard/audit?locale=en&#38;action=exported&#38;cursor=7""#)
        );
        assert!(html.contains(r#"<option value="exported" selected>exported</option>"#));
    }
}
