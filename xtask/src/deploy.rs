//! `cargo xtask test "deploy artefacts"`: the operations files in `deploy/`, checked with the tools
//! operators use, then the installer run for real.
//!
//! No container engine, cluster or systemd as PID 1 is available here, so the image definition,
//! the compose file, the Kubernetes manifests, the alerting rules and the unit are checked
//! statically: `hadolint`, `docker-compose config`, `kubernetes-validate --strict` and the
//! manifests' own policy (`deploy/kubernetes/check-policy.py`), `promtool check rules` and
//! `promtool test rules`, `systemd-analyze verify` (any warning fails) and `systemd-analyze
//! security`. Each checker is also shown a copy of its file with one deliberate defect, and the
//! step fails if the checker accepts it, so a checker that passes everything cannot pass here.
//! The operator guide must document every `VOCE_*` variable that the collector reads or that
//! `deploy/` sets.
//!
//! Then `deploy/install.sh` installs the collector into a temporary root (`$TMPDIR/voce-deploy-install-<pid>`)
//! and, systemd not being PID 1, starts it with the unit's user, environment and restrictions;
//! the step checks the running process's user, `NoNewPrivs` and capabilities, sends a form and a
//! response through it with `tests/curl-walk.sh` while `strace` records its system calls, and
//! checks those against the unit's `SystemCallFilter=`.

use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use crate::tools::{self, DeployTools, root, run, target_dir};

/// The system user the unit and the installer use.
const SERVICE_USER: &str = "voce";
/// Highest acceptable `systemd-analyze security` exposure, in tenths (the unit measures 1.1).
const EXPOSURE_THRESHOLD: &str = "15";

/// Runs every check of the deploy artefacts.
pub fn check() -> Result<()> {
    let tools = tools::ensure_deploy_tools()?;
    let scratch = root().join("target/deploy-check");
    if scratch.exists() {
        std::fs::remove_dir_all(&scratch)?;
    }
    std::fs::create_dir_all(&scratch)?;
    dockerfile(&tools, &scratch)?;
    compose(&tools, &scratch)?;
    kubernetes(&tools, &scratch)?;
    prometheus(&scratch)?;
    run(Command::new(&tools.shellcheck).arg("deploy/install.sh"))?;
    documented_variables()?;
    install_and_walk(&scratch)
}

fn dockerfile(tools: &DeployTools, scratch: &Path) -> Result<()> {
    run(Command::new(&tools.hadolint).arg("deploy/Dockerfile"))?;
    let broken = mutated(
        "deploy/Dockerfile",
        &scratch.join("Dockerfile"),
        "USER 65532:65532",
        "USER root",
    )?;
    refuses("hadolint", Command::new(&tools.hadolint).arg(broken))
}

fn compose(tools: &DeployTools, scratch: &Path) -> Result<()> {
    let config = |file: &Path| {
        let mut cmd = Command::new(&tools.docker_compose);
        cmd.arg("--file")
            .arg(file)
            .arg("--project-directory")
            .arg(root().join("deploy"))
            .args(["config", "--quiet"])
            .env("VOCE_DB_PASSWORD", "checked-without-an-engine");
        cmd
    };
    run(&mut config(&root().join("deploy/compose.yaml")))?;
    let broken = mutated(
        "deploy/compose.yaml",
        &scratch.join("compose.yaml"),
        "read_only: true",
        "read_olny: true",
    )?;
    refuses("docker-compose config", &mut config(&broken))?;
    // Without the database password the file refuses to render rather than use an empty one.
    refuses(
        "docker-compose config without VOCE_DB_PASSWORD",
        config(&root().join("deploy/compose.yaml")).env_remove("VOCE_DB_PASSWORD"),
    )
}

fn kubernetes(tools: &DeployTools, scratch: &Path) -> Result<()> {
    let folder = root().join("deploy/kubernetes");
    let manifests = |dir: &Path| -> Result<Vec<PathBuf>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()?;
        files.retain(|p| {
            p.extension().is_some_and(|e| e == "yaml")
                && p.file_name().is_some_and(|n| n != "kustomization.yaml")
        });
        files.sort();
        Ok(files)
    };
    let files = manifests(&folder)?;
    ensure!(files.len() >= 10, "only {} manifests found", files.len());
    run(Command::new(&tools.kubernetes_validate)
        .args(["--strict", "--quiet"])
        .args(&files))?;
    let policy = |dir: &Path| {
        let mut cmd = Command::new(&tools.python);
        cmd.arg(folder.join("check-policy.py")).arg(dir);
        cmd
    };
    run(&mut policy(&folder))?;

    let copy = scratch.join("kubernetes");
    std::fs::create_dir_all(&copy)?;
    for entry in std::fs::read_dir(&folder)? {
        let path = entry?.path();
        if let Some(name) = path.file_name() {
            std::fs::copy(&path, copy.join(name))?;
        }
    }
    // A misspelt field passes a lenient schema check; only --strict refuses it.
    let broken = mutated(
        "deploy/kubernetes/deployment.yaml",
        &copy.join("deployment.yaml"),
        "readOnlyRootFilesystem: true",
        "readOnlyRootFileSystem: true",
    )?;
    refuses(
        "kubernetes-validate --strict",
        Command::new(&tools.kubernetes_validate)
            .args(["--strict", "--quiet"])
            .arg(&broken),
    )?;
    mutated(
        "deploy/kubernetes/deployment.yaml",
        &copy.join("deployment.yaml"),
        "replicas: 2",
        "replicas: 1",
    )?;
    refuses("check-policy.py", &mut policy(&copy))
}

