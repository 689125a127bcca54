//! How long a pseudonym takes: one identifier at a time
//! (`PseudonymKey::pseudonymise`) against a batch's identifiers together
//! (`PseudonymKey::pseudonymise_all`, four at a time on SHA instructions).
//! Part of `make bench`; BENCHMARKS.md has the results.
//!
//!     cargo build --workspace --release --examples
//!     target/release/examples/pseudonyms [IDENTIFIERS]

use std::hint::black_box;
use std::time::Instant;

use pqa_ingest::PseudonymKey;
use pqa_ingest::privacy::Identifier;

fn main() {
    let count: usize = match std::env::args().nth(1) {
        Some(n) => n.parse().expect("IDENTIFIERS is a whole number"),
        None => 10_000_000,
    };
    let key = PseudonymKey::new("a-benchmark-key-0123456789").expect("a long enough key");
    // Synthetic pupil numbers: a letter and twelve digits.
    let upns: Vec<String> = (0..count).map(|i| format!("A{:012}", i * 7919)).collect();
    let held: Vec<Identifier> = upns
        .iter()
        .map(|upn| Identifier::new(upn).expect("13 characters fit"))
        .collect();
    let ns = |started: Instant| started.elapsed().as_nanos() as f64 / count as f64;
    for round in 1..=3 {
        let started = Instant::now();
        for upn in &upns {
            black_box(key.pseudonymise(upn));
        }
        let one = ns(started);
        let started = Instant::now();
        // In batches of 16k, as ingest makes them.
        for batch in held.chunks(16 * 1024) {
            black_box(key.pseudonymise_all(batch));
        }
        let together = ns(started);
        println!(
            "round {round}: {count} pupil numbers, one at a time {one:.1} ns each, a batch's together {together:.1} ns each"
        );
    }
}
