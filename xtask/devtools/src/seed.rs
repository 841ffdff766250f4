//! The demo seeder (`voce-seed`, run by `cargo xtask seed`): reproducible, realistic responses
//! to look at, stored through the same path as live ones — each is built by
//! [`voce_collector::ingest::rows::build`] from a ticket's claims and a request (so it is
//! validated against its questionnaire and its free text redacted), then committed in batches by
//! [`voce_collector::ingest::writer::store_now`], the writer's own transaction, so the rollups
//! fill exactly as they do in production. Tickets issued and responses stored go through the
//! daily counts ([`voce_collector::counts::DailyCounts`]). It lives outside the collector
//! because an operator never runs it in production.
//!
//! What the data looks like, for a seed `S` and `N` responses over the year that ends on
//! `until`:
//! - every service in the registry gets a share of `N` from a heavy-tailed popularity, so a few
//!   services get most responses and some only a handful (their cells are suppressed);
//! - each service has its own level (and its body a shift), drifting up or down over the year,
//!   with more responses on weekdays and fewer in August;
//! - the follow-up reasons, `esito`, `soddisfazione` and `fiducia` follow the rating; about one
//!   response in eight carries a free text in its locale (Italian most, then English, German,
//!   French, Slovenian), a few with an e-mail address or phone number for the redactor;
//! - channels: mostly the widget, then the hosted page, QR codes, e-mail and SMS invitations,
//!   with attested (verified) responses on the last three.
//!
//! Ticket ids are `seed-S-i`, so seeding again with the same seed stores nothing twice.

use std::collections::{BTreeMap, HashMap};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::{Date, Duration, OffsetDateTime, Time};
use voce_shared::api::SubmitRequest;
use voce_shared::questionnaire::QuestionKind;
use voce_shared::{Catalog, Locale, Questionnaire};

use voce_collector::auth::tickets::TicketClaims;
use voce_collector::counts::DailyCounts;
use voce_collector::db::{DbConnection, DbError};
use voce_collector::domain::{Channel, day_of};
use voce_collector::ingest::rows::{self, NewResponse};
use voce_collector::ingest::writer;
use voce_collector::registry::cache::Snapshot;

/// How many responses are committed per transaction.
const BATCH: usize = 2_000;

/// What to seed.
#[derive(Clone, Copy, Debug)]
pub struct SeedOptions {
    /// How many responses.
    pub responses: u64,
    /// The seed of the generator: the same seed gives the same responses.
    pub seed: u64,
    /// The last day of the year seeded.
    pub until: Date,
}

/// What was seeded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seeded {
    /// Responses stored now (those already stored by an earlier run with the same seed are not).
    pub stored: u64,
    /// Services that got at least one response.
    pub services: usize,
}

/// Free texts in each locale: (locale, text).
const TEXTS: [(Locale, &str); 20] = [
    (Locale::It, "Tutto chiaro, ho finito in pochi minuti."),
    (Locale::It, "Non ho capito quali documenti allegare."),
    (
        Locale::It,
        "Il sito si è bloccato al momento del pagamento, ho dovuto ricominciare.",
    ),
    (
        Locale::It,
        "Servizio migliorato rispetto all'anno scorso, grazie.",
    ),
    (
        Locale::It,
        "Scrivetemi a mario.rossi@example.com, non ho ricevuto la ricevuta.",
    ),
    (Locale::It, "Troppi passaggi per una richiesta semplice."),
    (Locale::It, "Chiamatemi al 333 123 4567 per favore."),
    (
        Locale::En,
        "Clear instructions, everything worked the first time.",
    ),
    (Locale::En, "I could not find where to upload the form."),
    (Locale::En, "The page was slow on my phone."),
    (Locale::De, "Alles war verständlich, danke."),
    (
        Locale::De,
        "Die Seite war auf Deutsch nur teilweise übersetzt.",
    ),
    (
        Locale::De,
        "Ich wusste nicht, ob mein Antrag angekommen ist.",
    ),
    (Locale::Fr, "Tout était clair, merci."),
    (Locale::Fr, "Je n'ai pas compris quels documents joindre."),
    (Locale::Fr, "Le paiement a échoué deux fois."),
    (Locale::Sl, "Vse je bilo jasno, hvala."),
    (Locale::Sl, "Nisem vedel, ali je bila vloga oddana."),
    (Locale::Sl, "Stran se je na telefonu počasi nalagala."),
    (
        Locale::En,
        "Please email me at jane.doe@example.org about my case.",
    ),
];

