//! The ids that stand for stored responses outside the server, and sealed pagination cursors.
//!
//! The host page saw the ticket and the moment a citizen submitted; if an export carried the
//! stored response id, the ticket id or the exact time, the page's owner could join a visit to
//! its answers. So every API answer and export shows, instead of the stored id, a **keyed hash**:
//! the first 128 bits of HMAC-SHA-256 under the export key of `"voce-response-id:" || stored id`,
//! in hex. It is stable for as long as the key is (the same response has the same id in every
//! export, so exports can be joined with each other), and cannot be computed or reversed without
//! the key. Rotating the key (a new file in `VOCE_EXPORT_KEYS_DIR`; the newest is used) gives
//! every response a new id.
//!
//! A page cursor must point into the stored order (time, id) without showing either: it is
//! sealed with ChaCha20-Poly1305 under a key derived from the export key, so it is opaque and
//! cannot be forged.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::auth::keys::{self, KeyError, KeyFileMode, TicketKey};

/// No export key is loaded: nothing may leave (a `503` until one is generated).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("no export key: run `voce-collector keys generate --for export`")]
pub struct NoExportKey;

/// The export key in use.
pub struct ExportKey {
    id_key: Hmac<Sha256>,
    cursor_key: ChaCha20Poly1305,
}

impl ExportKey {
    /// The key from a 256-bit secret.
    pub fn new(secret: &[u8; keys::KEY_BYTES]) -> ExportKey {
        let derive = |label: &[u8]| {
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
                .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
            mac.update(label);
            mac.finalize().into_bytes()
        };
        ExportKey {
            id_key: <Hmac<Sha256> as Mac>::new_from_slice(&derive(b"voce export ids v1"))
                .unwrap_or_else(|_| unreachable!("HMAC takes any key length")),
            cursor_key: ChaCha20Poly1305::new(&derive(b"voce export cursors v1")),
        }
    }

    /// The id shown for a stored response id: 32 hex digits.
    pub fn public_id(&self, stored_id: &str) -> String {
        let mut mac = self.id_key.clone();
        mac.update(b"voce-response-id:");
        mac.update(stored_id.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// Seals a cursor's contents into opaque text.
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0_u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cursor_key
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .unwrap_or_default();
        format!("{}{}", hex::encode(nonce), hex::encode(sealed))
    }

    /// Opens a cursor made by [`ExportKey::seal`] with this key; `None` for anything else.
    pub fn open(&self, cursor: &str) -> Option<String> {
        if cursor.len() > 2048 {
            return None;
        }
        let bytes = hex::decode(cursor).ok()?;
        let (nonce, sealed) = bytes.split_at_checked(12)?;
        let plain = self
            .cursor_key
            .decrypt(Nonce::from_slice(nonce), sealed)
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

/// The export keys of `VOCE_EXPORT_KEYS_DIR`: the newest is used. Read again with the ticket
/// keys (every `VOCE_KEYS_RELOAD_SECS`).
pub struct ExportKeys {
    dir: PathBuf,
    mode: KeyFileMode,
    current: RwLock<Option<Arc<ExportKey>>>,
}

fn newest(keys: &[TicketKey]) -> Option<Arc<ExportKey>> {
    keys.last().map(|k| Arc::new(ExportKey::new(k.secret())))
}

impl ExportKeys {
    /// Reads the directory (no key is allowed: then raw responses cannot be read until one is
    /// added).
    pub fn load(dir: PathBuf, mode: KeyFileMode) -> Result<ExportKeys, KeyError> {
        let current = newest(&keys::load_dir(&dir, mode)?);
        Ok(ExportKeys {
            dir,
            mode,
            current: RwLock::new(current),
        })
    }

    /// Reads the directory again; a broken key file leaves the key as it was.
    pub fn reload(&self) -> Result<(), KeyError> {
        let fresh = newest(&keys::load_dir(&self.dir, self.mode)?);
        if fresh.is_some() {
            *self
                .current
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
        }
        Ok(())
    }

    /// The key in use, or [`NoExportKey`] when there is none (nothing leaves without its keyed
    /// ids).
    pub fn current(&self) -> Result<Arc<ExportKey>, NoExportKey> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .ok_or(NoExportKey)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_ids_are_stable_per_key_and_differ_between_keys() {
        let a = ExportKey::new(&[1; 32]);
        let b = ExportKey::new(&[2; 32]);
        let stored = "6f1c2a8e-0000-4000-8000-000000000001";
        assert_eq!(a.public_id(stored), a.public_id(stored));
        assert_eq!(a.public_id(stored).len(), 32);
        assert_ne!(a.public_id(stored), b.public_id(stored));
        assert_ne!(a.public_id(stored), a.public_id("another"));
        assert!(!a.public_id(stored).contains("6f1c2a8e"));
    }

    #[test]
    fn a_sealed_cursor_opens_only_with_its_key_and_hides_its_contents() {
        let a = ExportKey::new(&[1; 32]);
        let plain = "2026-12-01T10:00:00.000Z\nstored-id";
        let cursor = a.seal(plain);
        assert_eq!(a.open(&cursor).as_deref(), Some(plain));
        assert!(!cursor.contains("stored"));
        assert_eq!(ExportKey::new(&[2; 32]).open(&cursor), None);
        let mut tampered = cursor.clone().into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(a.open(&String::from_utf8_lossy(&tampered)), None);
        assert_eq!(a.open("zz"), None);
        assert_eq!(a.open(""), None);
    }
}
