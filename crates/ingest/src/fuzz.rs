//! Fuzzing every reader with proptest: random bytes and mutations of real
//! files (a sample CSV return, a workbook with title rows, a Parquet file)
//! through the real feeds. Whatever comes in, reading never panics, every
//! row read is either accepted or rejected, and the batch holds the
//! accepted rows. `PROPTEST_CASES=20000 cargo test -p pqa-ingest fuzz` runs
//! them for longer; the test suite runs proptest's default 256 each.

use std::io::Cursor;

use chrono::DateTime;
use pqa_core::config::FeedSpec;
use pqa_core::{DatasetSchema, Period};
use proptest::prelude::*;

use crate::{PseudonymKey, Submission, ingest_bytes};

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn repo_bytes(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A real feed and its dataset, from the repository.
fn feed(name: &str, dataset: &str) -> (FeedSpec, DatasetSchema) {
    (
        serde_yaml::from_str(&repo_file(&format!("pipelines/{name}.yaml"))).unwrap(),
        serde_yaml::from_str(&repo_file(&format!("schemas/{dataset}.yaml"))).unwrap(),
    )
}

/// Reads `bytes` through the feed, and holds its accounting to account.
fn read_through(feed: &FeedSpec, schema: &DatasetSchema, bytes: &[u8]) {
    let key = PseudonymKey::new("fuzzing-key-0123456789").unwrap();
    let submission = Submission {
        feed,
        schema,
        file: "fuzzed_2024-25_Q3".into(),
        sha256: "fuzz".into(),
        period: Period::Quarter(2024, 3),
        run_id: "fuzz".into(),
        ingested_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        key: Some(&key),
    };
    if let Ok(mapped) = ingest_bytes(bytes, &submission) {
        assert_eq!(
            mapped.rows_read,
            mapped.rows_accepted + mapped.rows_rejected,
            "every row read is accepted or rejected"
        );
        assert_eq!(mapped.batch.num_rows(), mapped.rows_accepted);
    }
}

/// A change to a file: a byte replaced, removed, or inserted.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, u8),
    Remove(usize),
    Insert(usize, u8),
}

fn mutations(bytes_that_matter: &'static [u8]) -> impl Strategy<Value = Vec<Mutation>> {
    let byte = prop_oneof![
        3 => proptest::sample::select(bytes_that_matter),
        1 => any::<u8>(),
    ];
    let one = prop_oneof![
        (any::<usize>(), byte.clone()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), byte).prop_map(|(i, b)| Mutation::Insert(i, b)),
    ];
    proptest::collection::vec(one, 1..8)
}

fn mutate(mut bytes: Vec<u8>, changes: &[Mutation]) -> Vec<u8> {
    for change in changes {
        let len = bytes.len().max(1);
        match *change {
            Mutation::Replace(i, b) if !bytes.is_empty() => bytes[i % len] = b,
            Mutation::Remove(i) if !bytes.is_empty() => {
                bytes.remove(i % len);
            }
            Mutation::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            _ => {}
        }
    }
    bytes
}

/// Bytes that matter to a CSV reader.
const CSV_BYTES: &[u8] = b",\"\n\r;\t\xef\xbb\xbf\x00\xff 0123/-";

proptest! {
    #[test]
    fn any_bytes_after_a_csv_header_are_read_or_refused(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let (feed, schema) = feed("cp_plans", "cp_plans");
        let mut bytes = b"Child ID,Plan Start Date,Plan End Date,Category of Abuse,Unborn,UPN,Second or Subsequent Plan\n".to_vec();
        bytes.extend(body);
        read_through(&feed, &schema, &bytes);
    }

    #[test]
    fn a_damaged_csv_return_is_read_or_refused(changes in mutations(CSV_BYTES)) {
        let (feed, schema) = feed("cp_plans", "cp_plans");
        let mut sample = repo_bytes("sample-data/inbox/csc/cp_plans_2023-24_Q2.csv");
        sample.truncate(3000);
        read_through(&feed, &schema, &mutate(sample, &changes));
    }

    #[test]
    fn a_damaged_windows_1252_return_is_read_or_refused(changes in mutations(CSV_BYTES)) {
        let (feed, schema) = feed("probation_return", "indicators");
        let sample = repo_bytes("sample-data/inbox/probation/probation_return_2024-25_Q1.csv");
        read_through(&feed, &schema, &mutate(sample, &changes));
    }

    #[test]
    fn a_damaged_workbook_is_read_or_refused(changes in mutations(b"\x00\xff<>\"/PK")) {
        let (feed, schema) = feed("housing_bed_and_breakfast", "indicators");
        let sample = repo_bytes("sample-data/inbox/housing/bed_and_breakfast_2024-25_Q4.xlsx");
        read_through(&feed, &schema, &mutate(sample, &changes));
    }

    #[test]
    fn a_damaged_parquet_file_is_read_or_refused(changes in mutations(b"\x00\xffPAR1")) {
        let (feed, schema) = feed("lait_benchmarks", "benchmarks");
        read_through(&feed, &schema, &mutate(small_parquet(), &changes));
    }
}

/// A Parquet file in the LAIT layout, a few rows.
fn small_parquet() -> Vec<u8> {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, RecordBatch, StringArray};
    let text = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    let batch = RecordBatch::try_from_iter(vec![
        ("Short Desc", text(&["ReReferral", "ReReferral", "LAC"])),
        (
            "Data item",
            text(&["Re-referrals", "Re-referrals", "Looked after"]),
        ),
        ("Years", text(&["2024", "2025", "2025"])),
        (
            "LA and Regions",
            text(&["Isle of Wight", "Isle of Wight", "England"]),
        ),
        ("Values", text(&["45.4", "c", "67"])),
        ("LA Number", text(&["921", "921", "970"])),
        ("Region", text(&["South East", "South East", "NA"])),
    ])
    .unwrap();
    let mut out = Cursor::new(Vec::new());
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    out.into_inner()
}

#[test]
fn the_fuzzed_files_read_as_they_are() {
    // The starting points are good files: unmutated, each loads.
    for (name, dataset, bytes) in [
        (
            "cp_plans",
            "cp_plans",
            repo_bytes("sample-data/inbox/csc/cp_plans_2023-24_Q2.csv"),
        ),
        (
            "housing_bed_and_breakfast",
            "indicators",
            repo_bytes("sample-data/inbox/housing/bed_and_breakfast_2024-25_Q4.xlsx"),
        ),
        ("lait_benchmarks", "benchmarks", small_parquet()),
    ] {
        let (feed, schema) = feed(name, dataset);
        let key = PseudonymKey::new("fuzzing-key-0123456789").unwrap();
        let submission = Submission {
            feed: &feed,
            schema: &schema,
            file: "f_2024-25_Q3".into(),
            sha256: "f".into(),
            period: Period::Quarter(2024, 3),
            run_id: "f".into(),
            ingested_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            key: Some(&key),
        };
        let mapped = ingest_bytes(&bytes, &submission).unwrap();
        assert!(mapped.rows_accepted > 0, "{name}");
    }
}
