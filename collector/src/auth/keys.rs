//! The ticket keys: 256-bit HMAC secrets, one file each in the key directory, named
//! `<kid>.key` and holding 64 hex digits. The newest key signs; older keys still verify tickets
//! until they are removed. "Newest" is the creation time written in the kid by
//! `keys generate` (`k20260101T120000Z-…`), or for a key named by hand the time the file was
//! last written — never the file name's place in the alphabet.
//!
//! The directory is created `0700` and key files `0600`; a key file that its group or other users
//! may read or write is refused at load, naming the file and the fix. Secrets never appear in
//! logs, errors or `Debug` output.

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
    /// When the key was made (Unix seconds): from the kid, else from the file.
    pub created: i64,
    secret: [u8; KEY_BYTES],
}

impl TicketKey {
    /// A key from its id and secret, made at the time its kid says (or the epoch).
    pub fn new(kid: String, secret: [u8; KEY_BYTES]) -> TicketKey {
        TicketKey {
            created: created_from_kid(&kid).unwrap_or(0),
            kid,
            secret,
        }
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

/// The format of the time in a generated kid.
const KID_TIME: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");

/// The creation time written in a kid made by [`generate`], if it is one.
fn created_from_kid(kid: &str) -> Option<i64> {
    let stamp = kid.strip_prefix('k')?.get(..16)?;
    time::PrimitiveDateTime::parse(stamp, KID_TIME)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// The creation time of a key file: from its kid, else the file's modification time (when it
/// was written or copied into place; `touch` sets it).
fn created_of(kid: &str, metadata: &std::fs::Metadata) -> i64 {
    created_from_kid(kid).unwrap_or_else(|| {
        metadata
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_secs()).ok())
            .unwrap_or(0)
    })
}

/// Who besides the owner may read key files. Kubernetes adds group read to the files of a Secret
/// mounted for a non-root pod (`fsGroup`), so there — and only there — group read is allowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum KeyFileMode {
    /// Only the owner may read (`0600`, `0400`): the default.
    #[default]
    OwnerOnly,
    /// The group may read too (`0640`, `0440`), never write; others never.
    GroupReadable,
}

impl KeyFileMode {
    /// The mode the `keys_group_readable` setting asks for.
    pub fn allowing_group_read(group_readable: bool) -> KeyFileMode {
        if group_readable {
            KeyFileMode::GroupReadable
        } else {
            KeyFileMode::OwnerOnly
        }
    }
}

/// Refuses a key file that others than its owner (and its group, if allowed) may read or write.
#[cfg(unix)]
fn check_private(
    path: &Path,
    metadata: &std::fs::Metadata,
    allowed: KeyFileMode,
) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    let forbidden = match allowed {
        KeyFileMode::OwnerOnly => 0o077,
        KeyFileMode::GroupReadable => 0o037,
    };
    if mode & forbidden != 0 {
        return Err(KeyError::Broken {
            path: path.to_path_buf(),
            message: format!(
                "the key file has mode {mode:04o}: others than its owner may read it; \
                 run `chmod 600 {}`",
                path.display()
            ),
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path, _: &std::fs::Metadata, _: KeyFileMode) -> Result<(), KeyError> {
    Ok(())
}

/// Reads every `*.key` file of `dir`, sorted oldest first (by creation time, then kid). A
/// missing directory holds no key.
pub fn load_dir(dir: &Path, allowed: KeyFileMode) -> Result<Vec<TicketKey>, KeyError> {
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
        let metadata = std::fs::metadata(&path).map_err(|e| io(&path, e))?;
        check_private(&path, &metadata, allowed)?;
        let created = created_of(&kid, &metadata);
        let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
        let bytes = hex::decode(text.trim())
            .map_err(|_| broken("the file must hold the key as 64 hex digits"))?;
        let secret: [u8; KEY_BYTES] = bytes
            .try_into()
            .map_err(|_| broken("the key must be 256 bits (64 hex digits)"))?;
        if secret.iter().all(|b| *b == 0) {
            return Err(broken("the key is all zeros"));
        }
        keys.push(TicketKey {
            kid,
            created,
            secret,
        });
    }
    keys.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.kid.cmp(&b.kid)));
    Ok(keys)
}

