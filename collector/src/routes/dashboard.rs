//! `/dashboard`: the operators' pages, rendered on the server (see [`crate::dashboard`]).
//!
//! Every answer carries a strict Content Security Policy (no inline script or style, nothing
//! from another host), `no-store` for pages, and the dashboard's own stylesheet and script
//! served from `/dashboard/static/`. Signing in posts the operator token; the collector checks
//! it exactly as the API does and keeps it in the `voce_session` cookie
//! ([`crate::dashboard::session`]). A page asked without a valid session sends the browser to
//! the sign-in page; a page the role may not see answers `403` with a page naming the scope.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::auth::operator::{Operator, OperatorClaims};
use crate::dashboard::charts::VersionChange;
use crate::dashboard::i18n::Lang;
use crate::dashboard::pages::Comment;
use crate::dashboard::{embed, screens, session, stat_pages, views};
use crate::domain::{IpaCode, ServiceId};
use crate::error::ApiError;
use crate::export::responses::RawQuery;
use crate::filters::Filters;
use crate::routes::operator::list_responses::responses_for;
use crate::routes::operator::read_audit::{AuditQuery, audit_for};
use crate::state::AppState;
use crate::stats::answer_for;
use crate::stats::query::Grouping;

/// The dashboard's Content Security Policy: its own script and stylesheet only, forms posting
/// only to itself, never framed.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLESHEET: &str = include_str!("../../static/dashboard.css");
const SCRIPT: &str = include_str!("../../static/dashboard.js");
const ICON: &str = include_str!("../../static/dashboard-icon.svg");

/// Adds the dashboard's security headers to every answer under `/dashboard`.
pub async fn add_security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// The `locale` of a dashboard request.
#[derive(Debug, Default, Deserialize)]
pub struct LocaleQuery {
    /// A widget locale code.
    pub locale: Option<String>,
}

/// The page language of a request.
pub fn lang_of(req: &HttpRequest, query: &LocaleQuery) -> Lang {
    Lang::negotiate(
        query.locale.as_deref(),
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Whether the request reached the collector over TLS (directly or through a proxy that says
/// so).
fn is_tls(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
}

/// An HTML answer.
pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// `303 See Other` to `location`.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// What a page answers when the operator could not be established or may not see it: the
/// sign-in page for a missing or refused token, a page naming the scope for a refusal.
pub fn refused(error: ApiError, operator: Option<&Operator>, lang: Lang) -> HttpResponse {
    match error {
        ApiError::Unauthenticated => {
            see_other(&format!("/dashboard/sign-in?locale={}", lang.code()))
        }
        ApiError::Forbidden { scope } => html(
            StatusCode::FORBIDDEN,
            views::refusal(operator, lang, 403, &scope),
        ),
        ApiError::NotFound(detail) => html(
            StatusCode::NOT_FOUND,
            views::refusal(operator, lang, 404, &detail),
        ),
        other => {
            tracing::error!(error = %other, "a dashboard page failed");
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                views::refusal(operator, lang, 500, ""),
            )
        }
    }
}

/// `GET /dashboard/static/{file}`: the stylesheet, the script and the icon.
pub async fn serve_dashboard_asset(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (content_type, body) = match file.as_str() {
        "dashboard.css" => ("text/css; charset=utf-8", STYLESHEET),
        "dashboard.js" => ("text/javascript; charset=utf-8", SCRIPT),
        "dashboard-icon.svg" => ("image/svg+xml", ICON),
        _ => return Err(ApiError::NotFound("No such dashboard file.".into())),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body))
}

/// `GET /dashboard/sign-in`.
pub async fn show_sign_in(req: HttpRequest, query: web::Query<LocaleQuery>) -> HttpResponse {
    html(StatusCode::OK, views::sign_in(lang_of(&req, &query), false))
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    /// The pasted operator token.
    pub token: String,
}

/// `POST /dashboard/sign-in`: checks the token as the API does; when it verifies, keeps it in
/// the session cookie until it expires and goes to the operator's first page.
pub async fn sign_in(
    req: HttpRequest,
    query: web::Query<LocaleQuery>,
    state: web::Data<AppState>,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req, &query);
    let token = form.into_inner().token.trim().to_owned();
    let refused = || html(StatusCode::UNAUTHORIZED, views::sign_in(lang, true));
    if !session::is_cookie_safe(&token) {
        return Ok(refused());
    }
    let auth = state.operators.clone();
    let checked = token.clone();
    let operator = state
        .db
        .run(move |conn| Ok(auth.verify_with(&checked, conn)))
        .await?;
    let Ok(operator) = operator else {
        return Ok(refused());
    };
    // The token verified: its claims (read again for `exp`) are sound.
    let Ok(claims) = jsonwebtoken::dangerous::insecure_decode::<OperatorClaims>(&token) else {
        return Ok(refused());
    };
    let now = time::OffsetDateTime::now_utc();
    let expires = time::OffsetDateTime::from_unix_timestamp(claims.claims.exp).unwrap_or(now);
    let first = views::nav(&operator, lang, "")
        .into_iter()
        .next()
        .map(|l| l.href)
        .unwrap_or_else(|| "/dashboard".into());
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, first))
        .insert_header((
            header::SET_COOKIE,
            session::set_cookie(&token, expires, now, is_tls(&req)),
        ))
        .finish())
}

