//! Fuzzing the configuration a data officer writes: a feed's YAML damaged
//! at random (bytes replaced, removed or inserted: indentation, quotes,
//! colons, brackets) in a copy of the repository's project. Loading never
//! panics: it gives the project or every problem, each with its file.

use std::path::Path;

use proptest::prelude::*;

use crate::{Error, Project};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn a_damaged_feed_is_loaded_or_reported(
        changes in proptest::collection::vec(
            (any::<usize>(), 0u8..3, proptest::sample::select(b" \n:-{}[]\"'#\t\xc3x0".to_vec())),
            1..6,
        ),
        which in proptest::sample::select(vec!["cp_plans", "housing_bed_and_breakfast", "pqa_responses"]),
    ) {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dir = tempfile::tempdir().unwrap();
        for sub in ["schemas", "pipelines", "metrics"] {
            copy_dir(&repo.join(sub), &dir.path().join(sub));
        }
        std::fs::write(
            dir.path().join("pqa.yaml"),
            "partnership: P\ninbox: inbox\nwarehouse: warehouse\n",
        )
        .unwrap();
        let feed = dir.path().join(format!("pipelines/{which}.yaml"));
        let mut bytes = std::fs::read(&feed).unwrap();
        for (at, how, byte) in changes {
            let i = at % (bytes.len() + 1);
            match how {
                0 if i < bytes.len() => bytes[i] = byte,
                1 if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ => bytes.insert(i, byte),
            }
        }
        std::fs::write(&feed, &bytes).unwrap();
        match Project::load(&dir.path().join("pqa.yaml")) {
            Ok(project) => prop_assert!(project.feeds.iter().any(|f| f.feed == which || !f.feed.is_empty())),
            Err(Error::Config(problems)) => {
                prop_assert!(!problems.is_empty());
                for p in problems {
                    prop_assert!(!p.message.is_empty());
                }
            }
            Err(other) => prop_assert!(!other.to_string().is_empty()),
        }
    }
}
