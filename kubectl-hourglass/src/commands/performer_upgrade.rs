//! `performer upgrade NAME --image ... [--version ...]`: record the current
//! spec, change only image and version under a resourceVersion precondition
//! (re-reading on conflict), then watch until the new image is observed
//! running, with one deadline, progress lines and an optional rollback that
//! never overwrites another writer.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use kube::api::{Api, Patch, PatchParams};
use serde_json::{Value, json};
use tokio::time::Instant;

use hourglass_shared::constants::PERFORMER_PLURAL;
use hourglass_shared::{HourglassObject, Performer};

use crate::api::FIELD_MANAGER;
use crate::cli::DryRun;
use crate::context::Context;
use crate::duration;
use crate::error::{CliError, Result};
use crate::interrupt::Interrupt;
use crate::view::performer_ready;

/// Attempts at a conflicting write before giving up.
const MAX_ATTEMPTS: usize = 8;
/// Time allowed for a rollback after the deadline or an interruption.
const ROLLBACK_TIME: Duration = Duration::from_secs(30);
/// Pause before trying a rollback again after a refusal that may pass.
const ROLLBACK_RETRY: Duration = Duration::from_secs(1);

#[derive(Debug, clap::Args)]
#[command(after_help = "\
Only spec.image and spec.version change, with the performer's resourceVersion
as a precondition: if someone else writes in between, the performer is read
again and the change re-applied on top. Then the command waits until the
operator reports the new generation Running and ready. With --rollback, a
timeout, failure or Ctrl-C restores the recorded image and version, unless
another writer has changed the image meanwhile. A rollback refused for a
reason that may pass (the admission webhook or the apiserver unavailable) is
tried again for --rollback-timeout; if it never lands, the command says so,
prints the recorded spec and the kubectl patch that restores it, and exits 1.

Examples:
  kubectl hourglass performer upgrade my-avs --image ghcr.io/org/performer:v1.1.0 --version v1.1.0
  kubectl hourglass performer upgrade my-avs --image ghcr.io/org/performer:v1.1.0 --timeout 10m --rollback
  kubectl hourglass performer upgrade my-avs --image ghcr.io/org/performer:v1.1.0 --diff")]
pub struct Args {
    /// The performer
    pub name: String,
    /// The new image
    #[arg(long)]
    pub image: String,
    /// The new version (default: the new image's tag when the performer tracks a version)
    #[arg(long)]
    pub version: Option<String>,
    /// One deadline for the whole upgrade, e.g. 90s, 5m, 1h
    #[arg(long, value_parser = crate::cli::parse_duration, default_value = "5m")]
    pub timeout: Duration,
    /// Return once the change is written, without waiting for it to run
    #[arg(long)]
    pub no_wait: bool,
    /// On timeout, failure or Ctrl-C, restore the recorded image and version
    #[arg(long, conflicts_with = "no_wait")]
    pub rollback: bool,
    /// How long the rollback keeps trying while writes are refused for a
    /// passing reason (webhook or apiserver unavailable)
    #[arg(long, value_parser = crate::cli::parse_duration, default_value = "30s")]
    pub rollback_timeout: Duration,
    /// client: show the change; server: send it with dryRun so the apiserver and webhook check it
    #[arg(long, value_enum, num_args = 0..=1, default_value_t = DryRun::None, default_missing_value = "client", require_equals = true)]
    pub dry_run: DryRun,
    /// Show the change to the spec as a diff and make no change
    #[arg(long)]
    pub diff: bool,
    /// How often to look at the performer while waiting
    #[arg(long, value_parser = crate::cli::parse_duration, default_value = "1s", hide = true)]
    pub poll_interval: Duration,
}

/// Where the performer lives, so the logic can be tested without a cluster.
#[allow(async_fn_in_trait)]
pub trait Store {
    async fn get(&self, name: &str) -> std::result::Result<Performer, kube::Error>;
    async fn merge_patch(
        &self,
        name: &str,
        patch: &Value,
        dry_run: bool,
    ) -> std::result::Result<Performer, kube::Error>;
}

