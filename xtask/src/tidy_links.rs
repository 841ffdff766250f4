//! A tidy check that the repository explains itself: every link in its Markdown files and every
//! path its Rust doc comments link to or name resolves to a file inside the repository, and a
//! link to a heading of a Markdown file (a target ending in `#intervals`) names a heading that
//! exists. A clone has nothing beside it, so a link out of the tree (a parent folder of the root,
//! an absolute path such as the machine's work folder, a file URL) is refused even when the file
//! happens to be there on this machine.
//!
//! What counts as a link:
//! - in Markdown, `[text](target)`, `![alt](target)` and `[id]: target` outside fenced code, and
//!   a code span naming a path: one that climbs out of its folder (`../` first), an absolute path
//!   under the work folder, a file URL, or the name of a Markdown file (with or without an
//!   anchor);
//! - in Rust doc comments (`//!`, `///`), the same, where a link's target is a path (it contains
//!   a slash or names a Markdown file, and no `::`: intra-doc links such as `[x](crate::stats)`
//!   are rustdoc's).
//!
//! Web URLs are not fetched. A Markdown link is resolved from its file's folder, as GitHub and
//! every Markdown viewer resolve it; a code mention and a Rust doc link also from the crate's
//! folder and from the repository's root, as the text is written for a reader in the repository.
//! Headings are matched by GitHub's anchors: lower case, punctuation dropped, spaces as `-`, a
//! repeated heading suffixed `-1`, `-2`…
//!
//! Files that read documents beside the checkout at run time (the catalog test and `cargo xtask
//! mutants` read the domain documents there) do so in code, not in links, and are not checked.

use std::path::{Component, Path, PathBuf};

use crate::tools::root;

/// A link that does not resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Broken {
    /// The file, relative to the root.
    file: String,
    /// The line, from 1.
    line: usize,
    /// The link's target as written.
    target: String,
    /// Why it does not resolve.
    reason: &'static str,
}

/// How a target is written, which decides where it is resolved from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A Markdown link in a Markdown file: from the file's folder only.
    Link,
    /// A `code` mention, or any link in a Rust doc comment: also from the crate and the root.
    Mention,
}

/// The Markdown and Rust files below `dir`, build output and dependencies left out.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if !matches!(name.as_ref(), "target" | "node_modules" | ".git") {
                files(&path, out);
            }
        } else if name.ends_with(".md") || name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// Whether `target` starts with a URL scheme (`https`, `mailto`, `file`…) and its colon.
fn has_scheme(target: &str) -> bool {
    let Some((scheme, _)) = target.split_once(':') else {
        return false;
    };
    scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Whether a `code` span names a path that must resolve.
fn is_path_mention(span: &str) -> bool {
    if span.is_empty() || span.chars().any(char::is_whitespace) {
        return false;
    }
    if span.starts_with("file:") || span.starts_with("/work/") {
        return true;
    }
    if has_scheme(span) || span.contains(['*', '{', '<', '$', '|', '(']) {
        return false;
    }
    let path = span.split('#').next().unwrap_or_default();
    span.starts_with("../") || path.ends_with(".md")
}

/// Whether the target of a link in a Rust doc comment is a path (not an intra-doc link).
fn is_doc_path_link(target: &str) -> bool {
    if target.starts_with("file:") {
        return true;
    }
    let path = target.split('#').next().unwrap_or_default();
    !has_scheme(target) && !target.contains("::") && (path.contains('/') || path.ends_with(".md"))
}

/// The targets of the inline links and reference definitions of one line of Markdown.
fn link_targets(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let Some(end) = after.find(')') else { break };
        let inner = after[..end].trim();
        let target = inner
            .strip_prefix('<')
            .and_then(|t| t.split_once('>'))
            .map_or_else(|| inner.split_whitespace().next().unwrap_or(""), |(t, _)| t);
        if !target.is_empty() {
            out.push(target.to_owned());
        }
        rest = &after[end..];
    }
    let trimmed = line.trim_start();
    if trimmed.starts_with('[')
        && let Some((_, definition)) = trimmed.split_once("]: ")
        && let Some(target) = definition.split_whitespace().next()
        && !trimmed.starts_with("[^")
    {
        out.push(target.to_owned());
    }
    out
}