fn prometheus(scratch: &Path) -> Result<()> {
    run(Command::new("promtool").args(["check", "rules", "deploy/prometheus/alerts.yaml"]))?;
    run(Command::new("promtool")
        .args(["test", "rules", "alerts.test.yaml"])
        .current_dir(root().join("deploy/prometheus")))?;
    let broken = mutated(
        "deploy/prometheus/alerts.yaml",
        &scratch.join("alerts.yaml"),
        "up{job=\"voce-collector\"} == 0\n",
        "up{job=\"voce-collector\" == 0\n",
    )?;
    refuses(
        "promtool check rules",
        Command::new("promtool")
            .args(["check", "rules"])
            .arg(broken),
    )
}

/// Every `VOCE_*` variable named in the collector's sources or in `deploy/` has a row in the
/// operator guide's tables.
fn documented_variables() -> Result<()> {
    let guide = std::fs::read_to_string(root().join("deploy/README.md"))?;
    let mut named = std::collections::BTreeSet::new();
    let mut files = Vec::new();
    collect_files(&root().join("collector/src"), &mut files)?;
    collect_files(&root().join("deploy"), &mut files)?;
    for file in files {
        if file.ends_with("deploy/README.md") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for (i, _) in text.match_indices("VOCE_") {
            // Part of a longer identifier (`CL_VOCE_BODY_KIND`, the SDMX dataflow
            // `IT1:VOCE_CX`) is not a variable.
            let before = text[..i].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let name: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if name.len() > "VOCE_".len() && !name.ends_with('_') {
                named.insert(name);
            }
        }
    }
    let missing: Vec<&String> = named
        .iter()
        .filter(|name| !guide.contains(&format!("| `{name}` |")))
        .collect();
    ensure!(
        missing.is_empty(),
        "deploy/README.md has no row for {missing:?} (add them to its tables of variables)"
    );
    eprintln!(
        "deploy/README.md documents all {} VOCE_* variables",
        named.len()
    );
    Ok(())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

fn install_and_walk(scratch: &Path) -> Result<()> {
    run(Command::new("cargo")
        .args(["build", "--package", "voce-collector"])
        .args(crate::collector::FEATURES))?;
    // A fresh root per run under the temporary directory, which the service user can traverse
    // wherever the repository is checked out.
    let prefix = std::env::temp_dir().join(format!("voce-deploy-install-{}", std::process::id()));
    if prefix.exists() {
        std::fs::remove_dir_all(&prefix)?;
    }
    std::fs::DirBuilder::new().mode(0o755).create(&prefix)?;
    let _cleanup = RemoveOnDrop(prefix.clone());
    let pid_file = prefix.join("run/voce-collector.pid");
    let port = free_port()?;
    let admin_port = free_port()?;
    let binary = target_dir().join("debug/voce-collector");
    run(Command::new("bash")
        .arg("deploy/install.sh")
        .arg("--root")
        .arg(&prefix)
        .arg("--binary")
        .arg(&binary)
        .args(["--registry", "examples/registry/pilot.toml"])
        .args(["--set", &format!("VOCE_BIND=127.0.0.1:{port}")])
        .args(["--set", &format!("VOCE_ADMIN_BIND=127.0.0.1:{admin_port}")]))?;
    let pid = std::fs::read_to_string(&pid_file)
        .with_context(|| format!("install.sh wrote no {}", pid_file.display()))?;
    let installed = Installed::new(pid.trim(), prefix.clone());

    let bind = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(&bind).is_err() {
        if Instant::now() > deadline {
            bail!(
                "the installed collector did not listen on {bind} within 30 s:\n{}",
                installed.log()
            );
        }
        sleep(Duration::from_millis(100));
    }
    installed.check_restrictions()?;

    let unit = prefix.join("etc/systemd/system/voce-collector.service");
    systemd_verify(&unit)?;
    let security = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--no-pager"])
        .arg(format!("--threshold={EXPOSURE_THRESHOLD}"))
        .arg(&unit)
        .output()
        .context("systemd-analyze security")?;
    let report = String::from_utf8_lossy(&security.stdout);
    ensure!(
        security.status.success(),
        "systemd-analyze security rates the unit above {EXPOSURE_THRESHOLD} tenths:\n{report}"
    );
    eprintln!(
        "systemd-analyze security: {}",
        report.lines().last().unwrap_or_default().trim()
    );
    let broken = mutated(
        unit.to_str().context("non-UTF-8 path")?,
        &scratch.join("voce-collector.service"),
        "ProtectSystem=strict",
        "ProtectSystem=stricter",
    )?;
    ensure!(
        systemd_verify(&broken).is_err(),
        "systemd-analyze verify accepted ProtectSystem=stricter: the check cannot fail"
    );
    eprintln!("systemd-analyze verify refuses a planted defect, as it should");

    let installed_binary = prefix.join("usr/local/bin/voce-collector");
    // Every system call the collector makes while serving the walk, recorded by strace
    // attached to all its threads, must pass the unit's SystemCallFilter= (which cannot be
    // enforced here without systemd).
    let trace = scratch.join("serve.strace");
    let mut tracer = Command::new("strace")
        .args(["-f", "-qq", "-p", &installed.pid, "-o"])
        .arg(&trace)
        .spawn()
        .context("starting strace")?;
    sleep(Duration::from_millis(500));
    let walk = run(Command::new("bash")
        .arg(root().join("tests/curl-walk.sh"))
        .arg(format!("http://{bind}"))
        .env(
            "VOCE_COLLECTOR",
            format!(
                "setpriv --reuid={SERVICE_USER} --regid={SERVICE_USER} --init-groups {}",
                installed_binary.display()
            ),
        )
        .env("VOCE_CONFIG", prefix.join("etc/voce/voce-collector.toml")));
    // strace detaches from the collector on SIGINT.
    let _ = Command::new("kill")
        .args(["-INT", &tracer.id().to_string()])
        .status();
    let _ = tracer.wait();
    if let Err(e) = walk {
        bail!("{e:#}\n--- collector output:\n{}", installed.log());
    }
    system_calls_pass_the_filter(&unit, &trace)?;
    installed.stop()
}

/// The system calls named in an strace log are all allowed by the unit's `SystemCallFilter=`
/// lines (an allow list, then `~` deny lists), expanded with `systemd-analyze syscall-filter`.
fn system_calls_pass_the_filter(unit: &Path, trace: &Path) -> Result<()> {
    let unit_text = std::fs::read_to_string(unit)?;
    let mut allowed = std::collections::BTreeSet::new();
    let mut denied = std::collections::BTreeSet::new();
    for value in unit_text
        .lines()
        .filter_map(|l| l.strip_prefix("SystemCallFilter="))
    {
        let (deny, value) = match value.strip_prefix('~') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        for item in value.split_whitespace() {
            let names = expand_syscall_group(item)?;
            if deny {
                denied.extend(names);
            } else {
                allowed.extend(names);
            }
        }
    }
    ensure!(
        !allowed.is_empty(),
        "the unit has no SystemCallFilter= allow list"
    );
    let log = std::fs::read_to_string(trace).context("reading the strace log")?;
    let used: std::collections::BTreeSet<String> = log
        .lines()
        .filter_map(|l| {
            let call = l.split_once(' ')?.1.trim_start();
            let call = call.strip_prefix("<... ").unwrap_or(call);
            let name: String = call
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty() && call[name.len()..].starts_with(['(', ' '])).then_some(name)
        })
        .filter(|n| n != "resumed" && n != "exited" && n != "killed")
        .collect();
    ensure!(
        used.len() >= 10,
        "strace recorded only {used:?}: the trace did not see the collector serve"
    );
    let refused: Vec<&String> = used
        .iter()
        .filter(|c| !allowed.contains(*c) || denied.contains(*c))
        .collect();
    ensure!(
        refused.is_empty(),
        "the collector makes system calls that the unit's SystemCallFilter= refuses: {refused:?}"
    );
    eprintln!(
        "all {} system calls the collector made while serving pass the unit's SystemCallFilter=",
        used.len()
    );
    Ok(())
}

