//! The registry file: the bodies that take part (IPA code, name, kind, the origins their pages are
//! served from) and their services (id, body, name, kind, and optionally a catalog questionnaire
//! other than the one the catalog prescribes). `registry check` validates a file and names the
//! entry and field of every problem; `registry import` writes it, idempotently, in one
//! transaction.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use voce_shared::{BodyKind, Catalog, ServiceKind};

use crate::db::registry::{BodyRow, ServiceRow};
use crate::db::{self, DbConnection, DbError};
use crate::domain::{IpaCode, Origin, ServiceId};

/// A registry file as written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistryFile {
    /// The bodies.
    #[serde(default)]
    pub bodies: Vec<BodyEntry>,
    /// The services.
    #[serde(default)]
    pub services: Vec<ServiceEntry>,
}

/// A body entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyEntry {
    /// IPA code, such as `inps` or `c_h501`.
    pub ipa_code: String,
    /// Name, as the questionnaire shows it for `{ente}`.
    pub name: String,
    /// Catalog code of the kind of body.
    pub body_kind: String,
    /// Origins (scheme, host, port) of the pages that embed the widget.
    pub allowed_origins: Vec<String>,
}

/// A service entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    /// Registry id, such as `inps-naspi`.
    pub id: String,
    /// IPA code of the body that provides it.
    pub body: String,
    /// Name.
    pub name: String,
    /// Catalog code of the kind of service.
    pub service_kind: String,
    /// A catalog questionnaire id other than the one the catalog prescribes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub questionnaire: Option<String>,
}

/// One problem in a registry file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryError {
    /// The entry, such as `bodies[2] (inps)`, or the file.
    pub entry: String,
    /// The field at fault.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.entry, self.field, self.message)
    }
}

/// A checked registry, ready to import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registry {
    /// Bodies with their allowed origins.
    pub bodies: Vec<(BodyRow, Vec<String>)>,
    /// Services with their questionnaire resolved.
    pub services: Vec<ServiceRow>,
}

/// Parses and checks a registry file, returning every problem found.
pub fn check(text: &str, catalog: &Catalog) -> Result<Registry, Vec<RegistryError>> {
    let file: RegistryFile = toml::from_str(text).map_err(|e| {
        vec![RegistryError {
            entry: "file".into(),
            field: e
                .span()
                .map(|s| format!("bytes {}..{}", s.start, s.end))
                .unwrap_or_else(|| "toml".into()),
            message: e.message().to_owned(),
        }]
    })?;
    check_file(&file, catalog)
}

/// Checks a parsed registry file.
pub fn check_file(file: &RegistryFile, catalog: &Catalog) -> Result<Registry, Vec<RegistryError>> {
    let mut errors = Vec::new();
    let now = crate::domain::rfc3339(time::OffsetDateTime::now_utc());
    let mut bodies = Vec::new();
    let mut body_kinds = std::collections::BTreeMap::new();
    for (i, b) in file.bodies.iter().enumerate() {
        let entry = format!("bodies[{i}] ({})", b.ipa_code);
        let mut err = |field: &str, message: String| {
            errors.push(RegistryError {
                entry: entry.clone(),
                field: field.to_owned(),
                message,
            })
        };
        if let Err(e) = IpaCode::parse(&b.ipa_code) {
            err("ipa_code", e.0);
        } else if body_kinds.contains_key(&b.ipa_code) {
            err("ipa_code", "another body has the same IPA code".into());
        }
        check_name(&b.name, &mut err);
        let kind = b.body_kind.parse::<BodyKind>();
        if let Err(e) = &kind {
            err("body_kind", e.to_string());
        }
        if b.allowed_origins.is_empty() {
            err("allowed_origins", "list at least one origin".into());
        }
        let mut seen = BTreeSet::new();
        for (j, o) in b.allowed_origins.iter().enumerate() {
            if let Err(e) = Origin::parse(o) {
                err(&format!("allowed_origins[{j}]"), e.0);
            } else if !seen.insert(o.as_str()) {
                err(
                    &format!("allowed_origins[{j}]"),
                    format!("{o} is listed twice"),
                );
            }
        }
        if let Ok(kind) = kind {
            body_kinds.insert(b.ipa_code.clone(), kind);
        }
        bodies.push((
            BodyRow {
                ipa_code: b.ipa_code.clone(),
                name: b.name.trim().to_owned(),
                body_kind: b.body_kind.clone(),
                updated_at: now.clone(),
            },
            b.allowed_origins.clone(),
        ));
    }
    let mut services = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, s) in file.services.iter().enumerate() {
        let entry = format!("services[{i}] ({})", s.id);
        let mut err = |field: &str, message: String| {
            errors.push(RegistryError {
                entry: entry.clone(),
                field: field.to_owned(),
                message,
            })
        };
        if let Err(e) = ServiceId::parse(&s.id) {
            err("id", e.0);
        } else if !ids.insert(s.id.as_str()) {
            err("id", "another service has the same id".into());
        }
        check_name(&s.name, &mut err);
        let body_kind = body_kinds.get(&s.body).copied();
        if !file.bodies.iter().any(|b| b.ipa_code == s.body) {
            err(
                "body",
                format!("no body in this file has the IPA code {:?}", s.body),
            );
        }
        let questionnaire = match (s.service_kind.parse::<ServiceKind>(), &s.questionnaire) {
            (Err(e), _) => {
                err("service_kind", e.to_string());
                None
            }
            (Ok(_), Some(explicit)) => match catalog.latest(explicit) {
                Ok(q) => Some(q.id.clone()),
                Err(e) => {
                    err("questionnaire", e.to_string());
                    None
                }
            },
            (Ok(kind), None) => Some(
                Catalog::questionnaire_id(body_kind.unwrap_or(BodyKind::AltroEnte), kind)
                    .to_owned(),
            ),
        };
        if let Some(questionnaire_id) = questionnaire {
            services.push(ServiceRow {
                id: s.id.clone(),
                body: s.body.clone(),
                name: s.name.trim().to_owned(),
                service_kind: s.service_kind.clone(),
                questionnaire_id,
                updated_at: now.clone(),
            });
        }
    }
    if errors.is_empty() {
        Ok(Registry { bodies, services })
    } else {
        Err(errors)
    }
}

