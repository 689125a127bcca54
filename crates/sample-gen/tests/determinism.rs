//! The committed sample data is exactly what the generator writes: anyone can
//! regenerate it (`make sample-data`) and get the same bytes.

use std::path::Path;

fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).unwrap() {
        let sub = sub.unwrap().path();
        for f in std::fs::read_dir(&sub).unwrap() {
            let f = f.unwrap().path();
            out.push(f.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
        }
    }
    out.sort();
    out
}

#[test]
fn the_generator_reproduces_the_committed_sample_data_byte_for_byte() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample-data/inbox");
    let fresh = tempfile::tempdir().unwrap();
    pqa_sample_gen::generate(fresh.path()).unwrap();
    assert_eq!(files(fresh.path()), files(&committed), "the same files");
    for name in files(&committed) {
        let a = std::fs::read(committed.join(&name)).unwrap();
        let b = std::fs::read(fresh.path().join(&name)).unwrap();
        assert!(
            a == b,
            "{name} differs from what the generator writes: run `make sample-data`"
        );
    }
}

#[test]
fn the_fixtures_generator_reproduces_tests_files_byte_for_byte() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/files");
    let fresh = tempfile::tempdir().unwrap();
    pqa_sample_gen::fixtures::write(fresh.path()).unwrap();
    for entry in std::fs::read_dir(fresh.path()).unwrap() {
        let name = entry.unwrap().file_name();
        let a = std::fs::read(committed.join(&name)).unwrap_or_default();
        let b = std::fs::read(fresh.path().join(&name)).unwrap();
        assert!(
            a == b,
            "{name:?} differs from what the generator writes: run `make fixtures`"
        );
    }
}
