//! Handing out tickets: the one path by which a form gets its ticket, whether the widget asks
//! (`GET /v1/forms`) or the hosted page shows step 1 (`GET /s/{service}`). Both get the same
//! keys, counts and metrics, and the same check of a completion attestation.

use time::OffsetDateTime;

use crate::auth::attestations;
use crate::auth::tickets::{TicketClaims, TicketError, TicketExtras};
use crate::domain::{Channel, day_of};
use crate::registry::cache::CachedService;
use crate::state::AppState;

/// Issues a ticket for `found` served to `origin` through `channel` (`None`: the widget), with
/// the same key, counts and metrics as every ticket. An `attestation` that verifies against the
/// body's keys makes it `verified` (its `jti` then derives from the attestation's); one that does
/// not still gets an ordinary ticket, and the reason is counted.
pub fn issue_ticket(
    state: &AppState,
    found: &CachedService,
    origin: &str,
    channel: Option<Channel>,
    attestation: Option<&str>,
    now: OffsetDateTime,
) -> Result<(String, TicketClaims), TicketError> {
    let leeway = i64::try_from(state.settings.tickets.leeway_secs).unwrap_or(5);
    let attested_jti = attestation
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .and_then(|token| {
            match attestations::verify(
                token,
                &found.service.id,
                &found.attestation_keys,
                now.unix_timestamp(),
                leeway,
            ) {
                Ok(attested) => {
                    state.metrics.record_attestation_verified();
                    Some(attestations::ticket_jti(
                        &found.body.ipa_code,
                        &attested.jti,
                    ))
                }
                Err(reason) => {
                    tracing::debug!(reason = reason.code(), "attestation not accepted");
                    state.metrics.record_attestation_refusal(reason.code());
                    None
                }
            }
        });
    let issued = state.keys.keyring().issue(
        &found.service.id,
        found.reference.clone(),
        origin,
        now.unix_timestamp(),
        TicketExtras {
            channel,
            attested_jti,
        },
    )?;
    state.metrics.record_ticket();
    state.counts.ticket(&found.service.id, &day_of(now));
    Ok(issued)
}
