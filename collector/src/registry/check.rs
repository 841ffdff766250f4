//! `registry check`: turns a registry file into rows ready to import, or names the entry and field
//! of every problem found.

use std::collections::BTreeSet;
use std::fmt;

use voce_shared::{BodyKind, Catalog, ServiceKind};

use super::file::RegistryFile;
use crate::auth::attestations;
use crate::db::attestation_keys::AttestationKeyRow;
use crate::db::bodies::{BodyRow, ServiceRow};
use crate::domain::{IpaCode, Origin, ServiceId};

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
    /// The attestation keys of every body (a body listed without keys has none after import).
    pub attestation_keys: Vec<AttestationKeyRow>,
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
    let mut attestation_keys = Vec::new();
    let mut ipa_codes = BTreeSet::new();
    for (i, b) in file.bodies.iter().enumerate() {
        let mut err = reporter(&mut errors, format!("bodies[{i}] ({})", b.ipa_code));
        if let Err(e) = IpaCode::parse(&b.ipa_code) {
            err("ipa_code", e.0);
        } else if !ipa_codes.insert(b.ipa_code.as_str()) {
            err("ipa_code", "another body has the same IPA code".into());
        }
        check_name(&b.name, &mut err);
        if let Err(e) = b.body_kind.parse::<BodyKind>() {
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
        let mut kids = BTreeSet::new();
        for (j, k) in b.attestation_keys.iter().enumerate() {
            let field = |name: &str| format!("attestation_keys[{j}].{name}");
            let kid_ok = (1..=64).contains(&k.kid.len())
                && k.kid
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c));
            if !kid_ok {
                err(
                    &field("kid"),
                    "1 to 64 characters among letters, digits, '-', '_' and '.'".into(),
                );
            } else if !kids.insert(k.kid.as_str()) {
                err(&field("kid"), format!("{} is listed twice", k.kid));
            }
            match attestations::parse_public_key(&k.public_key) {
                Ok(key) => attestation_keys.push(AttestationKeyRow {
                    ipa_code: b.ipa_code.clone(),
                    kid: k.kid.clone(),
                    public_key: attestations::encode_public_key(&key),
                }),
                Err(e) => err(&field("public_key"), e),
            }
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
        let mut err = reporter(&mut errors, format!("services[{i}] ({})", s.id));
        if let Err(e) = ServiceId::parse(&s.id) {
            err("id", e.0);
        } else if !ids.insert(s.id.as_str()) {
            err("id", "another service has the same id".into());
        }
        check_name(&s.name, &mut err);
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
            (Ok(kind), None) => Some(Catalog::questionnaire_id(kind).to_owned()),
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
        Ok(Registry {
            bodies,
            services,
            attestation_keys,
        })
    } else {
        Err(errors)
    }
}

/// A function that records a problem of the entry `entry`.
fn reporter(errors: &mut Vec<RegistryError>, entry: String) -> impl FnMut(&str, String) + '_ {
    move |field, message| {
        errors.push(RegistryError {
            entry: entry.clone(),
            field: field.to_owned(),
            message,
        })
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
    fn attestation_keys_are_checked_per_body() {
        let good = attestations::encode_public_key(&attestations::generate_key().verifying_key());
        let text = format!(
            r#"
            [[bodies]]
            ipa_code = "inps"
            name = "INPS"
            body_kind = "ente-previdenziale"
            allowed_origins = ["https://www.inps.it"]
            [[bodies.attestation_keys]]
            kid = "inps-1"
            public_key = "{good}"
            [[bodies.attestation_keys]]
            kid = "inps-1"
            public_key = "AAAA"
            [[bodies.attestation_keys]]
            kid = "bad kid"
            public_key = "{good}"
        "#
        );
        let errors = check(&text, catalog()).err().unwrap_or_default();
        let fields: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
        assert_eq!(
            fields,
            [
                "attestation_keys[1].kid",
                "attestation_keys[1].public_key",
                "attestation_keys[2].kid"
            ],
            "{errors:#?}"
        );
        let fine = text.split("[[bodies.attestation_keys]]\n            kid = \"inps-1\"\n            public_key = \"AAAA\"").collect::<Vec<_>>().join("");
        let fine = fine.replace("bad kid", "inps-2");
        let registry = check(&fine, catalog()).map_err(|e| format!("{e:?}"));
        assert_eq!(registry.map(|r| r.attestation_keys.len()), Ok(2), "{fine}");
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
