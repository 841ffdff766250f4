//! The national catalog: kinds of body, kinds of service, the published questionnaires, and the
//! rule that picks the questionnaire for a (kind of body, kind of service).
//!
//! The questionnaires are JSON files in `shared/questionnaires/`, embedded in the crate and
//! parsed and checked once, on first use. A broken file is reported with its name and the field
//! at fault, never a panic.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::questionnaire::{DefinitionError, Questionnaire, QuestionnaireRef};

/// The embedded questionnaire files, as (file name, contents).
pub const EMBEDDED_FILES: &[(&str, &str)] = &[
    (
        "chiarezza-pagina.v1.json",
        include_str!("../questionnaires/chiarezza-pagina.v1.json"),
    ),
    (
        "facilita-servizio.v1.json",
        include_str!("../questionnaires/facilita-servizio.v1.json"),
    ),
];

macro_rules! kinds {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $code:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant,)*
        }

        impl $name {
            /// Every kind, in the catalog's order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The catalog code, such as `comune` or `domanda-online`.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl FromStr for $name {
            type Err = CatalogError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL.iter().copied().find(|k| k.code() == s).ok_or_else(|| CatalogError::UnknownKind {
                    what: $what,
                    code: s.to_owned(),
                    expected: $name::ALL.iter().map(|k| k.code()).collect::<Vec<_>>().join(", "),
                })
            }
        }
    };
}

kinds! {
    /// The kind of a public body (`body_kind`).
    BodyKind, "body kind" {
        /// Ministries, Presidency of the Council, national agencies.
        AmministrazioneCentrale = "amministrazione-centrale",
        /// National social-security and insurance institutes (INPS, INAIL).
        EntePrevidenziale = "ente-previdenziale",
        /// Regions and autonomous provinces.
        Regione = "regione",
        /// Metropolitan cities and provinces.
        CittaMetropolitana = "citta-metropolitana",
        /// Municipalities.
        Comune = "comune",
        /// Local health authorities and hospitals.
        AziendaSanitaria = "azienda-sanitaria",
        /// Any other public body.
        AltroEnte = "altro-ente",
    }
}

kinds! {
    /// The kind of a service (`service_kind`): what the citizen does there.
    ServiceKind, "service kind" {
        /// Reads an information page or a service card.
        Informazioni = "informazioni",
        /// Submits an application or request.
        DomandaOnline = "domanda-online",
        /// Pays a tax, fee or fine.
        Pagamento = "pagamento",
        /// Books an appointment.
        Prenotazione = "prenotazione",
        /// Downloads a certificate or document.
        Certificato = "certificato",
        /// Checks their own records or the status of a case.
        Consultazione = "consultazione",
        /// Reports a problem to the body.
        Segnalazione = "segnalazione",
    }
}

/// Errors of the catalog: broken embedded files, unknown kinds, unknown questionnaires.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// A questionnaire file is not valid JSON of the questionnaire model.
    #[error("{file}: cannot parse {field}: {message}")]
    Parse {
        /// File name.
        file: String,
        /// Path of the field at fault.
        field: String,
        /// Parser message.
        message: String,
    },
    /// A questionnaire file parses but breaks a rule of the model.
    #[error("{file}: {}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Definition {
        /// File name.
        file: String,
        /// Every problem found.
        errors: Vec<DefinitionError>,
    },
    /// The file name does not say the id and version it holds.
    #[error("{file}: the file name must be {expected}")]
    FileName {
        /// File name.
        file: String,
        /// The name it should have.
        expected: String,
    },
    /// Two files define the same id and version.
    #[error("{file}: {id} v{version} is defined twice")]
    Duplicate {
        /// File name.
        file: String,
        /// Questionnaire id.
        id: String,
        /// Version.
        version: u32,
    },
    /// An unknown kind code.
    #[error("unknown {what} {code:?}; expected one of: {expected}")]
    UnknownKind {
        /// Which kind.
        what: &'static str,
        /// The code given.
        code: String,
        /// The valid codes.
        expected: String,
    },
    /// A questionnaire id or version the catalog does not hold.
    #[error("the catalog has no questionnaire {0}")]
    UnknownQuestionnaire(String),
}

