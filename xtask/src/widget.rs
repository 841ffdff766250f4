//! `cargo xtask widget`: builds the widget's assets into `target/widget/` and checks their size.
//!
//! The pipeline: `cargo build` of `voce-widget` for `wasm32-unknown-unknown` in the
//! `release-wasm` profile, with the standard library rebuilt for size and panics that abort at
//! once (`-Zbuild-std`, `-Cpanic=immediate-abort`, `-Zlocation-detail=none`: unstable options,
//! enabled on the stable toolchain with `RUSTC_BOOTSTRAP=1`; needs the `rust-src` component,
//! installed when missing); `wasm-bindgen --target no-modules` (the glue is a classic script, so
//! the loader can load it with a Subresource Integrity check); Binaryen's `wasm-opt -Oz
//! --converge` with stripping and Terser on the glue and the filled-in loader, both pinned in `widget/package.json` and
//! installed with `npm ci` when missing; then content-hashed names (`voce-<hash8>.js`,
//! `voce-<hash8>.wasm`), the loader `voce.js` with those names and their integrity strings
//! filled in (and the same loader as `voce-loader-<hash8>.js`, for pages that pin it with an
//! `integrity` attribute), each of them also precompressed beside it (`.br`, brotli quality 11;
//! `.gz`, gzip level 9) for the collector to serve by `Accept-Encoding`, and `manifest.json`
//! listing every file with its SRI hash, its size raw, gzip and brotli, the files served for each
//! encoding and the pipeline that built it. Sizes and what each step saved are in `BENCHMARKS.md`.
//!
//! The toolchain is pinned by `rust-toolchain.toml`. `cargo xtask widget --stable` builds without
//! the unstable options (plain stable Rust, a little larger; its panic paths are cut after
//! linking by [`crate::widget_snip`], so a panic traps at once as in the size-optimised build),
//! and a size-optimised build that fails (a toolchain where the unstable options stop working)
//! falls back to it with a warning.
//!
//! `cargo xtask widget --stable-budget` (a step of `cargo xtask test`) builds the stable pipeline
//! into `target/widget-stable/` and fails when it is over the budget.
//!
//! With `VOCE_KEEP_BUILD=1` the intermediate files stay in `target/widget/.build/` (the module
//! as `wasm-bindgen` wrote it, with its function names, for `twiggy`).
//!
//! `cargo xtask widget --check-budget` only reads `target/widget/manifest.json` and fails when
//! the loader exceeds 2 KiB brotli or loader + glue + wasm exceed 80 KiB brotli.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use base64::Engine;
use sha2::{Digest, Sha384};

use crate::tools::{self, root};
use crate::widget_snip;

/// The global name of the wasm-bindgen glue, which the loader calls.
const GLOBAL: &str = "__voce";
/// Largest loader, brotli-compressed.
pub const LOADER_BUDGET: u64 = 2 * 1024;
/// Largest loader + glue + wasm, brotli-compressed.
pub const TOTAL_BUDGET: u64 = 80 * 1024;

/// Builds the widget (or, with `--check-budget`, only checks the last build's sizes).
pub fn run(args: &[String]) -> Result<()> {
    let out = root().join("target").join("widget");
    match args.first().map(String::as_str) {
        Some("--check-budget") => {
            let manifest = read_manifest(&out)?;
            let report = check_budget(&manifest)?;
            println!("{report}");
            Ok(())
        }
        None | Some("--build" | "--stable") => {
            let stable = args.first().map(String::as_str) == Some("--stable");
            let manifest = build(&out, stable)?;
            print_sizes(&manifest);
            // The build itself succeeds either way (the demo needs the assets); the budget
            // fails only under `--check-budget`, which `cargo xtask test` runs.
            match check_budget(&manifest) {
                Ok(report) => println!("{report}"),
                Err(e) => println!("warning: {e}"),
            }
            Ok(())
        }
        Some("--stable-budget") => {
            // What `cargo xtask test` runs: the stable pipeline into its own folder (the assets
            // in `target/widget/` stay the size-optimised ones), failing over the budget.
            let out = root().join("target").join("widget-stable");
            let manifest = build(&out, true)?;
            print_sizes(&manifest);
            println!("stable pipeline: {}", check_budget(&manifest)?);
            Ok(())
        }
        Some(other) => {
            bail!(
                "unknown option {other:?}; usage: cargo xtask widget [--stable | --stable-budget | --check-budget]"
            )
        }
    }
}

