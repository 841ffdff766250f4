//! The questionnaire model: what a national questionnaire is made of, how its display conditions
//! work, how it is checked when it is loaded, and its content hash.
//!
//! A published version never changes. Its content hash is the SHA-256 of its canonical JSON
//! serialisation (fields in declaration order, maps sorted by key, no whitespace), so any edit of
//! a published file changes the hash and fails the test that pins it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::locale::{Locale, Localized};
use crate::submission::{AnswerMap, RawAnswer};

/// Longest title or question text, in Unicode scalar values.
pub const MAX_TITLE_CHARS: usize = 300;
/// Longest option label or end label, in Unicode scalar values.
pub const MAX_LABEL_CHARS: usize = 120;
/// The largest limit a free-text question may set.
pub const MAX_FREE_TEXT_LIMIT: u32 = 2000;
/// The lowest value of a star rating or a scale.
pub const SCALE_MIN: u8 = 1;
/// The highest value of a star rating or a scale.
pub const SCALE_MAX: u8 = 5;

/// A versioned national questionnaire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Questionnaire {
    /// Stable identifier, such as `chiarezza-pagina`.
    pub id: String,
    /// Version, from 1. A published version is immutable.
    pub version: u32,
    /// Name of the questionnaire, for operators and analysts.
    pub name: Localized,
    /// Message shown once the answers are stored.
    pub confirmation: Localized,
    /// Optional invitation to a further module, offered after the steps before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<Module>,
    /// Locales that are deliberately left to fall back to Italian.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallback_locales: Vec<Locale>,
    /// The questions, in the order they are asked.
    pub questions: Vec<Question>,
}

/// An optional module of questions that the citizen may skip without losing earlier answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Module {
    /// The first step that belongs to the module.
    pub step: u8,
    /// The invitation shown before the module.
    pub invitation: Localized,
}

/// One question of a questionnaire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable identifier within the questionnaire, such as `valutazione`.
    pub id: String,
    /// The step of the flow the question belongs to (1, 2, …).
    pub step: u8,
    /// The question as the citizen reads it. `{ente}` stands for the body's name.
    pub title: Localized,
    /// What kind of answer the question takes.
    pub kind: QuestionKind,
    /// Whether a shown question must be answered.
    #[serde(default)]
    pub required: bool,
    /// When present, the question is shown only if this condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown_if: Option<Condition>,
    /// The indicator the answer feeds, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicator: Option<String>,
}

/// The kinds of answer a question takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum QuestionKind {
    /// A star rating from 1 to 5.
    Stars {
        /// Accessible name of the group of stars.
        group_label: Localized,
        /// Accessible name of each star; `{n}` stands for the number of stars.
        star_label: Localized,
    },
    /// A scale from 1 to 5 with labels at both ends.
    Scale {
        /// Meaning of 1.
        min_label: Localized,
        /// Meaning of 5.
        max_label: Localized,
    },
    /// Exactly one of the options.
    SingleChoice {
        /// The options, with stable ids.
        options: Vec<ChoiceOption>,
    },
    /// Between `min` and `max` distinct options.
    MultipleChoice {
        /// The options, with stable ids.
        options: Vec<ChoiceOption>,
        /// Fewest options when answered.
        min: u32,
        /// Most options.
        max: u32,
    },
    /// Free text of at most `max_chars` Unicode scalar values.
    FreeText {
        /// Most characters, counted as Unicode scalar values.
        max_chars: u32,
        /// Label of the input.
        label: Localized,
        /// Hint shown below the input.
        hint: Localized,
    },
}

/// An option of a choice question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// Stable identifier stored in responses.
    pub id: String,
    /// Text shown to the citizen.
    pub label: Localized,
}

/// A display condition: the question is shown when the answer to an earlier rating or scale
/// question lies between `min` and `max` inclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The earlier question the condition reads.
    pub question: String,
    /// Lowest value that shows the question.
    pub min: u8,
    /// Highest value that shows the question.
    pub max: u8,
}

/// What a ticket and a stored response say about the questionnaire they belong to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QuestionnaireRef {
    /// Questionnaire id.
    pub id: String,
    /// Questionnaire version.
    pub version: u32,
    /// Content hash, `sha256:` followed by 64 hex digits.
    pub hash: String,
}