/// The `code` spans of one line (single backticks).
fn code_spans(line: &str) -> impl Iterator<Item = &str> {
    line.split('`').skip(1).step_by(2)
}

/// The targets to check in a file: `(line, target, kind)`.
fn references(path: &Path, text: &str) -> Vec<(usize, String, Kind)> {
    let rust = path.extension().is_some_and(|e| e == "rs");
    let mut out = Vec::new();
    let mut fenced = false;
    for (i, raw) in text.lines().enumerate() {
        let line = if rust {
            let t = raw.trim_start();
            match t.strip_prefix("//!").or_else(|| t.strip_prefix("///")) {
                Some(doc) if !doc.starts_with('/') => doc,
                _ => continue,
            }
        } else {
            raw
        };
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        for target in link_targets(line) {
            if rust && !is_doc_path_link(&target) {
                continue;
            }
            out.push((i + 1, target, if rust { Kind::Mention } else { Kind::Link }));
        }
        for span in code_spans(line).filter(|s| is_path_mention(s)) {
            out.push((i + 1, span.to_owned(), Kind::Mention));
        }
    }
    out
}

/// `path` with `.` and `..` applied, without touching the file system.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// GitHub's anchor of a heading's text.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown file's headings (outside fenced code).
fn anchors(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        let Some(heading) = t.strip_prefix('#') else {
            continue;
        };
        let heading = heading.trim_start_matches('#');
        if fenced || !heading.starts_with(' ') {
            continue;
        }
        let base = slug(heading.trim_end_matches('#'));
        let repeats = out
            .iter()
            .filter(|a| {
                **a == base
                    || a.strip_prefix(&format!("{base}-"))
                        .is_some_and(|n| n.parse::<u32>().is_ok())
            })
            .count();
        out.push(if repeats == 0 {
            base
        } else {
            format!("{base}-{repeats}")
        });
    }
    out
}

