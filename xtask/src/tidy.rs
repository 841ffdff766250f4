//! Tidy checks that run as ordinary tests (`cargo test -p xtask`): the conventions a reviewer
//! would otherwise have to remember. Each failure says how to fix it.

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
        for dir in ["shared/src", "collector/src", "widget/src", "xtask/src"] {
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
}
