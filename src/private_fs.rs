//! Atomic file replacement, with new files private: mode 0600 in directories created 0700 (protocol.md §1.5), for
//! the SSO caches, awsso's own small state files and the config file awsso edits.

use std::fs::Permissions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Replace `path` atomically with `contents`, mode 0600, creating the directory as 0700 (§1.5): write a temporary
/// file beside it, fsync, rename. Readers never see a half-written file.
pub(crate) fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    replace(path, contents, None)
}

/// Replace a file the user owns and may have set up by hand (`~/.aws/config`) as [`write_private`] does, except
/// that an existing file keeps its permissions, and a symlink (dotfile managers link `~/.aws/config`) keeps pointing
/// at the replaced target, even a target that does not exist yet (the AWS CLI creates it; replacing the dangling
/// link with a file would cut the dotfile manager off). A new file is created 0600 in a directory created 0700, as
/// `aws configure` does.
pub(crate) fn rewrite(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let path = follow_links(path)?;
    let permissions = match std::fs::metadata(&path) {
        Ok(meta) => Some(meta.permissions()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    replace(&path, contents, permissions)
}

/// `path` with every symbolic link at its end followed, whether or not the final target exists (unlike
/// `canonicalize`, which fails on a dangling link).
pub(crate) fn follow_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut path = path.to_owned();
    // As many hops as Linux allows before ELOOP.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)?;
                // A relative target is relative to the link's directory; an absolute one replaces the path.
                path = path.parent().map_or_else(|| target.clone(), |dir| dir.join(&target));
            }
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(path),
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

/// Write a temporary file beside `path` (0600, or `permissions`), fsync it, and rename it over `path`.
fn replace(path: &Path, contents: &[u8], permissions: Option<Permissions>) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("awsso");
    let tmp = dir.join(format!(".{name}.awsso-{}.tmp", std::process::id()));
    // A leftover of an earlier run with the same process id; the new one is created exclusively, so it is never a
    // file or symlink someone else put there.
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut file = new_private_file(&tmp)?;
        file.write_all(contents)?;
        if let Some(permissions) = permissions {
            file.set_permissions(permissions)?;
        }
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A new file, created exclusively (`O_EXCL` never follows a symlink), mode 0600.
fn new_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// Delete `path`; one that is already gone is fine. The error names the file.
pub(crate) fn remove(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(anyhow::Error::from(e).context(format!("could not delete {}", path.display())))
        }
        _ => Ok(()),
    }
}

pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Issue 9, finding 11: a symlink planted at the temporary file's name had its target overwritten, and then
    /// became the file itself. Now the temporary file is created exclusively.
    #[test]
    fn a_symlink_at_the_temporary_name_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let path = dir.path().join("sub/token.json");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let tmp = path.with_file_name(format!(".token.json.awsso-{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &tmp).unwrap();
        write_private(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!path.symlink_metadata().unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    /// Issue 9, finding 15: a dangling `~/.aws/config` symlink (a dotfile manager's link to a file not made yet) was
    /// replaced by a regular file. Now the target is created and the link kept, as the AWS CLI does.
    #[test]
    fn a_dangling_symlink_gets_its_target_created() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join(".aws/config");
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink("../dotfiles/aws/config", &link).unwrap();
        rewrite(&link, b"[default]\n").unwrap();
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
        let target = dir.path().join("dotfiles/aws/config");
        assert_eq!(std::fs::read_to_string(target).unwrap(), "[default]\n");
    }
}
