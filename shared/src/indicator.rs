//! The national indicators ([methods](../docs/methods.md#indicators)) and the columns of a stored
//! response that hold the answers feeding them. A questionnaire declares, per question, the
//! indicator it feeds; this module says which column that answer goes to, so that statistics
//! read plain columns and never parse the answers' JSON.

use std::fmt;

/// An indicator a question can feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Indicator {
    /// How clear an information page is (the rating of `chiarezza-pagina`).
    Chiarezza,
    /// How easy a service was to use (the rating of `facilita-servizio`).
    Facilita,
    /// Whether the citizen did what they needed.
    Esito,
    /// Overall satisfaction.
    Soddisfazione,
    /// Trust in the body.
    Fiducia,
    /// The reasons given in the follow-ups.
    Motivi,
}

impl Indicator {
    /// Every indicator a question can feed.
    pub const ALL: [Indicator; 6] = [
        Indicator::Chiarezza,
        Indicator::Facilita,
        Indicator::Esito,
        Indicator::Soddisfazione,
        Indicator::Fiducia,
        Indicator::Motivi,
    ];

    /// The code used in questionnaires, the API and exports, such as `facilita`.
    pub fn code(self) -> &'static str {
        match self {
            Indicator::Chiarezza => "chiarezza",
            Indicator::Facilita => "facilita",
            Indicator::Esito => "esito",
            Indicator::Soddisfazione => "soddisfazione",
            Indicator::Fiducia => "fiducia",
            Indicator::Motivi => "motivi",
        }
    }

    /// The indicator with this code, if there is one.
    pub fn parse(code: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.code() == code)
    }

    /// The column of a stored response that holds the answer feeding this indicator.
    pub fn column(self) -> IndicatorColumn {
        match self {
            Indicator::Chiarezza | Indicator::Facilita => IndicatorColumn::Valutazione,
            Indicator::Esito => IndicatorColumn::Esito,
            Indicator::Soddisfazione => IndicatorColumn::Soddisfazione,
            Indicator::Fiducia => IndicatorColumn::Fiducia,
            Indicator::Motivi => IndicatorColumn::Motivo,
        }
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A column of the stored response that holds one indicator's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IndicatorColumn {
    /// The 1–5 rating of step 1 (`chiarezza` or `facilita`, by questionnaire).
    Valutazione,
    /// The reason chosen in the follow-up that the rating showed (`motivi`).
    Motivo,
    /// `esito`.
    Esito,
    /// `soddisfazione`, 1–5.
    Soddisfazione,
    /// `fiducia`, 1–5.
    Fiducia,
}

/// One question that feeds an indicator. A column fed by several questions (the two
/// follow-ups) takes the one that was answered; a questionnaire shows at most one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndicatorSource<'q> {
    /// The indicator.
    pub indicator: Indicator,
    /// The question id.
    pub question: &'q str,
}
