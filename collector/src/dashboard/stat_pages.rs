//! The statistics pages: the national overview, a body's page and a service's page, built from
//! the answers of `GET /v1/stats` ([`crate::stats::query::StatsAnswer`]) — the same cells, with
//! the same suppression, the API publishes. Pure functions; the handlers fetch.

use voce_stats::Period;

use crate::auth::operator::Operator;
use crate::filters::{CHART_GRANULARITIES, Filters, RATED, STAT_KEYS};
use crate::stats::estimators::{Comparison, Direction};
use crate::stats::query::Cell;
use crate::stats::{StatsAnswer, StatsQuery};

use super::charts::{
    self, Estimate, Figure, RankedRow, Scale, Significance, Table, TrendPoint, VersionChange,
};
use super::i18n::Lang;
use super::pages::{Card, Comment, DateInput, Page, Parts, Section, Select};
use super::views;

/// The `/v1/stats` query of the dashboard's filters, for one period when `period` is given
/// (else the API's default span, a year of months by default).
pub fn stats_query(filters: &Filters, period: Option<Period>) -> StatsQuery {
    let day = period.map(Period::start);
    StatsQuery {
        service_kind: filters.service_kind,
        body_kind: filters.body_kind,
        channel: filters.channel,
        verified: filters.verified,
        granularity: Some(filters.chart_granularity()),
        from: day,
        to: day,
        ..StatsQuery::default()
    }
}

/// The period a page shows: the one asked for, else the latest with published figures for the
/// indicator, else the latest.
pub fn chosen_period(filters: &Filters, trend: &StatsAnswer) -> Option<Period> {
    filters.period.or_else(|| {
        let indicator = filters.rated_indicator().code();
        let published = trend
            .cells
            .iter()
            .filter(|c| c.indicator == indicator && !c.suppressed)
            .filter_map(|c| Period::parse(&c.period))
            .max();
        published.or_else(|| periods(trend).first().and_then(|p| Period::parse(p)))
    })
}

/// A cell's mean as a figure: with its interval when published, "insufficient data" when not.
pub fn mean_figure(cell: &Cell) -> Figure {
    match (cell.suppressed, cell.n, cell.mean, &cell.ci95) {
        (false, Some(n), Some(mean), Some(ci)) if n > 0 => Figure::Shown {
            n,
            estimate: Estimate {
                value: mean,
                low: ci.low,
                high: ci.high,
            },
        },
        _ => Figure::Suppressed {
            below: cell.n_below,
        },
    }
}

/// The significance of a comparison, as the page says it.
pub fn significance(comparison: &Comparison) -> Significance {
    if comparison.not_testable.is_some() || comparison.p_value.is_none() {
        return Significance::NotTestable;
    }
    match (comparison.significant, comparison.direction) {
        (true, Direction::Higher) => Significance::Higher,
        (true, Direction::Lower) => Significance::Lower,
        _ => Significance::NotSignificant,
    }
}

fn label(cell: &Cell) -> String {
    let name = cell
        .group
        .name
        .clone()
        .unwrap_or_else(|| cell.group.code.clone());
    match &cell.group.body {
        Some(body) if cell.group.grouping == "service" => format!("{name} ({body})"),
        _ => name,
    }
}

fn service_href(code: &str, lang: Lang, filters: &Filters) -> String {
    let rest = filters.query(&STAT_KEYS);
    let mut href = format!("/dashboard/services/{code}?locale={}", lang.code());
    if !rest.is_empty() {
        href.push('&');
        href.push_str(&rest);
    }
    href
}

/// The periods of an answer, newest first.
pub fn periods(answer: &StatsAnswer) -> Vec<String> {
    let mut periods: Vec<String> = answer.cells.iter().map(|c| c.period.clone()).collect();
    periods.sort();
    periods.dedup();
    periods.reverse();
    periods
}

fn trend_points(answer: &StatsAnswer, indicator: &str) -> Vec<TrendPoint> {
    let mut cells: Vec<&Cell> = answer
        .cells
        .iter()
        .filter(|c| c.indicator == indicator)
        .collect();
    cells.sort_by(|a, b| a.period.cmp(&b.period));
    cells
        .into_iter()
        .map(|c| TrendPoint {
            period: c.period.clone(),
            figure: mean_figure(c),
        })
        .collect()
}

