//! Plain words for numbers and changes: "almost tripled", "three years",
//! "45.6%", "20.9 weeks".

use pqa_core::Period;
use pqa_core::config::MetricSpec;

/// A value as people read it in a sentence: `45.6%`, `20.9 weeks`; a count
/// stands alone (`34`), since the sentence says what is counted. `shown` is
/// the value already formatted (and suppressed where it is a small count).
pub fn with_unit(spec: &MetricSpec, shown: &str) -> String {
    if spec.unit.starts_with('%') {
        format!("{shown}%")
    } else if spec.is_count {
        shown.to_string()
    } else {
        format!("{shown} {}", spec.unit)
    }
}

/// What a metric measures, to start a sentence: "The number of families
/// living in bed and breakfast", "The share of referrals within …", "The
/// average wait …".
pub fn subject(spec: &MetricSpec) -> String {
    let title = mid_sentence(&spec.title);
    if spec.unit.starts_with('%') {
        format!("The share of {title}")
    } else if spec.unit.starts_with("per ") {
        format!("The rate of {title}")
    } else if spec.is_count {
        format!("The number of {title}")
    } else {
        format!("The {title}")
    }
}

/// "Q3 2024/25" (or "H1 2024/25" for a half year): the period without its
/// months.
pub fn period_label(p: Period) -> String {
    p.long_label()
        .split(" (")
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A whole number in words up to twelve ("three"), digits beyond.
pub fn count(n: usize) -> String {
    const WORDS: [&str; 13] = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| w.to_string())
}

/// How many years `quarters` quarters make, for "the highest for three
/// years": whole years only, `None` under a year.
pub fn years(quarters: usize) -> Option<String> {
    match quarters / 4 {
        0 => None,
        1 => Some("a year".into()),
        n => Some(format!("{} years", count(n))),
    }
}

/// A ratio between two totals in words: 2.73 → "almost tripled", 2.05 →
/// "doubled", 1.4 → "rose by 40%", 0.5 → "halved", 0.7 → "fell by 30%".
pub fn ratio(r: f64) -> String {
    for (k, verb) in [(4.0, "quadrupled"), (3.0, "tripled"), (2.0, "doubled")] {
        if (r - k).abs() <= 0.1 {
            return verb.into();
        }
        if r < k && r >= k - 0.35 {
            return format!("almost {verb}");
        }
        if r > k && r <= k + 0.35 {
            return format!("more than {verb}");
        }
    }
    if (r - 0.5).abs() <= 0.05 {
        return "halved".into();
    }
    let percent = ((r - 1.0) * 100.0).round().abs();
    if r >= 1.0 {
        format!("rose by {percent}%")
    } else {
        format!("fell by {percent}%")
    }
}

/// A title to start a sentence with, or to follow "the" mid-sentence:
/// "Average wait …" → "average wait …"; names and acronyms are kept.
pub fn mid_sentence(title: &str) -> String {
    let mut chars = title.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if !second.is_uppercase() => {
            first.to_lowercase().chain(title.chars().skip(1)).collect()
        }
        _ => title.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_in_words() {
        assert_eq!(ratio(71.0 / 26.0), "almost tripled");
        assert_eq!(ratio(3.05), "tripled");
        assert_eq!(ratio(2.0), "doubled");
        assert_eq!(ratio(2.3), "more than doubled");
        assert_eq!(ratio(1.4), "rose by 40%");
        assert_eq!(ratio(0.5), "halved");
        assert_eq!(ratio(0.7), "fell by 30%");
    }

    #[test]
    fn years_and_counts() {
        assert_eq!(years(12).as_deref(), Some("three years"));
        assert_eq!(years(5).as_deref(), Some("a year"));
        assert_eq!(years(3), None);
        assert_eq!(count(7), "seven");
        assert_eq!(count(14), "14");
    }

    #[test]
    fn titles_mid_sentence() {
        assert_eq!(
            mid_sentence("Families living in B&B"),
            "families living in B&B"
        );
        assert_eq!(mid_sentence("CAMHS waits"), "CAMHS waits");
        assert_eq!(period_label(Period::Quarter(2024, 3)), "Q3 2024/25");
    }
}
