//! What a handler reads from a request before it calls a capability: the `Operator` extractor
//! (`Authorization: Bearer …` or the dashboard's `voce_session` cookie), verified against the
//! operator keys and the tokens known to this collector, and the request's `Origin`. It reads
//! the application state, so it sits beside [`crate::state`] rather than in [`crate::auth`]
//! (whose tokens it checks) or in [`crate::routes`] (whose files all use it).

use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;

use crate::auth::operator::{Operator, SESSION_COOKIE, TokenError};
use crate::domain::Origin;
use crate::error::ApiError;
use crate::state::AppState;

/// The token a request carries: `Authorization: Bearer …`, else the `voce_session` cookie. An
/// `Authorization` header of another scheme carries none.
fn token_of(req: &HttpRequest) -> Option<String> {
    if let Some(value) = req.headers().get(actix_web::http::header::AUTHORIZATION) {
        return value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned());
    }
    req.headers()
        .get_all(actix_web::http::header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

impl FromRequest for Operator {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Operator, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = token_of(req);
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else {
                return Err(ApiError::Unauthenticated);
            };
            let refused = |e: TokenError| {
                tracing::debug!(reason = %e, "operator token refused");
                ApiError::Unauthenticated
            };
            match state.operators.verify(&token) {
                Ok(operator) => Ok(operator),
                Err(TokenError::Unknown) => {
                    let auth = state.operators.clone();
                    state
                        .db
                        .run(move |conn| Ok(auth.verify_with(&token, conn)))
                        .await?
                        .map_err(refused)
                }
                Err(e) => Err(refused(e)),
            }
        })
    }
}

/// The request's `Origin` header, when it is a well-formed origin.
pub fn request_origin(req: &HttpRequest) -> Option<Origin> {
    req.headers()
        .get(actix_web::http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Origin::parse(v).ok())
}
