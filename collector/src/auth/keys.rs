//! The ticket keys: 256-bit HMAC secrets, one file each in the key directory, named
//! `<kid>.key` and holding 64 hex digits. The key id says when the key was made, so the newest
//! (the one that signs) is the greatest id; older keys still verify tickets until they are
//! removed. Secrets never appear in logs, errors or `Debug` output.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use rand::RngCore;

/// Bytes of a ticket key.
pub const KEY_BYTES: usize = 32;

/// One ticket key.
#[derive(Clone)]
pub struct TicketKey {
    /// Key id, written into each ticket's header.
    pub kid: String,
    secret: [u8; KEY_BYTES],
}

impl TicketKey {
    /// A key from its id and secret.
    pub fn new(kid: String, secret: [u8; KEY_BYTES]) -> TicketKey {
        TicketKey { kid, secret }
    }

    /// The secret.
    pub fn secret(&self) -> &[u8; KEY_BYTES] {
        &self.secret
    }
}

impl fmt::Debug for TicketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TicketKey")
            .field("kid", &self.kid)
            .field("secret", &"***")
            .finish()
    }
}

/// A key file that cannot be used, naming it.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The directory or a file could not be read or written.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
    /// A key file does not hold a key.
    #[error("{}: {message}", path.display())]
    Broken {
        /// The file.
        path: PathBuf,
        /// What is wrong (never the contents).
        message: String,
    },
}

/// Whether `kid` is a well-formed key id: 1 to 64 characters from `a-z`, `A-Z`, `0-9`, `-`.
pub fn is_valid_kid(kid: &str) -> bool {
    (1..=64).contains(&kid.len()) && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Reads every `*.key` file of `dir`, sorted oldest first. A missing directory holds no key.
pub fn load_dir(dir: &Path) -> Result<Vec<TicketKey>, KeyError> {
    let io = |path: &Path, e: std::io::Error| KeyError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(dir, e)),
    };
    let mut keys = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io(dir, e))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("key") {
            continue;
        }
        let broken = |message: &str| KeyError::Broken {
            path: path.clone(),
            message: message.to_owned(),
        };
        let kid = path
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|k| is_valid_kid(k))
            .ok_or_else(|| broken("the file name must be <kid>.key with a-z, A-Z, 0-9 and -"))?
            .to_owned();
        let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
        let bytes = hex::decode(text.trim())
            .map_err(|_| broken("the file must hold the key as 64 hex digits"))?;
        let secret: [u8; KEY_BYTES] = bytes
            .try_into()
            .map_err(|_| broken("the key must be 256 bits (64 hex digits)"))?;
        if secret.iter().all(|b| *b == 0) {
            return Err(broken("the key is all zeros"));
        }
        keys.push(TicketKey { kid, secret });
    }
    keys.sort_by(|a, b| a.kid.cmp(&b.kid));
    Ok(keys)
}

/// Writes a new random key into `dir` (created if missing, file mode 0600) and returns it.
pub fn generate(dir: &Path) -> Result<(TicketKey, PathBuf), KeyError> {
    let io = |path: &Path, e: std::io::Error| KeyError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let mut secret = [0_u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut secret);
    let mut suffix = [0_u8; 4];
    rand::rng().fill_bytes(&mut suffix);
    let now = time::OffsetDateTime::now_utc();
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .unwrap_or_default();
    let kid = format!("k{stamp}-{}", hex::encode(suffix));
    let path = dir.join(format!("{kid}.key"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(|e| io(&path, e))?;
    file.write_all(format!("{}\n", hex::encode(secret)).as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io(&path, e))?;
    Ok((TicketKey { kid, secret }, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_load_back_newest_last() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let (first, _) = generate(dir.path())?;
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let (second, _) = generate(dir.path())?;
        let keys = load_dir(dir.path())?;
        assert_eq!(
            keys.iter().map(|k| k.kid.clone()).collect::<Vec<_>>(),
            vec![first.kid.clone(), second.kid.clone()]
        );
        assert_eq!(keys[1].secret(), second.secret());
        Ok(())
    }

    #[test]
    fn a_broken_key_file_is_named_in_the_error_and_its_contents_are_not() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("k1.key"), "not-hex-secret-material")?;
        let err = load_dir(dir.path())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("k1.key"), "{err}");
        assert!(!err.contains("secret-material"), "{err}");
        std::fs::write(dir.path().join("k1.key"), "abcd")?;
        assert!(load_dir(dir.path()).is_err());
        Ok(())
    }

    #[test]
    fn a_missing_directory_holds_no_key() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        assert!(load_dir(&dir.path().join("absent"))?.is_empty());
        Ok(())
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let key = TicketKey::new("k1".into(), [7; KEY_BYTES]);
        assert!(!format!("{key:?}").contains("7, 7"));
    }
}