/// One service as the generator sees it.
struct Profile {
    service_id: String,
    questionnaire: &'static Questionnaire,
    reference: voce_shared::questionnaire::QuestionnaireRef,
    /// Share of all responses (weights, not normalised).
    weight: f64,
    /// Mean rating at the start of the year.
    level: f64,
    /// Change of the mean rating over the year.
    drift: f64,
    /// Responses per ticket issued.
    response_rate: f64,
}

/// A stable number in [0, 1) from a text and the seed (so a service's profile does not depend on
/// the order of the registry).
fn unit(text: &str, seed: u64, salt: u64) -> f64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(text.as_bytes())
        .chain_update(seed.to_le_bytes())
        .chain_update(salt.to_le_bytes())
        .finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

fn profiles(snapshot: &Snapshot, seed: u64) -> Vec<Profile> {
    let mut services: Vec<_> = snapshot.services().collect();
    services.sort_by(|a, b| a.service.id.cmp(&b.service.id));
    services
        .into_iter()
        .map(|s| {
            let id = &s.service.id;
            // Popularity: heavy-tailed (u^4), so some services get only a handful of responses.
            let weight = unit(id, seed, 1).powi(4) + 0.0005;
            let body_shift = unit(&s.body.ipa_code, seed, 2) * 0.8 - 0.4;
            Profile {
                service_id: id.clone(),
                questionnaire: s.questionnaire,
                reference: s.reference.clone(),
                weight,
                level: 3.0 + unit(id, seed, 3) * 1.3 + body_shift,
                drift: unit(id, seed, 4) * 0.9 - 0.35,
                response_rate: 0.05 + unit(id, seed, 5) * 0.3,
            }
        })
        .collect()
}