/// `POST /dashboard/sign-out`: ends the session.
pub async fn sign_out(req: HttpRequest, query: web::Query<LocaleQuery>) -> HttpResponse {
    let lang = lang_of(&req, &query);
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/dashboard/sign-in?locale={}", lang.code()),
        ))
        .insert_header((header::SET_COOKIE, session::clear_cookie(is_tls(&req))))
        .finish()
}

/// Every path under `/dashboard`: to be passed to `App::configure`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use actix_web::middleware::from_fn;

    use super::resource;
    cfg.service(
        web::scope("/dashboard")
            .wrap(from_fn(add_security_headers))
            .service(resource(
                "/static/{file}",
                "GET",
                vec![web::get().to(serve_dashboard_asset)],
            ))
            .service(resource(
                "/sign-in",
                "GET, POST",
                vec![web::get().to(show_sign_in), web::post().to(sign_in)],
            ))
            .service(resource("", "GET", vec![web::get().to(show_overview)]))
            .service(resource(
                "/bodies/{body}",
                "GET",
                vec![web::get().to(show_body)],
            ))
            .service(resource(
                "/services/{service}",
                "GET",
                vec![web::get().to(show_service)],
            ))
            .service(resource("/audit", "GET", vec![web::get().to(show_audit)]))
            .service(resource(
                "/exports",
                "GET",
                vec![web::get().to(show_exports)],
            ))
            .service(resource(
                "/sign-out",
                "POST",
                vec![web::post().to(sign_out)],
            ))
            .default_service(web::to(not_found)),
    );
}

/// Any other path under `/dashboard`.
pub async fn not_found(req: HttpRequest, query: web::Query<LocaleQuery>) -> HttpResponse {
    refused(
        ApiError::NotFound(String::new()),
        None,
        lang_of(&req, &query),
    )
}

/// The operator of a request, or the answer that sends the browser to sign in.
fn signed_in(
    operator: Result<Operator, ApiError>,
    lang: Lang,
) -> Result<Operator, Box<HttpResponse>> {
    operator.map_err(|e| Box::new(refused(e, None, lang)))
}

/// `GET /dashboard/audit`: the audit log (`national`), read as `GET /v1/audit` reads it.
pub async fn show_audit(
    req: HttpRequest,
    operator: Result<Operator, ApiError>,
    query: web::Query<Filters>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let filters = query.into_inner();
    let lang = lang_of(
        &req,
        &LocaleQuery {
            locale: filters.locale.clone(),
        },
    );
    let operator = match signed_in(operator, lang) {
        Ok(o) => o,
        Err(answer) => return *answer,
    };
    let asked = AuditQuery {
        action: filters.action.clone(),
        actor: filters.actor.clone(),
        body: filters.body.as_ref().map(ToString::to_string),
        from: filters.from.map(|d| d.to_string()),
        to: filters.to.map(|d| d.to_string()),
        cursor: filters.cursor.clone(),
        limit: Some(100),
    };
    match audit_for(&state, &operator, asked).await {
        Ok(page) => html(
            StatusCode::OK,
            screens::audit(&operator, lang, &filters, &page),
        ),
        Err(e) => refused(e, Some(&operator), lang),
    }
}

