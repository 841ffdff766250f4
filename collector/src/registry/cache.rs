//! The registry in memory: every service with its body, the body's allowed origins, and the form
//! of each service rendered once per locale. `GET /v1/forms/{service}` and the CORS check read
//! only this, never the database. A snapshot is replaced whole when the registry version in the
//! database changes (every import raises it), which `refresh` checks with one small query; the
//! collector calls it every `VOCE_REGISTRY_REFRESH_SECS`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock, RwLock};

use serde::Serialize;
use voce_shared::api::{FormBody, FormService};
use voce_shared::questionnaire::QuestionnaireRef;
use voce_shared::{Catalog, Locale, Questionnaire};

use crate::auth::attestations::{self, BodyKeys};
use crate::db::bodies::{BodyRow, ServiceRow};
use crate::db::{self, DbConnection, DbError};

/// One service as the form endpoint needs it.
pub struct CachedService {
    /// The service.
    pub service: ServiceRow,
    /// Its body.
    pub body: BodyRow,
    /// The body's allowed origins.
    pub origins: HashSet<String>,
    /// The body's attestation keys, by `kid`.
    pub attestation_keys: Arc<BodyKeys>,
    /// The latest version of the service's questionnaire.
    pub questionnaire: &'static Questionnaire,
    /// Its reference (id, version, hash).
    pub reference: QuestionnaireRef,
    /// The form's JSON without the ticket, per locale, rendered on first use.
    rendered: [OnceLock<Arc<str>>; Locale::ALL.len()],
}

/// The parts of a form that do not change from one ticket to the next, in the order and with the
/// names of `voce_shared::api::Form`.
#[derive(Serialize)]
struct FormWithoutTicket<'a> {
    service: FormService,
    body: FormBody,
    locale: Locale,
    questionnaire: Questionnaire,
    questionnaire_ref: &'a QuestionnaireRef,
}

impl CachedService {
    /// The JSON object of the service's form in `locale` without its closing brace, so that the
    /// ticket fields can be appended: `{"service":…,"questionnaire_ref":{…}`.
    pub fn form_prefix(&self, locale: Locale) -> Arc<str> {
        let index = Locale::ALL.iter().position(|l| *l == locale).unwrap_or(0);
        self.rendered[index]
            .get_or_init(|| {
                let form = FormWithoutTicket {
                    service: FormService {
                        id: self.service.id.clone(),
                        name: self.service.name.clone(),
                        kind: self.service.service_kind.clone(),
                    },
                    body: FormBody {
                        ipa_code: self.body.ipa_code.clone(),
                        name: self.body.name.clone(),
                        kind: self.body.body_kind.clone(),
                    },
                    locale,
                    questionnaire: self.questionnaire.resolve(locale, &self.body.name),
                    questionnaire_ref: &self.reference,
                };
                let mut json = serde_json::to_string(&form).unwrap_or_else(|_| "{".into());
                json.pop();
                json.into()
            })
            .clone()
    }
}

/// One consistent copy of the registry.
#[derive(Default)]
pub struct Snapshot {
    /// The registry version it was read at.
    pub version: i64,
    services: HashMap<String, Arc<CachedService>>,
    origins: HashSet<String>,
}

impl Snapshot {
    /// Reads the whole registry.
    pub fn read(conn: &mut DbConnection, catalog: &'static Catalog) -> Result<Snapshot, DbError> {
        let version = db::bodies::registry_version(conn)?;
        let mut origins_by_body: HashMap<String, HashSet<String>> = HashMap::new();
        for (ipa_code, origin) in db::bodies::all_body_origins(conn)? {
            origins_by_body.entry(ipa_code).or_default().insert(origin);
        }
        let mut keys_by_body: HashMap<String, BodyKeys> = HashMap::new();
        for row in db::attestation_keys::all(conn)? {
            match attestations::parse_public_key(&row.public_key) {
                Ok(key) => {
                    keys_by_body
                        .entry(row.ipa_code)
                        .or_default()
                        .insert(row.kid, key);
                }
                Err(e) => {
                    tracing::warn!(body = %row.ipa_code, kid = %row.kid, error = %e, "unusable attestation key skipped")
                }
            }
        }
        let keys_by_body: HashMap<String, Arc<BodyKeys>> = keys_by_body
            .into_iter()
            .map(|(body, keys)| (body, Arc::new(keys)))
            .collect();
        let mut services = HashMap::new();
        for (service, body) in db::bodies::all_services_with_bodies(conn)? {
            let questionnaire = catalog
                .latest(&service.questionnaire_id)
                .map_err(|e| DbError::Corrupt(format!("service {}: {e}", service.id)))?;
            let reference = catalog
                .reference(&questionnaire.id, questionnaire.version)
                .map_err(|e| DbError::Corrupt(e.to_string()))?
                .clone();
            let cached = CachedService {
                origins: origins_by_body
                    .get(&body.ipa_code)
                    .cloned()
                    .unwrap_or_default(),
                attestation_keys: keys_by_body
                    .get(&body.ipa_code)
                    .cloned()
                    .unwrap_or_default(),
                service,
                body,
                questionnaire,
                reference,
                rendered: Default::default(),
            };
            services.insert(cached.service.id.clone(), Arc::new(cached));
        }
        Ok(Snapshot {
            version,
            services,
            origins: origins_by_body.into_values().flatten().collect(),
        })
    }

    /// A service by id.
    pub fn service(&self, id: &str) -> Option<&Arc<CachedService>> {
        self.services.get(id)
    }

    /// Every service, in no particular order.
    pub fn services(&self) -> impl Iterator<Item = &Arc<CachedService>> {
        self.services.values()
    }

    /// Whether any body allows `origin` (the CORS check).
    pub fn is_known_origin(&self, origin: &str) -> bool {
        self.origins.contains(origin)
    }
}

/// The current snapshot, shared by every worker.
pub struct RegistryCache {
    catalog: &'static Catalog,
    current: RwLock<Arc<Snapshot>>,
}

impl RegistryCache {
    /// Reads the registry from the database.
    pub fn load(conn: &mut DbConnection, catalog: &'static Catalog) -> Result<Self, DbError> {
        Ok(RegistryCache {
            catalog,
            current: RwLock::new(Arc::new(Snapshot::read(conn, catalog)?)),
        })
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Reloads the registry if an import raised its version; returns whether it did.
    pub fn refresh(&self, conn: &mut DbConnection) -> Result<bool, DbError> {
        let version = db::bodies::registry_version(conn)?;
        if version == self.snapshot().version {
            return Ok(false);
        }
        let fresh = Arc::new(Snapshot::read(conn, self.catalog)?);
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        Ok(true)
    }
}