impl Store for Api<Performer> {
    async fn get(&self, name: &str) -> std::result::Result<Performer, kube::Error> {
        Api::get(self, name).await
    }

    async fn merge_patch(
        &self,
        name: &str,
        patch: &Value,
        dry_run: bool,
    ) -> std::result::Result<Performer, kube::Error> {
        let params = PatchParams {
            dry_run,
            field_manager: Some(FIELD_MANAGER.to_string()),
            ..Default::default()
        };
        self.patch(name, &params, &Patch::Merge(patch)).await
    }
}

/// An image and version pair: what the spec holds or should hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub image: String,
    pub version: Option<String>,
}

impl Target {
    fn of(performer: &Performer) -> Self {
        Target {
            image: performer.spec.image.clone(),
            version: performer.spec.version.clone(),
        }
    }
}

/// The version to write: `--version`, else the new tag if the performer
/// tracks a version, else none.
pub fn desired_version(current: &Performer, image: &str, version: Option<&str>) -> Option<String> {
    if let Some(version) = version {
        return Some(version.to_string());
    }
    current.spec.version.as_ref()?;
    hourglass_shared::formats::image::parse(image)
        .ok()
        .and_then(|reference| reference.tag)
        .or_else(|| current.spec.version.clone())
}

/// The merge patch: the precondition and the two fields, nothing else.
pub fn patch_body(resource_version: &str, target: &Target) -> Value {
    json!({
        "metadata": { "resourceVersion": resource_version },
        "spec": { "image": target.image, "version": target.version },
    })
}

/// What an attempt to write found.
#[derive(Debug)]
pub enum Written {
    /// The spec already held the target.
    AlreadyThere,
    /// Our change was stored (or, with dry run, accepted) on top of `recorded`.
    Changed {
        recorded: Target,
        generation: i64,
        object: Box<Performer>,
    },
}

fn is_conflict(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == 409)
}

/// Writes `target` with a resourceVersion precondition, re-reading and
/// re-applying on conflict. `keep_if` decides, on each fresh read, whether
/// to go on (a rollback stops when another writer changed the image).
pub async fn write_target<S: Store>(
    store: &S,
    name: &str,
    target_for: impl Fn(&Performer) -> Target,
    keep_if: impl Fn(&Performer) -> std::result::Result<(), String>,
    dry_run: bool,
    deadline: Instant,
    progress: &mut dyn FnMut(String),
) -> Result<Written> {
    for attempt in 1..=MAX_ATTEMPTS {
        let current = store
            .get(name)
            .await
            .map_err(|e| CliError::from_kube_for(PERFORMER_PLURAL, e))?;
        keep_if(&current).map_err(CliError::Message)?;
        let target = target_for(&current);
        let recorded = Target::of(&current);
        if recorded == target {
            return Ok(Written::AlreadyThere);
        }
        let mut updated = current.clone();
        updated.spec.image = target.image.clone();
        updated.spec.version = target.version.clone();
        let verdict = HourglassObject::Performer(updated)
            .validate(Some(&HourglassObject::Performer(current.clone())));
        if !verdict.is_allowed() {
            let lines: Vec<String> = verdict.violations.iter().map(ToString::to_string).collect();
            return Err(CliError::msg(format!(
                "performer \"{name}\" would be invalid:\n  * {}",
                lines.join("\n  * ")
            )));
        }
        let resource_version = current
            .metadata
            .resource_version
            .clone()
            .unwrap_or_default();
        match store
            .merge_patch(name, &patch_body(&resource_version, &target), dry_run)
            .await
        {
            Ok(object) => {
                let generation = object.metadata.generation.unwrap_or(0);
                return Ok(Written::Changed {
                    recorded,
                    generation,
                    object: Box::new(object),
                });
            }
            Err(error) if is_conflict(&error) && attempt < MAX_ATTEMPTS => {
                if Instant::now() >= deadline {
                    return Err(CliError::msg(format!(
                        "performer \"{name}\" kept changing under us; gave up at the deadline"
                    )));
                }
                progress(format!(
                    "performer \"{name}\" was changed by someone else (resourceVersion {resource_version} is stale); reading it again"
                ));
            }
            Err(error) => return Err(CliError::from_kube_for(PERFORMER_PLURAL, error)),
        }
    }
    Err(CliError::msg(format!(
        "performer \"{name}\" kept changing under us; gave up after {MAX_ATTEMPTS} attempts"
    )))
}