/// `GET /dashboard/exports`: a button per export, carrying the filters.
pub async fn show_exports(
    req: HttpRequest,
    operator: Result<Operator, ApiError>,
    query: web::Query<Filters>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let filters = query.into_inner();
    let lang = lang_of(
        &req,
        &LocaleQuery {
            locale: filters.locale.clone(),
        },
    );
    let operator = match signed_in(operator, lang) {
        Ok(o) => o,
        Err(answer) => return *answer,
    };
    if let Err(e) = operator.may_read_aggregates() {
        return refused(e, Some(&operator), lang);
    }
    let (service_kinds, body_kinds) = kinds(&state);
    html(
        StatusCode::OK,
        screens::exports(&operator, lang, &filters, &service_kinds, &body_kinds),
    )
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

/// `GET /dashboard`: the national overview (`national`, `analyst`; a `body` operator is sent
/// to its body's page).
pub async fn show_overview(
    req: HttpRequest,
    operator: Result<Operator, ApiError>,
    query: web::Query<Filters>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let filters = query.into_inner().for_charts();
    let lang = lang_of(
        &req,
        &LocaleQuery {
            locale: filters.locale.clone(),
        },
    );
    let operator = match signed_in(operator, lang) {
        Ok(o) => o,
        Err(answer) => return *answer,
    };
    if let Some(body) = operator.body() {
        return see_other(&format!("/dashboard/bodies/{body}?locale={}", lang.code()));
    }
    let page = async {
        let mut trend_query = stat_pages::stats_query(&filters, None);
        trend_query.indicator = Some(filters.rated_indicator());
        let trend = answer_for(&state.stats_sources(), &operator, trend_query).await?;
        let period = stat_pages::chosen_period(&filters, &trend);
        let mut ranked_query = stat_pages::stats_query(&filters, period);
        ranked_query.group_by = Some(Grouping::Service);
        ranked_query.indicator = Some(filters.rated_indicator());
        let ranked = answer_for(&state.stats_sources(), &operator, ranked_query).await?;
        let (service_kinds, body_kinds) = kinds(&state);
        Ok::<_, ApiError>(stat_pages::overview(
            &operator,
            lang,
            &filters,
            &trend,
            &ranked,
            period,
            &service_kinds,
            &body_kinds,
        ))
    };
    match page.await {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => refused(e, Some(&operator), lang),
    }
}

/// The collector's own address as the request reached it, for the embed snippet.
fn collector_address(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// `GET /dashboard/bodies/{body}`: a body's services against the national figures, and their
/// embed snippets. Readable as `GET /v1/stats?body=…` is: `national`, `analyst`, the body itself.
pub async fn show_body(
    req: HttpRequest,
    operator: Result<Operator, ApiError>,
    path: web::Path<String>,
    query: web::Query<Filters>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let filters = query.into_inner().for_charts();
    let lang = lang_of(
        &req,
        &LocaleQuery {
            locale: filters.locale.clone(),
        },
    );
    let operator = match signed_in(operator, lang) {
        Ok(o) => o,
        Err(answer) => return *answer,
    };
    let code = path.into_inner();
    let page = async {
        operator.may_read_aggregates_of(&code)?;
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
        let body = IpaCode::parse(&code).map_err(|e| ApiError::NotFound(e.0))?;
        let mut trend_query = stat_pages::stats_query(&filters, None);
        trend_query.body = Some(body.clone());
        trend_query.indicator = Some(filters.rated_indicator());
        let trend = answer_for(&state.stats_sources(), &operator, trend_query).await?;
        let period = stat_pages::chosen_period(&filters, &trend);
        let mut asked = stat_pages::stats_query(&filters, period);
        asked.body = Some(body);
        asked.group_by = Some(Grouping::Service);
        asked.indicator = Some(filters.rated_indicator());
        let answer = answer_for(&state.stats_sources(), &operator, asked).await?;
        let loader = embed::read_pinned_loader(&state.settings.widget_dir);
        let address = collector_address(&req);
        let snippets: Vec<(String, String, Option<String>)> = services
            .iter()
            .map(|s| {
                (
                    s.service.id.clone(),
                    s.service.name.clone(),
                    loader
                        .as_ref()
                        .map(|l| embed::snippet(&address, l, &s.service.id, lang.code())),
                )
            })
            .collect();
        Ok(stat_pages::body(
            &operator,
            lang,
            &filters,
            (&code, &services[0].body.name),
            &answer,
            &stat_pages::periods(&trend),
            period,
            &snippets,
        ))
    };
    match page.await {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => refused(e, Some(&operator), lang),
    }
}

/// How many raw responses the service page reads to find its latest comments, and how many it
/// shows.
const COMMENT_SCAN: usize = 500;
const COMMENTS_SHOWN: usize = 10;

/// `GET /dashboard/services/{service}`: one service's trend, distribution, outcome, reasons,
/// response rate, questionnaire versions and, for the roles that may read them, its latest
/// redacted comments (read as `GET /v1/responses` reads them, and audited the same way).
pub async fn show_service(
    req: HttpRequest,
    operator: Result<Operator, ApiError>,
    path: web::Path<String>,
    query: web::Query<Filters>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let filters = query.into_inner().for_charts();
    let lang = lang_of(
        &req,
        &LocaleQuery {
            locale: filters.locale.clone(),
        },
    );
    let operator = match signed_in(operator, lang) {
        Ok(o) => o,
        Err(answer) => return *answer,
    };
    let id = path.into_inner();
    let page = async {
        let snapshot = state.registry.snapshot();
        let service = snapshot
            .service(&id)
            .cloned()
            .ok_or_else(|| ApiError::NotFound(format!("No service {id} in the registry.")))?;
        operator.may_read_aggregates_of(&service.body.ipa_code)?;
        let asked_service = ServiceId::parse(&id).map_err(|e| ApiError::NotFound(e.0))?;
        let mut trend_query = stat_pages::stats_query(&filters, None);
        trend_query.service = Some(asked_service.clone());
        trend_query.service_kind = None;
        trend_query.body_kind = None;
        let trend = answer_for(&state.stats_sources(), &operator, trend_query).await?;
        let period = stat_pages::chosen_period(&filters, &trend);
        let mut asked = stat_pages::stats_query(&filters, period);
        asked.service = Some(asked_service);
        asked.service_kind = None;
        asked.body_kind = None;
        let answer = answer_for(&state.stats_sources(), &operator, asked).await?;
        let service_id = id.clone();
        let firsts = state
            .db
            .run(move |conn| crate::db::versions::first_days(conn, &service_id))
            .await?;
        let granularity = filters.chart_granularity();
        let versions: Vec<VersionChange> = firsts
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
            .collect();
        let comments = if operator.may_read_free_text(&service.body.ipa_code).is_ok() {
            let since =
                (time::OffsetDateTime::now_utc().date() - time::Duration::days(90)).to_string();
            let raw = responses_for(
                &state,
                &operator,
                RawQuery {
                    service: Some(id.clone()),
                    from: Some(since),
                    limit: Some(COMMENT_SCAN),
                    ..RawQuery::default()
                },
            )
            .await?;
            let mut list: Vec<Comment> = raw
                .responses
                .iter()
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
            Some(list)
        } else {
            None
        };
        Ok(stat_pages::service(
            &operator,
            lang,
            &filters,
            &stat_pages::ServiceFacts {
                id: &id,
                name: &service.service.name,
                body: &service.body.ipa_code,
                versions: &versions,
                comments: comments.as_deref(),
            },
            &trend,
            &answer,
            period,
        ))
    };
    match page.await {
        Ok(body) => html(StatusCode::OK, body),
        Err(e) => refused(e, Some(&operator), lang),
    }
}