fn check_name(name: &str, err: &mut impl FnMut(&str, String)) {
    let n = name.trim().chars().count();
    if n == 0 {
        err("name", "must not be empty".into());
    } else if n > 200 {
        err("name", format!("{n} characters, at most 200"));
    }
}

/// How many entries an import wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportSummary {
    /// Bodies inserted or updated.
    pub bodies: usize,
    /// Services inserted or updated.
    pub services: usize,
}

/// Writes a checked registry in one transaction; importing the same file twice changes nothing.
pub fn import(conn: &mut DbConnection, registry: &Registry) -> Result<ImportSummary, DbError> {
    use diesel::Connection;
    conn.transaction::<_, DbError, _>(|conn| {
        for (body, origins) in &registry.bodies {
            db::registry::upsert_body(conn, body, origins)?;
        }
        for service in &registry.services {
            db::registry::upsert_service(conn, service)?;
        }
        Ok(ImportSummary {
            bodies: registry.bodies.len(),
            services: registry.services.len(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> &'static Catalog {
        match Catalog::national() {
            Ok(c) => c,
            Err(e) => panic!("the embedded catalog is broken: {e}"),
        }
    }

    #[test]
    fn the_pilot_registry_checks_and_holds_the_services_the_widget_uses() -> anyhow::Result<()> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/registry/pilot.toml"
        );
        let registry = check(&std::fs::read_to_string(path)?, catalog())
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        for id in [
            "inps-naspi",
            "inps-estratto-conto",
            "inail-denuncia-infortunio-info",
            "inail-denuncia-infortunio",
            "roma-carta-identita",
            "roma-prenotazione-cie",
            "roma-tari",
        ] {
            assert!(registry.services.iter().any(|s| s.id == id), "{id} missing");
        }
        let origins = |code: &str| {
            registry
                .bodies
                .iter()
                .find(|(b, _)| b.ipa_code == code)
                .map(|(_, o)| o.clone())
                .unwrap_or_default()
        };
        assert!(origins("inps").contains(&"http://127.0.0.1:8101".to_owned()));
        assert!(origins("inail").contains(&"http://127.0.0.1:8202".to_owned()));
        assert!(origins("c_h501").contains(&"http://127.0.0.1:8103".to_owned()));
        assert!(!origins("c_h501").iter().any(|o| o.ends_with(":8104")));
        Ok(())
    }

    #[test]
    fn every_problem_names_its_entry_and_field() {
        let text = r#"
            [[bodies]]
            ipa_code = "INPS"
            name = ""
            body_kind = "ministero"
            allowed_origins = ["https://www.inps.it/", "https://www.inps.it/"]

            [[services]]
            id = "Bad Id"
            body = "nobody"
            name = "x"
            service_kind = "domanda"

            [[services]]
            id = "ok"
            body = "nobody"
            name = "x"
            service_kind = "informazioni"
            questionnaire = "made-up"
        "#;
        let errors = check(text, catalog()).err().unwrap_or_default();
        let fields: Vec<String> = errors
            .iter()
            .map(|e| format!("{} {}", e.entry, e.field))
            .collect();
        for expected in [
            "bodies[0] (INPS) ipa_code",
            "bodies[0] (INPS) name",
            "bodies[0] (INPS) body_kind",
            "bodies[0] (INPS) allowed_origins[0]",
            "services[0] (Bad Id) id",
            "services[0] (Bad Id) body",
            "services[0] (Bad Id) service_kind",
            "services[1] (ok) questionnaire",
        ] {
            assert!(
                fields.iter().any(|f| f == expected),
                "{expected} not in {fields:#?}"
            );
        }
    }

    #[test]
    fn unknown_fields_and_broken_toml_are_reported() {
        for text in ["[[bodies]]\nipa = 1\n", "[[bodies"] {
            let errors = check(text, catalog()).err().unwrap_or_default();
            assert_eq!(errors.len(), 1, "{text}");
            assert_eq!(errors[0].entry, "file");
        }
    }

    #[test]
    fn an_explicit_questionnaire_overrides_the_catalog_choice() -> Result<(), Vec<RegistryError>> {
        let text = r#"
            [[bodies]]
            ipa_code = "x"
            name = "X"
            body_kind = "comune"
            allowed_origins = ["https://x.it"]
            [[services]]
            id = "x-page"
            body = "x"
            name = "Page"
            service_kind = "pagamento"
            questionnaire = "chiarezza-pagina"
        "#;
        let r = check(text, catalog())?;
        assert_eq!(r.services[0].questionnaire_id, "chiarezza-pagina");
        Ok(())
    }
}