/// One built file and its sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    /// File name inside `target/widget/`.
    pub name: String,
    /// `loader`, `glue` or `wasm`.
    pub role: String,
    /// The Subresource Integrity string, `sha384-…`.
    pub integrity: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Size gzip-compressed (level 9).
    pub gzip: u64,
    /// Size brotli-compressed (quality 11).
    pub brotli: u64,
}

/// Which pipeline built the WebAssembly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pipeline {
    /// The standard library rebuilt for size with unstable options.
    SizeOptimised,
    /// Plain stable Rust.
    Stable,
}

impl Pipeline {
    /// The name recorded in `manifest.json`.
    pub fn name(self) -> &'static str {
        match self {
            Pipeline::SizeOptimised => "size-optimised",
            Pipeline::Stable => "stable",
        }
    }
}

/// `cargo build` of the widget for the browser, with the size-optimised options or without.
fn cargo_build(pipeline: Pipeline) -> Command {
    let mut cargo = Command::new("cargo");
    cargo.args([
        "build",
        "--package",
        "voce-widget",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "release-wasm",
    ]);
    if pipeline == Pipeline::SizeOptimised {
        // The standard library rebuilt for size, with panics that abort at once: no panic
        // messages, no formatting machinery behind them, no file names of panic locations.
        // These are unstable options, allowed on the stable toolchain by `RUSTC_BOOTSTRAP`.
        cargo
            .args(BUILD_STD)
            .env("RUSTC_BOOTSTRAP", "1")
            .env("RUSTFLAGS", BUILD_STD_RUSTFLAGS);
    } else {
        // Its own target folder: the two pipelines' compiler flags differ, and sharing one
        // folder would rebuild every crate each time the other pipeline ran.
        cargo
            .env("CARGO_ENCODED_RUSTFLAGS", stable_rustflags())
            .env("CARGO_TARGET_DIR", stable_target_dir());
    }
    cargo
}

/// The cargo target folder of the stable pipeline.
fn stable_target_dir() -> std::path::PathBuf {
    absolute_target_dir().join("wasm-stable")
}

/// [`tools::target_dir`], made absolute.
fn absolute_target_dir() -> std::path::PathBuf {
    let target_dir = tools::target_dir();
    if target_dir.is_absolute() {
        target_dir
    } else {
        root().join(target_dir)
    }
}

/// Compiles the widget: size-optimised unless `stable`, falling back to stable with a warning
/// when the size-optimised build fails.
fn compile(stable: bool) -> Result<Pipeline> {
    ensure_tools()?;
    if !stable {
        let attempt =
            ensure_rust_src().and_then(|()| tools::run(&mut cargo_build(Pipeline::SizeOptimised)));
        match attempt {
            Ok(()) => return Ok(Pipeline::SizeOptimised),
            Err(e) => eprintln!(
                "\nwarning: the size-optimised widget build failed: {e:#}\n\
                 warning: falling back to the stable pipeline (a larger WebAssembly file). The \
                 unstable options (-Zbuild-std, -Cpanic=immediate-abort) may have changed in this \
                 toolchain; use the release pinned in rust-toolchain.toml.\n"
            ),
        }
    }
    tools::run(&mut cargo_build(Pipeline::Stable))?;
    Ok(Pipeline::Stable)
}

