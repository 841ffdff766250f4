//! The wire format between the widget and the collector, defined once so both sides agree.
//!
//! `GET /v1/forms/{service_id}?locale=xx` answers a [`Form`]; `POST /v1/responses` takes a
//! [`SubmitRequest`] with the ticket as `Authorization: Bearer …` and answers a [`Receipt`].
//! Every error is an RFC 9457 [`Problem`] (`application/problem+json`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::locale::Locale;
use crate::questionnaire::{Questionnaire, QuestionnaireRef};
use crate::validate::Violation;

/// The name of the honeypot field: hidden from people, filled only by bots.
pub const HONEYPOT_FIELD: &str = "website";

/// The largest request body the collector accepts, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A service as the widget shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormService {
    /// Registry id, such as `inps-naspi`.
    pub id: String,
    /// Name of the service.
    pub name: String,
    /// Catalog kind of the service.
    pub kind: String,
}

/// A body as the widget shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FormBody {
    /// IPA code, such as `inps` or `c_h501`.
    pub ipa_code: String,
    /// Name of the body, substituted for `{ente}`.
    pub name: String,
    /// Catalog kind of the body.
    pub kind: String,
}

/// Answer of `GET /v1/forms/{service_id}`: the questionnaire resolved for one locale, and a fresh
/// one-time ticket to submit with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Form {
    /// The service rated.
    pub service: FormService,
    /// The body that provides it.
    pub body: FormBody,
    /// The locale the texts are in.
    pub locale: Locale,
    /// The questionnaire, texts narrowed to `locale`, `{ente}` replaced.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub questionnaire: Questionnaire,
    /// Id, version and content hash of the published questionnaire.
    pub questionnaire_ref: QuestionnaireRef,
    /// The signed one-time ticket (a JWT).
    pub ticket: String,
    /// When the ticket expires (RFC 3339).
    pub expires_at: String,
}

/// Body of `POST /v1/responses`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubmitRequest {
    /// Raw answers by question id.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub answers: BTreeMap<String, serde_json::Value>,
    /// The locale the citizen answered in.
    pub locale: Locale,
    /// The honeypot: people leave it empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

/// Answer of a stored (or replayed) `POST /v1/responses`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    /// Id of the stored response.
    pub response_id: String,
    /// When the collector committed it (RFC 3339).
    pub received_at: String,
}

/// An RFC 9457 problem document, the body of every error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// Stable URI reference naming the kind of problem, such as `/problems/invalid-answers`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short human summary of the kind.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Human explanation of this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For invalid answers: each violation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
}