/// What a look at the performer says about our generation.
#[derive(Debug, PartialEq, Eq)]
pub enum Observation {
    /// The new generation is Running and ready.
    Done,
    Waiting(String),
    Failed(String),
    /// Another writer replaced the image.
    Replaced(String),
}

/// Decides from the performer's status whether `image` at `generation` runs.
pub fn observe(performer: &Performer, image: &str, generation: i64) -> Observation {
    if performer.spec.image != image {
        return Observation::Replaced(performer.spec.image.clone());
    }
    let status = performer.status.as_ref();
    let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("");
    let conditions = status
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    let current = |c: &&k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition| {
        c.observed_generation.is_some_and(|g| g >= generation)
    };
    if let Some(failed) = conditions
        .iter()
        .filter(current)
        .find(|c| matches!(c.reason.as_str(), "ImagePullFailed" | "SchedulingFailed"))
    {
        return Observation::Failed(format!(
            "{} ({}): {}",
            failed.type_, failed.reason, failed.message
        ));
    }
    if phase == "Failed" {
        let why = conditions
            .iter()
            .find(|c| c.type_ == "Available" || c.type_ == "Degraded")
            .map(|c| format!(": {} ({}) {}", c.type_, c.reason, c.message))
            .unwrap_or_default();
        return Observation::Failed(format!("phase Failed{why}"));
    }
    let available = conditions.iter().find(|c| c.type_ == "Available");
    let observed = available.and_then(|c| c.observed_generation);
    let ready = performer_ready(performer);
    if phase == "Running" && ready && observed.is_some_and(|g| g >= generation) {
        return Observation::Done;
    }
    let mut summary = format!(
        "phase {}, ready {ready}",
        if phase.is_empty() { "<none>" } else { phase }
    );
    match available {
        Some(c) => summary.push_str(&format!(
            ", Available={}{} observed generation {} of {generation}",
            c.status,
            if c.reason.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.reason)
            },
            observed.map_or("<none>".to_string(), |g| g.to_string())
        )),
        None => summary.push_str(", no Available condition yet"),
    }
    Observation::Waiting(summary)
}

/// What `wait_for` waits for, and how.
#[derive(Clone, Debug)]
pub struct Goal {
    pub image: String,
    /// The generation our write produced.
    pub generation: i64,
    pub deadline: Instant,
    pub poll: Duration,
}

/// Why waiting stopped without success.
#[derive(Debug, PartialEq, Eq)]
pub enum WaitEnd {
    Done,
    TimedOut(String),
    Failed(String),
    Replaced(String),
    Interrupted(String),
}

/// Polls until `observe` says done, failed or replaced, the deadline passes
/// or `interrupt` resolves. Prints a progress line whenever the state changes.
pub async fn wait_for<S: Store>(
    store: &S,
    name: &str,
    goal: &Goal,
    interrupt: impl Future<Output = ()>,
    progress: &mut dyn FnMut(String),
) -> Result<WaitEnd> {
    let Goal {
        image,
        generation,
        deadline,
        poll,
    } = goal;
    let (generation, deadline, poll) = (*generation, *deadline, *poll);
    let mut interrupt = pin!(interrupt);
    let mut printed = String::new();
    loop {
        let performer = store
            .get(name)
            .await
            .map_err(|e| CliError::from_kube_for(PERFORMER_PLURAL, e))?;
        match observe(&performer, image, generation) {
            Observation::Done => return Ok(WaitEnd::Done),
            Observation::Failed(why) => return Ok(WaitEnd::Failed(why)),
            Observation::Replaced(other) => return Ok(WaitEnd::Replaced(other)),
            Observation::Waiting(summary) => {
                if summary != printed {
                    progress(format!("waiting for performer \"{name}\": {summary}"));
                    printed = summary;
                }
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(WaitEnd::TimedOut(printed));
        }
        let sleep = poll.min(deadline - now);
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = &mut interrupt => return Ok(WaitEnd::Interrupted(printed)),
        }
    }
}