/// A problem found in a questionnaire definition, naming the field at fault.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct DefinitionError {
    /// Path of the field, such as `questions[1].title.de`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl Questionnaire {
    /// The content hash: `sha256:` and the hex SHA-256 of the canonical JSON serialisation.
    pub fn content_hash(&self) -> String {
        let canonical = serde_json::to_vec(self).unwrap_or_default();
        format!("sha256:{}", hex::encode(Sha256::digest(&canonical)))
    }

    /// The id, version and content hash of this questionnaire.
    pub fn reference(&self) -> QuestionnaireRef {
        QuestionnaireRef {
            id: self.id.clone(),
            version: self.version,
            hash: self.content_hash(),
        }
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// Whether `question` is shown given the answers so far (raw JSON values as the collector
    /// holds them, or the widget's own values: any [`AnswerMap`]).
    pub fn is_shown(&self, question: &Question, answers: &impl AnswerMap) -> bool {
        match &question.shown_if {
            None => true,
            Some(condition) => answers
                .answer(&condition.question)
                .and_then(RawAnswer::as_count)
                .is_some_and(|v| {
                    (u64::from(condition.min)..=u64::from(condition.max)).contains(&v)
                }),
        }
    }

    /// The same questionnaire with every text narrowed to `locale` (Italian where a translation
    /// is missing) and `{ente}` replaced by the body's name: what the widget displays.
    pub fn resolve(&self, locale: Locale, ente: &str) -> Questionnaire {
        let text = |l: &Localized| {
            let mut r = l.resolve(locale);
            for (_, value) in &mut r.0 {
                *value = value.replace("{ente}", ente);
            }
            r
        };
        let options = |opts: &[ChoiceOption]| {
            opts.iter()
                .map(|o| ChoiceOption {
                    id: o.id.clone(),
                    label: text(&o.label),
                })
                .collect()
        };
        Questionnaire {
            id: self.id.clone(),
            version: self.version,
            name: text(&self.name),
            confirmation: text(&self.confirmation),
            module: self.module.as_ref().map(|m| Module {
                step: m.step,
                invitation: text(&m.invitation),
            }),
            fallback_locales: Vec::new(),
            questions: self
                .questions
                .iter()
                .map(|q| Question {
                    id: q.id.clone(),
                    step: q.step,
                    title: text(&q.title),
                    kind: match &q.kind {
                        QuestionKind::Stars {
                            group_label,
                            star_label,
                        } => QuestionKind::Stars {
                            group_label: text(group_label),
                            star_label: text(star_label),
                        },
                        QuestionKind::Scale {
                            min_label,
                            max_label,
                        } => QuestionKind::Scale {
                            min_label: text(min_label),
                            max_label: text(max_label),
                        },
                        QuestionKind::SingleChoice { options: o } => QuestionKind::SingleChoice {
                            options: options(o),
                        },
                        QuestionKind::MultipleChoice {
                            options: o,
                            min,
                            max,
                        } => QuestionKind::MultipleChoice {
                            options: options(o),
                            min: *min,
                            max: *max,
                        },
                        QuestionKind::FreeText {
                            max_chars,
                            label,
                            hint,
                        } => QuestionKind::FreeText {
                            max_chars: *max_chars,
                            label: text(label),
                            hint: text(hint),
                        },
                    },
                    required: q.required,
                    shown_if: q.shown_if.clone(),
                    indicator: q.indicator.clone(),
                })
                .collect(),
        }
    }

    /// Checks the definition: ids unique and well formed, conditions referring to earlier rating
    /// questions, every text present in Italian, within limits, and translated into every locale
    /// unless that locale is listed in `fallback_locales`. Returns every problem found.
    pub fn check(&self) -> Result<(), Vec<DefinitionError>> {
        let mut errors = Vec::new();
        let mut err =
            |field: String, message: String| errors.push(DefinitionError { field, message });
        if !is_slug(&self.id) {
            err(
                "id".into(),
                format!("{:?} is not a lower-case slug", self.id),
            );
        }
        if self.version == 0 {
            err("version".into(), "versions start at 1".into());
        }
        let mut texts: Vec<(String, &Localized, usize)> = vec![
            ("name".into(), &self.name, MAX_TITLE_CHARS),
            ("confirmation".into(), &self.confirmation, MAX_TITLE_CHARS),
        ];
        if let Some(module) = &self.module {
            texts.push((
                "module.invitation".into(),
                &module.invitation,
                MAX_TITLE_CHARS,
            ));
            if !self.questions.iter().any(|q| q.step >= module.step) {
                err(
                    "module.step".into(),
                    format!("no question belongs to step {}", module.step),
                );
            }
        }
        if self.questions.is_empty() {
            err(
                "questions".into(),
                "a questionnaire needs at least one question".into(),
            );
        }
        let mut seen: BTreeMap<&str, &Question> = BTreeMap::new();
        let mut last_step = 0;
        for (i, q) in self.questions.iter().enumerate() {
            let at = format!("questions[{i}]");
            if !is_slug(&q.id) {
                err(
                    format!("{at}.id"),
                    format!("{:?} is not a lower-case slug", q.id),
                );
            }
            if seen.contains_key(q.id.as_str()) {
                err(
                    format!("{at}.id"),
                    format!("duplicate question id {:?}", q.id),
                );
            }
            if q.step == 0 || q.step < last_step {
                err(
                    format!("{at}.step"),
                    format!("step {} is out of order", q.step),
                );
            }
            last_step = q.step;
            texts.push((format!("{at}.title"), &q.title, MAX_TITLE_CHARS));
            if let Some(c) = &q.shown_if {
                match seen.get(c.question.as_str()) {
                    None => err(
                        format!("{at}.shown_if.question"),
                        format!("{:?} is not an earlier question", c.question),
                    ),
                    Some(earlier) if !earlier.kind.is_numeric() => err(
                        format!("{at}.shown_if.question"),
                        format!("{:?} is not a rating or scale question", c.question),
                    ),
                    Some(_) => {}
                }
                if c.min < SCALE_MIN || c.max > SCALE_MAX || c.min > c.max {
                    err(
                        format!("{at}.shown_if"),
                        format!("range {}..={} is not within 1..=5", c.min, c.max),
                    );
                }
            }
            match &q.kind {
                QuestionKind::Stars {
                    group_label,
                    star_label,
                } => {
                    texts.push((
                        format!("{at}.kind.group_label"),
                        group_label,
                        MAX_TITLE_CHARS,
                    ));
                    texts.push((format!("{at}.kind.star_label"), star_label, MAX_LABEL_CHARS));
                    for (locale, label) in star_label.iter() {
                        if !label.contains("{n}") {
                            err(
                                format!("{at}.kind.star_label.{locale}"),
                                "must contain {n}".into(),
                            );
                        }
                    }
                }
                QuestionKind::Scale {
                    min_label,
                    max_label,
                } => {
                    texts.push((format!("{at}.kind.min_label"), min_label, MAX_LABEL_CHARS));
                    texts.push((format!("{at}.kind.max_label"), max_label, MAX_LABEL_CHARS));
                }
                QuestionKind::SingleChoice { options }
                | QuestionKind::MultipleChoice { options, .. } => {
                    if options.is_empty() {
                        err(
                            format!("{at}.kind.options"),
                            "a choice needs options".into(),
                        );
                    }
                    let mut ids = BTreeSet::new();
                    for (j, o) in options.iter().enumerate() {
                        if !is_slug(&o.id) {
                            err(
                                format!("{at}.kind.options[{j}].id"),
                                format!("{:?} is not a lower-case slug", o.id),
                            );
                        }
                        if !ids.insert(o.id.as_str()) {
                            err(
                                format!("{at}.kind.options[{j}].id"),
                                format!("duplicate option id {:?}", o.id),
                            );
                        }
                        texts.push((
                            format!("{at}.kind.options[{j}].label"),
                            &o.label,
                            MAX_LABEL_CHARS,
                        ));
                    }
                    if let QuestionKind::MultipleChoice { min, max, .. } = &q.kind
                        && (min > max || *max as usize > options.len() || *max == 0)
                    {
                        err(
                            format!("{at}.kind"),
                            format!("min {min} / max {max} do not fit {} options", options.len()),
                        );
                    }
                }
                QuestionKind::FreeText {
                    max_chars,
                    label,
                    hint,
                } => {
                    if *max_chars == 0 || *max_chars > MAX_FREE_TEXT_LIMIT {
                        err(
                            format!("{at}.kind.max_chars"),
                            format!("{max_chars} is not within 1..={MAX_FREE_TEXT_LIMIT}"),
                        );
                    }
                    texts.push((format!("{at}.kind.label"), label, MAX_LABEL_CHARS));
                    texts.push((format!("{at}.kind.hint"), hint, MAX_LABEL_CHARS));
                }
            }
            seen.insert(&q.id, q);
        }
        for (field, text, limit) in texts {
            for locale in Locale::ALL {
                match text.exact(locale) {
                    Some(t) if t.trim().is_empty() => {
                        err(format!("{field}.{locale}"), "is empty".into())
                    }
                    Some(t) if t.chars().count() > limit => err(
                        format!("{field}.{locale}"),
                        format!("is longer than {limit} characters"),
                    ),
                    Some(_) => {}
                    None if locale == Locale::It => {
                        err(format!("{field}.it"), "the Italian text is required".into())
                    }
                    None if !self.fallback_locales.contains(&locale) => err(
                        format!("{field}.{locale}"),
                        "translation missing (add it, or list the locale in fallback_locales)"
                            .into(),
                    ),
                    None => {}
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl QuestionKind {
    /// Whether the answer is a number from 1 to 5 (stars or scale), which conditions can read.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            QuestionKind::Stars { .. } | QuestionKind::Scale { .. }
        )
    }
}

/// Whether `s` is a non-empty lower-case ASCII slug (`a-z`, `0-9`, `-`).
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}