fn indicator_words(lang: Lang, indicator: &str) -> String {
    let (it, en) = match indicator {
        "facilita" => ("facilità d'uso", "ease of use"),
        "chiarezza" => ("chiarezza", "clarity"),
        "soddisfazione" => ("soddisfazione", "satisfaction"),
        "fiducia" => ("fiducia", "trust"),
        "esito" => ("esito", "outcome"),
        "motivi" => ("motivi", "reasons"),
        other => (other, other),
    };
    match lang {
        Lang::It => format!("{it} (media 1–5)"),
        Lang::En => format!("{en} (mean 1–5)"),
    }
}

fn filter_form(
    parts: &Parts,
    lang: Lang,
    action: &str,
    filters: &Filters,
    period_choices: &[String],
    kinds: Option<(&[String], &[String])>,
) -> String {
    let t = lang.texts();
    let period = filters.period.map(|p| p.to_string());
    let mut selects = vec![
        Select::new(
            "indicator",
            t.indicator,
            None,
            RATED.map(|i| (i.code().to_owned(), indicator_words(lang, i.code()))),
            Some(filters.rated_indicator().code()),
        ),
        Select::new(
            "granularity",
            t.granularity,
            None,
            CHART_GRANULARITIES.map(|g| {
                (
                    g.code().to_owned(),
                    granularity_words(lang, g.code()).to_owned(),
                )
            }),
            Some(filters.chart_granularity().code()),
        ),
        Select::new(
            "period",
            t.period,
            Some(match lang {
                Lang::It => "L'ultimo",
                Lang::En => "The latest",
            }),
            period_choices.iter().map(|p| (p.clone(), lang.period(p))),
            period.as_deref(),
        ),
    ];
    if let Some((service_kinds, body_kinds)) = kinds {
        selects.push(Select::new(
            "service_kind",
            t.service_kind,
            Some(t.any),
            service_kinds.iter().map(|k| (k.clone(), k.clone())),
            filters.service_kind.map(|k| k.code()),
        ));
        selects.push(Select::new(
            "body_kind",
            t.body_kind,
            Some(t.any),
            body_kinds.iter().map(|k| (k.clone(), k.clone())),
            filters.body_kind.map(|k| k.code()),
        ));
    }
    selects.push(Select::new(
        "channel",
        t.channel,
        Some(t.any),
        crate::domain::Channel::ALL.map(|c| {
            (
                c.code().to_owned(),
                channel_words(lang, c.code()).to_owned(),
            )
        }),
        filters.channel.map(|c| c.code()),
    ));
    selects.push(Select::new(
        "verified",
        t.verified,
        Some(t.any),
        [
            ("yes".to_owned(), t.verified_yes.to_owned()),
            ("no".to_owned(), t.verified_no.to_owned()),
        ],
        filters.verified.map(|v| if v { "yes" } else { "no" }),
    ));
    parts.filters(action, &[], &selects, &[] as &[DateInput])
}

fn channel_words(lang: Lang, code: &str) -> &'static str {
    match (code, lang) {
        ("widget", Lang::It) => "widget nella pagina",
        ("widget", Lang::En) => "widget in the page",
        ("page", Lang::It) => "pagina del questionario",
        ("page", Lang::En) => "questionnaire page",
        ("qr", Lang::It) => "codice QR",
        ("qr", Lang::En) => "QR code",
        ("email", _) => "e-mail",
        (_, _) => "SMS",
    }
}

fn granularity_words(lang: Lang, g: &str) -> &'static str {
    match (g, lang) {
        ("week", Lang::It) => "settimana",
        ("week", Lang::En) => "week",
        ("quarter", Lang::It) => "trimestre",
        ("quarter", Lang::En) => "quarter",
        ("year", Lang::It) => "anno",
        ("year", Lang::En) => "year",
        (_, Lang::It) => "mese",
        (_, Lang::En) => "month",
    }
}

