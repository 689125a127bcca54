//! `pqa-sample-gen [DIR]`: writes the synthetic sample data (default
//! `sample-data`: its `inbox/` and `late/` folders). `pqa-sample-gen --fixtures DIR` writes the test
//! fixtures instead (`tests/files`). Deterministic: the same bytes every time.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (what, result, dir) = match args.as_slice() {
        [flag, dir] if flag == "--fixtures" => (
            "Test fixtures",
            pqa_sample_gen::fixtures::write(dir.as_ref()),
            dir.clone(),
        ),
        [] => (
            "Sample data",
            pqa_sample_gen::generate("sample-data".as_ref()),
            "sample-data".into(),
        ),
        [dir] => (
            "Sample data",
            pqa_sample_gen::generate(dir.as_ref()),
            dir.clone(),
        ),
        _ => {
            eprintln!("usage: pqa-sample-gen [DIR] | pqa-sample-gen --fixtures DIR");
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("error: cannot write to {dir}: {e}");
        std::process::exit(1);
    }
    println!("{what} written to {dir}");
}
