//! The widget's state machine: every state the form can be in and every transition, as plain
//! Rust with no browser in sight, so it is tested natively.
//!
//! The components dispatch [`Action`]s and render [`State`]; the browser glue watches
//! [`State::phase`] to start the network work (fetch the form, send the answers) and
//! [`State::notices`] to emit events to the host page. What the citizen typed lives in
//! [`State::answers`] from the first keystroke to the confirmation, whatever fails in between.

use std::rc::Rc;

use voce_shared::api::Form;
use voce_shared::{AnswerMap, Question, QuestionKind, Questionnaire, RawAnswer, Violation, check};

use crate::retry::Verdict;

/// One answer as the citizen gave it, exactly what is sent: a rating or scale value, a text or
/// the id of one option, or the ids of several options. The widget's own small type instead of
/// `serde_json::Value` (which would cost kilobytes of WebAssembly); the shared validator reads it
/// through [`RawAnswer`] with the same rules it applies to the collector's JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A whole number (a rating or scale value).
    Number(u64),
    /// A text, or the id of one option.
    Text(String),
    /// The ids of several options, in the order chosen.
    List(Vec<String>),
}

impl Reply {
    /// The number, when the reply is one.
    pub fn as_number(&self) -> Option<u64> {
        match self {
            Reply::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The text, when the reply is one.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Reply::Text(t) => Some(t),
            _ => None,
        }
    }
}

impl RawAnswer for Reply {
    fn number(&self) -> Option<Option<(bool, u64)>> {
        self.as_number().map(|n| Some((false, n)))
    }

    fn text(&self) -> Option<&str> {
        self.as_text()
    }

    fn items(&self) -> Option<Vec<Option<&str>>> {
        match self {
            Reply::List(items) => Some(items.iter().map(|i| Some(i.as_str())).collect()),
            _ => None,
        }
    }
}

/// The citizen's answers by question id, sorted by id (as the request body lists them): a small
/// vector rather than a `BTreeMap`, whose code would cost the widget kilobytes of WebAssembly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replies(Vec<(String, Reply)>);

impl Replies {
    /// The answer to `question`.
    pub fn get(&self, question: &str) -> Option<&Reply> {
        self.position(question).ok().map(|i| &self.0[i].1)
    }

    /// Whether `question` has an answer.
    pub fn contains_key(&self, question: &str) -> bool {
        self.position(question).is_ok()
    }

    /// Sets the answer to `question`.
    pub fn insert(&mut self, question: String, reply: Reply) {
        match self.position(&question) {
            Ok(i) => self.0[i].1 = reply,
            Err(i) => self.0.insert(i, (question, reply)),
        }
    }

    /// The answers, sorted by question id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Reply)> {
        self.0.iter().map(|(q, r)| (q.as_str(), r))
    }

    /// How many questions have an answer.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no question has an answer.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn position(&self, question: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(q, _)| q.as_str().cmp(question))
    }
}

impl std::ops::Index<&str> for Replies {
    type Output = Reply;

    fn index(&self, question: &str) -> &Reply {
        self.get(question).expect("no answer to this question")
    }
}

impl AnswerMap for Replies {
    type Answer = Reply;

    fn ids(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(q, _)| q.as_str())
    }

    fn answer(&self, id: &str) -> Option<&Reply> {
        self.get(id)
    }
}

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

/// Which direction of the rating a follow-up question belongs to, as the municipal-site
/// checker names it (`feedback-rating-positive` / `feedback-rating-negative`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Branch {
    /// Shown for ratings 4–5.
    Positive,
    /// Shown for ratings 1–3.
    Negative,
}

impl Branch {
    /// The branch of `question`: a question shown by a star rating only at 4–5 is positive,
    /// only at 1–3 negative; any other question has none.
    pub fn of(questionnaire: &Questionnaire, question: &Question) -> Option<Branch> {
        let condition = question.shown_if.as_ref()?;
        let rating = questionnaire.question(&condition.question)?;
        if !matches!(rating.kind, QuestionKind::Stars { .. }) {
            return None;
        }
        if condition.min >= 4 {
            Some(Branch::Positive)
        } else if condition.max <= 3 {
            Some(Branch::Negative)
        } else {
            None
        }
    }

