//! `/dashboard`: the operators' pages, rendered on the server (see [`crate::dashboard`]).
//!
//! Every answer carries a strict Content Security Policy (no inline script or style, nothing
//! from another host), `no-store` for pages, and the dashboard's own stylesheet and script
//! served from `/dashboard/static/`. Signing in posts the operator token; the collector checks
//! it exactly as the API does and keeps it in the `voce_session` cookie
//! ([`crate::dashboard::session`]). A page asked without a valid session sends the browser to
//! the sign-in page (the [`SignedIn`] extractor); a page the role may not see answers `403` with
//! a page naming the scope. Each page is put together by [`crate::dashboard::compose`].

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::dashboard::http::{self, SignedIn, html, lang_of, refused, see_other};
use crate::dashboard::{compose, session, views};
use crate::error::ApiError;
use crate::filters::Filters;
use crate::state::AppState;

/// `GET /dashboard/static/{file}`: the stylesheet, the script and the icon.
pub async fn serve_dashboard_asset(file: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let (content_type, body) =
        http::asset(&file).ok_or_else(|| ApiError::NotFound("No such dashboard file.".into()))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(body))
}

/// `GET /dashboard/sign-in`.
pub async fn show_sign_in(req: HttpRequest) -> HttpResponse {
    html(StatusCode::OK, views::sign_in(lang_of(&req), false))
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
    state: web::Data<AppState>,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let token = form.into_inner().token.trim().to_owned();
    let refused = || html(StatusCode::UNAUTHORIZED, views::sign_in(lang, true));
    if !session::is_cookie_safe(&token) {
        return Ok(refused());
    }
    let auth = state.operators.clone();
    let checked = token.clone();
    let verified = state
        .db
        .run(move |conn| Ok(auth.verify_with(&checked, conn)))
        .await?;
    let Some((operator, exp)) = verified
        .ok()
        .and_then(|o| o.expires_at().map(|exp| (o, exp)))
    else {
        return Ok(refused());
    };
    let now = time::OffsetDateTime::now_utc();
    let expires = time::OffsetDateTime::from_unix_timestamp(exp).unwrap_or(now);
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, compose::first_page(&operator, lang)))
        .insert_header((
            header::SET_COOKIE,
            session::set_cookie(&token, expires, now, http::is_tls(&req)),
        ))
        .finish())
}

/// `POST /dashboard/sign-out`: ends the session.
pub async fn sign_out(req: HttpRequest) -> HttpResponse {
    let mut answer = http::to_sign_in(lang_of(&req));
    if let Ok(cookie) = header::HeaderValue::from_str(&session::clear_cookie(http::is_tls(&req))) {
        answer.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    answer
}

/// Any other path under `/dashboard`.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    refused(ApiError::NotFound(String::new()), None, lang_of(&req))
}

/// `GET /dashboard/audit`: the audit log (`national`).
pub async fn show_audit(
    query: web::Query<Filters>,
    state: web::Data<AppState>,
    signed: SignedIn,
) -> HttpResponse {
    let filters = query.into_inner();
    signed.answer(compose::audit(&state, &signed.operator, signed.lang, &filters).await)
}

/// `GET /dashboard/exports`: a button per export, carrying the filters.
pub async fn show_exports(
    query: web::Query<Filters>,
    state: web::Data<AppState>,
    signed: SignedIn,
) -> HttpResponse {
    let filters = query.into_inner();
    signed.answer(Ok(compose::exports(
        &state,
        &signed.operator,
        signed.lang,
        &filters,
    )))
}

/// `GET /dashboard`: the national overview (`national`, `analyst`; a `body` operator is sent
/// to its body's page).
pub async fn show_overview(
    query: web::Query<Filters>,
    state: web::Data<AppState>,
    signed: SignedIn,
) -> HttpResponse {
    let filters = query.into_inner().for_charts();
    if let Some(body) = signed.operator.body() {
        let lang = signed.lang.code();
        return see_other(&format!("/dashboard/bodies/{body}?locale={lang}"));
    }
    signed.answer(compose::overview(&state, &signed.operator, signed.lang, &filters).await)
}

/// `GET /dashboard/bodies/{body}`: a body's services against the national figures, and their
/// embed snippets (`national`, `analyst`, the body itself).
pub async fn show_body(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Filters>,
    state: web::Data<AppState>,
    signed: SignedIn,
) -> HttpResponse {
    let filters = query.into_inner().for_charts();
    let address = http::collector_address(&req);
    let page = compose::body(
        &state,
        &signed.operator,
        signed.lang,
        &filters,
        &path,
        &address,
    );
    signed.answer(page.await)
}

/// `GET /dashboard/services/{service}`: one service's figures and, for the roles that may read
/// them, its latest redacted comments.
pub async fn show_service(
    path: web::Path<String>,
    query: web::Query<Filters>,
    state: web::Data<AppState>,
    signed: SignedIn,
) -> HttpResponse {
    let filters = query.into_inner().for_charts();
    let page = compose::service(&state, &signed.operator, signed.lang, &filters, &path);
    signed.answer(page.await)
}
