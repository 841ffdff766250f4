//! What the host page is told about: each [`Notice`] becomes a DOM event on the placement.

/// Something the host page is told about, through a DOM event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The form is displayed and can be answered (`voce:ready`).
    Ready,
    /// The answers were stored (`voce:submitted`, and `feedback-submit` in conformance mode).
    Submitted {
        /// The id of the stored response.
        response_id: String,
    },
    /// Something failed (`voce:error`).
    Error {
        /// A stable code: `unavailable`, `load-failed`, `invalid`, `network`, `expired`, `refused`.
        code: &'static str,
        /// The HTTP status, when there was one.
        status: Option<u16>,
    },
}
