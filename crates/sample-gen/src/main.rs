//! `pqa-sample-gen [DIR]`: writes the synthetic sample inbox (default
//! `sample-data/inbox`). Deterministic: the same files every time.

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sample-data/inbox".into());
    if let Err(e) = pqa_sample_gen::generate(std::path::Path::new(&dir)) {
        eprintln!("error: cannot write the sample data to {dir}: {e}");
        std::process::exit(1);
    }
    println!("Sample data written to {dir}");
}