fn build(out: &Path, stable: bool) -> Result<Vec<Asset>> {
    let pipeline = compile(stable)?;
    let root = root();
    let target_dir = match pipeline {
        Pipeline::SizeOptimised => absolute_target_dir(),
        Pipeline::Stable => stable_target_dir(),
    };
    let raw = target_dir.join("wasm32-unknown-unknown/release-wasm/voce_widget.wasm");

    let work = out.join(".build");
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .with_context(|| format!("cannot clean {}", work.display()))?;
    }
    std::fs::create_dir_all(&work)?;

    // The stable pipeline: panics trap at once, as `-Cpanic=immediate-abort` makes them in the
    // size-optimised one (`widget_snip.rs`); `wasm-bindgen` then drops what nothing reaches.
    let raw = if pipeline == Pipeline::Stable {
        let linked =
            std::fs::read(&raw).with_context(|| format!("cannot read {}", raw.display()))?;
        let patterns: Vec<&str> = widget_snip::DIVERGING
            .iter()
            .chain(widget_snip::PANIC_ONLY)
            .copied()
            .collect();
        let snipped = widget_snip::snip(&linked, &patterns)?;
        eprintln!(
            "panic paths: {} function bodies replaced by `unreachable`",
            snipped.names.len()
        );
        let path = work.join("voce_widget.wasm");
        std::fs::write(&path, snipped.wasm)?;
        path
    } else {
        raw
    };
    tools::run(
        Command::new("wasm-bindgen")
            .args([
                "--target",
                "no-modules",
                "--no-modules-global",
                GLOBAL,
                "--no-typescript",
            ])
            .arg("--out-dir")
            .arg(&work)
            .arg(&raw),
    )?;
    let mut bound = work.join("voce_widget_bg.wasm");
    if pipeline == Pipeline::Stable {
        // The stable pipeline's second cut: once `wasm-opt` has removed the code only panics
        // reached, the formatting impls left in the function table with nothing to call them.
        let cleaned = work.join("voce_widget_cleaned.wasm");
        tools::run(
            Command::new(node_bin("wasm-opt"))
                .args(["-Oz", "--debuginfo"])
                .args(WASM_FEATURES)
                .arg(&bound)
                .arg("-o")
                .arg(&cleaned),
        )?;
        let snipped = widget_snip::snip_unreachable_formatting(&std::fs::read(&cleaned)?)?;
        eprintln!(
            "formatting left in the function table: {} function bodies replaced by `unreachable`",
            snipped.names.len()
        );
        bound = work.join("voce_widget_snipped.wasm");
        std::fs::write(&bound, snipped.wasm)?;
    }
    let optimised = work.join("voce.wasm");
    tools::run(
        Command::new(node_bin("wasm-opt"))
            .args(WASM_OPT_PASSES)
            .args(WASM_FEATURES)
            .arg(&bound)
            .arg("-o")
            .arg(&optimised),
    )?;
    let minified = work.join("voce.js");
    tools::run(
        Command::new(node_bin("terser"))
            .arg(work.join("voce_widget.js"))
            .args(TERSER_OPTIONS)
            .arg("-o")
            .arg(&minified),
    )?;

    let wasm = std::fs::read(&optimised)?;

    for entry in std::fs::read_dir(out)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let built = [".js", ".wasm", ".js.br", ".js.gz", ".wasm.br", ".wasm.gz"];
        if name.starts_with("voce-") && built.iter().any(|suffix| name.ends_with(suffix)) {
            std::fs::remove_file(&path)?;
        }
    }

    let wasm_name = format!("voce-{}.wasm", short_hash(&wasm));
    let glue = std::fs::read(&minified)?;
    let glue_name = format!("voce-{}.js", short_hash(&glue));
    let loader_source = std::fs::read_to_string(root.join("widget/loader/voce.js"))?;
    let loader = fill_loader(
        &loader_source,
        &[
            ("__VOCE_GLUE__", glue_name.clone()),
            ("__VOCE_GLUE_SRI__", integrity(&glue)),
            ("__VOCE_WASM__", wasm_name.clone()),
            ("__VOCE_WASM_SRI__", integrity(&wasm)),
        ],
    )?;

    // The loader minified like the glue (its licence banner kept, every character outside ASCII
    // escaped: a host page in another encoding reads it the same).
    let filled = work.join("voce-loader.js");
    std::fs::write(&filled, loader)?;
    let minified_loader = work.join("voce-loader.min.js");
    tools::run(
        Command::new(node_bin("terser"))
            .arg(&filled)
            .args(TERSER_OPTIONS)
            .args(["--format", "ascii_only=true"])
            .arg("-o")
            .arg(&minified_loader),
    )?;
    let loader = std::fs::read(&minified_loader)?;
    if !loader.starts_with(b"/*! Voce") || !loader.is_ascii() {
        bail!("the minified loader lost its licence banner or is not ASCII");
    }

    // The loader under a content-hashed name too, for host pages that pin it with `integrity`
    // (it changes with every release, so they update the tag when they update Voce).
    let pinned_name = format!("voce-loader-{}.js", short_hash(&loader));
    let mut assets = Vec::new();
    for (name, role, bytes) in [
        ("voce.js".to_owned(), "loader", loader.clone()),
        (pinned_name, "loader-pinned", loader),
        (glue_name, "glue", glue),
        (wasm_name, "wasm", wasm),
    ] {
        // The collector serves `name.br` or `name.gz` to browsers that accept them.
        let gzip = gzip(&bytes)?;
        let brotli = brotli(&bytes)?;
        std::fs::write(out.join(&name), &bytes)?;
        std::fs::write(out.join(format!("{name}.gz")), &gzip)?;
        std::fs::write(out.join(format!("{name}.br")), &brotli)?;
        assets.push(Asset {
            integrity: integrity(&bytes),
            bytes: bytes.len() as u64,
            gzip: gzip.len() as u64,
            brotli: brotli.len() as u64,
            name,
            role: role.to_owned(),
        });
    }
    std::fs::write(out.join("manifest.json"), manifest_json(&assets, pipeline))?;
    if std::env::var_os("VOCE_KEEP_BUILD").is_none() {
        std::fs::remove_dir_all(&work)?;
    }
    Ok(assets)
}

