//! The crate graph points one way (docs/ARCHITECTURE.md): use cases live in
//! `rampart-app`, HTTP in `rampart-web`, and only `serve` and the tests reach
//! the web crate. Read from the manifests, so a new dependency that breaks
//! the layering fails here rather than in review.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed assumption fails the run

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::{Path, PathBuf},
};

/// Each workspace crate's normal (non-dev) dependencies, by package name.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut manifests = vec![root.join("Cargo.toml")];
    for entry in fs::read_dir(root.join("crates")).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        if manifest.exists() {
            manifests.push(manifest);
        }
    }
    manifests
        .iter()
        .map(|path| {
            let text = fs::read_to_string(path).unwrap();
            let mut name = None;
            let mut deps = BTreeSet::new();
            let mut section = String::new();
            for line in text.lines().map(str::trim) {
                if line.starts_with('[') {
                    section = line.to_owned();
                    continue;
                }
                let key = line.split(['=', '.', ' ']).next().unwrap_or("");
                if section == "[package]" && key == "name" {
                    name = line.split('"').nth(1).map(str::to_owned);
                }
                if section == "[dependencies]" && !key.is_empty() && !key.starts_with('#') {
                    deps.insert(key.to_owned());
                }
            }
            (name.unwrap(), deps)
        })
        .collect()
}

/// Everything `krate` depends on, directly or not.
fn closure(graph: &BTreeMap<String, BTreeSet<String>>, krate: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![krate.to_owned()];
    while let Some(next) = todo.pop() {
        for dep in graph.get(&next).into_iter().flatten() {
            if seen.insert(dep.clone()) {
                todo.push(dep.clone());
            }
        }
    }
    seen
}

#[test]
fn only_the_binary_and_the_test_kit_depend_on_the_web_crate() {
    let graph = graph();
    assert!(graph.contains_key("rampart-app"), "{:?}", graph.keys());
    for (krate, deps) in &graph {
        if deps.contains("rampart-web") {
            assert!(
                krate == "rampart" || krate == "rampart-testkit",
                "{krate} depends on rampart-web"
            );
        }
    }
    for krate in ["rampart-triage", "rampart-bench", "rampart-app"] {
        assert!(
            !closure(&graph, krate).contains("rampart-web"),
            "{krate} reaches rampart-web"
        );
    }
}

#[test]
fn the_application_and_identity_crates_hold_no_http_type() {
    let graph = graph();
    for krate in ["rampart-app", "rampart-identity"] {
        let reached = closure(&graph, krate);
        for http in [
            "axum",
            "tower",
            "hyper",
            "hyper-util",
            "askama",
            "http-body",
        ] {
            assert!(!reached.contains(http), "{krate} reaches {http}");
        }
    }
}

/// Identity sits under the application: the use cases call it, never the
/// other way round (its alerts go out through a trait the application
/// implements).
#[test]
fn identity_is_its_own_crate_under_the_application() {
    let graph = graph();
    assert!(graph["rampart-app"].contains("rampart-identity"));
    let identity = closure(&graph, "rampart-identity");
    for above in [
        "rampart-app",
        "rampart-web",
        "rampart-guard",
        "rampart-triage",
    ] {
        assert!(
            !identity.contains(above),
            "rampart-identity reaches {above}"
        );
    }
}

/// The backend is chosen once, where the application opens its store: the
/// crates that use state see only the storage seam (`rampart-store`), and
/// the seam knows no backend.
#[test]
fn only_the_application_opens_a_storage_backend() {
    let graph = graph();
    let backends = ["rampart-store-sqlite", "rampart-store-postgres"];
    for backend in backends {
        assert!(graph["rampart-app"].contains(backend), "{backend}");
    }
    for (krate, deps) in &graph {
        for backend in backends {
            // The test kit makes scratch schemas; the benchmark and the
            // demo's attack report read an embedded data dir they made.
            let allowed = [
                "rampart-app",
                "rampart-testkit",
                "rampart-bench",
                "rampart-demo",
            ];
            assert!(
                !deps.contains(backend) || allowed.contains(&krate.as_str()),
                "{krate} depends on {backend}"
            );
        }
    }
    let seam = closure(&graph, "rampart-store");
    for backend in backends {
        assert!(!seam.contains(backend), "the seam reaches {backend}");
    }
    for user in [
        "rampart-identity",
        "rampart-triage",
        "rampart-web",
        "rampart-guard",
    ] {
        let reached = &graph[user];
        assert!(
            backends.iter().all(|b| !reached.contains(*b)),
            "{user} names a backend"
        );
    }
}

fn rust_files(dir: PathBuf) -> Vec<PathBuf> {
    let mut files = vec![];
    let mut todo = vec![dir];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn commands_other_than_serve_call_the_application_layer() {
    let files = rust_files(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands"));
    assert!(files.len() > 5);
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        if file.ends_with("serve.rs") {
            continue;
        }
        assert!(
            !text.contains("rampart_web"),
            "{} uses rampart_web",
            file.display()
        );
    }
}

/// The API's routes are registered only from their `#[utoipa::path]`
/// annotations (`utoipa_axum::routes!`), so every one of them is in the
/// OpenAPI document; an axum `.route("/api/…")` would serve a path the
/// document does not describe.
#[test]
fn every_api_route_is_registered_from_its_description() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/web/src");
    let files = rust_files(root);
    assert!(files.len() > 20);
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let flat: String = text.split_whitespace().collect();
        for quote in ["route(\"/api", "route_service(\"/api", "nest(\"/api"] {
            assert!(
                !flat.contains(quote),
                "{} adds an API route outside the OpenAPI router",
                file.display()
            );
        }
    }
}