/// Restores `recorded` if the spec still holds `ours`; says what it did.
/// Retries refusals that may pass for [`ROLLBACK_TIME`].
pub async fn roll_back<S: Store>(
    store: &S,
    name: &str,
    ours: &Target,
    recorded: &Target,
    progress: &mut dyn FnMut(String),
) -> String {
    let plan = RollbackPlan {
        ours,
        recorded,
        budget: ROLLBACK_TIME,
        retry_every: ROLLBACK_RETRY,
    };
    roll_back_within(store, name, &plan, std::future::pending(), progress)
        .await
        .describe(recorded)
}

/// What a rollback restores, and how hard it tries.
#[derive(Clone, Copy, Debug)]
pub struct RollbackPlan<'a> {
    /// What our upgrade wrote: the rollback only replaces this.
    pub ours: &'a Target,
    /// What the spec held before the upgrade.
    pub recorded: &'a Target,
    /// How long refusals that may pass are retried.
    pub budget: Duration,
    pub retry_every: Duration,
}

/// How a rollback ended.
#[derive(Debug, PartialEq, Eq)]
pub enum RollbackEnd {
    /// The recorded image and version are back.
    Restored,
    /// Another writer changed the image; their change stays.
    LeftAlone(String),
    /// The write never landed: refused for good, or still refused for a
    /// passing reason when the budget ran out or the user interrupted.
    Refused { error: String, attempts: usize },
}

impl RollbackEnd {
    /// One line for the final message.
    pub fn describe(&self, recorded: &Target) -> String {
        match self {
            RollbackEnd::Restored => format!("rolled back to {}", describe_target(recorded)),
            RollbackEnd::LeftAlone(why) => {
                format!("{why}; the recorded spec was {}", describe_target(recorded))
            }
            RollbackEnd::Refused { error, .. } => {
                format!(
                    "{error}; the recorded spec was {}",
                    describe_target(recorded)
                )
            }
        }
    }
}

/// Whether a refused write may succeed if sent again unchanged: the
/// apiserver or a webhook it calls is unavailable (5xx, 429), or the
/// apiserver could not be reached. A denial (4xx) stays a denial.
pub fn may_pass(error: &CliError) -> bool {
    match error {
        CliError::Api(status) => status.code >= 500 || status.code == 429,
        CliError::Connect(_) => true,
        _ => false,
    }
}

/// Restores `plan.recorded` if the spec still holds `plan.ours`, trying
/// again every `retry_every` while the refusal may pass, until `budget` is
/// spent or `interrupt` resolves. Never gives up silently: the caller gets
/// the last refusal to report.
pub async fn roll_back_within<S: Store>(
    store: &S,
    name: &str,
    plan: &RollbackPlan<'_>,
    interrupt: impl Future<Output = ()>,
    progress: &mut dyn FnMut(String),
) -> RollbackEnd {
    let deadline = Instant::now() + plan.budget;
    let ours_image = plan.ours.image.clone();
    let restore = plan.recorded.clone();
    let mut interrupt = pin!(interrupt);
    let mut attempts = 0;
    loop {
        attempts += 1;
        // Set when a fresh read shows another writer's image.
        let left_alone = std::cell::RefCell::new(None);
        let result = write_target(
            store,
            name,
            |_| restore.clone(),
            |current| {
                if current.spec.image == ours_image {
                    return Ok(());
                }
                let why = format!(
                    "not rolling back: spec.image is now {} (written by someone else)",
                    current.spec.image
                );
                *left_alone.borrow_mut() = Some(why.clone());
                Err(why)
            },
            false,
            deadline,
            progress,
        )
        .await;
        if let Some(why) = left_alone.into_inner() {
            return RollbackEnd::LeftAlone(why);
        }
        let error = match result {
            Ok(_) => return RollbackEnd::Restored,
            Err(error) => error,
        };
        let text = error.to_string();
        let text = text.trim_start_matches("error: ").to_string();
        let now = Instant::now();
        if !may_pass(&error) || now >= deadline {
            return RollbackEnd::Refused {
                error: text,
                attempts,
            };
        }
        progress(format!(
            "rollback of performer \"{name}\" refused (attempt {attempts}): {text}; trying again for up to {}",
            duration::display(deadline - now)
        ));
        tokio::select! {
            _ = tokio::time::sleep(plan.retry_every.min(deadline - now)) => {}
            _ = &mut interrupt => {
                return RollbackEnd::Refused {
                    error: format!("{text} (interrupted while retrying)"),
                    attempts,
                };
            }
        }
    }
}