/// What the page says of how its figures are protected: perturbed, a body's own exact, or exact.
fn protection(lang: Lang, answer: &StatsAnswer) -> &'static str {
    let t = lang.texts();
    match &answer.perturbation {
        None => t.exact,
        Some(p) if p.exact_body.is_some() => t.own_exact,
        Some(_) => t.perturbed,
    }
}

/// The national overview: services ranked in one period, and the national trend.
#[allow(clippy::too_many_arguments)]
pub fn overview(
    operator: &Operator,
    lang: Lang,
    filters: &Filters,
    trend: &StatsAnswer,
    ranked: &StatsAnswer,
    period: Option<Period>,
    service_kinds: &[String],
    body_kinds: &[String],
) -> String {
    let t = lang.texts();
    let parts = Parts::new(lang);
    let indicator = filters.rated_indicator().code();
    let words = indicator_words(lang, indicator);
    let rows: Vec<RankedRow> = ranked
        .cells
        .iter()
        .filter(|c| c.indicator == indicator)
        .map(|c| RankedRow {
            label: label(c),
            figure: mean_figure(c),
            significance: None,
            href: service_href(&c.group.code, lang, filters),
        })
        .collect();
    let period_words = period
        .map(|p| lang.period(&p.to_string()))
        .unwrap_or_default();
    let ranked_title = match lang {
        Lang::It => format!("Servizi per {words}, {period_words}"),
        Lang::En => format!("Services by {words}, {period_words}"),
    };
    let ranked_chart = charts::ranked("ranked", &ranked_title, &words, Scale::Rating, &rows, lang);
    let trend_title = match lang {
        Lang::It => format!("Andamento nazionale: {words}"),
        Lang::En => format!("National trend: {words}"),
    };
    let trend_chart = charts::trend(
        "trend",
        &trend_title,
        &words,
        Scale::Rating,
        &trend_points(trend, indicator),
        &[],
        lang,
    );
    let form = filter_form(
        &parts,
        lang,
        "/dashboard",
        filters,
        &periods(trend),
        Some((service_kinds, body_kinds)),
    );
    let (ranked_heading, trend_heading) = match lang {
        Lang::It => ("Servizi a confronto", "Andamento nazionale"),
        Lang::En => ("Services compared", "National trend"),
    };
    Page {
        frame: views::frame(
            operator,
            lang,
            t.overview,
            "/dashboard",
            &filters.query(&STAT_KEYS),
        ),
        lead: Some(format!(
            "k = {}. {} {}",
            ranked.k,
            t.footer,
            protection(lang, ranked)
        )),
        sections: vec![
            Section {
                id: "filters".into(),
                heading: t.filters.into(),
                note: None,
                parts: vec![form],
            },
            Section {
                id: "ranked".into(),
                heading: ranked_heading.into(),
                note: None,
                parts: vec![parts.chart(&ranked_chart)],
            },
            Section {
                id: "trend".into(),
                heading: trend_heading.into(),
                note: None,
                parts: vec![parts.chart(&trend_chart)],
            },
        ],
    }
    .html()
}

fn test_words(comparison: &Comparison, lang: Lang) -> String {
    let name = match (format!("{:?}", comparison.test).as_str(), lang) {
        ("WelchT", Lang::It) => "t di Welch",
        ("WelchT", Lang::En) => "Welch's t-test",
        (_, Lang::It) => "z per due proporzioni",
        (_, Lang::En) => "two-proportion z-test",
    };
    match comparison.p_value {
        Some(p) => format!("{name}, p = {}", lang.number(p, 3)),
        None => name.to_owned(),
    }
}