/// A rating around `mean` (a rounded sum of uniforms, sd ≈ 1), within 1..=5.
fn rating(rng: &mut StdRng, mean: f64) -> u8 {
    let noise: f64 = (0..3).map(|_| rng.random::<f64>() - 0.5).sum::<f64>() * 2.0;
    (mean + noise).round().clamp(1.0, 5.0) as u8
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// The answers of one response to `questionnaire`, in question order.
fn answers(
    rng: &mut StdRng,
    questionnaire: &Questionnaire,
    mean: f64,
    locale: Locale,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut first_rating = 3u8;
    let module = rng.random_bool(0.45);
    for q in &questionnaire.questions {
        if let Some(c) = &q.shown_if {
            let shown = out
                .get(&c.question)
                .and_then(Value::as_u64)
                .is_some_and(|v| (u64::from(c.min)..=u64::from(c.max)).contains(&v));
            if !shown {
                continue;
            }
        }
        let national_module = q.step >= 4;
        if national_module && !module {
            continue;
        }
        let value = match &q.kind {
            QuestionKind::Stars { .. } => {
                first_rating = rating(rng, mean);
                Some(Value::from(first_rating))
            }
            QuestionKind::Scale { .. } => rng
                .random_bool(0.9)
                .then(|| Value::from(rating(rng, f64::from(first_rating) - 0.2))),
            QuestionKind::SingleChoice { options } if q.id == "esito" => {
                let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
                let (yes, partly) = match first_rating {
                    5 => (0.9, 0.08),
                    4 => (0.75, 0.2),
                    3 => (0.45, 0.35),
                    _ => (0.15, 0.35),
                };
                let u: f64 = rng.random();
                let index = if u < yes {
                    0
                } else if u < yes + partly {
                    1
                } else {
                    2
                };
                ids.get(index).map(|id| Value::from(*id))
            }
            QuestionKind::SingleChoice { options }
            | QuestionKind::MultipleChoice { options, .. } => {
                (rng.random_bool(0.6) && !options.is_empty()).then(|| {
                    // Skewed towards the first options, as real answers are.
                    let i = ((rng.random::<f64>().powi(2)) * options.len() as f64) as usize;
                    let id = options[i.min(options.len() - 1)].id.clone();
                    match q.kind {
                        QuestionKind::MultipleChoice { .. } => Value::from(vec![id]),
                        _ => Value::from(id),
                    }
                })
            }
            QuestionKind::FreeText { .. } => rng.random_bool(0.12).then(|| {
                let mine: Vec<&str> = TEXTS
                    .iter()
                    .filter(|(l, _)| *l == locale)
                    .map(|(_, t)| *t)
                    .collect();
                Value::from(*pick(rng, &mine))
            }),
        };
        if let Some(v) = value {
            out.insert(q.id.clone(), v);
        }
    }
    out
}

fn locale(rng: &mut StdRng) -> Locale {
    let u: f64 = rng.random();
    match u {
        u if u < 0.78 => Locale::It,
        u if u < 0.88 => Locale::En,
        u if u < 0.94 => Locale::De,
        u if u < 0.97 => Locale::Fr,
        _ => Locale::Sl,
    }
}

fn channel(rng: &mut StdRng) -> (Channel, bool) {
    let u: f64 = rng.random();
    let channel = match u {
        u if u < 0.70 => Channel::Widget,
        u if u < 0.82 => Channel::Page,
        u if u < 0.90 => Channel::Qr,
        u if u < 0.96 => Channel::Email,
        _ => Channel::Sms,
    };
    let verified =
        matches!(channel, Channel::Email | Channel::Sms | Channel::Page) && rng.random_bool(0.6);
    (channel, verified)
}

/// Relative volume of a day: fewer responses at weekends and in August.
fn day_weight(day: Date) -> f64 {
    let weekday = match day.weekday() {
        time::Weekday::Saturday | time::Weekday::Sunday => 0.45,
        _ => 1.0,
    };
    let month = if day.month() == time::Month::August {
        0.5
    } else {
        1.0
    };
    weekday * month
}

/// Seeds `options.responses` responses into the database behind `conn`, for the services of
/// `snapshot`; `counts` takes the tickets and responses (the caller flushes it).
pub fn seed(
    conn: &mut DbConnection,
    catalog: &'static Catalog,
    snapshot: &Snapshot,
    counts: &DailyCounts,
    options: SeedOptions,
    free_text_retention_days: u32,
) -> Result<Seeded, SeedError> {
    let profiles = profiles(snapshot, options.seed);
    if profiles.is_empty() {
        return Err(SeedError::EmptyRegistry);
    }
    let days: Vec<Date> = (0..365)
        .rev()
        .map(|back| options.until - Duration::days(back))
        .collect();
    let day_cumulative = cumulative(days.iter().map(|d| day_weight(*d)));
    let service_cumulative = cumulative(profiles.iter().map(|p| p.weight));
    let rates: HashMap<String, f64> = profiles
        .iter()
        .map(|p| (p.service_id.clone(), p.response_rate))
        .collect();
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut seeded = Seeded::default();
    let mut used = vec![false; profiles.len()];
    let mut batch: Vec<NewResponse> = Vec::with_capacity(BATCH);
    for i in 0..options.responses {
        let p_index = sample(&service_cumulative, rng.random());
        let d_index = sample(&day_cumulative, rng.random());
        let profile = &profiles[p_index];
        let day = days[d_index];
        let progress = d_index as f64 / days.len() as f64;
        let mean = profile.level + profile.drift * progress;
        let locale = locale(&mut rng);
        let seconds = rng.random_range(7 * 3600..22 * 3600);
        let at = OffsetDateTime::new_utc(day, Time::MIDNIGHT) + Duration::seconds(seconds);
        let (channel, verified) = channel(&mut rng);
        let claims = TicketClaims {
            iss: "voce-seed".into(),
            aud: "voce-seed".into(),
            sub: profile.service_id.clone(),
            questionnaire: profile.reference.clone(),
            origin: String::new(),
            jti: format!("seed-{}-{i:09}", options.seed),
            iat: at.unix_timestamp() - 120,
            nbf: at.unix_timestamp() - 120,
            exp: at.unix_timestamp() + 3600,
            channel: (channel != Channel::Widget).then(|| channel.code().to_owned()),
            verified,
        };
        let request = SubmitRequest {
            answers: answers(&mut rng, profile.questionnaire, mean, locale),
            locale,
            website: None,
        };
        let fingerprint = format!("seed:{}", claims.jti);
        let mut new = rows::build(
            profile.questionnaire,
            &claims,
            &request,
            &fingerprint,
            at,
            free_text_retention_days,
        )
        .map_err(|e| SeedError::Invalid(e.to_string()))?;
        // The record key drawn from the seed too (from the ticket id, so that the generator's
        // sequence is untouched): the same seed gives the same perturbed figures.
        new.response.record_key = seeded_record_key(&claims.jti);
        used[p_index] = true;
        batch.push(new);
        if batch.len() == BATCH {
            seeded.stored += flush(conn, catalog, counts, &mut batch, &rates, &mut rng)?;
        }
    }
    seeded.stored += flush(conn, catalog, counts, &mut batch, &rates, &mut rng)?;
    seeded.services = used.iter().filter(|u| **u).count();
    Ok(seeded)
}

/// Stores a batch through the writer's transaction and counts its tickets and responses.
fn flush(
    conn: &mut DbConnection,
    catalog: &'static Catalog,
    counts: &DailyCounts,
    batch: &mut Vec<NewResponse>,
    rates: &HashMap<String, f64>,
    rng: &mut StdRng,
) -> Result<u64, SeedError> {
    if batch.is_empty() {
        return Ok(0);
    }
    let stored = writer::store_now(conn, catalog, batch)?;
    if stored == batch.len() {
        for new in batch.iter() {
            let service = &new.response.service_id;
            counts.responses(service, &new.day, 1);
            // Tickets issued that were never answered: on average 1/rate − 1 per response.
            let rate = rates.get(service).copied().unwrap_or(0.2);
            let unanswered = (1.0 / rate - 1.0) * 2.0 * rng.random::<f64>();
            for _ in 0..=(unanswered.round() as u64) {
                counts.ticket(service, &new.day);
            }
        }
    }
    batch.clear();
    Ok(stored as u64)
}

/// A record key in `0..2³²` from a seeded ticket id: the first four bytes of its SHA-256.
fn seeded_record_key(jti: &str) -> i64 {
    let digest = Sha256::digest(format!("record-key:{jti}").as_bytes());
    i64::from(u32::from_be_bytes([
        digest[0], digest[1], digest[2], digest[3],
    ]))
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    weights
        .map(|w| {
            total += w;
            total
        })
        .collect()
}

/// The index whose cumulative weight first exceeds `u` × the total.
fn sample(cumulative: &[f64], u: f64) -> usize {
    let target = u * cumulative.last().copied().unwrap_or(0.0);
    cumulative
        .partition_point(|c| *c <= target)
        .min(cumulative.len().saturating_sub(1))
}

/// Why seeding stopped.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// No service to seed.
    #[error("the registry has no services: import one first (voce-collector registry import FILE)")]
    EmptyRegistry,
    /// A generated response did not validate (a bug of the generator).
    #[error("a generated response was refused: {0}")]
    Invalid(String),
    /// The database refused.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Today (UTC), the default last day.
pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// `day_of` for a date.
pub fn day_text(d: Date) -> String {
    day_of(OffsetDateTime::new_utc(d, Time::MIDNIGHT))
}