/// Cargo's unstable options that rebuild the standard library for the widget.
const BUILD_STD: &[&str] = &[
    "-Zbuild-std=std,panic_abort",
    "-Zbuild-std-features=optimize_for_size",
];

/// The compiler's unstable options for the widget: panics abort without a message, and
/// `#[track_caller]` locations carry no file names.
const BUILD_STD_RUSTFLAGS: &str =
    "-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none";

/// The compiler's options for the stable pipeline. Stable Rust cannot drop panic locations
/// (`-Zlocation-detail=none`), but it can shorten the file names they carry: the workspace, the
/// crates.io sources and the standard library's sources are remapped to relative paths
/// (`CARGO_ENCODED_RUSTFLAGS`, separated by 0x1f, so a path may hold spaces).
fn stable_rustflags() -> String {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let cargo_home = std::env::var("CARGO_HOME")
        .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap_or_default()));
    let mut prefixes = vec![
        format!("{}/", root().display()),
        format!("{cargo_home}/registry/src/"),
    ];
    // Each registry's own folder too (`index.crates.io-<hash>/`), so a crate's file names start
    // at the crate (`yew-0.23.0/src/…`); rustc applies the last prefix that matches.
    if let Ok(registries) = std::fs::read_dir(format!("{cargo_home}/registry/src")) {
        let mut names: Vec<String> = registries
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.path().is_dir())
            .map(|entry| format!("{}/", entry.path().display()))
            .collect();
        names.sort();
        prefixes.extend(names);
    }
    if !sysroot.is_empty() {
        prefixes.push(format!("{sysroot}/lib/rustlib/src/rust/"));
    }
    prefixes
        .iter()
        .map(|p| format!("--remap-path-prefix={p}="))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// The `wasm-opt` passes: optimise for size until nothing shrinks, then strip names, producers
/// and features.
const WASM_OPT_PASSES: &[&str] = &[
    "-Oz",
    "--converge",
    "--strip-debug",
    "--strip-producers",
    "--strip-target-features",
];

/// The feature flags `wasm-opt` needs for what rustc emits for `wasm32-unknown-unknown`.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Terser's options for the glue: compress and mangle local names; the global `__voce` and the
/// names of the imports the WebAssembly asks for stay as they are.
const TERSER_OPTIONS: &[&str] = &["--compress", "--mangle"];

/// The folder holding `package.json` and the pinned build tools (`node_modules/`).
fn npm_dir() -> std::path::PathBuf {
    root().join("widget")
}

/// A command installed by `npm ci` in [`npm_dir`].
fn node_bin(name: &str) -> std::path::PathBuf {
    npm_dir().join("node_modules/.bin").join(name)
}

