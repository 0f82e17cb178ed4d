//! Installing a Debian package the harness needs (etcd, skopeo) when it is
//! missing: as root, under a lock in the cache directory, once, with the
//! output kept in a log. Anywhere else the caller fails with one line saying
//! how to install it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cache;
use crate::error::{HarnessError, one_line};

/// One package and how to find what it installs.
pub(crate) struct DebianPackage<'a> {
    /// What the harness wants from it, e.g. `etcd` (names the lock and the log).
    pub what: &'a str,
    /// `apt-get` arguments after `install -y`, ending with the package's name.
    pub install_args: &'a [&'a str],
    /// Where the wanted binary is, once installed.
    pub locate: &'a dyn Fn() -> Option<PathBuf>,
    /// The caller's error for "missing and not installable", from a reason.
    pub missing: &'a dyn Fn(String) -> HarnessError,
}

impl DebianPackage<'_> {
    /// The binary, installing the package first if it is missing and we are root.
    pub(crate) fn find_or_install(&self) -> Result<PathBuf, HarnessError> {
        if let Some(path) = (self.locate)() {
            return Ok(path);
        }
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return Err((self.missing)(
                "not running as root, so the harness does not install it".into(),
            ));
        }
        let apt_get = cache::find_on_path("apt-get")
            .ok_or_else(|| (self.missing)("apt-get is not on PATH".into()))?;
        let root = cache::cache_root()?;
        let _lock = cache::lock(
            &root.join(format!("{}-install.lock", self.what)),
            &format!("waiting for another process installing {}...", self.what),
        )?;
        if let Some(path) = (self.locate)() {
            return Ok(path);
        }
        let mut args = vec!["install", "-y"];
        args.extend(self.install_args);
        eprintln!(
            "hourglass-e2e: {} is missing; installing it with `apt-get {}` (once)...",
            self.what,
            args.join(" ")
        );
        let log = root.join(format!("{}-install.log", self.what));
        if run_apt_get(&apt_get, &args, &log).is_err() {
            // A fresh image has no package lists yet.
            run_apt_get(&apt_get, &["update"], &log)
                .map_err(|detail| (self.missing)(format!("`apt-get update` failed: {detail}")))?;
            run_apt_get(&apt_get, &args, &log)
                .map_err(|detail| (self.missing)(format!("`apt-get install` failed: {detail}")))?;
        }
        (self.locate)().ok_or_else(|| {
            (self.missing)(format!(
                "`apt-get {}` succeeded but the binary is still not found",
                args.join(" ")
            ))
        })
    }
}

/// Runs apt-get non-interactively, appending its output to `log`; on failure
/// returns the last lines of that output.
fn run_apt_get(apt_get: &Path, args: &[&str], log: &Path) -> Result<(), String> {
    let output = Command::new(apt_get)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run {}: {e}", apt_get.display()))?;
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    {
        let _ = file.write_all(&output.stdout);
        let _ = file.write_all(&output.stderr);
    }
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}: {} (log: {})",
            output.status,
            one_line(&String::from_utf8_lossy(&output.stderr), 2),
            log.display()
        ))
    }
}
