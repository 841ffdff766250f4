//! The widget's state machine: every state the form can be in and every transition, as plain
//! Rust with no browser in sight, so it is tested natively (`machine/tests.rs`).
//!
//! The components dispatch [`Action`]s and render [`State`]; the browser glue watches
//! [`State::phase`] to start the network work (fetch the form, send the answers) and
//! [`State::notices`] to emit events to the host page. What the citizen typed lives in
//! [`State::answers`] from the first keystroke to the confirmation, whatever fails in between.

use std::rc::Rc;

use voce_shared::api::Form;
use voce_shared::{Question, QuestionKind, Questionnaire, RawAnswer, Violation, check};

use crate::action::Action;
use crate::answers::{Replies, Reply};
use crate::notice::Notice;
use crate::phase::{Failure, Phase, Screen};
use crate::request_writer::{Outgoing, submit_request};
use crate::retry::Verdict;

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

    /// The first step of the main flow: the rating, always on screen.
    fn first_step(&self) -> u8 {
        self.main_steps().first().copied().unwrap_or(1)
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
        let first = self.first_step();
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
                    self.screen = Screen::Main(self.first_step());
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
        let body = submit_request(&self.submission(), form.locale, website);
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
                Screen::Main(step.max(self.first_step()))
            };
        }
        self.violations = violations;
    }
}

#[cfg(test)]
mod tests;