    /// The `data-element` value of the checker's markup contract.
    pub fn data_element(self) -> &'static str {
        match self {
            Branch::Positive => "feedback-rating-positive",
            Branch::Negative => "feedback-rating-negative",
        }
    }
}

/// The exact request being sent: kept so a retry re-sends the same ticket and the same body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// The ticket, sent as `Authorization: Bearer …`.
    pub ticket: String,
    /// The JSON body of `POST /v1/responses`.
    pub body: String,
}

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

/// The whole state of one mounted widget.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// Where the widget is in its life.
    pub phase: Phase,
    /// Which part of the form is on screen.
    pub screen: Screen,
    /// The form and ticket, once fetched.
    pub form: Option<Rc<Form>>,
    /// Everything the citizen answered, by question id, including answers to a follow-up that a
    /// later change of rating hides (they are kept, but not sent).
    pub answers: Replies,
    /// The honeypot's value.
    pub honeypot: String,
    /// Whether the citizen accepted the optional module.
    pub module_accepted: bool,
    /// Violations to show next to their questions.
    pub violations: Vec<Violation>,
    /// The request in flight or last failed transiently.
    pub outgoing: Option<Rc<Outgoing>>,
    /// The current sending attempt, from 1.
    pub attempt: u32,
    /// The stored response id.
    pub response_id: Option<String>,
    /// How many notices were raised; the browser glue emits one event per increment.
    pub notices: u32,
    /// The last notice raised.
    pub notice: Option<Notice>,
}

impl Default for State {
    fn default() -> Self {
        State::new(None)
    }
}

impl State {
    /// The initial state: loading, or ready at once when the form is already known (tests and
    /// hosts that fetched it themselves).
    pub fn new(form: Option<Rc<Form>>) -> State {
        let mut state = State {
            phase: Phase::Loading,
            screen: Screen::Main(1),
            form: None,
            answers: Replies::default(),
            honeypot: String::new(),
            module_accepted: false,
            violations: Vec::new(),
            outgoing: None,
            attempt: 0,
            response_id: None,
            notices: 0,
            notice: None,
        };
        if let Some(form) = form {
            state.apply(Action::Loaded(form));
        }
        state
    }

    /// The questionnaire, once the form is known.
    pub fn questionnaire(&self) -> Option<&Questionnaire> {
        self.form.as_deref().map(|f| &f.questionnaire)
    }

    /// The first step of the module, or `None` when the questionnaire has none.
    pub fn module_step(&self) -> Option<u8> {
        self.questionnaire()
            .and_then(|q| q.module.as_ref())
            .map(|m| m.step)
    }

    /// The steps of the main flow (every step before the module), in order.
    pub fn main_steps(&self) -> Vec<u8> {
        let limit = self.module_step().unwrap_or(u8::MAX);
        let mut steps: Vec<u8> = self
            .questionnaire()
            .map(|q| {
                q.questions
                    .iter()
                    .map(|q| q.step)
                    .filter(|s| *s < limit)
                    .collect()
            })
            .unwrap_or_default();
        steps.dedup();
        steps
    }

    /// Whether the citizen may change answers now.
    pub fn editable(&self) -> bool {
        matches!(
            self.phase,
            Phase::Ready | Phase::Failed(Failure::Expired | Failure::Refused)
        )
    }

