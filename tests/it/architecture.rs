//! Imports point down: in `shared/src`, no file reaches (through a
//! `crate::`, `super::` or `self::` path, or a path through one of its own
//! child modules) a file that reaches it back. Domain types sit below the
//! single-table model, the model below the use cases, the use cases below
//! the HTTP edge; a circle means one of them reaches up.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module by its path from the crate root: `store::model`; the root is "".
type Module = String;

/// Which modules each file's code names, keyed by the file's module. A name
/// a module only re-exports (`pub use child::Name`, as `domain/mod.rs` and
/// `lib.rs` do) leads to the module that defines it.
fn import_graph(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut files: BTreeMap<Module, String> = BTreeMap::new();
    collect(src, src, &mut files);
    let modules: BTreeSet<Module> = files.keys().cloned().collect();
    let code: BTreeMap<&Module, String> = files.iter().map(|(m, text)| (m, strip_comments(text))).collect();
    let mut reexports: Reexports = BTreeMap::new();
    for (module, text) in &code {
        for path in paths_in(text, "pub use ") {
            if let Some(absolute) = absolute(module, &modules, path) {
                let name = absolute.last().cloned().unwrap_or_default();
                let target = resolve(&absolute, &modules, &BTreeMap::new());
                reexports.insert(((*module).clone(), name), target);
            }
        }
    }
    let mut graph = BTreeMap::new();
    for (module, text) in &code {
        let mut targets = BTreeSet::new();
        for start in ["crate::", "super::", "self::", " "] {
            for path in paths_in(text, start) {
                let path = match start {
                    " " => path,
                    _ => std::iter::once(start.trim_end_matches(':').to_owned())
                        .chain(path)
                        .collect(),
                };
                let Some(absolute) = absolute(module, &modules, path) else {
                    continue;
                };
                let target = resolve(&absolute, &modules, &reexports);
                if &target != *module {
                    targets.insert(target);
                }
            }
        }
        graph.insert((*module).clone(), targets);
    }
    graph
}

/// (module, name it re-exports) -> the module defining the name.
type Reexports = BTreeMap<(Module, String), Module>;

/// `path` as written in `module`, from the crate root; `None` for paths
/// into other crates (a bare path counts only through a child module).
fn absolute(module: &str, modules: &BTreeSet<Module>, path: Vec<String>) -> Option<Vec<String>> {
    let own: Vec<String> = if module.is_empty() {
        vec![]
    } else {
        module.split("::").map(str::to_owned).collect()
    };
    let (first, rest) = path.split_first()?;
    // `pub(crate)`, `pub(super)`: a visibility, not a path.
    if rest.is_empty() && matches!(first.as_str(), "crate" | "super" | "self") {
        return None;
    }
    Some(match first.as_str() {
        "crate" => rest.to_vec(),
        "super" => {
            let ups = 1 + rest.iter().take_while(|p| *p == "super").count();
            own[..own.len().saturating_sub(ups)]
                .iter()
                .cloned()
                .chain(rest.iter().skip(ups - 1).cloned())
                .collect()
        }
        "self" => own.iter().cloned().chain(rest.iter().cloned()).collect(),
        child
            if !rest.is_empty()
                && modules.contains(
                    &own.iter()
                        .cloned()
                        .chain([child.to_owned()])
                        .collect::<Vec<_>>()
                        .join("::"),
                ) =>
        {
            own.iter().cloned().chain(path.iter().cloned()).collect()
        }
        _ => return None,
    })
}

fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<Module, String>) {
    for entry in std::fs::read_dir(dir).expect("shared/src") {
        let path: PathBuf = entry.expect("entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(root).unwrap().with_extension("");
            let mut parts: Vec<String> = relative
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            files.insert(parts.join("::"), std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// The longest prefix of `path` that is a file's module, or the module
/// defining the name after it when that module only re-exports it.
fn resolve(path: &[String], modules: &BTreeSet<Module>, reexports: &Reexports) -> Module {
    for len in (0..=path.len()).rev() {
        let candidate = path[..len].join("::");
        if len == 0 || modules.contains(&candidate) {
            return match path
                .get(len)
                .and_then(|name| reexports.get(&(candidate.clone(), name.clone())))
            {
                Some(defining) => defining.clone(),
                None => candidate,
            };
        }
    }
    String::new()
}

/// The code without comments, without `mod x;` lines (declaring a child
/// module is not importing it) and without inline test modules (not the
/// architecture, and their `super::` means the file itself).
fn strip_comments(text: &str) -> String {
    let mut text = text.to_owned();
    for attribute in ["#[cfg(test)]", "#[cfg(all(test, feature = \"test-support\"))]"] {
        while let Some(start) = text.find(&format!("{attribute}\nmod ")) {
            // To the brace that closes the module's (an outline `mod x;` has none).
            let Some(open) = text[start..].find(['{', ';']).map(|i| start + i) else {
                break;
            };
            let end = if text[open..].starts_with(';') {
                open + 1
            } else {
                let mut depth = 0;
                let mut end = text.len();
                for (i, c) in text[open..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = open + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            };
            text.replace_range(start..end, "");
        }
    }
    text.lines()
        .map(|line| &line[..comment_start(line)])
        .filter(|line| {
            let line = line.trim_start();
            let line = line
                .strip_prefix("pub ")
                .or_else(|| line.strip_prefix("pub(crate) "))
                .unwrap_or(line);
            !(line.starts_with("mod ") && line.trim_end().ends_with(';'))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where a `//` comment starts on `line` (its end if none): not inside a
/// string literal (`"https://..."`).
fn comment_start(line: &str) -> usize {
    let (mut in_string, mut escaped) = (false, false);
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return i,
            _ => {}
        }
    }
    line.len()
}

/// Every path that follows `start` in `code`, with `{a, b::{c}}` groups
/// expanded into one path each.
fn paths_in(code: &str, start: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    // Bare paths may follow any punctuation (`&keys::Holder`, `(child::f)`).
    let spaced;
    let code = if start == " " {
        spaced = code.replace(['&', '(', '<', '[', '!', ',', '=', '*'], " ");
        spaced.as_str()
    } else {
        code
    };
    let mut rest = code;
    while let Some(i) = rest.find(start) {
        // `super::`/`self::`/`crate::` must start a path, not end a name.
        let before = rest[..i].chars().last();
        rest = &rest[i + start.len()..];
        if start != " " && before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        // A bare path starts with a name (a `{` there opens a block).
        if start == " " && !rest.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            continue;
        }
        let (tree, _) = use_tree(rest);
        for path in tree {
            if !path.is_empty() {
                paths.push(path);
            }
        }
    }
    paths
}

/// Parses `a::b::{c, d::e}` at the start of `text` into its paths.
fn use_tree(text: &str) -> (Vec<Vec<String>>, usize) {
    let mut prefix = Vec::new();
    let mut at = 0;
    loop {
        let name: String = text[at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            if text[at..].starts_with('{') {
                at += 1;
                let mut paths = Vec::new();
                loop {
                    let skipped = text[at..].len() - text[at..].trim_start().len();
                    at += skipped;
                    if text[at..].starts_with('}') || at >= text.len() {
                        return (
                            paths
                                .into_iter()
                                .map(|p: Vec<String>| prefix.iter().cloned().chain(p).collect())
                                .collect(),
                            at + 1,
                        );
                    }
                    let (inner, used) = use_tree(&text[at..]);
                    paths.extend(inner);
                    // `*`, `self` and the like name no further module: step over.
                    at += used.max(text[at..].chars().next().map_or(1, char::len_utf8));
                    let skipped = text[at..].len() - text[at..].trim_start().len();
                    at += skipped;
                    if text[at..].starts_with(',') {
                        at += 1;
                    }
                }
            }
            return (vec![prefix], at);
        }
        at += name.len();
        prefix.push(name);
        if text[at..].starts_with("::") {
            at += 2;
        } else {
            return (vec![prefix], at);
        }
    }
}

/// A circle of the graph, if it has one, as the modules along it.
fn find_circle(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        module: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        stack: &mut Vec<Module>,
        done: &mut BTreeSet<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(i) = stack.iter().position(|m| m == module) {
            let mut circle = stack[i..].to_vec();
            circle.push(module.clone());
            return Some(circle);
        }
        if !done.insert(module.clone()) {
            return None;
        }
        stack.push(module.clone());
        for next in graph.get(module).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, stack, done) {
                return Some(circle);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|module| visit(module, graph, &mut Vec::new(), &mut done))
}

fn shared_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("shared/src")
}

#[test]
fn imports_in_the_domain_crate_point_down() {
    let graph = import_graph(&shared_src());
    if let Some(circle) = find_circle(&graph) {
        panic!(
            "an import circle in shared/src: {} (move what the lower file needs below it); their imports: {:?}",
            circle.join(" -> "),
            circle.iter().map(|m| (m, &graph[m])).collect::<Vec<_>>()
        );
    }
}

#[test]
fn the_import_graph_sees_the_layers() {
    let graph = import_graph(&shared_src());
    let imports = |from: &str, to: &str| {
        graph[from]
            .iter()
            .any(|t| t == to || t.starts_with(&format!("{to}::")))
    };
    // A sample of real edges, so the checker is known to read the code.
    assert!(
        imports("store::model::ticket", "domain"),
        "{:?}",
        graph["store::model::ticket"]
    );
    assert!(graph["store::model"].contains("store"), "`use super::...`");
    assert!(imports("conversation::sharing", "guest::keys"), "inline paths");
    assert!(
        imports("tickets", "app"),
        "a name the root re-exports: `crate::App`"
    );
    assert!(!imports("domain", "store"), "the domain imports nothing above it");
}

/// The keys are the bottom of the single-table design: the codecs build on
/// them, and they know only the domain's identifiers and the store's port.
#[test]
fn the_keys_import_only_the_domain_and_the_port() {
    let graph = import_graph(&shared_src());
    let above: Vec<&Module> = graph["store::model::keys"]
        .iter()
        .filter(|m| !(m.as_str() == "store" || *m == "domain" || m.starts_with("domain::")))
        .collect();
    assert!(above.is_empty(), "store/model/keys.rs reaches up to {above:?}");
}

/// Items and keys are built in `store/model/` only: a key spelled elsewhere
/// is one the data model's documentation and the codecs do not know.
#[test]
fn only_the_model_builds_items_and_keys() {
    let mut files = BTreeMap::new();
    collect(&shared_src(), &shared_src(), &mut files);
    let outside: Vec<&Module> = files
        .iter()
        .filter(|(module, _)| {
            // The port and its backends take items apart; tests build them.
            !(module.starts_with("store") || module.starts_with("testing"))
        })
        .filter(|(_, text)| {
            let code = strip_comments(text);
            calls(&code, "Item::new(") || calls(&code, "Key::new(")
        })
        .map(|(module, _)| module)
        .collect();
    assert!(
        outside.is_empty(),
        "items or keys built outside store/model: {outside:?} (add a codec or a key there)"
    );
}

/// Whether `code` calls `call` itself: not `RequestKey::new(`, not `hmac::Key::new(`.
fn calls(code: &str, call: &str) -> bool {
    code.match_indices(call).any(|(at, _)| {
        let before = &code[..at];
        !before.ends_with(|c: char| c.is_alphanumeric() || c == '_') && !before.ends_with("hmac::")
    })
}

#[test]
fn a_circle_is_found() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    std::fs::write(dir.path().join("lib.rs"), "pub mod a;\npub mod b;\n").unwrap();
    std::fs::write(
        dir.path().join("a/mod.rs"),
        "pub mod c;\nuse crate::{b::Thing, x};\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("a/c.rs"), "// crate::b is only a comment\n").unwrap();
    std::fs::write(
        dir.path().join("b.rs"),
        "fn f() { crate::a::c::g(); super::a::h(); }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("d.rs"), "pub mod e;\n").unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(
        dir.path().join("d/e.rs"),
        "#[cfg(test)]\nmod tests { use super::super::a::X; }\nfn f() { let u = \"https://x\"; super::super::b::g(); }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("d/mod.rs"),
        "pub mod e;\nfn f() { g(&e::Thing); }\n",
    )
    .unwrap();
    let graph = import_graph(dir.path());
    assert!(graph["a::c"].is_empty(), "comments are not imports: {graph:?}");
    assert!(
        graph["d::e"].contains("b"),
        "super::super, after a // in a string: {graph:?}"
    );
    assert!(
        !graph["d::e"].contains("a"),
        "test modules are not imports: {graph:?}"
    );
    assert!(
        graph["d"].contains("d::e"),
        "a child path after punctuation: {graph:?}"
    );
    let circle = find_circle(&graph).expect("a -> b -> a");
    assert!(
        circle.contains(&"a".to_owned()) && circle.contains(&"b".to_owned()),
        "{circle:?}"
    );
}

#[test]
fn a_built_key_is_seen() {
    assert!(calls("let k = Key::new(a, b);", "Key::new("));
    assert!(calls("store::Key::new(a, b)", "Key::new("));
    assert!(!calls("RequestKey::new(a)", "Key::new("));
    assert!(!calls("hmac::Key::new(alg, s)", "Key::new("));
}

#[test]
fn the_domain_is_reached_by_one_path() {
    // `crate::domain::Actor`, never also `crate::auth::Actor`: a module
    // above the domain that re-exported its types would give them a second
    // name, and imports would again seem to point at the use cases.
    let mut files = BTreeMap::new();
    collect(&shared_src(), &shared_src(), &mut files);
    let reexporting: Vec<&Module> = files
        .iter()
        .filter(|(module, _)| !module.starts_with("domain"))
        .filter(|(_, text)| {
            strip_comments(text)
                .lines()
                .any(|line| line.trim_start().starts_with("pub use crate::domain"))
        })
        .map(|(module, _)| module)
        .collect();
    assert!(
        reexporting.is_empty(),
        "domain types re-exported by {reexporting:?}: import them from crate::domain"
    );
    assert!(
        files.keys().any(|module| module.starts_with("domain")),
        "the domain is read"
    );
}