/// The folder of the crate that `file` belongs to (the nearest with a `Cargo.toml`), inside `root`.
fn crate_dir(root: &Path, file: &Path) -> Option<PathBuf> {
    file.ancestors()
        .skip(1)
        .take_while(|d| d.starts_with(root))
        .find(|d| d.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

/// Why `target`, written in `file`, does not resolve; `None` when it does.
fn check(root: &Path, file: &Path, target: &str, kind: Kind) -> Option<&'static str> {
    if target.starts_with("file:") {
        return Some("a file:// URL points outside the repository");
    }
    if has_scheme(target) {
        return None;
    }
    let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
    if path.starts_with('/') {
        return Some("an absolute path points outside the repository; write it relative");
    }
    let resolved = if path.is_empty() {
        file.to_path_buf()
    } else {
        let folder = file.parent().unwrap_or(root).to_path_buf();
        let mut bases = vec![folder];
        if kind == Kind::Mention {
            bases.extend(crate_dir(root, file));
            bases.push(root.to_path_buf());
        }
        let candidates: Vec<PathBuf> = bases.iter().map(|b| normalise(&b.join(path))).collect();
        match candidates
            .iter()
            .find(|c| c.starts_with(root) && c.exists())
        {
            Some(found) => found.clone(),
            None if candidates.iter().all(|c| !c.starts_with(root)) => {
                return Some("points outside the repository");
            }
            None => return Some("no such file in the repository"),
        }
    };
    if anchor.is_empty() || resolved.extension().is_none_or(|e| e != "md") {
        return None;
    }
    let text = std::fs::read_to_string(&resolved).unwrap_or_default();
    (!anchors(&text).iter().any(|a| a == anchor)).then_some("no heading with this anchor")
}

/// Every link below `root` that does not resolve.
fn broken_links(root: &Path) -> Vec<Broken> {
    let mut all = Vec::new();
    files(root, &mut all);
    all.sort();
    let mut out = Vec::new();
    for file in &all {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for (line, target, kind) in references(file, &text) {
            if let Some(reason) = check(root, file, &target, kind) {
                out.push(Broken {
                    file: file
                        .strip_prefix(root)
                        .unwrap_or(file)
                        .display()
                        .to_string(),
                    line,
                    target,
                    reason,
                });
            }
        }
    }
    out
}

#[test]
fn every_link_in_the_repository_resolves_inside_it() {
    let broken = broken_links(&root());
    let lines: Vec<String> = broken
        .iter()
        .map(|b| format!("  {}:{}: `{}`: {}", b.file, b.line, b.target, b.reason))
        .collect();
    assert!(
        broken.is_empty(),
        "links that do not resolve inside the repository (point them at a file of the \
         repository, e.g. docs/methods.md#intervals, or write the text without a link):\n{}",
        lines.join("\n")
    );
}

#[test]
fn broken_and_outside_links_of_a_synthetic_tree_are_found_and_the_good_ones_pass() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "README.md",
        "# Title\n\
         See [methods](docs/methods.md#first-heading), [twice](docs/methods.md#twice-1),\n\
         [gone](docs/methods.md#nowhere) and [missing](docs/missing.md).\n\
         Layout: `../shared/LAYOUT.md`; [out](../shared/domain/x.md); [web](https://example.org).\n\
         [abs](/work/shared/x.md) [file](file:///etc/hosts) `docs/methods.md` `cargo test -p x`\n\
         ```\n[in code](nowhere.md)\n```\n\
         [ref]: docs/absent.md\n",
    );
    write(
        "docs/methods.md",
        "# First heading\n## Twice\n## Twice\n## Comparing: with the (national) figure\n\
         [back](../README.md#title) [here](#comparing-with-the-national-figure) [no](#gone)\n",
    );
    write("krate/Cargo.toml", "[package]\n");
    // Written with `DOC` for the doc-comment markers, so that this file's own lines are not
    // doc comments naming these paths.
    let rust = "DOC! Methods: [intervals](../docs/methods.md#first-heading), [`x`](crate::x).\n\
                DOC Fixed in `shared/domain/statistics.md`.\n\
                // [not a doc comment](../nowhere.md)\n\
                DOC [gone](../docs/gone.md) [`Moments`] `target/widget/` `./data/keys`\n\
                fn f() {}\n";
    write(
        "krate/src/stats.rs",
        &rust.replace("DOC!", "//!").replace("DOC", "///"),
    );
    let found: Vec<(String, usize, String)> = broken_links(root)
        .into_iter()
        .map(|b| (b.file, b.line, b.target))
        .collect();
    let expected: Vec<(String, usize, String)> = [
        ("README.md", 3, "docs/methods.md#nowhere"),
        ("README.md", 3, "docs/missing.md"),
        ("README.md", 4, "../shared/domain/x.md"),
        ("README.md", 4, "../shared/LAYOUT.md"),
        ("README.md", 5, "/work/shared/x.md"),
        ("README.md", 5, "file:///etc/hosts"),
        ("README.md", 9, "docs/absent.md"),
        ("docs/methods.md", 5, "#gone"),
        ("krate/src/stats.rs", 2, "shared/domain/statistics.md"),
        ("krate/src/stats.rs", 4, "../docs/gone.md"),
    ]
    .into_iter()
    .map(|(f, l, t)| (f.to_owned(), l, t.to_owned()))
    .collect();
    assert_eq!(found, expected);
    let reasons: Vec<&str> = broken_links(root).iter().map(|b| b.reason).collect();
    assert_eq!(reasons[0], "no heading with this anchor");
    assert_eq!(reasons[1], "no such file in the repository");
    assert_eq!(reasons[2], "points outside the repository");
}
