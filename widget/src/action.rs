//! What the citizen does and what the network reports: the inputs of the state machine.

use std::rc::Rc;

use voce_shared::Violation;
use voce_shared::api::Form;

use crate::answers::Reply;
use crate::retry::Verdict;

/// What the citizen does, and what the network reports.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The form and a ticket arrived.
    Loaded(Rc<Form>),
    /// Fetching the form failed; `None` for a network error.
    LoadFailed {
        /// The HTTP status, if any.
        status: Option<u16>,
    },
    /// An answer changed (a rating, a choice, text).
    Answer {
        /// The question id.
        question: String,
        /// The answer, as it will be sent.
        value: Reply,
    },
    /// The hidden honeypot field changed (only bots do that).
    Honeypot(String),
    /// The primary button (or Enter): next step, the invitation, or send.
    Advance,
    /// The back button.
    Back,
    /// The citizen accepts the optional module.
    AcceptModule,
    /// The citizen declines the optional module: the answers so far are sent.
    SkipModule,
    /// Sending attempt `n` (from 1) started.
    Attempt(u32),
    /// The collector stored the answers.
    Stored {
        /// The id of the stored response.
        response_id: String,
    },
    /// Sending failed for good (after the automatic retries, if any).
    SendFailed {
        /// What the last response meant.
        verdict: Verdict,
        /// The HTTP status, if any.
        status: Option<u16>,
        /// For `422`: the violations the collector found.
        violations: Vec<Violation>,
    },
    /// The retry button.
    Retry,
}