#[allow(clippy::too_many_arguments)]
/// A body's page: its services next to the national figure of the same kind (without the
/// body), the significance of each difference in words and by a mark, and the embed snippets.
pub fn body(
    operator: &Operator,
    lang: Lang,
    filters: &Filters,
    body: (&str, &str),
    answer: &StatsAnswer,
    period_choices: &[String],
    period: Option<Period>,
    snippets: &[(String, String, Option<String>)],
) -> String {
    let t = lang.texts();
    let parts = Parts::new(lang);
    let (code, name) = body;
    let indicator = filters.rated_indicator().code();
    let words = indicator_words(lang, indicator);
    let cells: Vec<&Cell> = answer
        .cells
        .iter()
        .filter(|c| c.indicator == indicator)
        .collect();
    let rows: Vec<RankedRow> = cells
        .iter()
        .map(|c| RankedRow {
            label: label(c),
            figure: mean_figure(c),
            significance: c
                .comparison
                .as_ref()
                .and_then(|cmp| cmp.mean_test.as_ref())
                .map(significance),
            href: service_href(&c.group.code, lang, filters),
        })
        .collect();
    let period_words = period
        .map(|p| lang.period(&p.to_string()))
        .unwrap_or_default();
    let title = match lang {
        Lang::It => format!("{name}: {words}, {period_words}, rispetto al dato nazionale"),
        Lang::En => format!("{name}: {words}, {period_words}, against the national figure"),
    };
    let chart = charts::ranked("compare", &title, &words, Scale::Rating, &rows, lang);
    let (h_service, h_body, h_national, h_diff, h_test, h_result) = match lang {
        Lang::It => (
            "Servizio",
            "Ente",
            "Nazionale, stesso tipo di servizio (senza l'ente)",
            "Differenza",
            "Test",
            "Esito del confronto",
        ),
        Lang::En => (
            "Service",
            "Body",
            "National, same kind of service (without the body)",
            "Difference",
            "Test",
            "Result",
        ),
    };
    let insufficient = charts::insufficient(lang).to_owned();
    let comparison_table = Table {
        caption: title.clone(),
        head: [h_service, h_body, h_national, h_diff, h_test, h_result]
            .map(str::to_owned)
            .to_vec(),
        rows: cells
            .iter()
            .map(|c| {
                let own = mean_figure(c);
                let reference = c.comparison.as_ref();
                let test = reference.and_then(|r| r.mean_test.as_ref());
                match (own.estimate(), test) {
                    (Some(e), Some(test)) => {
                        let s = significance(test);
                        vec![
                            label(c),
                            lang.number(e.value, 2),
                            reference
                                .and_then(|r| r.mean)
                                .map_or_else(|| insufficient.clone(), |m| lang.number(m, 2)),
                            lang.number(test.difference, 2),
                            test_words(test, lang),
                            format!("{} {}", s.symbol(), s.words(lang)),
                        ]
                    }
                    (Some(e), None) => vec![
                        label(c),
                        lang.number(e.value, 2),
                        insufficient.clone(),
                        "–".into(),
                        "–".into(),
                        Significance::NotTestable.words(lang).into(),
                    ],
                    (None, _) => vec![
                        label(c),
                        insufficient.clone(),
                        insufficient.clone(),
                        insufficient.clone(),
                        "–".into(),
                        insufficient.clone(),
                    ],
                }
            })
            .collect(),
        row_links: cells
            .iter()
            .map(|c| service_href(&c.group.code, lang, filters))
            .collect(),
    };
    let form = filter_form(
        &parts,
        lang,
        &format!("/dashboard/bodies/{code}"),
        filters,
        period_choices,
        None,
    );
    let embeds: Vec<String> = snippets
        .iter()
        .map(|(service, service_name, snippet)| {
            parts.embed(
                &format!("embed-{service}"),
                &format!("{service_name} ({service})"),
                snippet.as_deref(),
            )
        })
        .collect();
    let (compare_heading, embed_note) = match lang {
        Lang::It => (
            "I servizi dell'ente e il dato nazionale",
            "▲ significativamente più alto, ▼ più basso, = differenza non significativa, ? non verificabile (test al 95%).",
        ),
        Lang::En => (
            "The body's services and the national figure",
            "▲ significantly higher, ▼ lower, = no significant difference, ? not testable (95% tests).",
        ),
    };
    Page {
        frame: views::frame(
            operator,
            lang,
            format!("{} {name}", t.body),
            &format!("/dashboard/bodies/{code}"),
            &filters.query(&STAT_KEYS),
        ),
        lead: Some(format!(
            "{} {}",
            t.multiple_comparisons,
            protection(lang, answer)
        )),
        sections: vec![
            Section {
                id: "filters".into(),
                heading: t.filters.into(),
                note: None,
                parts: vec![form],
            },
            Section {
                id: "compare".into(),
                heading: compare_heading.into(),
                note: Some(embed_note.into()),
                parts: vec![
                    parts.chart(&chart),
                    parts.table("comparison", &comparison_table),
                ],
            },
            Section {
                id: "embed".into(),
                heading: t.embed.into(),
                note: Some(t.embed_hint.into()),
                parts: embeds,
            },
        ],
    }
    .html()
}

