//! `pqa trends FILE`: the pipeline's judgement of each series
//! (`pqa_pipeline::trends`), printed as text or JSON.

use std::path::Path;

use anyhow::Result;
use pqa_pipeline::trends::Verdict;

/// Reads the series in `file` and prints what the rules make of each.
pub fn run(file: &Path, json: bool, suppress_up_to: u32) -> Result<()> {
    let verdicts = pqa_pipeline::trends::judge_file(file, suppress_up_to)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&verdicts)?);
    } else {
        for v in &verdicts {
            print_verdict(v);
        }
    }
    Ok(())
}

fn print_verdict(v: &Verdict) {
    println!("{}", v.name);
    println!(
        "  variation: {}{}",
        v.variation.replace('_', " "),
        v.direction
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default()
    );
    if let (Some(mean), Some(lower), Some(upper)) = (v.mean, v.lower, v.upper) {
        println!(
            "  mean {mean:.2}, limits {lower:.2} to {upper:.2}{}",
            v.rebased_from
                .as_deref()
                .map(|p| format!(" (worked out again from {p})"))
                .unwrap_or_default()
        );
    }
    if !v.unusual.is_empty() {
        let list: Vec<String> = v.unusual.iter().map(|(p, s)| format!("{p} {s}")).collect();
        println!("  unusual: {}", list.join(", "));
    }
    match &v.finding {
        None => println!("  no question raised"),
        Some(f) => {
            println!(
                "  {:?} priority, {:?}: {} ({})",
                f.severity,
                f.direction,
                f.rule,
                f.rules.join(", ")
            );
            println!("  {}", f.statement);
            println!("  {}", f.question);
        }
    }
    println!();
}
