//! Where built binaries live between runs, and the file lock that keeps
//! parallel test binaries from building or installing the same thing twice.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::KUBERNETES_VERSION;
use crate::error::HarnessError;

/// `${HOURGLASS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hourglass}`:
/// outside the repository, because the binaries are large and shared by every
/// checkout; created if missing.
pub fn cache_root() -> Result<PathBuf, HarnessError> {
    let root = resolve_cache_root(&|name| std::env::var_os(name))?;
    create_dir(&root)?;
    Ok(root)
}

/// The directory for one pinned Kubernetes release,
/// e.g. `~/.cache/hourglass/kubernetes-v1.33.13`.
pub fn kubernetes_dir() -> Result<PathBuf, HarnessError> {
    let dir = cache_root()?.join(format!("kubernetes-{KUBERNETES_VERSION}"));
    create_dir(&dir)?;
    Ok(dir)
}

fn resolve_cache_root(
    env: &dyn Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<PathBuf, HarnessError> {
    let set = |name: &str| env(name).filter(|value| !value.is_empty());
    if let Some(dir) = set("HOURGLASS_CACHE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = set("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("hourglass"));
    }
    if let Some(home) = set("HOME") {
        return Ok(PathBuf::from(home).join(".cache").join("hourglass"));
    }
    Err(HarnessError::NoCacheDir)
}

fn create_dir(dir: &Path) -> Result<(), HarnessError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| HarnessError::io(format!("create the cache directory {}", dir.display()), e))
}

/// An exclusive `flock` on a lock file, released when dropped. The kernel
/// releases it when the holder dies too, so a killed build leaves no stale
/// lock behind (unlike a create-new marker file).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Takes the lock at `path`, printing `waiting` to stderr first if another
/// process holds it.
pub fn lock(path: &Path, waiting: &str) -> Result<FileLock, HarnessError> {
    let what = || format!("lock {}", path.display());
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| HarnessError::io(what(), e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            eprintln!("hourglass-e2e: {waiting}");
            file.lock().map_err(|e| HarnessError::io(what(), e))?;
        }
        Err(TryLockError::Error(e)) => return Err(HarnessError::io(what(), e)),
    }
    Ok(FileLock { _file: file })
}

/// Whether `path` is a regular file with an execute bit set.
pub(crate) fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The first executable called `name` in the directories of `PATH`.
pub(crate) fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn cache_root_prefers_the_explicit_setting() {
        let env = env_of(&[
            ("HOURGLASS_CACHE_DIR", "/c"),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
        ]);
        assert_eq!(resolve_cache_root(&env).unwrap(), PathBuf::from("/c"));
    }

    #[test]
    fn cache_root_falls_back_to_xdg_then_home() {
        let xdg = env_of(&[("HOURGLASS_CACHE_DIR", ""), ("XDG_CACHE_HOME", "/x")]);
        assert_eq!(
            resolve_cache_root(&xdg).unwrap(),
            PathBuf::from("/x/hourglass")
        );
        let home = env_of(&[("HOME", "/h")]);
        assert_eq!(
            resolve_cache_root(&home).unwrap(),
            PathBuf::from("/h/.cache/hourglass")
        );
        assert!(matches!(
            resolve_cache_root(&env_of(&[])),
            Err(HarnessError::NoCacheDir)
        ));
    }

    #[test]
    fn a_second_lock_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let first = lock(&path, "waiting").unwrap();
        let other = File::options().write(true).open(&path).unwrap();
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop(first);
        other.try_lock().unwrap();
    }
}