/// The facts of one service's page besides its statistics.
pub struct ServiceFacts<'a> {
    /// Service id.
    pub id: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its body's IPA code.
    pub body: &'a str,
    /// Questionnaire versions with their first day answered.
    pub versions: &'a [VersionChange],
    /// The latest comments, `None` when the role may not read them.
    pub comments: Option<&'a [Comment]>,
}

fn shares_table(cell: Option<&Cell>, question_filter: &[&str], caption: &str, lang: Lang) -> Table {
    let (h_option, h_count, h_share) = match lang {
        Lang::It => ("Opzione", "Risposte", "Quota (IC 95%)"),
        Lang::En => ("Option", "Responses", "Share (95% CI)"),
    };
    let insufficient = charts::insufficient(lang).to_owned();
    let rows = match cell {
        Some(c) if !c.suppressed => c
            .shares
            .iter()
            .filter(|s| question_filter.contains(&s.question.as_str()))
            .map(|s| {
                vec![
                    format!("{}: {}", s.question, s.option),
                    format!("{} / {}", lang.count(s.count), lang.count(s.of)),
                    format!(
                        "{} ({} – {})",
                        lang.percent(s.share),
                        lang.percent(s.ci95.low),
                        lang.percent(s.ci95.high)
                    ),
                ]
            })
            .collect(),
        _ => vec![vec![
            insufficient.clone(),
            insufficient.clone(),
            insufficient,
        ]],
    };
    Table {
        caption: caption.to_owned(),
        head: vec![h_option.into(), h_count.into(), h_share.into()],
        rows,
        row_links: Vec::new(),
    }
}

