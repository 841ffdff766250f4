//! Each dashboard page, put together: it reads what it shows through the same capability
//! functions the API calls ([`crate::stats::answer_for`] for the statistics, [`crate::audit::read_for`],
//! [`crate::export::responses::page_for`] for the comments, so every read is scoped and audited
//! as the API's is) and renders it with [`super::stat_pages`] and [`super::screens`].

use crate::audit::{self, AuditQuery};
use crate::auth::operator::Operator;
use crate::dashboard::charts::VersionChange;
use crate::dashboard::i18n::Lang;
use crate::dashboard::pages::Comment;
use crate::dashboard::{embed, screens, stat_pages, views};
use crate::domain::{IpaCode, ServiceId};
use crate::error::ApiError;
use crate::export::responses::{self, RawQuery};
use crate::filters::Filters;
use crate::state::AppState;
use crate::stats::answer_for;
use crate::stats::query::Grouping;
use voce_stats::Period;
use voce_stats::period::parse_day;

/// How many raw responses the service page reads to find its latest comments, and how many it
/// shows.
const COMMENT_SCAN: usize = 500;
const COMMENTS_SHOWN: usize = 10;

/// Where an operator lands after signing in: the first section the role may open.
pub fn first_page(operator: &Operator, lang: Lang) -> String {
    views::nav(operator, lang, "")
        .into_iter()
        .next()
        .map(|l| l.href)
        .unwrap_or_else(|| "/dashboard".into())
}

/// The kinds of service and of body in the registry, sorted, for the filters.
fn kinds(state: &AppState) -> (Vec<String>, Vec<String>) {
    let snapshot = state.registry.snapshot();
    let mut services = std::collections::BTreeSet::new();
    let mut bodies = std::collections::BTreeSet::new();
    for s in snapshot.services() {
        services.insert(s.service.service_kind.clone());
        bodies.insert(s.body.body_kind.clone());
    }
    (services.into_iter().collect(), bodies.into_iter().collect())
}

/// The audit log (`national`), read as `GET /v1/audit` reads it.
pub async fn audit(
    state: &AppState,
    operator: &Operator,
    lang: Lang,
    filters: &Filters,
) -> Result<String, ApiError> {
    let asked = AuditQuery {
        action: filters.action,
        actor: filters.actor.clone(),
        body: filters.body.clone(),
        from: filters.from,
        to: filters.to,
        cursor: filters.cursor.clone(),
        limit: Some(100),
    };
    let page = audit::read_for(&state.db, operator.audit_reader()?, asked).await?;
    Ok(screens::audit(operator, lang, filters, &page))
}

/// A button per export, carrying the filters.
pub fn exports(state: &AppState, operator: &Operator, lang: Lang, filters: &Filters) -> String {
    let (service_kinds, body_kinds) = kinds(state);
    screens::exports(operator, lang, filters, &service_kinds, &body_kinds)
}

/// The national overview: the trend of the indicator and the services ranked on one period.
pub async fn overview(
    state: &AppState,
    operator: &Operator,
    lang: Lang,
    filters: &Filters,
) -> Result<String, ApiError> {
    let mut trend_query = stat_pages::stats_query(filters, None);
    trend_query.indicator = Some(filters.rated_indicator());
    let trend = answer_for(&state.stats_sources(), operator, trend_query).await?;
    let period = stat_pages::chosen_period(filters, &trend);
    let mut ranked_query = stat_pages::stats_query(filters, period);
    ranked_query.group_by = Some(Grouping::Service);
    ranked_query.indicator = Some(filters.rated_indicator());
    let ranked = answer_for(&state.stats_sources(), operator, ranked_query).await?;
    let (service_kinds, body_kinds) = kinds(state);
    Ok(stat_pages::overview(
        operator,
        lang,
        filters,
        &trend,
        &ranked,
        period,
        &service_kinds,
        &body_kinds,
    ))
}

/// A body's services against the national figures, and their embed snippets for the widget
/// served from `address`. Readable as `GET /v1/stats?body=…` is.
pub async fn body(
    state: &AppState,
    operator: &Operator,
    lang: Lang,
    filters: &Filters,
    code: &str,
    address: &str,
) -> Result<String, ApiError> {
    operator.may_read_aggregates_of(code)?;
    let snapshot = state.registry.snapshot();
    let mut services: Vec<_> = snapshot
        .services()
        .filter(|s| s.body.ipa_code == code)
        .cloned()
        .collect();
    if services.is_empty() {
        return Err(ApiError::NotFound(format!(
            "No body {code} in the registry."
        )));
    }
    services.sort_by(|a, b| a.service.id.cmp(&b.service.id));
    let body = IpaCode::parse(code).map_err(|e| ApiError::NotFound(e.0))?;
    let mut trend_query = stat_pages::stats_query(filters, None);
    trend_query.body = Some(body.clone());
    trend_query.indicator = Some(filters.rated_indicator());
    let trend = answer_for(&state.stats_sources(), operator, trend_query).await?;
    let period = stat_pages::chosen_period(filters, &trend);
    let mut asked = stat_pages::stats_query(filters, period);
    asked.body = Some(body);
    asked.group_by = Some(Grouping::Service);
    asked.indicator = Some(filters.rated_indicator());
    let answer = answer_for(&state.stats_sources(), operator, asked).await?;
    let loader = embed::read_pinned_loader(&state.settings.widget_dir);
    let snippets: Vec<(String, String, Option<String>)> = services
        .iter()
        .map(|s| {
            (
                s.service.id.clone(),
                s.service.name.clone(),
                loader
                    .as_ref()
                    .map(|l| embed::snippet(address, l, &s.service.id, lang.code())),
            )
        })
        .collect();
    Ok(stat_pages::body(
        operator,
        lang,
        filters,
        (code, &services[0].body.name),
        &answer,
        &stat_pages::periods(&trend),
        period,
        &snippets,
    ))
}