/// The standard library's sources, which `-Zbuild-std` compiles (listed in
/// `rust-toolchain.toml`, so rustup normally installs them with the toolchain).
fn ensure_rust_src() -> Result<()> {
    let components = Command::new("rustup")
        .args(["component", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if !components.lines().any(|l| l.trim() == "rust-src") {
        tools::run(Command::new("rustup").args(["component", "add", "rust-src"]))?;
    }
    Ok(())
}

fn ensure_tools() -> Result<()> {
    tools::ensure_wasm_toolchain()?;
    // Binaryen and Terser, pinned in `widget/package-lock.json`.
    tools::npm_ci(&npm_dir())?;
    if !node_bin("wasm-opt").exists() || !node_bin("terser").exists() {
        bail!(
            "`npm ci` in {} did not install wasm-opt and terser",
            npm_dir().display()
        );
    }
    Ok(())
}

/// Fills the loader's placeholders and drops its full-line comments and indentation.
pub fn fill_loader(source: &str, values: &[(&str, String)]) -> Result<String> {
    let mut text = String::with_capacity(source.len());
    for line in source.lines() {
        let line = line.trim();
        if line.is_empty() || (line.starts_with("//") && !line.starts_with("//!")) {
            continue;
        }
        text.push_str(line);
        text.push('\n');
    }
    // Longest placeholders first, so `__VOCE_GLUE__` does not eat `__VOCE_GLUE_SRI__`.
    let mut values = values.to_vec();
    values.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    for (key, value) in values {
        if !text.contains(key) {
            bail!("the loader has no placeholder {key}");
        }
        text = text.replace(key, &value);
    }
    if let Some(at) = text.find("__VOCE_") {
        bail!("the loader still has a placeholder at byte {at}");
    }
    Ok(text)
}

/// The Subresource Integrity string of `bytes`.
pub fn integrity(bytes: &[u8]) -> String {
    let digest = Sha384::digest(bytes);
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

fn short_hash(bytes: &[u8]) -> String {
    hex::encode(&Sha384::digest(bytes)[..4])
}

/// `bytes` gzip-compressed at level 9.
pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

/// `bytes` brotli-compressed at quality 11 (window 22).
pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut compressed = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut compressed, 4096, 11, 22);
        writer.write_all(bytes)?;
    }
    Ok(compressed)
}

fn manifest_json(assets: &[Asset], pipeline: Pipeline) -> String {
    let files: Vec<serde_json::Value> = assets
        .iter()
        .map(|a| {
            serde_json::json!({
                "name": a.name,
                "role": a.role,
                "integrity": a.integrity,
                "bytes": a.bytes,
                "gzip": a.gzip,
                "brotli": a.brotli,
                "served": {
                    "br": format!("{}.br", a.name),
                    "gzip": format!("{}.gz", a.name),
                    "identity": a.name,
                },
            })
        })
        .collect();
    let manifest = serde_json::json!({
        "pipeline": pipeline.name(),
        "encodings": ["br", "gzip", "identity"],
        "files": files,
        "total": {
            "bytes": assets.iter().map(|a| a.bytes).sum::<u64>(),
            "gzip": assets.iter().map(|a| a.gzip).sum::<u64>(),
            "brotli": assets.iter().map(|a| a.brotli).sum::<u64>(),
        },
        "budget": { "loader_brotli": LOADER_BUDGET, "total_brotli": TOTAL_BUDGET },
    });
    serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n"
}

/// Reads the assets listed in `out/manifest.json`.
pub fn read_manifest(out: &Path) -> Result<Vec<Asset>> {
    let path = out.join("manifest.json");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {}; run `cargo xtask widget` first",
            path.display()
        )
    })?;
    parse_manifest(&text).with_context(|| format!("{} is malformed", path.display()))
}

fn parse_manifest(text: &str) -> Result<Vec<Asset>> {
    let value: serde_json::Value = serde_json::from_str(text)?;
    let files = value["files"].as_array().context("no `files` array")?;
    files
        .iter()
        .map(|f| {
            let s = |k: &str| {
                f[k].as_str()
                    .map(str::to_owned)
                    .with_context(|| format!("no `{k}`"))
            };
            let n = |k: &str| f[k].as_u64().with_context(|| format!("no `{k}`"));
            Ok(Asset {
                name: s("name")?,
                role: s("role")?,
                integrity: s("integrity")?,
                bytes: n("bytes")?,
                gzip: n("gzip")?,
                brotli: n("brotli")?,
            })
        })
        .collect()
}

/// Fails when the loader exceeds [`LOADER_BUDGET`] or loader + glue + wasm exceed
/// [`TOTAL_BUDGET`] (brotli); otherwise describes the margin.
pub fn check_budget(assets: &[Asset]) -> Result<String> {
    let by_role = |role: &str| {
        assets
            .iter()
            .filter(|a| a.role == role)
            .map(|a| a.brotli)
            .sum::<u64>()
    };
    for role in ["loader", "glue", "wasm"] {
        if !assets.iter().any(|a| a.role == role) {
            bail!("the manifest lists no {role}; rebuild with `cargo xtask widget`");
        }
    }
    let loader = by_role("loader");
    let total = loader + by_role("glue") + by_role("wasm");
    if loader > LOADER_BUDGET {
        bail!("size budget exceeded: the loader is {loader} B brotli, over {LOADER_BUDGET} B");
    }
    if total > TOTAL_BUDGET {
        bail!(
            "size budget exceeded: loader + glue + wasm are {total} B brotli, over {TOTAL_BUDGET} B"
        );
    }
    Ok(format!(
        "size budget ok: loader {loader} B of {LOADER_BUDGET} B, total {total} B of {TOTAL_BUDGET} B (brotli)"
    ))
}