    /// Whether `question` is on screen: the branch shows it, and it belongs to the first step
    /// or to the part of the form on screen.
    pub fn visible(&self, question: &Question) -> bool {
        let Some(questionnaire) = self.questionnaire() else {
            return false;
        };
        if matches!(
            self.phase,
            Phase::Loading | Phase::Unavailable | Phase::LoadFailed | Phase::Done
        ) || !questionnaire.is_shown(question, &self.answers)
        {
            return false;
        }
        let first = self.main_steps().first().copied().unwrap_or(1);
        let module = self.module_step().unwrap_or(u8::MAX);
        question.step == first
            || match self.screen {
                Screen::Main(step) => question.step == step,
                Screen::Invitation => false,
                Screen::Module => question.step >= module,
            }
    }

    /// The violations concerning `question`.
    pub fn violations_of<'a>(&'a self, question: &'a str) -> impl Iterator<Item = &'a Violation> {
        self.violations
            .iter()
            .filter(move |v| v.question == question)
    }

    /// Whether the free text of `question` seems to contain personal data.
    pub fn personal_data_in(&self, question: &str) -> bool {
        self.answers
            .get(question)
            .and_then(Reply::as_text)
            .is_some_and(voce_shared::contains_personal_data)
    }

    /// What would be sent now: the answers the branch shows, within the main flow (and the module
    /// when accepted), without empty ones.
    pub fn submission(&self) -> Replies {
        self.submission_within(|_| true)
    }

    fn submission_within(&self, scope: impl Fn(&Question) -> bool) -> Replies {
        let Some(questionnaire) = self.questionnaire() else {
            return Replies::default();
        };
        let module = self.module_step().unwrap_or(u8::MAX);
        let mut answers = Replies::default();
        for q in &questionnaire.questions {
            if !((q.step < module || self.module_accepted)
                && scope(q)
                && questionnaire.is_shown(q, &self.answers))
            {
                continue;
            }
            let Some(value) = self.answers.get(&q.id) else {
                continue;
            };
            if !value.is_unanswered() {
                answers.insert(q.id.clone(), value.clone());
            }
        }
        answers
    }

    /// The violations among the questions in `scope`, by the shared validator.
    fn check(&self, scope: impl Fn(&Question) -> bool + Copy) -> Vec<Violation> {
        let Some(questionnaire) = self.questionnaire() else {
            return Vec::new();
        };
        match check(questionnaire, &self.submission_within(scope)) {
            Ok(_) => Vec::new(),
            Err(v) => {
                v.0.into_iter()
                    .filter(|v| questionnaire.question(&v.question).is_some_and(scope))
                    .collect()
            }
        }
    }

    fn notify(&mut self, notice: Notice) {
        self.notices = self.notices.wrapping_add(1);
        self.notice = Some(notice);
    }

    fn fail(&mut self, code: &'static str, status: Option<u16>) {
        self.notify(Notice::Error { code, status });
    }