/// Writes a new random key into `dir` (created `0700` if missing, file mode `0600`) and returns
/// it.
pub fn generate(dir: &Path) -> Result<(TicketKey, PathBuf), KeyError> {
    let io = |path: &Path, e: std::io::Error| KeyError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| io(dir, e))?;
    let mut secret = [0_u8; KEY_BYTES];
    rand::rng().fill_bytes(&mut secret);
    let mut suffix = [0_u8; 4];
    rand::rng().fill_bytes(&mut suffix);
    let now = time::OffsetDateTime::now_utc();
    let stamp = now.format(KID_TIME).unwrap_or_default();
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
    Ok((
        TicketKey {
            created: now.unix_timestamp(),
            kid,
            secret,
        },
        path,
    ))
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
        let keys = load_dir(dir.path(), KeyFileMode::OwnerOnly)?;
        assert_eq!(
            keys.iter().map(|k| k.kid.clone()).collect::<Vec<_>>(),
            vec![first.kid.clone(), second.kid.clone()]
        );
        assert_eq!(keys[1].secret(), second.secret());
        Ok(())
    }

    /// Writes a key file by hand, as an operator would, with the private mode.
    fn write_key(dir: &Path, name: &str, contents: &str) -> anyhow::Result<PathBuf> {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, contents)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        Ok(path)
    }

    #[test]
    fn a_hand_named_key_does_not_sign_for_being_last_in_the_alphabet() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let hand = write_key(dir.path(), "z.key", &"ab".repeat(32))?;
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(86_400);
        std::fs::File::options()
            .write(true)
            .open(&hand)?
            .set_modified(old)?;
        let (generated, _) = generate(dir.path())?;
        let keys = load_dir(dir.path(), KeyFileMode::OwnerOnly)?;
        assert_eq!(
            keys.last().map(|k| k.kid.as_str()),
            Some(generated.kid.as_str())
        );
        assert_eq!(keys[0].kid, "z");
        Ok(())
    }

    #[test]
    fn the_key_directory_and_files_are_private() -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir()?;
        let dir = parent.path().join("keys");
        let (_, path) = generate(&dir)?;
        assert_eq!(std::fs::metadata(&dir)?.permissions().mode() & 0o777, 0o700);
        assert_eq!(
            std::fs::metadata(&path)?.permissions().mode() & 0o777,
            0o600
        );
        Ok(())
    }

    #[test]
    fn a_key_file_others_may_read_is_refused_with_the_fix() -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let path = write_key(dir.path(), "k1.key", &"ab".repeat(32))?;
        for mode in [0o644, 0o640, 0o604, 0o660] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
            let err = load_dir(dir.path(), KeyFileMode::OwnerOnly)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                err.contains("k1.key") && err.contains("chmod 600"),
                "{mode:o}: {err}"
            );
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400))?;
        assert_eq!(load_dir(dir.path(), KeyFileMode::OwnerOnly)?.len(), 1);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o440))?;
        assert_eq!(load_dir(dir.path(), KeyFileMode::GroupReadable)?.len(), 1);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444))?;
        assert!(load_dir(dir.path(), KeyFileMode::GroupReadable).is_err());
        Ok(())
    }

    #[test]
    fn a_broken_key_file_is_named_in_the_error_and_its_contents_are_not() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        write_key(dir.path(), "k1.key", "not-hex-secret-material")?;
        let err = load_dir(dir.path(), KeyFileMode::OwnerOnly)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("k1.key"), "{err}");
        assert!(!err.contains("secret-material"), "{err}");
        std::fs::write(dir.path().join("k1.key"), "abcd")?;
        assert!(load_dir(dir.path(), KeyFileMode::OwnerOnly).is_err());
        Ok(())
    }

    #[test]
    fn a_missing_directory_holds_no_key() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        assert!(load_dir(&dir.path().join("absent"), KeyFileMode::OwnerOnly)?.is_empty());
        Ok(())
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let key = TicketKey::new("k1".into(), [7; KEY_BYTES]);
        assert!(!format!("{key:?}").contains("7, 7"));
    }
}