/// The published questionnaires and the rule that picks one for a service.
#[derive(Clone, Debug)]
pub struct Catalog {
    entries: Vec<(Questionnaire, QuestionnaireRef)>,
}

impl Catalog {
    /// The national catalog embedded in this crate, parsed and checked on first use.
    pub fn national() -> Result<&'static Catalog, &'static CatalogError> {
        static NATIONAL: OnceLock<Result<Catalog, CatalogError>> = OnceLock::new();
        NATIONAL
            .get_or_init(|| Catalog::load(EMBEDDED_FILES))
            .as_ref()
    }

    /// Parses and checks questionnaire files given as (file name, JSON). Each file must be named
    /// `<id>.v<version>.json`.
    pub fn load(files: &[(&str, &str)]) -> Result<Catalog, CatalogError> {
        let mut entries: Vec<(Questionnaire, QuestionnaireRef)> = Vec::new();
        for (file, json) in files {
            let de = &mut serde_json::Deserializer::from_str(json);
            let q: Questionnaire =
                serde_path_to_error::deserialize(de).map_err(|e| CatalogError::Parse {
                    file: (*file).to_owned(),
                    field: e.path().to_string(),
                    message: e.inner().to_string(),
                })?;
            q.check().map_err(|errors| CatalogError::Definition {
                file: (*file).to_owned(),
                errors,
            })?;
            let expected = format!("{}.v{}.json", q.id, q.version);
            if *file != expected {
                return Err(CatalogError::FileName {
                    file: (*file).to_owned(),
                    expected,
                });
            }
            if entries
                .iter()
                .any(|(e, _)| e.id == q.id && e.version == q.version)
            {
                return Err(CatalogError::Duplicate {
                    file: (*file).to_owned(),
                    id: q.id,
                    version: q.version,
                });
            }
            let reference = q.reference();
            entries.push((q, reference));
        }
        Ok(Catalog { entries })
    }

    /// The questionnaire id that the catalog prescribes for a kind of service. It is the same
    /// for every kind of body, so that every body is measured on the same questions.
    pub fn questionnaire_id(service: ServiceKind) -> &'static str {
        match service {
            ServiceKind::Informazioni => "chiarezza-pagina",
            ServiceKind::DomandaOnline
            | ServiceKind::Pagamento
            | ServiceKind::Prenotazione
            | ServiceKind::Certificato
            | ServiceKind::Consultazione
            | ServiceKind::Segnalazione => "facilita-servizio",
        }
    }

    /// The current (highest) version of the questionnaire for a kind of service.
    pub fn questionnaire_for(&self, service: ServiceKind) -> Result<&Questionnaire, CatalogError> {
        self.latest(Self::questionnaire_id(service))
    }

    /// The highest published version of a questionnaire id.
    pub fn latest(&self, id: &str) -> Result<&Questionnaire, CatalogError> {
        self.entries
            .iter()
            .filter(|(q, _)| q.id == id)
            .max_by_key(|(q, _)| q.version)
            .map(|(q, _)| q)
            .ok_or_else(|| CatalogError::UnknownQuestionnaire(id.to_owned()))
    }

    /// One published version.
    pub fn get(&self, id: &str, version: u32) -> Result<&Questionnaire, CatalogError> {
        self.entries
            .iter()
            .find(|(q, _)| q.id == id && q.version == version)
            .map(|(q, _)| q)
            .ok_or_else(|| CatalogError::UnknownQuestionnaire(format!("{id} v{version}")))
    }

    /// The reference (id, version, hash) of a published version, hashed once at load.
    pub fn reference(&self, id: &str, version: u32) -> Result<&QuestionnaireRef, CatalogError> {
        self.entries
            .iter()
            .find(|(q, _)| q.id == id && q.version == version)
            .map(|(_, r)| r)
            .ok_or_else(|| CatalogError::UnknownQuestionnaire(format!("{id} v{version}")))
    }

    /// Every published questionnaire version.
    pub fn questionnaires(&self) -> impl Iterator<Item = &Questionnaire> {
        self.entries.iter().map(|(q, _)| q)
    }
}