    /// Applies one action. Actions that make no sense in the current phase are ignored.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Loaded(form) => match self.phase {
                Phase::Loading => {
                    self.form = Some(form);
                    self.phase = Phase::Ready;
                    self.screen = Screen::Main(self.main_steps().first().copied().unwrap_or(1));
                    self.notify(Notice::Ready);
                }
                Phase::Renewing => {
                    self.form = Some(form);
                    self.phase = Phase::Ready;
                    self.submit();
                }
                _ => {}
            },
            Action::LoadFailed { status } => match self.phase {
                Phase::Loading => {
                    if matches!(status, Some(403 | 404 | 410)) {
                        self.phase = Phase::Unavailable;
                        self.fail("unavailable", status);
                    } else {
                        self.phase = Phase::LoadFailed;
                        self.fail("load-failed", status);
                    }
                }
                Phase::Renewing => {
                    self.phase = Phase::Failed(Failure::Expired);
                    self.fail(Failure::Expired.code(), status);
                }
                _ => {}
            },
            Action::Answer { question, value } => {
                if !self.editable() {
                    return;
                }
                let Some(q) = self.questionnaire().and_then(|q| q.question(&question)) else {
                    return;
                };
                let rating_on_screen = matches!(q.kind, QuestionKind::Stars { .. })
                    && self.screen == Screen::Main(q.step);
                let step = q.step;
                self.violations.retain(|v| v.question != question);
                self.answers.insert(question, value);
                let next = self.main_steps().into_iter().find(|s| *s > step);
                if let (true, Some(next)) = (rating_on_screen, next) {
                    self.screen = Screen::Main(next);
                }
            }
            Action::Honeypot(value) => self.honeypot = value,
            Action::Advance => match (self.phase, self.screen) {
                (Phase::Ready, Screen::Main(step)) => {
                    self.violations = self.check(|q| q.step <= step);
                    if !self.violations.is_empty() {
                        self.fail("invalid", None);
                        return;
                    }
                    match self.main_steps().into_iter().find(|s| *s > step) {
                        Some(next) => self.screen = Screen::Main(next),
                        None if self.module_step().is_some() => self.screen = Screen::Invitation,
                        None => self.submit(),
                    }
                }
                (Phase::Ready, Screen::Invitation) => self.apply(Action::AcceptModule),
                (Phase::Ready, Screen::Module) => self.submit(),
                (Phase::Failed(_), _) => self.apply(Action::Retry),
                _ => {}
            },
            Action::Back => {
                if self.phase != Phase::Ready {
                    return;
                }
                let steps = self.main_steps();
                self.screen = match self.screen {
                    Screen::Main(step) => Screen::Main(
                        steps
                            .iter()
                            .rev()
                            .copied()
                            .find(|s| *s < step)
                            .unwrap_or(step),
                    ),
                    Screen::Invitation => Screen::Main(steps.last().copied().unwrap_or(1)),
                    Screen::Module => Screen::Invitation,
                };
            }
            Action::AcceptModule => {
                if self.phase == Phase::Ready && self.screen == Screen::Invitation {
                    self.module_accepted = true;
                    self.screen = Screen::Module;
                }
            }
            Action::SkipModule => {
                if self.phase == Phase::Ready
                    && matches!(self.screen, Screen::Invitation | Screen::Module)
                {
                    self.module_accepted = false;
                    self.submit();
                }
            }
            Action::Attempt(n) => {
                if self.phase == Phase::Submitting {
                    self.attempt = n;
                }
            }
            Action::Stored { response_id } => {
                if self.phase == Phase::Submitting {
                    self.phase = Phase::Done;
                    self.response_id = Some(response_id.clone());
                    self.notify(Notice::Submitted { response_id });
                }
            }
            Action::SendFailed {
                verdict,
                status,
                violations,
            } => {
                if self.phase != Phase::Submitting {
                    return;
                }
                let failure = match verdict {
                    Verdict::Stored => return,
                    Verdict::Transient => Failure::Network,
                    Verdict::Expired => Failure::Expired,
                    Verdict::Invalid if !violations.is_empty() => {
                        // Nothing was stored, so the same ticket can carry corrected answers.
                        self.outgoing = None;
                        self.phase = Phase::Ready;
                        self.show_violations(violations);
                        self.fail("invalid", status);
                        return;
                    }
                    Verdict::Invalid | Verdict::Refused => Failure::Refused,
                };
                if failure != Failure::Network {
                    self.outgoing = None;
                }
                self.phase = Phase::Failed(failure);
                self.fail(failure.code(), status);
            }
            Action::Retry => match self.phase {
                Phase::LoadFailed => self.phase = Phase::Loading,
                Phase::Failed(Failure::Network) if self.outgoing.is_some() => {
                    self.phase = Phase::Submitting;
                    self.attempt = 0;
                }
                Phase::Failed(_) => self.phase = Phase::Renewing,
                _ => {}
            },
        }
    }

    /// Validates everything in scope and, when valid, freezes the request and starts sending.
    fn submit(&mut self) {
        let Some(form) = self.form.clone() else {
            return;
        };
        let violations = self.check(|_| true);
        if !violations.is_empty() {
            self.show_violations(violations);
            self.fail("invalid", None);
            return;
        }
        let website = (!self.honeypot.is_empty()).then_some(self.honeypot.as_str());
        let body = crate::json::submit_request(&self.submission(), form.locale, website);
        self.outgoing = Some(Rc::new(Outgoing {
            ticket: form.ticket.clone(),
            body,
        }));
        self.violations.clear();
        self.attempt = 0;
        self.phase = Phase::Submitting;
    }

    /// Shows violations and brings the first question concerned on screen.
    fn show_violations(&mut self, violations: Vec<Violation>) {
        let module = self.module_step().unwrap_or(u8::MAX);
        let first = violations
            .iter()
            .filter_map(|v| self.questionnaire()?.question(&v.question))
            .map(|q| q.step)
            .min();
        if let Some(step) = first {
            self.screen = if step >= module {
                Screen::Module
            } else {
                Screen::Main(step.max(self.main_steps().first().copied().unwrap_or(1)))
            };
        }
        self.violations = violations;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use voce_shared::Locale;
    use voce_shared::api::SubmitRequest;

    fn ready(id: &str) -> State {
        let form = crate::testing::form(id, Locale::It).expect("the catalog has the questionnaire");
        State::new(Some(Rc::new(form)))
    }

    fn answer(state: &mut State, question: &str, value: Value) {
        state.apply(Action::Answer {
            question: question.into(),
            value: reply(value),
        });
    }

    /// The widget's reply for a JSON value the tests write.
    fn reply(value: Value) -> Reply {
        match value {
            Value::Number(n) => Reply::Number(n.as_u64().expect("a whole number")),
            Value::String(s) => Reply::Text(s),
            Value::Array(items) => Reply::List(
                items
                    .into_iter()
                    .map(|i| i.as_str().expect("an id").to_owned())
                    .collect(),
            ),
            other => panic!("no reply for {other}"),
        }
    }

    fn shown(state: &State) -> Vec<String> {
        let q = state.questionnaire().expect("loaded");
        q.questions
            .iter()
            .filter(|q| state.visible(q))
            .map(|q| q.id.clone())
            .collect()
    }

    fn sent(state: &State) -> SubmitRequest {
        let outgoing = state.outgoing.as_ref().expect("a request is frozen");
        serde_json::from_str(&outgoing.body).expect("the body is a SubmitRequest")
    }

    #[test]
    fn a_widget_without_a_form_starts_loading() {
        let state = State::default();
        assert_eq!(state.phase, Phase::Loading);
        assert!(state.questionnaire().is_none());
        assert!(!state.editable());
    }

    #[test]
    fn a_loaded_form_shows_only_the_rating_and_announces_ready() {
        let state = ready("chiarezza-pagina");
        assert_eq!(state.phase, Phase::Ready);
        assert_eq!(shown(&state), ["valutazione"]);
        assert_eq!(state.notice, Some(Notice::Ready));
        assert_eq!(state.notices, 1);
    }

    #[test]
    fn ratings_one_to_three_show_the_negative_follow_up() {
        for rating in 1..=3 {
            let mut state = ready("chiarezza-pagina");
            answer(&mut state, "valutazione", json!(rating));
            assert_eq!(state.screen, Screen::Main(2));
            assert_eq!(
                shown(&state),
                ["valutazione", "difficolta"],
                "rating {rating}"
            );
        }
    }

    #[test]
    fn ratings_four_and_five_show_the_positive_follow_up() {
        for rating in 4..=5 {
            let mut state = ready("chiarezza-pagina");
            answer(&mut state, "valutazione", json!(rating));
            assert_eq!(
                shown(&state),
                ["valutazione", "aspetti-positivi"],
                "rating {rating}"
            );
        }
    }

    #[test]
    fn changing_the_rating_switches_the_branch_and_keeps_the_hidden_answer_out_of_the_body() {
        let mut state = ready("chiarezza-pagina");
        answer(&mut state, "valutazione", json!(2));
        answer(&mut state, "difficolta", json!("problemi-tecnici"));
        answer(&mut state, "valutazione", json!(5));
        assert_eq!(shown(&state), ["valutazione", "aspetti-positivi"]);
        assert!(
            state.answers.contains_key("difficolta"),
            "what was typed is kept"
        );
        assert!(!state.submission().contains_key("difficolta"));
    }

    #[test]
    fn advancing_without_a_rating_shows_a_required_violation() {
        let mut state = ready("chiarezza-pagina");
        state.apply(Action::Advance);
        assert_eq!(state.phase, Phase::Ready);
        assert_eq!(state.screen, Screen::Main(1));
        let codes: Vec<_> = state.violations_of("valutazione").map(|v| v.code).collect();
        assert_eq!(codes, [voce_shared::ViolationCode::Required]);
        assert!(matches!(
            state.notice,
            Some(Notice::Error {
                code: "invalid",
                ..
            })
        ));
    }

    #[test]
    fn answering_clears_the_violations_of_that_question() {
        let mut state = ready("chiarezza-pagina");
        state.apply(Action::Advance);
        answer(&mut state, "valutazione", json!(3));
        assert!(state.violations.is_empty());
    }

    #[test]
    fn the_last_step_of_a_questionnaire_without_module_sends_the_shown_answers() {
        let mut state = ready("chiarezza-pagina");
        answer(&mut state, "valutazione", json!(4));
        answer(&mut state, "aspetti-positivi", json!("indicazioni-chiare"));
        state.apply(Action::Advance);
        assert_eq!(state.screen, Screen::Main(3));
        assert_eq!(shown(&state), ["valutazione", "dettagli"]);
        answer(&mut state, "dettagli", json!("Tutto chiaro"));
        state.apply(Action::Advance);
        assert_eq!(state.phase, Phase::Submitting);
        let body = sent(&state);
        assert_eq!(body.answers.len(), 3);
        assert_eq!(body.answers["dettagli"], json!("Tutto chiaro"));
        assert_eq!(body.locale, Locale::It);
        assert_eq!(body.website, None);
        assert_eq!(
            state.outgoing.as_ref().map(|o| o.ticket.as_str()),
            Some("test.ticket.signature")
        );
    }

    #[test]
    fn text_over_the_limit_is_refused_in_the_browser_before_sending() {
        let mut state = ready("chiarezza-pagina");
        answer(&mut state, "valutazione", json!(1));
        state.apply(Action::Advance);
        answer(&mut state, "dettagli", json!("é".repeat(201)));
        state.apply(Action::Advance);
        assert_eq!(state.phase, Phase::Ready);
        assert!(state.outgoing.is_none());
        let codes: Vec<_> = state.violations_of("dettagli").map(|v| v.code).collect();
        assert_eq!(codes, [voce_shared::ViolationCode::TooLong]);
    }

    #[test]
    fn the_module_is_offered_after_step_three_and_can_be_skipped() {
        let mut state = ready("facilita-servizio");
        assert_eq!(state.main_steps(), [1, 2, 3]);
        answer(&mut state, "valutazione", json!(5));
        state.apply(Action::Advance);
        state.apply(Action::Advance);
        assert_eq!(state.screen, Screen::Invitation);
        assert_eq!(shown(&state), ["valutazione"]);
        state.apply(Action::SkipModule);
        assert_eq!(state.phase, Phase::Submitting);
        assert_eq!(
            sent(&state).answers.keys().collect::<Vec<_>>(),
            ["valutazione"]
        );
    }

    #[test]
    fn accepted_module_answers_are_sent_with_the_main_flow() {
        let mut state = ready("facilita-servizio");
        answer(&mut state, "valutazione", json!(2));
        state.apply(Action::Advance);
        state.apply(Action::Advance);
        state.apply(Action::Advance);
        assert_eq!(state.screen, Screen::Module);
        assert_eq!(
            shown(&state),
            ["valutazione", "esito", "soddisfazione", "fiducia"]
        );
        answer(&mut state, "esito", json!("in-parte"));
        answer(&mut state, "fiducia", json!(4));
        state.apply(Action::Advance);
        let body = sent(&state);
        assert_eq!(
            body.answers.keys().collect::<Vec<_>>(),
            ["esito", "fiducia", "valutazione"]
        );
    }

    #[test]
    fn module_answers_are_dropped_when_the_citizen_skips_after_all() {
        let mut state = ready("facilita-servizio");
        answer(&mut state, "valutazione", json!(2));
        for _ in 0..3 {
            state.apply(Action::Advance);
        }
        answer(&mut state, "esito", json!("no"));
        state.apply(Action::SkipModule);
        assert!(!sent(&state).answers.contains_key("esito"));
    }

    #[test]
    fn back_walks_the_steps_in_reverse() {
        let mut state = ready("facilita-servizio");
        answer(&mut state, "valutazione", json!(2));
        for _ in 0..3 {
            state.apply(Action::Advance);
        }
        state.apply(Action::Back);
        assert_eq!(state.screen, Screen::Invitation);
        state.apply(Action::Back);
        assert_eq!(state.screen, Screen::Main(3));
        state.apply(Action::Back);
        state.apply(Action::Back);
        state.apply(Action::Back);
        assert_eq!(state.screen, Screen::Main(1));
    }

    #[test]
    fn a_filled_honeypot_is_sent_and_an_empty_one_is_not() {
        let mut state = ready("chiarezza-pagina");
        answer(&mut state, "valutazione", json!(3));
        state.apply(Action::Honeypot("https://spam.example".into()));
        state.apply(Action::Advance);
        state.apply(Action::Advance);
        assert_eq!(
            sent(&state).website.as_deref(),
            Some("https://spam.example")
        );
    }

    fn submitting() -> State {
        let mut state = ready("chiarezza-pagina");
        answer(&mut state, "valutazione", json!(3));
        state.apply(Action::Advance);
        answer(&mut state, "dettagli", json!("Il modulo si blocca"));
        state.apply(Action::Advance);
        assert_eq!(state.phase, Phase::Submitting);
        state
    }

    #[test]
    fn a_stored_response_ends_in_the_confirmation_and_announces_it() {
        let mut state = submitting();
        state.apply(Action::Stored {
            response_id: "r1".into(),
        });
        assert_eq!(state.phase, Phase::Done);
        assert_eq!(
            state.notice,
            Some(Notice::Submitted {
                response_id: "r1".into()
            })
        );
        assert!(shown(&state).is_empty());
    }

    #[test]
    fn a_network_failure_keeps_the_answers_and_retry_resends_the_same_ticket_and_body() {
        let mut state = submitting();
        let before = state.outgoing.clone();
        state.apply(Action::SendFailed {
            verdict: Verdict::Transient,
            status: Some(503),
            violations: Vec::new(),
        });
        assert_eq!(state.phase, Phase::Failed(Failure::Network));
        assert!(
            !state.editable(),
            "the frozen body must not drift from the answers"
        );
        assert_eq!(
            state.answers["dettagli"],
            reply(json!("Il modulo si blocca"))
        );
        answer(&mut state, "dettagli", json!("changed"));
        assert_eq!(
            state.answers["dettagli"],
            reply(json!("Il modulo si blocca"))
        );
        state.apply(Action::Retry);
        assert_eq!(state.phase, Phase::Submitting);
        assert_eq!(state.outgoing, before);
    }

    #[test]
    fn an_expired_ticket_is_renewed_and_the_same_answers_are_sent_with_the_new_one() {
        let mut state = submitting();
        state.apply(Action::SendFailed {
            verdict: Verdict::Expired,
            status: Some(401),
            violations: Vec::new(),
        });
        assert_eq!(state.phase, Phase::Failed(Failure::Expired));
        assert!(matches!(
            state.notice,
            Some(Notice::Error {
                code: "expired",
                status: Some(401)
            })
        ));
        state.apply(Action::Retry);
        assert_eq!(state.phase, Phase::Renewing);
        let mut fresh = crate::testing::form("chiarezza-pagina", Locale::It).expect("form");
        fresh.ticket = "fresh.ticket".into();
        state.apply(Action::Loaded(Rc::new(fresh)));
        assert_eq!(state.phase, Phase::Submitting);
        assert_eq!(
            state.outgoing.as_ref().map(|o| o.ticket.as_str()),
            Some("fresh.ticket")
        );
        assert_eq!(
            sent(&state).answers["dettagli"],
            json!("Il modulo si blocca")
        );
    }

    #[test]
    fn a_422_from_the_collector_shows_its_violations_and_lets_the_citizen_correct() {
        let mut state = submitting();
        state.apply(Action::SendFailed {
            verdict: Verdict::Invalid,
            status: Some(422),
            violations: vec![Violation {
                question: "dettagli".into(),
                code: voce_shared::ViolationCode::TooLong,
                message: "too long".into(),
            }],
        });
        assert_eq!(state.phase, Phase::Ready);
        assert_eq!(state.screen, Screen::Main(3));
        assert!(state.editable());
        assert_eq!(state.violations_of("dettagli").count(), 1);
    }

    #[test]
    fn a_refusal_is_not_retried_until_the_citizen_asks() {
        let mut state = submitting();
        state.apply(Action::SendFailed {
            verdict: Verdict::Refused,
            status: Some(409),
            violations: Vec::new(),
        });
        assert_eq!(state.phase, Phase::Failed(Failure::Refused));
        assert!(state.outgoing.is_none());
        state.apply(Action::Advance);
        assert_eq!(state.phase, Phase::Renewing);
    }

    #[test]
    fn a_forbidden_origin_is_politely_unavailable_and_other_load_errors_can_be_retried() {
        let mut state = State::default();
        state.apply(Action::LoadFailed { status: Some(403) });
        assert_eq!(state.phase, Phase::Unavailable);
        state.apply(Action::Retry);
        assert_eq!(state.phase, Phase::Unavailable);

        let mut state = State::default();
        state.apply(Action::LoadFailed { status: None });
        assert_eq!(state.phase, Phase::LoadFailed);
        state.apply(Action::Retry);
        assert_eq!(state.phase, Phase::Loading);
    }

    #[test]
    fn late_network_reports_do_not_disturb_a_finished_widget() {
        let mut state = submitting();
        state.apply(Action::Stored {
            response_id: "r1".into(),
        });
        let done = state.clone();
        state.apply(Action::SendFailed {
            verdict: Verdict::Transient,
            status: None,
            violations: Vec::new(),
        });
        state.apply(Action::Stored {
            response_id: "r2".into(),
        });
        state.apply(Action::LoadFailed { status: None });
        assert_eq!(state, done);
    }

    #[test]
    fn follow_ups_are_named_by_the_direction_of_the_rating_that_shows_them() {
        let state = ready("facilita-servizio");
        let q = state.questionnaire().expect("loaded");
        let branch = |id: &str| Branch::of(q, q.question(id).expect("question"));
        assert_eq!(branch("difficolta"), Some(Branch::Negative));
        assert_eq!(branch("aspetti-positivi"), Some(Branch::Positive));
        assert_eq!(branch("valutazione"), None);
        assert_eq!(branch("esito"), None);
        assert_eq!(Branch::Negative.data_element(), "feedback-rating-negative");
    }

    #[test]
    fn personal_data_in_the_free_text_is_detected() {
        let mut state = ready("chiarezza-pagina");
        answer(&mut state, "valutazione", json!(3));
        answer(
            &mut state,
            "dettagli",
            json!("Scrivetemi a mario.rossi@example.com"),
        );
        assert!(state.personal_data_in("dettagli"));
        answer(&mut state, "dettagli", json!("Pagato 12,50 euro il 3/4"));
        assert!(!state.personal_data_in("dettagli"));
    }
}