/// The command that restores `recorded` by hand: a merge patch of the two
/// fields (a null version removes it), shell-quoted.
pub fn restore_command(name: &str, namespace: &str, recorded: &Target) -> String {
    let patch = json!({ "spec": { "image": recorded.image, "version": recorded.version } });
    format!(
        "kubectl patch performer {name} -n {namespace} --type merge -p {}",
        shell_quote(&patch.to_string())
    )
}

/// `text` in single quotes for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn describe_target(target: &Target) -> String {
    match &target.version {
        Some(version) => format!("image {} version {version}", target.image),
        None => format!("image {} (no version)", target.image),
    }
}

/// A unified-style diff of two texts, line by line.
pub fn diff_lines(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!(" {}\n", a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("-{}\n", a[i]));
            i += 1;
        } else {
            out.push_str(&format!("+{}\n", b[j]));
            j += 1;
        }
    }
    out
}

fn spec_yaml(performer: &Performer) -> String {
    serde_yaml_ng::to_string(&json!({ "spec": performer.spec })).unwrap_or_default()
}

pub async fn run(args: &Args, ctx: &Context) -> Result<()> {
    let started = Instant::now();
    let deadline = started + args.timeout;
    let namespace = ctx.namespace().await;
    let store: Api<Performer> = Api::namespaced(ctx.client().await?, &namespace);
    let name = args.name.as_str();
    let mut progress = |line: String| ctx.note(line);

    if args.diff || args.dry_run == DryRun::Client {
        let current = store
            .get(name)
            .await
            .map_err(|e| CliError::from_kube_for(PERFORMER_PLURAL, e))?;
        let target = Target {
            image: args.image.clone(),
            version: desired_version(&current, &args.image, args.version.as_deref()),
        };
        if Target::of(&current) == target {
            writeln_out(
                ctx,
                &format!("performer \"{name}\" already at {}", args.image),
            )?;
            return Ok(());
        }
        let mut updated = current.clone();
        updated.spec.image = target.image.clone();
        updated.spec.version = target.version.clone();
        let verdict = HourglassObject::Performer(updated.clone())
            .validate(Some(&HourglassObject::Performer(current.clone())));
        if !verdict.is_allowed() {
            let lines: Vec<String> = verdict.violations.iter().map(ToString::to_string).collect();
            return Err(CliError::msg(format!(
                "performer \"{name}\" would be invalid:\n  * {}",
                lines.join("\n  * ")
            )));
        }
        if args.diff {
            let mut out = ctx.out();
            use std::io::Write;
            writeln!(out, "--- performer/{name} (live)")?;
            writeln!(out, "+++ performer/{name} (upgraded)")?;
            write!(
                out,
                "{}",
                diff_lines(&spec_yaml(&current), &spec_yaml(&updated))
            )?;
        } else {
            writeln_out(
                ctx,
                &format!(
                    "performer \"{name}\" upgraded to {}{}",
                    args.image,
                    DryRun::Client.suffix()
                ),
            )?;
        }
        return Ok(());
    }

    let server_dry_run = args.dry_run == DryRun::Server;
    // Listen before writing: a Ctrl-C at any point after the write must end
    // in the wait's interrupted branch (and its rollback), never in a kill.
    let mut interrupt = Interrupt::listen()?;
    let image = args.image.clone();
    let version = args.version.clone();
    let written = write_target(
        &store,
        name,
        |current| Target {
            image: image.clone(),
            version: desired_version(current, &image, version.as_deref()),
        },
        |_| Ok(()),
        server_dry_run,
        deadline,
        &mut progress,
    )
    .await?;
    let (recorded, generation, object) = match written {
        Written::AlreadyThere => {
            writeln_out(
                ctx,
                &format!("performer \"{name}\" already at {}", args.image),
            )?;
            return Ok(());
        }
        Written::Changed {
            recorded,
            generation,
            object,
        } => (recorded, generation, object),
    };
    let ours = Target::of(&object);
    if server_dry_run {
        writeln_out(
            ctx,
            &format!(
                "performer \"{name}\" upgraded to {}{}",
                args.image,
                DryRun::Server.suffix()
            ),
        )?;
        return Ok(());
    }
    progress(format!(
        "performer \"{name}\": recorded {}; wrote {} (generation {generation})",
        describe_target(&recorded),
        describe_target(&ours)
    ));
    if args.no_wait {
        progress("not waiting for the new image to run (--no-wait)".to_string());
        writeln_out(
            ctx,
            &format!("performer \"{name}\" upgraded to {}", args.image),
        )?;
        return Ok(());
    }
    let goal = Goal {
        image: args.image.clone(),
        generation,
        deadline,
        poll: args.poll_interval,
    };
    let end = wait_for(&store, name, &goal, interrupt.recv(), &mut progress).await?;
    let failure = match end {
        WaitEnd::Done => {
            writeln_out(
                ctx,
                &format!("performer \"{name}\" upgraded to {}", args.image),
            )?;
            return Ok(());
        }
        WaitEnd::Replaced(other) => {
            return Err(CliError::msg(format!(
                "performer \"{name}\" now has image {other}, written by someone else while waiting; not touching it"
            )));
        }
        WaitEnd::TimedOut(last) => format!(
            "timed out after {} waiting for performer \"{name}\" to run {} ({last})",
            duration::display(args.timeout),
            args.image
        ),
        WaitEnd::Failed(why) => format!("performer \"{name}\" failed to run {}: {why}", args.image),
        WaitEnd::Interrupted(last) => format!(
            "interrupted while waiting for performer \"{name}\" to run {} ({last})",
            args.image
        ),
    };
    if args.rollback {
        progress(format!("{failure}; rolling back"));
        let plan = RollbackPlan {
            ours: &ours,
            recorded: &recorded,
            budget: args.rollback_timeout,
            retry_every: ROLLBACK_RETRY.min(args.poll_interval.max(Duration::from_millis(100))),
        };
        let end = roll_back_within(&store, name, &plan, interrupt.recv(), &mut progress).await;
        return Err(CliError::msg(rollback_failure(
            &failure, name, &namespace, &ours, &recorded, &end,
        )));
    }
    Err(CliError::msg(format!(
        "{failure}; the spec keeps the new image (pass --rollback to restore {} on failure)",
        describe_target(&recorded)
    )))
}

/// The final message after a rollback. A rollback that never landed must
/// not lose the user's spec: it says what the spec holds now, what it held
/// before, and the command that puts it back.
pub fn rollback_failure(
    failure: &str,
    name: &str,
    namespace: &str,
    ours: &Target,
    recorded: &Target,
    end: &RollbackEnd,
) -> String {
    match end {
        RollbackEnd::Refused { error, attempts } => format!(
            "{failure}; the rollback was refused ({attempts} attempt{}): {error}\n\
             performer \"{name}\" still has {}; before the upgrade it had {}.\n\
             Once the apiserver accepts writes again (is the webhook up? `kubectl hourglass doctor`), restore it with:\n  {}",
            if *attempts == 1 { "" } else { "s" },
            describe_target(ours),
            describe_target(recorded),
            restore_command(name, namespace, recorded)
        ),
        other => format!("{failure}; {}", other.describe(recorded)),
    }
}

fn writeln_out(ctx: &Context, line: &str) -> Result<()> {
    use std::io::Write;
    writeln!(ctx.out(), "{line}")?;
    Ok(())
}
