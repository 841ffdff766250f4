//! Voce's shared core: the national questionnaire catalog, the validator that decides whether a
//! citizen's answers are acceptable, and the redactor that removes personal data from free text.
//!
//! The widget runs this crate compiled to WebAssembly and the collector runs it natively, so what
//! the citizen's browser accepts is exactly what the server stores. Nothing here panics on input.

pub mod api;
pub mod catalog;
pub mod indicator;
pub mod locale;
pub mod messages;
pub mod questionnaire;
pub mod redact;
pub mod submission;
pub mod text;
pub mod validate;

pub use catalog::{BodyKind, Catalog, CatalogError, ServiceKind};
pub use indicator::{Indicator, IndicatorColumn, IndicatorSource};
pub use locale::{Locale, Localized};
pub use messages::{ViolationMessage, violation_message};
pub use questionnaire::{
    ChoiceOption, Condition, Question, QuestionKind, Questionnaire, QuestionnaireRef,
};
pub use redact::{PiiKind, Redacted, contains_personal_data, redact};
pub use submission::{Answer, AnswerMap, RawAnswer, Submission, ValidSubmission};
pub use validate::{Violation, ViolationCode, Violations, check, validate};
