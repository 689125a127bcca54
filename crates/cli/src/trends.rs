//! `pqa trends FILE`: the pipeline's judgement of each series
//! (`pqa_pipeline::trends`), printed as text or JSON.

use std::path::Path;

use anyhow::Result;

/// Reads the series in `file` and prints what the rules make of each.
pub fn run(file: &Path, json: bool, suppress_up_to: u32) -> Result<()> {
    let verdicts = pqa_pipeline::trends::judge_file(file, suppress_up_to)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&verdicts)?);
    } else {
        for v in &verdicts {
            println!("{}", pqa_pipeline::text::verdict(v));
        }
    }
    Ok(())
}
