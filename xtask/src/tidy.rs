//! Tidy checks that run as ordinary tests (`cargo test -p xtask`): the conventions a reviewer
//! would otherwise have to remember. Each failure says how to fix it.
//!
//! The module-cycle check reads each crate's sources as tokens (comments, strings and character
//! literals dropped) and records which top-level module names which: every `crate::x` path,
//! including the branches of `use crate::{a, b::c}` groups and `pub use`, every `super::x` that
//! climbs to the crate root, and every name the crate root re-exports (`pub use x::Name` in
//! `lib.rs` makes `crate::Name` a use of `x`). Test modules count: they are code of their module.
//!
//! The route-import check reads the collector's `src/routes/` the same way: a handler file
//! (any file there but a `mod.rs`) may not name another file or module of `routes` — through
//! `crate::routes::…` or `super::…` — except itself (its own test module's `use super::*`).
//! What two handlers share belongs to a capability outside `routes`.

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use crate::tools::root;

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if path.is_dir()
                && !matches!(name.as_ref(), "target" | "node_modules" | "fuzz" | ".git")
            {
                rust_files(&path, out);
            } else if name.ends_with(".rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_rust_module_starts_by_saying_why_it_exists() {
        let mut files = Vec::new();
        for dir in [
            "shared/src",
            "collector/src",
            "collector/stats/src",
            "widget/src",
            "xtask/src",
            "xtask/devtools/src",
        ] {
            rust_files(&root().join(dir), &mut files);
        }
        assert!(files.len() > 10, "found only {} files", files.len());
        let undocumented: Vec<String> = files
            .iter()
            .filter(|f| {
                let text = std::fs::read_to_string(f).unwrap_or_default();
                !text.trim_start().starts_with("//!")
            })
            .map(|f| f.strip_prefix(root()).unwrap_or(f).display().to_string())
            .collect();
        assert!(
            undocumented.is_empty(),
            "add a `//!` comment saying why each module exists: {undocumented:?}"
        );
    }

    #[test]
    fn migrations_have_the_same_names_on_both_backends() {
        let names = |backend: &str| {
            let mut v: Vec<String> =
                std::fs::read_dir(root().join("collector/migrations").join(backend))
                    .map(|d| {
                        d.flatten()
                            .map(|e| e.file_name().to_string_lossy().into_owned())
                            .collect()
                    })
                    .unwrap_or_default();
            v.sort();
            v
        };
        let sqlite = names("sqlite");
        assert!(!sqlite.is_empty(), "collector/migrations/sqlite is empty");
        assert_eq!(
            sqlite,
            names("postgresql"),
            "add each migration to both collector/migrations/sqlite and /postgresql"
        );
    }

    #[test]
    fn the_national_example_registry_is_what_its_generator_writes() -> anyhow::Result<()> {
        let path = root().join(crate::national_registry::PATH);
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == crate::national_registry::national_toml()?,
            "{} is out of date; regenerate it with `cargo xtask national-registry`",
            path.display()
        );
        Ok(())
    }

    #[test]
    fn the_ci_script_runs_the_readme_test_command() {
        let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
        let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap_or_default();
        assert!(
            readme.contains("cargo xtask test"),
            "the README must give `cargo xtask test`"
        );
        assert!(
            ci.lines().any(|l| l.trim() == "exec cargo xtask test"),
            ".ci/run must run `cargo xtask test`"
        );
    }

    /// One `crate::` reference from one top-level module to another.
    #[derive(Clone, Debug, PartialEq, Eq)]
    struct Edge {
        from: String,
        to: String,
        /// `path:line` of the first reference.
        at: String,
    }

    /// The tokens of a Rust source: identifiers, `::` and single punctuation characters, each
    /// with its line; comments, string, byte-string and character literals, and lifetimes are
    /// dropped.
    fn tokens(text: &str) -> Vec<(String, usize)> {
        let chars: Vec<char> = text.chars().collect();
        let mut out = Vec::new();
        let (mut i, mut line) = (0, 1);
        let skip_to = |from: usize, end: &[char], line: &mut usize| -> usize {
            let mut j = from;
            while j < chars.len() && !chars[j..].starts_with(end) {
                if chars[j] == '\\' && end == ['"'] {
                    j += 1;
                }
                if chars.get(j) == Some(&'\n') {
                    *line += 1;
                }
                j += 1;
            }
            j + end.len()
        };
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if c == '\n' {
                line += 1;
                i += 1;
            } else if c.is_whitespace() {
                i += 1;
            } else if c == '/' && next == Some('/') {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            } else if c == '/' && next == Some('*') {
                i = skip_to(i + 2, &['*', '/'], &mut line);
            } else if c == 'r' && matches!(next, Some('"' | '#')) {
                // A raw string: r"…", r#"…"#, …
                let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
                if chars.get(i + 1 + hashes) == Some(&'"') {
                    let mut end = vec!['"'];
                    end.extend(std::iter::repeat_n('#', hashes));
                    i = skip_to(i + 2 + hashes, &end, &mut line);
                } else {
                    out.push(("r".to_owned(), line));
                    i += 1;
                }
            } else if c == '"' {
                i = skip_to(i + 1, &['"'], &mut line);
            } else if c == '\'' {
                // A character literal ('a', '\n', '\u{…}') or a lifetime ('a).
                if next == Some('\\') {
                    i = skip_to(i + 2, &['\''], &mut line);
                } else if chars.get(i + 2) == Some(&'\'') {
                    i += 3;
                } else {
                    i += 1;
                    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                        i += 1;
                    }
                }
            } else if c.is_alphanumeric() || c == '_' {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push((chars[start..i].iter().collect(), line));
            } else if c == ':' && next == Some(':') {
                out.push(("::".to_owned(), line));
                i += 2;
            } else {
                out.push((c.to_string(), line));
                i += 1;
            }
        }
        out
    }

    /// The first segments of the paths of a `use` tree group starting after `{` at `tokens[i]`:
    /// `{a, b::c, d::{e, f}}` gives `a`, `b`, `d`. Returns them and the index after the `}`.
    fn group_heads(tokens: &[(String, usize)], mut i: usize) -> (Vec<String>, usize) {
        let mut heads = Vec::new();
        let mut depth = 1;
        let mut at_item_start = true;
        while i < tokens.len() && depth > 0 {
            let t = tokens[i].0.as_str();
            match t {
                "{" => depth += 1,
                "}" => depth -= 1,
                "," if depth == 1 => at_item_start = true,
                _ if depth == 1 && at_item_start => {
                    heads.push(t.to_owned());
                    at_item_start = false;
                }
                _ => {}
            }
            i += 1;
        }
        (heads, i)
    }

    /// The names a crate root re-exports from its top-level modules: `pub use x::{A, b::C as D}`
    /// maps `A` and `D` to `x`.
    fn root_reexports(root_text: &str, modules: &[String]) -> Vec<(String, String)> {
        let tokens = tokens(root_text);
        let mut out = Vec::new();
        let mut i = 0;
        while i + 1 < tokens.len() {
            if tokens[i].0 == "use" && modules.contains(&tokens[i + 1].0) {
                let module = tokens[i + 1].0.clone();
                let end = tokens[i..]
                    .iter()
                    .position(|t| t.0 == ";")
                    .map_or(tokens.len(), |p| i + p);
                // The names this statement brings in: each identifier followed by `,`, `}`, `;`
                // (or the alias after `as`), not followed by `::`.
                for j in i + 2..end {
                    let t = &tokens[j].0;
                    let after = tokens.get(j + 1).map_or(";", |t| t.0.as_str());
                    let ident = t.chars().all(|c| c.is_alphanumeric() || c == '_');
                    if ident && t != "as" && t != "self" && matches!(after, "," | "}" | ";") {
                        out.push((t.clone(), module.clone()));
                    }
                }
                i = end;
            }
            i += 1;
        }
        out
    }

    /// The top-level modules of the crate whose sources are in `src`, and the references between
    /// them. A top-level module is `src/x.rs` or `src/x/`; the crate root (`lib.rs`, `main.rs`)
    /// is not one.
    fn module_edges(src: &Path) -> (Vec<String>, Vec<Edge>) {
        let mut files = Vec::new();
        rust_files(src, &mut files);
        files.sort();
        let top = |f: &Path| -> Option<String> {
            let relative = f.strip_prefix(src).ok()?;
            let first = relative.components().next()?.as_os_str().to_string_lossy();
            let name = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
            (!matches!(name.as_str(), "lib" | "main")).then_some(name)
        };
        let mut modules: Vec<String> = files.iter().filter_map(|f| top(f)).collect();
        modules.dedup();
        let mut reexports = Vec::new();
        for root_file in ["lib.rs", "main.rs"] {
            let text = std::fs::read_to_string(src.join(root_file)).unwrap_or_default();
            reexports.extend(root_reexports(&text, &modules));
        }
        let resolve = |name: &str| -> Option<String> {
            if modules.iter().any(|m| m == name) {
                Some(name.to_owned())
            } else {
                reexports
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, m)| m.clone())
            }
        };
        let mut edges: Vec<Edge> = Vec::new();
        for file in &files {
            let Some(from) = top(file) else { continue };
            let text = std::fs::read_to_string(file).unwrap_or_default();
            let tokens = tokens(&text);
            // How deep the file is below the crate root: src/x.rs and src/x/mod.rs are 1,
            // src/x/y.rs is 2. Inline `mod name {` blocks add one each while open.
            let relative = file.strip_prefix(src).unwrap_or(file);
            let mut file_depth = relative.components().count();
            if file.file_name().is_some_and(|n| n == "mod.rs") {
                file_depth -= 1;
            }
            let mut inline_mods: Vec<usize> = Vec::new();
            let mut braces = 0_usize;
            let mut add = |to: String, line: usize| {
                if to != from && !edges.iter().any(|e| e.from == from && e.to == to) {
                    let at = format!(
                        "{}:{line}",
                        file.strip_prefix(root()).unwrap_or(file).display()
                    );
                    edges.push(Edge {
                        from: from.clone(),
                        to,
                        at,
                    });
                }
            };
            let mut i = 0;
            while i < tokens.len() {
                let (t, line) = (&tokens[i].0, tokens[i].1);
                let next = |k: usize| tokens.get(i + k).map_or("", |t| t.0.as_str());
                match t.as_str() {
                    "{" => braces += 1,
                    "}" => {
                        braces = braces.saturating_sub(1);
                        if inline_mods.last() == Some(&braces) {
                            inline_mods.pop();
                        }
                    }
                    "mod" if next(2) == "{" => inline_mods.push(braces),
                    "crate"
                        if next(1) == "::"
                            && i.checked_sub(1).is_none_or(|p| tokens[p].0 != "::") =>
                    {
                        if next(2) == "{" {
                            let (heads, end) = group_heads(&tokens, i + 3);
                            for head in heads {
                                if let Some(to) = resolve(&head) {
                                    add(to, line);
                                }
                            }
                            i = end;
                            continue;
                        } else if let Some(to) = resolve(next(2)) {
                            add(to, line);
                        }
                    }
                    "super" if i.checked_sub(1).is_none_or(|p| tokens[p].0 != "::") => {
                        // `super::super::x`: count the climbs; reaching the root names `x`.
                        let mut climbs = 0;
                        while tokens.get(i + 2 * climbs).is_some_and(|t| t.0 == "super")
                            && tokens.get(i + 2 * climbs + 1).is_some_and(|t| t.0 == "::")
                        {
                            climbs += 1;
                        }
                        if climbs == file_depth + inline_mods.len()
                            && let Some(to) = tokens.get(i + 2 * climbs).and_then(|t| resolve(&t.0))
                        {
                            add(to, line);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        (modules, edges)
    }

    /// The cycles of a module graph, one per strongly connected component of two or more
    /// modules, each as a closed path (`a -> b -> a`) with where each step is written.
    fn cycles(modules: &[String], edges: &[Edge]) -> Vec<String> {
        fn out_of<'a>(edges: &'a [Edge], m: &'a str) -> impl Iterator<Item = &'a Edge> {
            edges.iter().filter(move |e| e.from == m)
        }
        // Which modules can reach which (the graphs are small: a few dozen modules).
        let reaches = |from: &str, to: &str| -> bool {
            let mut seen = vec![from.to_owned()];
            let mut stack = vec![from.to_owned()];
            while let Some(m) = stack.pop() {
                for e in out_of(edges, &m) {
                    if e.to == to {
                        return true;
                    }
                    if !seen.contains(&e.to) {
                        seen.push(e.to.clone());
                        stack.push(e.to.clone());
                    }
                }
            }
            false
        };
        let mut done: Vec<String> = Vec::new();
        let mut found = Vec::new();
        for m in modules {
            if done.contains(m) || !reaches(m, m) {
                continue;
            }
            // The knot of `m` (its strongly connected component), shown as shortest cycles until
            // each of its modules is on one.
            let component: Vec<String> = modules
                .iter()
                .filter(|o| *o == m || (reaches(m, o) && reaches(o, m)))
                .cloned()
                .collect();
            let mut lines = Vec::new();
            let mut covered: Vec<String> = Vec::new();
            for start in &component {
                if covered.contains(start) {
                    continue;
                }
                let steps = shortest_cycle(start, &component, edges);
                covered.extend(steps.iter().map(|e| e.to.clone()));
                let path: Vec<&str> = std::iter::once(start.as_str())
                    .chain(steps.iter().map(|e| e.to.as_str()))
                    .collect();
                lines.push(path.join(" -> "));
                lines.extend(
                    steps
                        .iter()
                        .map(|e| format!("    {} -> {} at {}", e.from, e.to, e.at)),
                );
            }
            found.push(format!(
                "{} (modules in the knot: {})\n{}",
                lines[0],
                component.join(", "),
                lines[1..].join("\n")
            ));
            done.extend(component);
        }
        found
    }

    /// A shortest cycle from `start` back to itself inside `component` (breadth first), as its
    /// steps.
    fn shortest_cycle(start: &str, component: &[String], edges: &[Edge]) -> Vec<Edge> {
        let mut previous: Vec<(String, Edge)> = Vec::new();
        let mut queue = std::collections::VecDeque::from([start.to_owned()]);
        let mut last = None;
        'search: while let Some(n) = queue.pop_front() {
            for e in edges.iter().filter(|e| e.from == n) {
                if e.to == start {
                    last = Some(e.clone());
                    break 'search;
                }
                if component.contains(&e.to) && !previous.iter().any(|(k, _)| *k == e.to) {
                    previous.push((e.to.clone(), e.clone()));
                    queue.push_back(e.to.clone());
                }
            }
        }
        let mut steps = Vec::new();
        let mut step = last;
        while let Some(e) = step {
            step = previous
                .iter()
                .find(|(k, _)| *k == e.from && e.from != start)
                .map(|(_, p)| p.clone());
            steps.push(e);
        }
        steps.reverse();
        steps
    }

    #[test]
    fn no_top_level_modules_of_a_crate_use_each_other_in_a_cycle() {
        let mut report = Vec::new();
        for krate in [
            "collector/src",
            "collector/stats/src",
            "widget/src",
            "shared/src",
        ] {
            let (modules, edges) = module_edges(&root().join(krate));
            assert!(modules.len() > 3, "found only {modules:?} in {krate}");
            for cycle in cycles(&modules, &edges) {
                report.push(format!("{krate}: {cycle}"));
            }
        }
        assert!(
            report.is_empty(),
            "top-level modules that use each other (move what both need into a module of its \
             own that neither depends back on):\n{}",
            report.join("\n")
        );
    }

    /// Writes a synthetic crate under a temporary folder and returns its `src`.
    fn synthetic_crate(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temporary folder");
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    fn cycles_in(files: &[(&str, &str)]) -> Vec<String> {
        let dir = synthetic_crate(files);
        let (modules, edges) = module_edges(dir.path());
        cycles(&modules, &edges)
    }

    #[test]
    fn a_module_graph_without_a_cycle_passes() {
        let found = cycles_in(&[
            (
                "lib.rs",
                "pub mod a;\npub mod b;\npub mod c;\npub use c::Thing;\n",
            ),
            ("a.rs", "//! a\nuse crate::{b::{self, B}, Thing};\n"),
            ("b/mod.rs", "//! b\npub mod inner;\n"),
            (
                "b/inner.rs",
                "use super::super::c;\n// use crate::a; in a comment\n",
            ),
            (
                "c.rs",
                "const S: &str = \"crate::a::x\"; fn f<'a>(_: &'a str) -> char { 'a' }\n",
            ),
        ]);
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn a_cycle_through_a_use_group_is_found_and_named() {
        let found = cycles_in(&[
            ("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
            ("a.rs", "use crate::{\n    c,\n    b::thing,\n};\n"),
            ("b.rs", "pub fn thing() {}\n"),
            ("c/mod.rs", "pub mod deep;\n"),
            ("c/deep.rs", "pub fn f() { crate::a::g() }\n"),
        ]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("a -> c -> a "), "{}", found[0]);
        assert!(found[0].contains("c -> a at "), "{}", found[0]);
        assert!(found[0].contains("deep.rs:1"), "{}", found[0]);
    }

    #[test]
    fn a_cycle_through_a_reexport_a_pub_use_or_super_is_found() {
        // `a` uses `crate::Thing`, which the root re-exports from `b`; `b` re-exports from `a`.
        let through_reexport = cycles_in(&[
            (
                "lib.rs",
                "pub mod a;\npub mod b;\npub use b::{other::Thing as Thing};\n",
            ),
            ("a.rs", "use crate::Thing;\n"),
            ("b.rs", "pub use crate::a::X;\n"),
        ]);
        assert_eq!(through_reexport.len(), 1, "{through_reexport:?}");
        // `super::b` in a top-level module is `crate::b`; inside an inline module it is not.
        let through_super = cycles_in(&[
            ("lib.rs", "pub mod a;\npub mod b;\n"),
            ("a.rs", "use super::b;\n"),
            (
                "b.rs",
                "mod tests { use super::a; }\nfn f() { super::a::g() }\n",
            ),
        ]);
        assert_eq!(through_super.len(), 1, "{through_super:?}");
        let inline_only = cycles_in(&[
            ("lib.rs", "pub mod a;\npub mod b;\n"),
            ("a.rs", "use super::b;\n"),
            ("b.rs", "mod tests { use super::a; }\n"),
        ]);
        assert_eq!(inline_only, Vec::<String>::new());
    }

    /// The path segments that follow `tokens[i]` (`:: a :: b`, stopping before a group or a
    /// glob is entered), or the heads of a `{…}` group right after it, each as one path.
    fn paths_after(tokens: &[(String, usize)], mut i: usize) -> Vec<Vec<String>> {
        let mut path = Vec::new();
        while tokens.get(i + 1).is_some_and(|t| t.0 == "::") {
            match tokens.get(i + 2).map(|t| t.0.as_str()) {
                Some("{") => {
                    let (heads, _) = group_heads(tokens, i + 3);
                    return heads
                        .into_iter()
                        .map(|h| path.iter().cloned().chain([h]).collect())
                        .collect();
                }
                Some(segment) => path.push(segment.to_owned()),
                None => break,
            }
            i += 2;
        }
        vec![path]
    }

    /// Where a file under `src/routes/` (not a `mod.rs`) names another file or module of
    /// `routes`: `file:line: routes::…`, one per reference.
    fn route_imports(src: &Path) -> Vec<String> {
        let mut files = Vec::new();
        rust_files(&src.join("routes"), &mut files);
        files.sort();
        let mut found = Vec::new();
        for file in files {
            if file.file_name().is_some_and(|n| n == "mod.rs") {
                continue;
            }
            let relative = file.strip_prefix(src).unwrap_or(&file);
            let own: Vec<String> = relative
                .components()
                .map(|c| {
                    let c = c.as_os_str().to_string_lossy();
                    c.strip_suffix(".rs").unwrap_or(&c).to_owned()
                })
                .collect();
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let tokens = tokens(&text);
            let mut inline_mods: Vec<(String, usize)> = Vec::new();
            let mut braces = 0_usize;
            for (i, (t, line)) in tokens.iter().enumerate() {
                let next = |k: usize| tokens.get(i + k).map_or("", |t| t.0.as_str());
                let after_colons = i.checked_sub(1).is_some_and(|p| tokens[p].0 == "::");
                let targets: Vec<Vec<String>> = match t.as_str() {
                    "{" => {
                        braces += 1;
                        continue;
                    }
                    "}" => {
                        braces = braces.saturating_sub(1);
                        if inline_mods.last().is_some_and(|(_, at)| *at == braces) {
                            inline_mods.pop();
                        }
                        continue;
                    }
                    "mod" if next(2) == "{" => {
                        inline_mods.push((next(1).to_owned(), braces));
                        continue;
                    }
                    "crate" if !after_colons && next(1) == "::" => paths_after(&tokens, i),
                    "super" if !after_colons && next(1) == "::" => {
                        let mut climbs = 0;
                        while tokens.get(i + 2 * climbs).is_some_and(|t| t.0 == "super")
                            && tokens.get(i + 2 * climbs + 1).is_some_and(|t| t.0 == "::")
                        {
                            climbs += 1;
                        }
                        let module: Vec<String> = own
                            .iter()
                            .cloned()
                            .chain(inline_mods.iter().map(|(name, _)| name.clone()))
                            .collect();
                        let base = &module[..module.len().saturating_sub(climbs)];
                        paths_after(&tokens, i + 2 * (climbs - 1))
                            .into_iter()
                            .map(|p| base.iter().cloned().chain(p).collect())
                            .collect()
                    }
                    _ => continue,
                };
                for target in targets {
                    if target.first().is_some_and(|s| s == "routes") && !target.starts_with(&own) {
                        found.push(format!(
                            "{}:{line}: {}",
                            file.strip_prefix(root()).unwrap_or(&file).display(),
                            target.join("::")
                        ));
                    }
                }
            }
        }
        found
    }

    #[test]
    fn no_route_file_imports_another() {
        let src = root().join("collector/src");
        assert!(src.join("routes").is_dir(), "no collector/src/routes");
        let found = route_imports(&src);
        assert!(
            found.is_empty(),
            "route files that import another file of routes/ (a handler reads the request and \
             calls one capability: move what they share out of routes/, into the capability it \
             belongs to):\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn a_route_file_importing_another_is_found_once_per_reference() {
        let clean = synthetic_crate(&[
            ("lib.rs", "pub mod routes;\npub mod state;\n"),
            (
                "routes/mod.rs",
                "pub mod a;\npub mod op;\npub fn configure() { a::f() }\n",
            ),
            (
                "routes/a.rs",
                "use crate::state::AppState;\npub fn f() { crate::routes::a::g() }\n\
                 #[cfg(test)]\nmod tests { use super::*; }\n",
            ),
            ("routes/op/mod.rs", "pub mod c;\n"),
            (
                "routes/op/c.rs",
                "// use crate::routes::a;\nconst S: &str = \"super::d\";\nuse super::super::super::state;\n",
            ),
        ]);
        assert_eq!(route_imports(clean.path()), Vec::<String>::new());
        let knotted = synthetic_crate(&[
            ("lib.rs", "pub mod routes;\n"),
            (
                "routes/mod.rs",
                "pub mod a;\npub mod b;\npub mod op;\npub fn helper() {}\n",
            ),
            ("routes/a.rs", "pub fn f() {}\n"),
            (
                "routes/b.rs",
                "use crate::routes::a::f;\nfn g() { super::helper() }\n",
            ),
            ("routes/op/mod.rs", "pub mod c;\npub mod d;\n"),
            (
                "routes/op/c.rs",
                "use crate::{routes, state};\nfn h() { super::d::f() }\n",
            ),
            ("routes/op/d.rs", "pub fn f() {}\n"),
        ]);
        let found = route_imports(knotted.path());
        assert_eq!(found.len(), 4, "{found:?}");
        assert!(found[0].ends_with("b.rs:1: routes::a::f"), "{}", found[0]);
        assert!(found[1].ends_with("b.rs:2: routes::helper"), "{}", found[1]);
        assert!(found[2].ends_with("c.rs:1: routes"), "{}", found[2]);
        assert!(
            found[3].ends_with("c.rs:2: routes::op::d::f"),
            "{}",
            found[3]
        );
    }
}