/// One service's trend, distribution, outcome, reasons, response rate, questionnaire versions
/// and, for the roles that may read them, its latest redacted comments.
pub async fn service(
    state: &AppState,
    operator: &Operator,
    lang: Lang,
    filters: &Filters,
    id: &str,
) -> Result<String, ApiError> {
    let snapshot = state.registry.snapshot();
    let service = snapshot
        .service(id)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("No service {id} in the registry.")))?;
    operator.may_read_aggregates_of(&service.body.ipa_code)?;
    let asked_service = ServiceId::parse(id).map_err(|e| ApiError::NotFound(e.0))?;
    let mut trend_query = stat_pages::stats_query(filters, None);
    trend_query.service = Some(asked_service.clone());
    trend_query.service_kind = None;
    trend_query.body_kind = None;
    let trend = answer_for(&state.stats_sources(), operator, trend_query).await?;
    let period = stat_pages::chosen_period(filters, &trend);
    let mut asked = stat_pages::stats_query(filters, period);
    asked.service = Some(asked_service);
    asked.service_kind = None;
    asked.body_kind = None;
    let answer = answer_for(&state.stats_sources(), operator, asked).await?;
    let versions = version_changes(state, id, filters).await?;
    let comments = if operator.may_read_free_text(&service.body.ipa_code).is_ok() {
        let published = published_periods(
            trend
                .cells
                .iter()
                .map(|c| (c.period.as_str(), c.suppressed)),
        );
        Some(comments(state, operator, lang, id, &published).await?)
    } else {
        None
    };
    Ok(stat_pages::service(
        operator,
        lang,
        filters,
        &stat_pages::ServiceFacts {
            id,
            name: &service.service.name,
            body: &service.body.ipa_code,
            versions: &versions,
            comments: comments.as_deref(),
        },
        &trend,
        &answer,
        period,
    ))
}

/// Where a new questionnaire version started answering for the service, in the page's periods.
async fn version_changes(
    state: &AppState,
    id: &str,
    filters: &Filters,
) -> Result<Vec<VersionChange>, ApiError> {
    let service_id = id.to_owned();
    let firsts = state
        .db
        .run(move |conn| crate::db::versions::first_days(conn, &service_id))
        .await?;
    let granularity = filters.chart_granularity();
    Ok(firsts
        .iter()
        .skip(1)
        .filter_map(|(questionnaire, version, day)| {
            let date = time::Date::parse(
                day,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .ok()?;
            Some(VersionChange {
                period: granularity.period_of(date).to_string(),
                label: format!("{questionnaire} v{version}"),
            })
        })
        .collect())
}

/// The periods of a service's trend in which at least one of its cells is published: a comment
/// is shown only from a day inside one, so that the comments of a suppressed month (a handful
/// of citizens, each of whom a comment may describe) are not shown beside it.
/// `cells` are (period, suppressed) pairs.
fn published_periods<'a>(cells: impl Iterator<Item = (&'a str, bool)>) -> Vec<Period> {
    let mut periods: Vec<Period> = cells
        .filter(|(_, suppressed)| !suppressed)
        .filter_map(|(period, _)| Period::parse(period))
        .collect();
    periods.sort_by_key(|p| (p.start(), p.end()));
    periods.dedup();
    periods
}

/// Whether `day` (`YYYY-MM-DD`) is inside one of `periods`.
fn written_in(day: &str, periods: &[Period]) -> bool {
    parse_day(day).is_some_and(|d| periods.iter().any(|p| p.contains(d)))
}

/// The latest redacted comments of the last 90 days from days inside `published` periods, read
/// as `GET /v1/responses` reads them (and audited the same way).
async fn comments(
    state: &AppState,
    operator: &Operator,
    lang: Lang,
    id: &str,
    published: &[Period],
) -> Result<Vec<Comment>, ApiError> {
    let since = time::OffsetDateTime::now_utc().date() - time::Duration::days(90);
    let service = ServiceId::parse(id).map_err(|e| ApiError::NotFound(e.0))?;
    let registry = state.registry.snapshot();
    let from = responses::Sources {
        db: &state.db,
        registry: &registry,
        keys: &state.export_keys,
    };
    let raw = responses::page_for(
        from,
        operator,
        RawQuery {
            service: Some(service),
            from: Some(since),
            limit: Some(COMMENT_SCAN),
            ..RawQuery::default()
        },
    )
    .await?;
    let mut list: Vec<Comment> = raw
        .responses
        .iter()
        .filter(|r| written_in(&r.day, published))
        .flat_map(|r| {
            r.free_texts.iter().flatten().map(|f| Comment {
                locale: r.locale.clone(),
                text: f.text.clone(),
                day: r.day.clone(),
            })
        })
        .collect();
    list.sort_by(|a, b| b.day.cmp(&a.day));
    list.truncate(COMMENTS_SHOWN);
    for c in &mut list {
        c.day = lang.period(&c.day);
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_kept_only_from_days_inside_a_published_period() {
        // October published (one of its indicators suppressed), November suppressed (a handful
        // of answers), a week of December published: November's comments stay out.
        let published = published_periods(
            [
                ("2026-10", false),
                ("2026-10", true),
                ("2026-11", true),
                ("2026-W49", false),
            ]
            .into_iter(),
        );
        assert_eq!(published.len(), 2);
        assert!(written_in("2026-10-05", &published));
        assert!(!written_in("2026-11-02", &published));
        assert!(written_in("2026-12-02", &published));
        assert!(!written_in("2026-12-08", &published));
        assert!(!written_in("not a day", &published));
    }
}