/// A system call or `@group`, expanded recursively to system call names.
fn expand_syscall_group(item: &str) -> Result<Vec<String>> {
    if !item.starts_with('@') {
        return Ok(vec![item.to_owned()]);
    }
    let out = Command::new("systemd-analyze")
        .args(["syscall-filter", "--no-pager", item])
        .output()
        .context("systemd-analyze syscall-filter")?;
    ensure!(
        out.status.success(),
        "systemd-analyze syscall-filter {item} failed"
    );
    let mut names = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines().skip(1) {
        let entry = line.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        names.extend(expand_syscall_group(entry)?);
    }
    Ok(names)
}

/// `systemd-analyze verify`, failing on any warning (it exits 0 on unknown keys and bad values).
fn systemd_verify(unit: &Path) -> Result<()> {
    eprintln!("$ systemd-analyze verify {}", unit.display());
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(unit)
        .current_dir(root())
        .output()
        .context("systemd-analyze")?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    ensure!(
        out.status.success() && said.trim().is_empty(),
        "systemd-analyze verify {}: {}\n{said}",
        unit.display(),
        out.status
    );
    Ok(())
}

/// A copy of `source` (relative to the root, or absolute) at `dest` with `from` replaced by `to`.
fn mutated(source: &str, dest: &Path, from: &str, to: &str) -> Result<PathBuf> {
    let text = std::fs::read_to_string(root().join(source))
        .with_context(|| format!("reading {source}"))?;
    ensure!(
        text.contains(from),
        "{source} no longer contains {from:?}: update the defect this check plants"
    );
    std::fs::write(dest, text.replacen(from, to, 1))?;
    Ok(dest.to_path_buf())
}

