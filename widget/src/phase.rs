//! Where the widget is in its life ([`Phase`]), why sending failed ([`Failure`]), and which part
//! of the form is on screen ([`Screen`]): the coordinates of the state machine.

/// Where the widget is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The form and its ticket are being fetched.
    Loading,
    /// The collector does not offer a form here (unknown service, origin not registered).
    Unavailable,
    /// The form could not be fetched; the citizen may retry.
    LoadFailed,
    /// The citizen is answering.
    Ready,
    /// A fresh ticket is being fetched to send the same answers again.
    Renewing,
    /// The answers are on their way (with automatic retries).
    Submitting,
    /// Sending failed; the answers are kept and the citizen may retry.
    Failed(Failure),
    /// The collector stored the answers.
    Done,
}

/// Why sending failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The network or an overloaded collector, after every automatic retry. Retrying re-sends
    /// the same ticket and the same body.
    Network,
    /// The ticket expired. Retrying fetches a new ticket and sends the same answers with it.
    Expired,
    /// Another refusal. Retrying fetches a new ticket and sends the answers with it.
    Refused,
}

impl Failure {
    /// The stable code of the failure, as `voce:error` events report it.
    pub fn code(self) -> &'static str {
        match self {
            Failure::Network => "network",
            Failure::Expired => "expired",
            Failure::Refused => "refused",
        }
    }
}

/// Which part of the form is on screen while the citizen answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// A step of the main flow (the first step, the rating, always stays visible).
    Main(u8),
    /// The invitation to the optional module.
    Invitation,
    /// The optional module's questions.
    Module,
}
