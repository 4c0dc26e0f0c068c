//! The crates' boundaries, read from the dependency graph cargo resolves: the wallet and the test network never
//! depend on Tauri, directly or through another crate (the desktop shell in `src-tauri/` holds adapters only).

use std::process::Command;

/// Every package in the normal and build dependency tree of `package`, one name per line.
fn dependency_names(package: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new(cargo)
        .args(["tree", "--quiet", "--package", package, "--edges", "normal,build", "--prefix", "none"])
        .current_dir(workspace)
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).expect("cargo tree prints text");
    text.lines().filter_map(|line| line.split_whitespace().next()).map(String::from).collect()
}

#[test]
fn the_wallet_and_the_test_network_never_depend_on_tauri() {
    for package in ["tessera-core", "tessera-testbed"] {
        let names = dependency_names(package);
        assert!(names.iter().any(|n| n == "tokio"), "{package}: the tree was read ({} packages)", names.len());
        let tauri: Vec<&String> = names.iter().filter(|n| n.starts_with("tauri") || *n == "wry").collect();
        assert!(tauri.is_empty(), "{package} depends on {tauri:?}");
    }
    // The check can fail: the desktop shell's tree does hold Tauri.
    assert!(dependency_names("tessera-app").iter().any(|n| n == "tauri"));
}

/// The module path of a source file under `src` (`src/grants/mod.rs` → `grants`, `src/lib.rs` → ``).
fn module_of(src: &std::path::Path, file: &std::path::Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).filter(|p| !matches!(*p, "mod" | "lib" | "main")).collect();
    parts.join("::")
}

/// Every `.rs` file below `dir`.
fn sources(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Which modules each module's code names through `crate::…` (comments and a module's own children aside).
fn imports(files: &[(String, String)]) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let modules: std::collections::BTreeSet<&str> = files.iter().map(|(m, _)| m.as_str()).collect();
    let mut graph = std::collections::BTreeMap::new();
    for (module, text) in files {
        let mut named = std::collections::BTreeSet::new();
        for line in text.lines().map(str::trim).filter(|l| !l.starts_with("//")) {
            for (at, _) in line.match_indices("crate::") {
                let path: String =
                    line[at + 7..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
                // The longest prefix of the path that is a module of this crate.
                let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
                let target = (1..=segments.len())
                    .rev()
                    .map(|n| segments[..n].join("::"))
                    .find(|candidate| modules.contains(candidate.as_str()));
                if let Some(target) = target.filter(|t| t != module && !t.starts_with(&format!("{module}::"))) {
                    named.insert(target);
                }
            }
        }
        graph.insert(module.clone(), named);
    }
    graph
}

/// A cycle in `graph`, as the modules along it, if there is one.
fn cycle(graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>) -> Option<Vec<String>> {
    fn walk(
        node: &str,
        graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|p| p == node) {
            return Some(path[start..].to_vec());
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = walk(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = std::collections::BTreeSet::new();
    graph.keys().find_map(|node| walk(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_source_file_imports_one_that_imports_it_back() {
    // The check can fail: two files that name each other are a cycle.
    let planted = [("a".to_string(), "use crate::b::X;".to_string()), ("b".to_string(), "use crate::a::Y;".into())];
    assert!(cycle(&imports(&planted)).is_some());

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for src in ["crates/core/src", "crates/testbed/src", "src-tauri"] {
        let src = root.join(src);
        let files: Vec<(String, String)> =
            sources(&src).iter().map(|f| (module_of(&src, f), std::fs::read_to_string(f).unwrap())).collect();
        assert!(files.len() > 5, "{} was read", src.display());
        let graph = imports(&files);
        assert_eq!(cycle(&graph), None, "an import cycle in {}", src.display());
    }
}

#[test]
fn the_wallets_words_name_no_command_of_a_front_end() {
    // What to do next is worded by each front end (the CLI adds its commands in crates/cli/src/hints.rs): no action
    // the wallet hands the window may name a `tessera` command — except the one said where there is no window.
    let files = sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(files.len() > 30, "the wallet's sources were read");
    let mut naming = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") || code.starts_with("DisplayMissing =>") {
                continue;
            }
            if code.contains("`tessera ") {
                naming.push(format!("{}:{}: {}", file.display(), number + 1, code));
            }
        }
    }
    assert!(naming.is_empty(), "the wallet names CLI commands:\n{}", naming.join("\n"));
}
