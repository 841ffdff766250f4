//! `GET /v1/audit`: the audit log, for `national` only.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::audit::{self, AuditAction, AuditPage};
use crate::auth::operator::Operator;
use crate::db::audit::AuditFilter;
use crate::error::ApiError;
use crate::state::AppState;

/// The filters of `GET /v1/audit`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this action: `token-issued`, `token-revoked`, `registry-imported`, `exported`,
    /// `raw-read`, `audit-read` or `purged`.
    #[param(
        pattern = "^(token-issued|token-revoked|registry-imported|exported|raw-read|audit-read|purged)$"
    )]
    pub action: Option<String>,
    /// Only this actor (a token id, or `cli:<user>`).
    pub actor: Option<String>,
    /// Only entries concerning this body (IPA code).
    pub body: Option<String>,
    /// From this day, inclusive (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// To this day, inclusive (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
    /// Entries per page, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

fn day(field: &str, text: &str) -> Result<time::Date, ApiError> {
    time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| ApiError::Malformed(format!("{field} must be a day such as 2026-10-31")))
}

/// The audit log, newest first, filtered and paginated.
#[utoipa::path(
    get,
    path = "/v1/audit",
    tag = "operator",
    params(AuditQuery),
    security(("operator" = [])),
    responses(
        (status = 200, description = "A page of audit entries, newest first", body = AuditPage),
        (status = 400, description = "A malformed filter or cursor", body = voce_shared::api::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid operator token", body = voce_shared::api::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the national role reads the audit log", body = voce_shared::api::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn read_audit(
    state: web::Data<AppState>,
    operator: Operator,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = audit_for(&state, &operator, query.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(page))
}

/// A page of the audit log for `operator` (national only), the read itself audited: what
/// `GET /v1/audit` answers and the dashboard's audit page shows.
pub async fn audit_for(
    state: &AppState,
    operator: &Operator,
    query: AuditQuery,
) -> Result<AuditPage, ApiError> {
    operator.require_national()?;
    if let Some(action) = &query.action
        && AuditAction::parse(action).is_none()
    {
        return Err(ApiError::Malformed(format!(
            "action must be one of {}",
            AuditAction::ALL.map(AuditAction::as_str).join(", ")
        )));
    }
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::Malformed("limit must be from 1 to 1000".into()));
    }
    let before_id = query
        .cursor
        .as_deref()
        .map(|c| {
            c.parse::<i64>()
                .map_err(|_| ApiError::Malformed("the cursor is not one this API gave".into()))
        })
        .transpose()?;
    let from = query.from.as_deref().map(|d| day("from", d)).transpose()?;
    let to = query
        .to
        .as_deref()
        .map(|d| day("to", d))
        .transpose()?
        .map(|d| d.next_day().unwrap_or(d));
    let filter = AuditFilter {
        action: query.action,
        actor: query.actor,
        body: query.body,
        from: from.map(|d| d.to_string()),
        to: to.map(|d| d.to_string()),
        before_id,
    };
    let actor = operator.actor();
    state
        .db
        .run(move |conn| {
            let page = audit::page(conn, &filter, limit)?;
            audit::record(
                conn,
                &actor,
                AuditAction::AuditRead,
                None,
                &format!("GET /v1/audit {} entries", page.entries.len()),
            )?;
            Ok(page)
        })
        .await
        .map_err(ApiError::from)
}
