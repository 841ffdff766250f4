//! The dashboard's side of HTTP: its security headers, its static files, the page language of a
//! request, the [`SignedIn`] extractor (the operator and the language, or the sign-in page), and
//! the answers a page gives (HTML, a redirect, a refusal page). The handlers in
//! `routes/dashboard.rs` are made of these and of [`super::compose`].

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;

use super::i18n::Lang;
use super::views;
use crate::auth::operator::Operator;
use crate::error::ApiError;

/// The dashboard's Content Security Policy: its own script and stylesheet only, forms posting
/// only to itself, never framed.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLESHEET: &str = include_str!("../../static/dashboard.css");
const SCRIPT: &str = include_str!("../../static/dashboard.js");
const ICON: &str = include_str!("../../static/dashboard-icon.svg");

/// The content type and body of a file of `/dashboard/static/`, if there is one by that name.
pub fn asset(file: &str) -> Option<(&'static str, &'static str)> {
    match file {
        "dashboard.css" => Some(("text/css; charset=utf-8", STYLESHEET)),
        "dashboard.js" => Some(("text/javascript; charset=utf-8", SCRIPT)),
        "dashboard-icon.svg" => Some(("image/svg+xml", ICON)),
        _ => None,
    }
}

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

/// The page language of a request: its `locale`, else `Accept-Language`, else Italian.
pub fn lang_of(req: &HttpRequest) -> Lang {
    let query = web::Query::<LocaleQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .unwrap_or_default();
    Lang::negotiate(
        query.locale.as_deref(),
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Whether the request reached the collector over TLS (directly or through a proxy that says
/// so).
pub fn is_tls(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
}

/// The collector's own address as the request reached it, for the embed snippet.
pub fn collector_address(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
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

/// `303 See Other` to the sign-in page.
pub fn to_sign_in(lang: Lang) -> HttpResponse {
    see_other(&format!("/dashboard/sign-in?locale={}", lang.code()))
}

/// What a page answers when the operator could not be established or may not see it: the
/// sign-in page for a missing or refused token, a page naming the scope for a refusal.
pub fn refused(error: ApiError, operator: Option<&Operator>, lang: Lang) -> HttpResponse {
    match error {
        ApiError::Unauthenticated => to_sign_in(lang),
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

/// A signed-in operator and the page language: what every dashboard page starts from. Without
/// a valid session (or token) the request is answered by the sign-in page instead.
pub struct SignedIn {
    /// The operator.
    pub operator: Operator,
    /// The page language.
    pub lang: Lang,
}

impl SignedIn {
    /// The answer of a page: the page, or the refusal page for its error.
    pub fn answer(&self, page: Result<String, ApiError>) -> HttpResponse {
        match page {
            Ok(body) => html(StatusCode::OK, body),
            Err(e) => refused(e, Some(&self.operator), self.lang),
        }
    }
}

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<SignedIn, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let lang = lang_of(req);
        let operator = Operator::from_request(req, payload);
        Box::pin(async move {
            match operator.await {
                Ok(operator) => Ok(SignedIn { operator, lang }),
                Err(e) => {
                    let answer = refused(e, None, lang);
                    Err(InternalError::from_response("not signed in", answer).into())
                }
            }
        })
    }
}