fn print_sizes(assets: &[Asset]) {
    // wasm-opt may leave a warning without a newline on stderr.
    eprintln!();
    println!(
        "{:<24} {:>13} {:>10} {:>10} {:>10}",
        "target/widget/", "role", "raw", "gzip", "brotli"
    );
    for a in assets {
        println!(
            "{:<24} {:>13} {:>10} {:>10} {:>10}",
            a.name, a.role, a.bytes, a.gzip, a.brotli
        );
    }
    // What a citizen downloads: the pinned loader is the same bytes as `voce.js`, never both.
    let shipped = assets.iter().filter(|a| a.role != "loader-pinned");
    let sum = |f: fn(&Asset) -> u64| shipped.clone().map(f).sum::<u64>();
    println!(
        "{:<24} {:>13} {:>10} {:>10} {:>10}",
        "total (loader+glue+wasm)",
        "",
        sum(|a| a.bytes),
        sum(|a| a.gzip),
        sum(|a| a.brotli)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(role: &str, brotli: u64) -> Asset {
        Asset {
            name: format!("{role}.x"),
            role: role.into(),
            integrity: "sha384-x".into(),
            bytes: brotli * 3,
            gzip: brotli + 1,
            brotli,
        }
    }

    #[test]
    fn a_build_within_budget_passes() {
        let assets = [
            asset("loader", 900),
            asset("glue", 5_000),
            asset("wasm", 60_000),
        ];
        assert!(check_budget(&assets).is_ok());
    }

    #[test]
    fn a_loader_over_two_kib_fails_the_budget() {
        let assets = [asset("loader", 2049), asset("glue", 1), asset("wasm", 1)];
        let err = check_budget(&assets).expect_err("over budget").to_string();
        assert!(err.contains("loader"), "{err}");
    }

    #[test]
    fn a_total_over_eighty_kib_fails_the_budget() {
        let assets = [
            asset("loader", 1000),
            asset("glue", 10_000),
            asset("wasm", 70_921),
        ];
        assert!(check_budget(&assets).is_err());
        let assets = [
            asset("loader", 1000),
            asset("glue", 10_000),
            asset("wasm", 70_920),
        ];
        assert!(check_budget(&assets).is_ok());
    }

    #[test]
    fn a_manifest_missing_the_wasm_fails_the_budget() {
        assert!(check_budget(&[asset("loader", 10), asset("glue", 10)]).is_err());
    }

    #[test]
    fn the_manifest_round_trips() {
        let assets = vec![asset("loader", 10), asset("glue", 20), asset("wasm", 30)];
        assert_eq!(
            parse_manifest(&manifest_json(&assets, Pipeline::Stable)).expect("parses"),
            assets
        );
    }

    #[test]
    fn the_loader_gets_every_placeholder_filled_and_its_comments_dropped() {
        let source = std::fs::read_to_string(root().join("widget/loader/voce.js")).expect("loader");
        let values = [
            ("__VOCE_GLUE__", "voce-aaaa.js".to_owned()),
            ("__VOCE_GLUE_SRI__", "sha384-glue".to_owned()),
            ("__VOCE_WASM__", "voce-bbbb.wasm".to_owned()),
            ("__VOCE_WASM_SRI__", "sha384-wasm".to_owned()),
        ];
        let filled = fill_loader(&source, &values).expect("fills");
        assert!(filled.contains("'voce-aaaa.js'") && filled.contains("'sha384-glue'"));
        assert!(filled.contains("'voce-bbbb.wasm'") && filled.contains("'sha384-wasm'"));
        assert!(!filled.lines().any(|l| l.starts_with("// ")));
        assert!(filled.starts_with("/*! Voce"), "the licence banner stays");
    }

    #[test]
    fn a_loader_without_a_placeholder_is_refused() {
        assert!(fill_loader("(function(){})()", &[("__VOCE_GLUE__", "x".into())]).is_err());
    }

    #[test]
    fn integrity_strings_are_sha384_in_base64() {
        assert_eq!(
            integrity(b"abc"),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
    }
}
