//! Arrows point one way: each library crate depends only on crates in
//! layers below its own, so the pipeline can be used by any front end and
//! nothing below it reaches up into it (or into the binary).

use std::path::Path;

/// The layers, lowest first; a crate may use only crates of lower layers.
const LAYERS: [&[&str]; 5] = [
    &["pqa-core"],
    // The sample generator counts working days with core's bank holidays.
    &["pqa-ingest", "pqa-store", "pqa-trends", "pqa-sample-gen"],
    &["pqa-query", "pqa-report"],
    &["pqa-pipeline"],
    &["pqa"],
];

fn layer(name: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&name))
        .unwrap_or_else(|| panic!("{name} is in no layer: add it to LAYERS"))
}

/// The `pqa-*` crates a Cargo.toml's `[dependencies]` names.
fn uses(manifest: &str) -> Vec<String> {
    let mut in_deps = false;
    let mut out = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps && line.starts_with("pqa") {
            let name: String = line
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            out.push(name);
        }
    }
    out
}

#[test]
fn dependencies_are_read_from_the_dependencies_table_only() {
    let manifest = "[package]\nname = \"x\"\n[dependencies]\npqa-core.workspace = true\n\
                    pqa-store = { path = \"../store\" }\n[dev-dependencies]\npqa-report.workspace = true\n";
    assert_eq!(uses(manifest), ["pqa-core", "pqa-store"]);
}

#[test]
fn every_crate_uses_only_the_layers_below_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut manifests = vec![("pqa".to_string(), root.join("Cargo.toml"))];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = dir.join("Cargo.toml");
        if manifest.exists() {
            let text = std::fs::read_to_string(&manifest).unwrap();
            let name = text
                .lines()
                .find_map(|l| l.strip_prefix("name = "))
                .unwrap()
                .trim_matches('"')
                .to_string();
            manifests.push((name, manifest));
        }
    }
    assert!(manifests.len() >= 9, "found {manifests:?}");
    for (name, manifest) in manifests {
        let text = std::fs::read_to_string(&manifest).unwrap();
        for used in uses(&text) {
            assert!(
                layer(&used) < layer(&name),
                "{name} uses {used}, which is not below it ({})",
                manifest.display()
            );
        }
    }
}
