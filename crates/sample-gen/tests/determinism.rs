//! The committed sample data is exactly what the generator writes: anyone can
//! regenerate it (`make sample-data`) and get the same bytes.

use std::path::Path;

/// Every file under `dir`, as paths relative to it, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn the_generator_reproduces_the_committed_sample_data_byte_for_byte() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sample-data");
    let fresh = tempfile::tempdir().unwrap();
    pqa_sample_gen::generate(fresh.path()).unwrap();
    // The committed folder also holds its README.
    let committed_files: Vec<String> = files(&committed)
        .into_iter()
        .filter(|f| f != "README.md")
        .collect();
    assert_eq!(files(fresh.path()), committed_files, "the same files");
    for name in committed_files {
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
