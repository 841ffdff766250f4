//! Ticket keys that change without a restart. The key directory is read again every
//! `VOCE_KEYS_RELOAD_SECS` and on `SIGHUP`; a key seen for the first time **verifies at once but
//! signs only `VOCE_KEYS_SIGN_DELAY_SECS` later**, so that by the time one replica signs with it
//! every other replica has loaded it too. A key removed from the directory stops verifying at the
//! next reload: remove an old key only after the tickets it signed have expired.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::keys::{self, KeyError, KeyFileMode, TicketKey};
use super::tickets::Keyring;
use crate::configuration::TicketSettings;

/// The keyring in use and how to read it again.
pub struct RotatingKeys {
    dir: PathBuf,
    mode: KeyFileMode,
    tickets: TicketSettings,
    sign_delay: Duration,
    current: RwLock<Arc<Keyring>>,
    first_seen: Mutex<HashMap<String, Instant>>,
}

impl RotatingKeys {
    /// The keys found at start-up, all of which may sign at once (newest first).
    pub fn new(
        dir: PathBuf,
        mode: KeyFileMode,
        tickets: TicketSettings,
        sign_delay: Duration,
        initial: &[TicketKey],
    ) -> RotatingKeys {
        let long_ago = Instant::now()
            .checked_sub(sign_delay)
            .unwrap_or_else(Instant::now);
        let first_seen = initial.iter().map(|k| (k.kid.clone(), long_ago)).collect();
        RotatingKeys {
            current: RwLock::new(Arc::new(Keyring::new(initial, &tickets))),
            dir,
            mode,
            tickets,
            sign_delay,
            first_seen: Mutex::new(first_seen),
        }
    }

    /// The keyring to sign and verify with now.
    pub fn keyring(&self) -> Arc<Keyring> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Reads the directory again: every key found verifies; the newest key seen for at least the
    /// sign delay signs (until one is, the previous signer goes on). A directory that cannot be
    /// read, or a broken key file, leaves the keyring as it was.
    pub fn reload(&self) -> Result<(), KeyError> {
        let mut loaded = keys::load_dir(&self.dir, self.mode)?;
        if loaded.is_empty() {
            return Ok(());
        }
        let now = Instant::now();
        let signer = {
            let mut seen = self
                .first_seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for key in &loaded {
                seen.entry(key.kid.clone()).or_insert(now);
            }
            seen.retain(|kid, _| loaded.iter().any(|k| &k.kid == kid));
            loaded.iter().rposition(|k| {
                seen.get(&k.kid)
                    .is_some_and(|at| now.duration_since(*at) >= self.sign_delay)
            })
        };
        // The keyring signs with its last key: put the chosen signer last.
        if let Some(i) = signer {
            let key = loaded.remove(i);
            loaded.push(key);
        }
        let fresh = Keyring::new(&loaded, &self.tickets);
        if fresh.signing_kid() != self.keyring().signing_kid() {
            tracing::info!(
                signing_kid = fresh.signing_kid().unwrap_or_default(),
                "a newer ticket key signs from now on"
            );
        }
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(fresh);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_verifies_at_once_and_signs_after_the_delay() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let (old, _) = keys::generate(dir.path())?;
        let keys = RotatingKeys::new(
            dir.path().to_path_buf(),
            KeyFileMode::OwnerOnly,
            TicketSettings::default(),
            Duration::from_millis(300),
            std::slice::from_ref(&old),
        );
        let reference = voce_shared::questionnaire::QuestionnaireRef {
            id: "q".into(),
            version: 1,
            hash: "h".into(),
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let (old_ticket, _) =
            keys.keyring()
                .issue("s", reference, "https://a.it", now, Default::default())?;
        std::thread::sleep(Duration::from_millis(1100));
        let (new, _) = keys::generate(dir.path())?;
        keys.reload()?;
        assert_eq!(keys.keyring().signing_kid(), Some(old.kid.as_str()));
        std::thread::sleep(Duration::from_millis(350));
        keys.reload()?;
        assert_eq!(keys.keyring().signing_kid(), Some(new.kid.as_str()));
        // The old key still verifies what it signed.
        assert!(keys.keyring().verify(&old_ticket).is_ok());
        Ok(())
    }
}
