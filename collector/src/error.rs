//! The one error type of the HTTP API, and the one table that turns the capabilities' errors
//! into it.
//!
//! Error policy: capability code (ingest, audit, export, auth…) returns its own `thiserror`
//! enum and knows nothing of HTTP; handlers return [`ApiError`], reached from those enums by the
//! `From` impls at the end of this file, the only place that decides which status a capability's
//! refusal gets. Each variant has one status and one stable problem `type`, and every error body
//! is an RFC 9457 `application/problem+json` document ([`voce_shared::api::Problem`]). Client
//! errors say what to fix without echoing parser or database internals; server errors (5xx) log
//! the cause chain and show an opaque message. `anyhow` is used only at start-up and in the
//! command line.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use voce_shared::Violations;
use voce_shared::api::Problem;

use crate::audit::AuditError;
use crate::auth::operator::Forbidden;
use crate::auth::tickets::TicketError;
use crate::db::DbError;
use crate::export::ids::NoExportKey;
use crate::export::responses::ExportError;
use crate::ingest::IngestError;
use crate::stats::StatsError;

/// Every way an API request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The body is not acceptable JSON of the expected shape.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The ticket is missing, malformed, forged or expired.
    #[error("invalid ticket")]
    InvalidTicket,
    /// The request's origin may not use this service or ticket.
    #[error("origin not allowed")]
    OriginNotAllowed,
    /// No such service or file.
    #[error("not found: {0}")]
    NotFound(String),
    /// A known path asked with a method it does not serve.
    #[error("method not allowed")]
    MethodNotAllowed {
        /// The methods the path serves, for the `Allow` header.
        allow: &'static str,
    },
    /// The ticket already carried a different body.
    #[error("ticket already used")]
    TicketUsed,
    /// The body is larger than [`voce_shared::api::MAX_BODY_BYTES`].
    #[error("payload too large")]
    PayloadTooLarge,
    /// The body is not `application/json`.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The client did not send the whole body within the request timeout; the connection is
    /// closed after the answer.
    #[error("request timeout")]
    RequestTimeout,
    /// The answers do not validate against the ticket's questionnaire.
    #[error("{0}")]
    InvalidAnswers(Violations),
    /// The client is over its rate limit.
    #[error("rate limited")]
    RateLimited {
        /// Seconds until a request will be accepted.
        retry_after_secs: u64,
    },
    /// The database is unavailable or overloaded; nothing was stored.
    #[error("service unavailable")]
    Unavailable {
        /// Seconds to wait before retrying.
        retry_after_secs: u32,
        /// The cause, logged and never shown.
        cause: String,
    },
    /// A bug or an unexpected failure; nothing was stored.
    #[error("internal error")]
    Internal(String),
    /// An operator route without a valid operator token (absent, malformed, forged, expired or
    /// revoked).
    #[error("operator token required")]
    Unauthenticated,
    /// The operator's role does not grant the scope the request needs.
    #[error("forbidden: missing scope {scope}")]
    Forbidden {
        /// The scope missing, such as `raw-responses:inail` or `national`.
        scope: String,
    },
}

