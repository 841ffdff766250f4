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
