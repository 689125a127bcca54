//! `pqa-sample-gen [DIR]`: writes the synthetic sample data (default
//! `sample-data`: its `inbox/` and `late/` folders). `pqa-sample-gen --fixtures DIR` writes the test
//! fixtures instead (`tests/files`). Deterministic: the same bytes every time.
//!
//! `pqa-sample-gen --national DIR ATTENDANCE_ROWS CAMHS_ROWS [FILES]` writes
//! national-size benchmark files (see `make bench`): attendance rows over
//! FILES term files (default 3), CAMHS referrals over four quarters.
//! `pqa-sample-gen --national-overlay DIR ATTENDANCE_ROWS` adds the
//! crosswalk and vulnerability feeds over the same pupils.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--national") {
        national(&args[1..]);
        return;
    }
    if let [flag, dir, pupils] = args.as_slice()
        && flag == "--national-overlay"
    {
        let Ok(pupils) = pupils.replace('_', "").parse::<u64>() else {
            eprintln!("usage: pqa-sample-gen --national-overlay DIR ATTENDANCE_ROWS");
            std::process::exit(2);
        };
        print_written(dir, pqa_sample_gen::national::overlay(dir.as_ref(), pupils));
        return;
    }
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

fn national(args: &[String]) {
    let number = |i: usize| {
        args.get(i)
            .and_then(|a| a.replace('_', "").parse::<u64>().ok())
    };
    let (Some(dir), Some(attendance_rows), Some(camhs_rows)) = (args.first(), number(1), number(2))
    else {
        eprintln!("usage: pqa-sample-gen --national DIR ATTENDANCE_ROWS CAMHS_ROWS [FILES]");
        std::process::exit(2);
    };
    let size = pqa_sample_gen::national::NationalSize {
        attendance_rows,
        camhs_rows,
        files: number(3).unwrap_or(3) as usize,
    };
    print_written(dir, pqa_sample_gen::national::write(dir.as_ref(), size));
}

fn print_written(dir: &str, written: std::io::Result<Vec<std::path::PathBuf>>) {
    match written {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
        }
        Err(e) => {
            eprintln!("error: cannot write to {dir}: {e}");
            std::process::exit(1);
        }
    }
}