/// Runs a checker on a defective file and fails if it accepts it.
fn refuses(checker: &str, cmd: &mut Command) -> Result<()> {
    let out = cmd
        .current_dir(root())
        .output()
        .with_context(|| format!("starting {checker}"))?;
    ensure!(
        !out.status.success(),
        "{checker} accepted a file with a planted defect: the check cannot fail"
    );
    eprintln!("{checker} refuses a planted defect, as it should");
    Ok(())
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Removes a directory when dropped.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The collector started by `install.sh`; dropping it stops the process.
struct Installed {
    pid: String,
    prefix: PathBuf,
}

impl Installed {
    fn new(pid: &str, prefix: PathBuf) -> Installed {
        Installed {
            pid: pid.to_owned(),
            prefix,
        }
    }

    /// The process's status, when the id still names the installed binary (an id left by an
    /// earlier run may have been reused by another process, which is never touched).
    fn status(&self) -> Option<String> {
        let exe = std::fs::read_link(format!("/proc/{}/exe", self.pid)).ok()?;
        let ours = self.prefix.join("usr/local/bin/voce-collector");
        if !exe
            .to_string_lossy()
            .starts_with(ours.to_string_lossy().as_ref())
        {
            return None;
        }
        std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()
    }

    fn running(&self) -> bool {
        self.status().is_some_and(|s| {
            s.lines()
                .any(|l| l.starts_with("State:") && !l.contains("zombie"))
        })
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.prefix.join("var/log/voce-collector.log")).unwrap_or_default()
    }

    /// The process runs as the service user, cannot gain privileges and holds no capability.
    fn check_restrictions(&self) -> Result<()> {
        let status = self
            .status()
            .context("the installed collector is not running")?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
                .unwrap_or_default()
                .to_owned()
        };
        let uid = Command::new("id").args(["-u", SERVICE_USER]).output()?;
        let uid = String::from_utf8_lossy(&uid.stdout).trim().to_owned();
        ensure!(
            field("Uid:").split_whitespace().all(|u| u == uid),
            "the collector runs with Uid {} instead of {SERVICE_USER}'s {uid}",
            field("Uid:")
        );
        ensure!(
            field("NoNewPrivs:") == "1",
            "NoNewPrivs is not set on the collector"
        );
        for caps in ["CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"] {
            ensure!(
                field(caps) == "0000000000000000",
                "the collector holds capabilities: {caps} {}",
                field(caps)
            );
        }
        eprintln!(
            "the installed collector (pid {}) runs as {SERVICE_USER}, NoNewPrivs, no capabilities",
            self.pid
        );
        Ok(())
    }

    /// SIGTERM, then waits for a graceful exit (the unit allows 40 s).
    fn stop(&self) -> Result<()> {
        if !self.running() {
            bail!("the collector had exited before the end:\n{}", self.log());
        }
        run(Command::new("kill").args(["-TERM", &self.pid]))?;
        let deadline = Instant::now() + Duration::from_secs(40);
        while self.running() {
            if Instant::now() > deadline {
                bail!("the collector did not stop within 40 s of SIGTERM");
            }
            sleep(Duration::from_millis(100));
        }
        Ok(())
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        if self.running() {
            let _ = Command::new("kill").args(["-KILL", &self.pid]).status();
        }
    }
}