impl ApiError {
    /// The stable problem type URI.
    pub fn problem_type(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "/problems/malformed-request",
            ApiError::InvalidTicket => "/problems/invalid-ticket",
            ApiError::OriginNotAllowed => "/problems/origin-not-allowed",
            ApiError::NotFound(_) => "/problems/not-found",
            ApiError::MethodNotAllowed { .. } => "/problems/method-not-allowed",
            ApiError::TicketUsed => "/problems/ticket-already-used",
            ApiError::PayloadTooLarge => "/problems/payload-too-large",
            ApiError::UnsupportedMediaType => "/problems/unsupported-media-type",
            ApiError::RequestTimeout => "/problems/request-timeout",
            ApiError::InvalidAnswers(_) => "/problems/invalid-answers",
            ApiError::RateLimited { .. } => "/problems/rate-limited",
            ApiError::Unavailable { .. } => "/problems/service-unavailable",
            ApiError::Internal(_) => "/problems/internal-error",
            ApiError::Unauthenticated => "/problems/unauthenticated",
            ApiError::Forbidden { .. } => "/problems/forbidden",
        }
    }

    /// The reason a refused submission is counted under.
    pub fn rejection_reason(&self) -> &'static str {
        match self {
            ApiError::Malformed(_) => "malformed",
            ApiError::InvalidTicket => "invalid_ticket",
            ApiError::OriginNotAllowed => "origin_not_allowed",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed { .. } => "method_not_allowed",
            ApiError::TicketUsed => "ticket_reused",
            ApiError::PayloadTooLarge => "too_large",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::RequestTimeout => "request_timeout",
            ApiError::InvalidAnswers(_) => "invalid_answers",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Unavailable { .. } => "unavailable",
            ApiError::Internal(_) => "internal",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden { .. } => "forbidden",
        }
    }

    fn title_and_detail(&self) -> (&'static str, Option<String>) {
        match self {
            ApiError::Malformed(d) => ("The request body is not acceptable", Some(d.clone())),
            ApiError::InvalidTicket => (
                "The ticket is missing, invalid or expired",
                Some("Ask for a new form and ticket.".into()),
            ),
            ApiError::OriginNotAllowed => ("This origin may not use this service or ticket", None),
            ApiError::NotFound(d) => ("Not found", Some(d.clone())),
            ApiError::MethodNotAllowed { allow } => (
                "This path does not serve this method",
                Some(format!("Allowed: {allow}.")),
            ),
            ApiError::TicketUsed => (
                "This ticket already carried a different response",
                Some("A ticket stores one response; ask for a new form and ticket.".into()),
            ),
            ApiError::PayloadTooLarge => (
                "The request body is too large",
                Some(format!(
                    "At most {} bytes are accepted.",
                    voce_shared::api::MAX_BODY_BYTES
                )),
            ),
            ApiError::UnsupportedMediaType => ("The request body must be application/json", None),
            ApiError::RequestTimeout => (
                "The request body was not received in time",
                Some("Nothing was stored; retry.".into()),
            ),
            ApiError::InvalidAnswers(v) => (
                "The answers do not fit the questionnaire",
                Some(format!("{} answer(s) refused.", v.0.len())),
            ),
            ApiError::RateLimited { .. } => ("Too many requests", None),
            ApiError::Unavailable { .. } => (
                "The service is temporarily unavailable; nothing was stored",
                Some("Retry later.".into()),
            ),
            ApiError::Internal(_) => ("Internal error; nothing was stored", None),
            ApiError::Unauthenticated => (
                "A valid operator token is required",
                Some(
                    "Send `Authorization: Bearer <token>` with a token from \
                     `voce-collector token issue`; it may have expired or been revoked."
                        .into(),
                ),
            ),
            ApiError::Forbidden { scope } => (
                "This token's role does not grant this",
                Some(format!("Missing scope: {scope}.")),
            ),
        }
    }

    /// The RFC 9457 body.
    pub fn problem(&self) -> Problem {
        let (title, detail) = self.title_and_detail();
        Problem {
            kind: self.problem_type().to_owned(),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail,
            violations: match self {
                ApiError::InvalidAnswers(v) => v.0.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        if e.is_transient() {
            ApiError::Unavailable {
                retry_after_secs: 2,
                cause: e.to_string(),
            }
        } else {
            ApiError::Internal(e.to_string())
        }
    }
}

impl From<Forbidden> for ApiError {
    fn from(e: Forbidden) -> Self {
        ApiError::Forbidden { scope: e.scope }
    }
}

impl From<TicketError> for ApiError {
    /// A ticket that does not verify is the client's `401`; one that cannot be signed is ours.
    fn from(e: TicketError) -> Self {
        match e {
            TicketError::Malformed
            | TicketError::Header(_)
            | TicketError::UnknownKey
            | TicketError::Invalid(_) => ApiError::InvalidTicket,
            TicketError::NoKey | TicketError::Sign(_) => ApiError::Internal(e.to_string()),
        }
    }
}

impl From<IngestError> for ApiError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Malformed(detail) => ApiError::Malformed(detail),
            IngestError::InvalidTicket => ApiError::InvalidTicket,
            IngestError::TicketUsed => ApiError::TicketUsed,
            IngestError::InvalidAnswers(violations) => ApiError::InvalidAnswers(violations),
            IngestError::Unavailable {
                retry_after_secs,
                cause,
            } => ApiError::Unavailable {
                retry_after_secs,
                cause,
            },
            IngestError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<AuditError> for ApiError {
    fn from(e: AuditError) -> Self {
        match e {
            AuditError::Malformed(detail) => ApiError::Malformed(detail),
            AuditError::Db(e) => e.into(),
        }
    }
}

impl From<NoExportKey> for ApiError {
    fn from(e: NoExportKey) -> Self {
        ApiError::Unavailable {
            retry_after_secs: 60,
            cause: e.to_string(),
        }
    }
}

impl From<ExportError> for ApiError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::Malformed(detail) => ApiError::Malformed(detail),
            ExportError::NotFound(detail) => ApiError::NotFound(detail),
            ExportError::Forbidden(e) => e.into(),
            ExportError::NoKey(e) => e.into(),
            ExportError::Db(e) => e.into(),
        }
    }
}

impl From<StatsError> for ApiError {
    fn from(e: StatsError) -> Self {
        match e {
            StatsError::Malformed(detail) => ApiError::Malformed(detail),
            StatsError::Forbidden(e) => e.into(),
            StatsError::Threshold(cause) => ApiError::Internal(cause),
            StatsError::Db(e) => e.into(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Malformed(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidTicket => StatusCode::UNAUTHORIZED,
            ApiError::OriginNotAllowed => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TicketUsed => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::InvalidAnswers(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Unavailable { cause, .. } => {
                tracing::warn!(cause = %cause, "answering 503: the database is unavailable");
            }
            ApiError::Internal(cause) => tracing::error!(cause = %cause, "internal error"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response
            .content_type("application/problem+json")
            .insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            ApiError::RateLimited { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Unavailable {
                retry_after_secs, ..
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::RequestTimeout => {
                // The rest of the slow body may still be on its way: do not read it.
                response.force_close();
            }
            ApiError::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, *allow));
            }
            ApiError::InvalidTicket => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                ));
            }
            ApiError::Unauthenticated => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"voce-operator\""),
                ));
            }
            _ => {}
        }
        let body = serde_json::to_string(&self.problem()).unwrap_or_else(|_| {
            r#"{"type":"/problems/internal-error","title":"Internal error","status":500}"#.into()
        });
        response.body(body)
    }
}