/// A service's page: trend with its band and the questionnaire versions, the 1..5
/// distribution, `esito`, the reasons, the response rate, and the latest redacted comments for
/// the roles that may read them.
pub fn service(
    operator: &Operator,
    lang: Lang,
    filters: &Filters,
    facts: &ServiceFacts<'_>,
    trend: &StatsAnswer,
    period_answer: &StatsAnswer,
    period: Option<Period>,
) -> String {
    let t = lang.texts();
    let parts = Parts::new(lang);
    let indicator = filters.rated_indicator().code();
    let words = indicator_words(lang, indicator);
    let points = trend_points(trend, indicator);
    let trend_title = match lang {
        Lang::It => format!("Andamento: {words}"),
        Lang::En => format!("Trend: {words}"),
    };
    let trend_chart = charts::trend(
        "trend",
        &trend_title,
        &words,
        Scale::Rating,
        &points,
        facts.versions,
        lang,
    );
    let cell_of = |ind: &str| period_answer.cells.iter().find(|c| c.indicator == ind);
    let rated = cell_of(indicator);
    let counts: Option<[u64; 5]> = rated
        .filter(|c| !c.suppressed)
        .and_then(|c| c.distribution.as_ref())
        .and_then(|d| <[u64; 5]>::try_from(d.as_slice()).ok());
    let period_words = period
        .map(|p| lang.period(&p.to_string()))
        .unwrap_or_default();
    let dist_title = match lang {
        Lang::It => format!("Distribuzione delle risposte 1–5, {period_words}"),
        Lang::En => format!("Distribution of the 1–5 answers, {period_words}"),
    };
    let dist_chart = charts::distribution(
        "distribution",
        &dist_title,
        counts,
        rated.and_then(|c| c.n_below),
        lang,
    );
    let esito_cell = cell_of("esito");
    let esito_rows: Vec<RankedRow> = match esito_cell {
        Some(c) if !c.suppressed => c
            .shares
            .iter()
            .filter(|s| s.question == "esito")
            .map(|s| RankedRow {
                label: s.option.clone(),
                figure: Figure::Shown {
                    n: s.of,
                    estimate: Estimate {
                        value: s.share,
                        low: s.ci95.low,
                        high: s.ci95.high,
                    },
                },
                significance: None,
                href: String::new(),
            })
            .collect(),
        _ => vec![RankedRow {
            label: "esito".into(),
            figure: Figure::Suppressed {
                below: esito_cell.and_then(|c| c.n_below),
            },
            significance: None,
            href: String::new(),
        }],
    };
    let esito_title = match lang {
        Lang::It => format!("Esito: hai fatto quello che ti serviva? {period_words}"),
        Lang::En => format!("Outcome: did you do what you needed? {period_words}"),
    };
    let esito_chart = charts::ranked(
        "esito",
        &esito_title,
        "esito",
        Scale::Share,
        &esito_rows,
        lang,
    );
    let reasons = shares_table(
        cell_of("motivi"),
        &["difficolta", "aspetti-positivi"],
        t.reasons,
        lang,
    );
    let insufficient = charts::insufficient(lang);
    let withheld = |v: Option<String>, suppressed: bool| match v {
        Some(v) if !suppressed => (v, false),
        _ => (insufficient.to_owned(), true),
    };
    let headline = rated.or_else(|| period_answer.cells.first());
    let suppressed = headline.is_none_or(|c| c.suppressed);
    let card = |value: Option<String>, label: &str| {
        let (value, suppressed) = withheld(value, suppressed);
        Card {
            value,
            label: label.to_owned(),
            suppressed,
        }
    };
    let cards = vec![
        card(
            headline.and_then(|c| c.responses).map(|n| lang.count(n)),
            t.responses,
        ),
        card(
            headline.and_then(|c| c.tickets).map(|n| lang.count(n)),
            t.tickets,
        ),
        card(
            headline
                .and_then(|c| c.response_rate)
                .map(|r| lang.percent(r)),
            t.response_rate,
        ),
        card(
            rated.and_then(|c| c.mean).map(|m| lang.number(m, 2)),
            &words,
        ),
    ];
    // Comments only for a published cell, and only for the roles that may read them.
    let comments = if suppressed {
        parts.comments(Some(&[]))
    } else {
        parts.comments(facts.comments)
    };
    let form = filter_form(
        &parts,
        lang,
        &format!("/dashboard/services/{}", facts.id),
        filters,
        &periods(trend),
        None,
    );
    let (figures_heading, versions_note) = match lang {
        Lang::It => (
            format!("In sintesi, {period_words}"),
            "◆ sull'asse del tempo: nuova versione del questionario.",
        ),
        Lang::En => (
            format!("At a glance, {period_words}"),
            "◆ on the time axis: a new questionnaire version.",
        ),
    };
    Page {
        frame: views::frame(
            operator,
            lang,
            format!("{} ({})", facts.name, facts.body),
            &format!("/dashboard/services/{}", facts.id),
            &filters.query(&STAT_KEYS),
        ),
        lead: Some(format!(
            "{}: {}. {}",
            t.service,
            facts.id,
            protection(lang, period_answer)
        )),
        sections: vec![
            Section {
                id: "filters".into(),
                heading: t.filters.into(),
                note: None,
                parts: vec![form],
            },
            Section {
                id: "figures".into(),
                heading: figures_heading,
                note: None,
                parts: vec![parts.cards(&cards)],
            },
            Section {
                id: "trend".into(),
                heading: trend_title.clone(),
                note: Some(versions_note.into()),
                parts: vec![parts.chart(&trend_chart)],
            },
            Section {
                id: "distribution".into(),
                heading: dist_title.clone(),
                note: None,
                parts: vec![parts.chart(&dist_chart)],
            },
            Section {
                id: "esito".into(),
                heading: esito_title.clone(),
                note: None,
                parts: vec![parts.chart(&esito_chart)],
            },
            Section {
                id: "reasons".into(),
                heading: t.reasons.into(),
                note: None,
                parts: vec![parts.table("reasons-table", &reasons)],
            },
            Section {
                id: "comments".into(),
                heading: t.comments.into(),
                note: None,
                parts: vec![comments],
            },
        ],
    }
    .html()
}
