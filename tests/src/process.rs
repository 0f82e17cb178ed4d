//! A child process (etcd, kube-apiserver) that cannot outlive the test binary.
//!
//! Three layers, because each covers a case the others miss:
//! - `Drop` (and [`ChildProcess::stop`]) sends SIGTERM to the child's process
//!   group, waits a short grace period, then SIGKILLs it and reaps it: the
//!   normal end of a test, and unwinding after a panic.
//! - The control plane shared by a test binary lives in a static, whose Drop
//!   never runs; `control_plane` registers an `atexit` hook that calls
//!   [`ChildProcess::stop`] for it.
//! - If the test binary is killed (SIGKILL, a harness timeout), no Rust code
//!   runs at all: the kernel sends the child SIGKILL through
//!   `PR_SET_PDEATHSIG`. That signal fires when the *thread* that forked the
//!   child exits, not the process, and libtest runs each test on its own
//!   short-lived thread; so every child is forked from one keeper thread that
//!   lives as long as the process.

use std::fs::File;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::{HarnessError, log_tail};

/// How long a child gets to exit after SIGTERM before it is SIGKILLed.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// A running child with its stdout and stderr in a log file; stopped on drop.
#[derive(Debug)]
pub struct ChildProcess {
    name: String,
    child: Option<Child>,
    pid: u32,
    log_path: PathBuf,
}

impl ChildProcess {
    /// Starts `cmd` as `name`, in a process group of its own, writing its
    /// output to `log_path`.
    pub fn spawn(name: &str, mut cmd: Command, log_path: &Path) -> Result<Self, HarnessError> {
        let log = File::create(log_path)
            .map_err(|e| HarnessError::io(format!("create {}", log_path.display()), e))?;
        let log_err = log
            .try_clone()
            .map_err(|e| HarnessError::io(format!("open {}", log_path.display()), e))?;
        cmd.stdin(Stdio::null()).stdout(log).stderr(log_err);
        // SAFETY: getpid has no preconditions.
        let parent = unsafe { libc::getpid() };
        // SAFETY: the closure runs between fork and exec and only makes
        // async-signal-safe system calls (setpgid, prctl, getppid, _exit).
        unsafe {
            cmd.pre_exec(move || {
                if libc::setpgid(0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                #[cfg(target_os = "linux")]
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent may have died before prctl took effect.
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
        let child = spawn_on_keeper_thread(cmd)
            .map_err(|e| HarnessError::io(format!("start {name}"), e))?;
        Ok(ChildProcess {
            name: name.to_string(),
            pid: child.id(),
            child: Some(child),
            log_path: log_path.to_path_buf(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// An error naming the exit status and the end of the log if the child
    /// has exited; for start-up, where any exit is a failure.
    pub fn fail_if_exited(&mut self) -> Result<(), HarnessError> {
        let status = match self.child.as_mut().map(Child::try_wait) {
            Some(Ok(Some(status))) => status.to_string(),
            Some(Ok(None)) => return Ok(()),
            Some(Err(err)) => format!("cannot wait for it: {err}"),
            None => "already stopped".to_string(),
        };
        Err(HarnessError::Exited {
            name: self.name.clone(),
            status,
            tail: log_tail(&self.log_path, 5),
            log: self.log_path.clone(),
        })
    }

    /// SIGTERM to the process group, SIGKILL after a grace period, then reap.
    /// Idempotent.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        signal_group(self.pid, libc::SIGTERM);
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            match child.try_wait() {
                Ok(Some(status)) => {
                    // Anything the child left in its group goes too.
                    signal_group(self.pid, libc::SIGKILL);
                    return Some(status);
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        signal_group(self.pid, libc::SIGKILL);
        child.wait().ok()
    }
}

impl Drop for ChildProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sends `signal` to the process group led by `pid` (the child called
/// setpgid(0, 0), so its group id is its pid).
fn signal_group(pid: u32, signal: libc::c_int) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    // SAFETY: kill has no memory-safety preconditions; a group that is gone
    // only yields ESRCH, which is ignored.
    unsafe {
        libc::kill(-pid, signal);
    }
}

type SpawnRequest = (Command, mpsc::Sender<std::io::Result<Child>>);

/// Forks `cmd` from a thread that never exits, so that `PR_SET_PDEATHSIG`
/// fires only when the whole process dies.
fn spawn_on_keeper_thread(cmd: Command) -> std::io::Result<Child> {
    static KEEPER: OnceLock<std::io::Result<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let keeper = KEEPER.get_or_init(|| {
        let (requests, inbox) = mpsc::channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("hourglass-process-keeper".into())
            .spawn(move || {
                // The static sender is never dropped, so this never ends.
                for (mut cmd, reply) in inbox {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .map(|_| requests)
    });
    let requests = keeper.as_ref().map_err(|e| {
        std::io::Error::new(e.kind(), format!("cannot start the keeper thread: {e}"))
    })?;
    let (reply, answer) = mpsc::channel();
    let lost = || std::io::Error::other("the process keeper thread is gone");
    requests.send((cmd, reply)).map_err(|_| lost())?;
    answer.recv().map_err(|_| lost())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_terminates_and_reaps() {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("sleep");
        cmd.arg("60");
        let mut process = ChildProcess::spawn("sleep", cmd, &dir.path().join("sleep.log")).unwrap();
        process.fail_if_exited().unwrap();
        let status = process.stop().expect("stopped");
        assert!(!status.success());
        assert!(process.stop().is_none(), "stop is idempotent");
    }

    #[test]
    fn an_early_exit_is_reported_with_the_log() {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "echo bind: address already in use >&2; exit 3"]);
        let mut process = ChildProcess::spawn("sh", cmd, &dir.path().join("sh.log")).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let err = loop {
            if let Err(err) = process.fail_if_exited() {
                break err;
            }
            assert!(Instant::now() < deadline, "sh did not exit");
            std::thread::sleep(Duration::from_millis(10));
        };
        let message = err.to_string();
        assert!(
            message.contains("sh exited during start-up (exit status: 3)"),
            "{message}"
        );
        assert!(err.is_port_conflict());
    }
}
