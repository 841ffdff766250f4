//! `GET /v1/stats` and the aggregate exports: the query string ([`StatsQuery`], parsed at the
//! edge), checked against the registry and planned by `voce-stats`; the rollup rows the plan
//! names read by `crate::db::rollups` (SQL only, summed by the database); and the pure answer
//! of `voce-stats` built from them.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::{IntoParams, ToSchema};
use voce_shared::{BodyKind, Catalog, Indicator, ServiceKind};
use voce_stats::answer::{self, Audience, Directory, Fetched, GroupFacts};
use voce_stats::disclosure::Threshold;
use voce_stats::query::{Asked, BadQuery, Plan, Scoped};

pub use voce_stats::Granularity;
pub use voce_stats::answer::{Cell, CellComparison, GroupRef, OptionShare};
pub use voce_stats::query::Grouping;

use super::cache::ClosedPeriods;
use crate::db::rollups::{self as store, GroupBy, Selection};
use crate::db::{DbConnection, DbError};
use crate::domain::{Channel, IpaCode, ServiceId};
use crate::registry::cache::Snapshot;

/// The query string of `GET /v1/stats` and of the aggregate exports. An empty value is none; a
/// value that is not one is a `400`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// Only this service (registry id).
    #[serde(default, with = "crate::filters::strict")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>)]
    pub service: Option<ServiceId>,
    /// Only this body (IPA code). A `body` operator always reads its own body.
    #[serde(default, with = "crate::filters::strict")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>)]
    pub body: Option<IpaCode>,
    /// Only this kind of service (catalog code, e.g. `domanda-online`).
    #[serde(default, with = "crate::filters::strict")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>)]
    pub service_kind: Option<ServiceKind>,
    /// Only this kind of body (catalog code, e.g. `comune`).
    #[serde(default, with = "crate::filters::strict")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>)]
    pub body_kind: Option<BodyKind>,
    /// Only responses from this channel: `widget`, `page`, `qr`, `email`, `sms`.
    #[serde(default, with = "crate::filters::strict")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>)]
    pub channel: Option<Channel>,
    /// Only attested (`true`) or unattested (`false`) responses.
    #[serde(default, with = "crate::filters::strict")]
    pub verified: Option<bool>,
    /// First day (`YYYY-MM-DD`, widened to the start of its period). Default: eleven periods
    /// before `to` (a year of months by default).
    #[serde(default, with = "crate::filters::strict")]
    #[param(value_type = Option<String>, format = Date)]
    #[schema(value_type = Option<String>, format = Date)]
    pub from: Option<Date>,
    /// Last day (`YYYY-MM-DD`, widened to the end of its period). Default: today (UTC).
    #[serde(default, with = "crate::filters::strict")]
    #[param(value_type = Option<String>, format = Date)]
    #[schema(value_type = Option<String>, format = Date)]
    pub to: Option<Date>,
    /// `day`, `week`, `month` (default), `quarter` or `year`.
    #[serde(default, with = "crate::filters::strict")]
    pub granularity: Option<Granularity>,
    /// `national` (default), `service`, `body`, `service-kind` or `body-kind`.
    #[serde(default, with = "crate::filters::strict")]
    pub group_by: Option<Grouping>,
    /// Only this indicator: `chiarezza`, `facilita`, `soddisfazione`, `fiducia`, `esito`,
    /// `motivi`.
    #[serde(default, with = "crate::filters::strict")]
    #[param(value_type = Option<String>)]
    #[schema(value_type = Option<String>)]
    pub indicator: Option<Indicator>,
}

/// The answer of `GET /v1/stats`, with the filters it was asked with.
pub type StatsAnswer = answer::StatsAnswer<StatsQuery>;

/// The plan of a query and the rollup rows it reads.
#[derive(Clone, Debug)]
pub struct Planned {
    /// What `voce-stats` planned.
    pub plan: Plan,
    /// The rows to read.
    pub selection: Selection,
    /// The groups the selection covers in the registry, with their indicators.
    pub scope: Vec<Scoped>,
}

/// The groups of `grouping` that the registry's services matching the query make, each with
/// the indicators of their questionnaires.
fn scope_of(query: &StatsQuery, grouping: Grouping, registry: &Snapshot) -> Vec<Scoped> {
    let mut groups: std::collections::BTreeMap<String, Vec<Indicator>> =
        std::collections::BTreeMap::new();
    for s in registry.services() {
        let matches = query
            .service
            .as_ref()
            .is_none_or(|x| x.as_str() == s.service.id)
            && query
                .body
                .as_ref()
                .is_none_or(|x| x.as_str() == s.body.ipa_code)
            && query
                .service_kind
                .is_none_or(|x| x.code() == s.service.service_kind)
            && query.body_kind.is_none_or(|x| x.code() == s.body.body_kind);
        if !matches {
            continue;
        }
        let code = match grouping {
            Grouping::National => String::new(),
            Grouping::Service => s.service.id.clone(),
            Grouping::Body => s.body.ipa_code.clone(),
            Grouping::ServiceKind => s.service.service_kind.clone(),
            Grouping::BodyKind => s.body.body_kind.clone(),
        };
        let indicators = groups.entry(code).or_default();
        for source in s.questionnaire.indicator_sources() {
            if !indicators.contains(&source.indicator) {
                indicators.push(source.indicator);
            }
        }
    }
    groups
        .into_iter()
        .map(|(code, indicators)| Scoped { code, indicators })
        .collect()
}

