//! Benchmarks: the DfE's published LAIT data (../shared/external, read in
//! place) loads through a YAML feed and holds the real published figures.

use crate::{TestProject, repo};

#[test]
fn lait_benchmarks_hold_the_published_isle_of_wight_re_referrals() {
    let lait = repo().join("../shared/external/lait/bds_long_0.parquet");
    let p = TestProject::new();
    p.add_file(
        "lait/bds_long_0.parquet",
        &std::fs::read(&lait).expect("../shared/external is beside the repository"),
    );
    let out = p.ok(&["ingest"]);
    assert!(
        out.contains("Rows read 641070 = accepted 641070 + rejected 0"),
        "{out}"
    );
    let rows = p.ok(&[
        "query",
        "SELECT year, value FROM benchmarks WHERE measure = 'ReReferral' AND area = 'Isle of Wight' AND year IN ('2023', '2024', '2025') ORDER BY year",
        "--format",
        "csv",
    ]);
    assert_eq!(rows, "year,value\n2023,41.6\n2024,45.4\n2025,46.7\n");
    // A symbol in place of a figure is kept beside the empty value, never lost.
    assert_eq!(
        p.count(
            "SELECT count(*) FROM benchmarks WHERE value IS NULL AND value_status IS NULL",
            &[]
        ),
        0
    );
    assert!(
        p.count(
            "SELECT count(*) FROM benchmarks WHERE value_status IS NOT NULL",
            &[]
        ) > 0
    );
}
