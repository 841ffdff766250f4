//! The honeypot: a hidden form field that people never fill and naive bots do. A filled honeypot
//! gets the answer a stored response gets — `201` with a receipt, and the *same* receipt when the
//! same ticket is replayed with the same body — but nothing is stored. The pretended receipts are
//! kept in memory until their ticket expires (bounded), so a bot cannot tell the pretence from a
//! real store by replaying.

use std::collections::HashMap;
use std::sync::Mutex;

use voce_shared::api::{HONEYPOT_FIELD, Receipt, SubmitRequest};

/// At most this many pretended receipts are remembered; the oldest expiring go first.
const CAPACITY: usize = 10_000;

/// Whether the request filled the honeypot field.
pub fn is_filled(request: &SubmitRequest) -> bool {
    let filled = request
        .website
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty());
    if filled {
        tracing::debug!(field = HONEYPOT_FIELD, "honeypot filled");
    }
    filled
}

/// A receipt given to a bot, with the body it answered.
#[derive(Clone, Debug)]
pub struct Pretended {
    /// The receipt.
    pub receipt: Receipt,
    /// Fingerprint of the body.
    pub fingerprint: String,
    /// When the ticket expires (Unix seconds): after that the ticket is refused anyway.
    expires: i64,
}

/// The receipts given to bots, by ticket id.
#[derive(Default)]
pub struct Honeypot {
    given: Mutex<HashMap<String, Pretended>>,
}

impl Honeypot {
    /// The receipt already given for this ticket, or a new one made by `receipt` and remembered.
    pub fn receipt_for(
        &self,
        ticket_id: &str,
        fingerprint: &str,
        expires: i64,
        now: i64,
        receipt: impl FnOnce() -> Receipt,
    ) -> Pretended {
        let mut given = self
            .given
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(p) = given.get(ticket_id) {
            return p.clone();
        }
        if given.len() >= CAPACITY {
            given.retain(|_, p| p.expires > now);
            if given.len() >= CAPACITY
                && let Some(oldest) = given
                    .iter()
                    .min_by_key(|(_, p)| p.expires)
                    .map(|(k, _)| k.clone())
            {
                given.remove(&oldest);
            }
        }
        let p = Pretended {
            receipt: receipt(),
            fingerprint: fingerprint.to_owned(),
            expires,
        };
        given.insert(ticket_id.to_owned(), p.clone());
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(id: &str) -> Receipt {
        Receipt {
            response_id: id.into(),
            received_at: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn a_replayed_ticket_gets_the_first_pretended_receipt() {
        let h = Honeypot::default();
        let first = h.receipt_for("t1", "f", 100, 0, || receipt("a"));
        let again = h.receipt_for("t1", "f", 100, 1, || receipt("b"));
        assert_eq!(first.receipt, again.receipt);
        let other = h.receipt_for("t2", "f", 100, 1, || receipt("c"));
        assert_eq!(other.receipt.response_id, "c");
    }

    #[test]
    fn memory_stays_bounded_and_expired_tickets_go_first() {
        let h = Honeypot::default();
        for i in 0..CAPACITY {
            h.receipt_for(&format!("t{i}"), "f", 10, 0, || receipt("x"));
        }
        h.receipt_for("late", "f", 1_000, 20, || receipt("y"));
        let given = h
            .given
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        assert_eq!(given.len(), 1, "every expired receipt was dropped");
        assert!(given.contains_key("late"));
    }
}