/// Checks a query against the registry and plans its reads; `today` is the default end.
pub fn plan(query: &StatsQuery, registry: &Snapshot, today: Date) -> Result<Planned, BadQuery> {
    if let Some(service) = &query.service
        && registry.service(service.as_str()).is_none()
    {
        return Err(BadQuery(format!(
            "service={:?}: not in the registry",
            service.as_str()
        )));
    }
    let splits_channel = query.channel.is_some() || query.verified.is_some();
    let plan = voce_stats::query::plan(
        &Asked {
            granularity: query.granularity,
            grouping: query.group_by,
            indicator: query.indicator,
            from: query.from,
            to: query.to,
            splits_channel,
        },
        today,
    )?;
    let scope = scope_of(query, plan.grouping, registry);
    voce_stats::query::check_size(&plan, &scope)?;
    let selection = Selection {
        grain: plan.grain,
        from: plan.first.clone(),
        to: plan.last.clone(),
        channel: query.channel,
        verified: query.verified,
        service: query.service.clone(),
        body: query.body.clone(),
        service_kind: query.service_kind,
        body_kind: query.body_kind,
    };
    Ok(Planned {
        plan,
        selection,
        scope,
    })
}

/// Reads what the answer of `planned` needs.
pub fn fetch(conn: &mut DbConnection, planned: &Planned) -> Result<Fetched, DbError> {
    let s = &planned.selection;
    let group = GroupBy::from(planned.plan.grouping);
    let splits_channel = s.channel.is_some() || s.verified.is_some();
    let mut fetched = Fetched {
        rows: store::read(conn, s, group)?,
        choices: store::read_choices(conn, s, group)?,
        tickets: if splits_channel {
            None
        } else {
            Some(store::read_tickets(conn, s, group)?)
        },
        scope: Some(planned.scope.clone()),
        ..Fetched::default()
    };
    if group != GroupBy::All {
        fetched.total_rows = store::read(conn, s, GroupBy::All)?;
        fetched.total_choices = store::read_choices(conn, s, GroupBy::All)?;
        fetched.total_tickets = if splits_channel {
            None
        } else {
            Some(store::read_tickets(conn, s, GroupBy::All)?)
        };
    }
    if matches!(planned.plan.grouping, Grouping::Service | Grouping::Body) {
        let national = Selection {
            service: None,
            body: None,
            service_kind: None,
            body_kind: None,
            ..s.clone()
        };
        fetched.reference_rows = store::read(conn, &national, GroupBy::KindsAndBody)?;
        fetched.reference_choices = store::read_choices(conn, &national, GroupBy::KindsAndBody)?;
    }
    Ok(fetched)
}

impl Directory for Snapshot {
    fn service(&self, id: &str) -> Option<GroupFacts> {
        Snapshot::service(self, id).map(|s| GroupFacts {
            name: s.service.name.clone(),
            service_kind: Some(s.service.service_kind.clone()),
            body_kind: Some(s.body.body_kind.clone()),
            body: Some(s.body.ipa_code.clone()),
        })
    }

    fn body(&self, ipa_code: &str) -> Option<GroupFacts> {
        self.services()
            .find(|s| s.body.ipa_code == ipa_code)
            .map(|s| GroupFacts {
                name: s.body.name.clone(),
                body_kind: Some(s.body.body_kind.clone()),
                ..GroupFacts::default()
            })
    }
}

/// Plans, reads and answers a query in one call for `audience` (blocking: run it on the
/// blocking pool). Reads that end before `today` go through `closed`.
#[allow(clippy::too_many_arguments)]
pub fn run(
    conn: &mut DbConnection,
    catalog: &Catalog,
    registry: &Snapshot,
    query: StatsQuery,
    k: Threshold,
    today: Date,
    closed: &ClosedPeriods,
    audience: &Audience,
) -> Result<Result<StatsAnswer, BadQuery>, DbError> {
    let planned = match plan(&query, registry, today) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let fetched = if planned.plan.to < today {
        let key = format!("{:?}|{:?}", planned.selection, planned.plan.grouping);
        closed.fetch(conn, key, |conn| fetch(conn, &planned))?
    } else {
        Arc::new(fetch(conn, &planned)?)
    };
    Ok(Ok(answer::answer(
        catalog,
        registry,
        &planned.plan,
        query,
        &fetched,
        k,
        audience,
    )))
}
