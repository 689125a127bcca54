//! Plain words for numbers and changes: "almost tripled", "three years",
//! "45.6%", "20.9 weeks", "1.4 percentage points higher", "fewer than 5".
//!
//! Every figure in a sentence is printed by [`Figures`], the same way the
//! report's tables print it, and every change is worked out from the figures
//! as printed, so "A — X higher than B" always means A − B = X as shown.

use pqa_core::config::MetricSpec;
use pqa_core::period::PeriodKind;
use pqa_core::{Period, config::Measure};

/// How one metric's figures are printed.
#[derive(Debug, Clone, Copy)]
pub struct Figures<'a> {
    pub spec: &'a MetricSpec,
    /// Counts from 1 up to this are not published.
    pub suppress_up_to: u32,
}

impl Figures<'_> {
    /// The figure rounded as it is printed: counts whole, anything else to
    /// one decimal place.
    pub fn rounded(&self, v: f64) -> f64 {
        let scale = 10f64.powi(i32::from(self.spec.decimals()));
        (v * scale).round() / scale
    }

    /// The number as printed: `16,309`, `41.6`.
    pub fn number(&self, v: f64) -> String {
        number(self.rounded(v), self.spec.decimals())
    }

    /// The figure with its unit for a sentence: `45.6%`, `20.9 weeks`; a
    /// count stands alone (`34`), since the sentence says what is counted.
    pub fn with_unit(&self, v: f64) -> String {
        with_unit(self.spec, &self.number(v))
    }

    /// A bound worked out from the figures (a process limit, an average):
    /// never below zero, and for a count never a number a child could be
    /// picked out by: one from 1 to the threshold is "fewer than 5".
    pub fn bound(&self, v: f64) -> String {
        let v = v.max(0.0);
        let shown = self.rounded(v);
        if self.spec.is_count && shown > 0.0 && shown <= f64::from(self.suppress_up_to) {
            format!("fewer than {}", self.suppress_up_to + 1)
        } else {
            self.with_unit(v)
        }
    }

    /// A range of two bounds with the unit once: "17.0 to 20.7 weeks",
    /// "43.5% to 48.5%", "fewer than 5 to 19".
    pub fn range(&self, lo: f64, hi: f64) -> String {
        let lo_text = self.bound(lo);
        if self.spec.unit.starts_with('%') || self.spec.is_count {
            format!("{lo_text} to {}", self.bound(hi))
        } else {
            format!("{} to {}", self.number(lo.max(0.0)), self.bound(hi))
        }
    }

    /// As [`Figures::range`], with one more decimal place where the range
    /// would otherwise print a limit equal to `value`, the figure it is set
    /// against ("34, outside the range 10 to 34" would read as inside it).
    pub fn range_beside(&self, lo: f64, hi: f64, value: f64) -> String {
        let clash = |b: f64| self.rounded(b.max(0.0)) == self.rounded(value);
        if !(clash(lo) || clash(hi)) {
            return self.range(lo, hi);
        }
        let places = self.spec.decimals() + 1;
        let shown = |b: f64| {
            let b = b.max(0.0);
            if self.spec.is_count && b > 0.0 && b <= f64::from(self.suppress_up_to) {
                format!("fewer than {}", self.suppress_up_to + 1)
            } else {
                number(b, places)
            }
        };
        let (lo, hi) = (shown(lo), shown(hi));
        if self.spec.unit.starts_with('%') {
            format!("{lo}% to {hi}%")
        } else if self.spec.is_count {
            format!("{lo} to {hi}")
        } else {
            format!("{lo} to {hi} {}", self.spec.unit)
        }
    }

    /// A target as people write it: "18 weeks", "95%", "90.5%".
    pub fn target(&self, v: f64) -> String {
        if v.fract() == 0.0 {
            with_unit(self.spec, &number(v, 0))
        } else {
            self.with_unit(v)
        }
    }

    /// The change from `then` to `now` as the printed figures give it:
    /// "5 more", "1.0 higher", "0.9 percentage points lower", or `None` when
    /// the printed figures are the same.
    pub fn change(&self, now: f64, then: f64) -> Option<String> {
        let diff = self.rounded(now) - self.rounded(then);
        let diff = self.rounded(diff); // 20.1 - 19.2 is 0.9000000000000021
        if diff == 0.0 {
            return None;
        }
        let amount = number(diff.abs(), self.spec.decimals());
        let up = diff > 0.0;
        Some(if self.spec.unit.starts_with('%') {
            let points = if diff.abs() == 1.0 {
                "percentage point"
            } else {
                "percentage points"
            };
            format!("{amount} {points} {}", if up { "higher" } else { "lower" })
        } else if self.spec.is_count {
            format!("{amount} {}", if up { "more" } else { "fewer" })
        } else {
            format!(
                "{amount} {} {}",
                self.spec.unit,
                if up { "higher" } else { "lower" }
            )
        })
    }
}

/// `16309` → `16,309`; with `places` decimal places: `41.6`, `1,234.56`.
pub fn number(v: f64, places: u8) -> String {
    if places == 0 {
        return thousands(v.round() as i64);
    }
    let text = format!("{:.*}", usize::from(places), v.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "0"));
    let whole: i64 = whole.parse().unwrap_or_default();
    let zero = text.bytes().all(|b| b == b'0' || b == b'.');
    let sign = if v < 0.0 && !zero { "-" } else { "" };
    format!("{sign}{}.{fraction}", thousands(whole))
}

fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A value as people read it in a sentence: `45.6%`, `20.9 weeks`; a count
/// stands alone (`34`), since the sentence says what is counted. `shown` is
/// the value already formatted.
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

/// What a share or average is built on, for "built on only 14 care
/// leavers": the unit after "% of", or "children".
pub fn base_noun(spec: &MetricSpec) -> String {
    spec.unit
        .strip_prefix("% of ")
        .map_or_else(|| "children".to_string(), str::to_string)
}

/// "Q3 2024/25", "April 2024", "autumn term 2024": the period as people say it.
pub fn period_label(p: Period) -> String {
    p.label()
}

/// "at the end of Q3 2024/25" for a stock, "in Q3 2024/25" for a flow.
pub fn when(spec: &MetricSpec, p: Period) -> String {
    match spec.measure {
        Measure::Stock if !p.kind().is_year() => format!("at the end of {}", p.label()),
        _ => format!("in {}", p.label()),
    }
}

/// "Q1–Q2 2024/25", "Q4 2024/25 to Q1 2025/26", "April to September 2024".
pub fn span(first: Period, last: Period) -> String {
    if first == last {
        return first.label();
    }
    match (first, last) {
        (Period::Quarter(a, qa), Period::Quarter(b, _)) if a == b => {
            format!("Q{qa}–{}", last.label())
        }
        _ => format!("{} to {}", first.label(), last.label()),
    }
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

/// "seven quarters", "one month", "three years".
pub fn periods(n: usize, kind: PeriodKind) -> String {
    if n == 1 {
        format!("one {}", kind.noun())
    } else {
        format!("{} {}", count(n), kind.nouns())
    }
}

/// How many years `n` periods of `kind` make, for "the highest for three
/// years": whole years only, `None` under a year.
pub fn years(n: usize, kind: PeriodKind) -> Option<String> {
    match n / kind.per_year() {
        0 => None,
        1 => Some("a year".into()),
        y => Some(format!("{} years", count(y))),
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

/// "The number of …" → "the number of …".
pub fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(unit: &str, is_count: bool) -> MetricSpec {
        serde_yaml::from_str(&format!(
            "metric: m\ntitle: Things\narea: a\nagency: g\nunit: \"{unit}\"\nis_count: {is_count}\n\
             measure: flow\nbetter: lower\ndefinition: d\nsql: SELECT 1\n"
        ))
        .unwrap()
    }

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
        assert_eq!(
            years(12, PeriodKind::Quarter).as_deref(),
            Some("three years")
        );
        assert_eq!(years(5, PeriodKind::Quarter).as_deref(), Some("a year"));
        assert_eq!(years(3, PeriodKind::Quarter), None);
        assert_eq!(years(24, PeriodKind::Month).as_deref(), Some("two years"));
        assert_eq!(years(9, PeriodKind::Term).as_deref(), Some("three years"));
        assert_eq!(
            years(4, PeriodKind::FinancialYear).as_deref(),
            Some("four years")
        );
        assert_eq!(count(7), "seven");
        assert_eq!(count(14), "14");
        assert_eq!(periods(1, PeriodKind::Term), "one term");
        assert_eq!(periods(6, PeriodKind::Month), "six months");
    }

    #[test]
    fn titles_and_periods_mid_sentence() {
        assert_eq!(
            mid_sentence("Families living in B&B"),
            "families living in B&B"
        );
        assert_eq!(mid_sentence("CAMHS waits"), "CAMHS waits");
        assert_eq!(period_label(Period::Quarter(2024, 3)), "Q3 2024/25");
        assert_eq!(
            span(Period::Quarter(2024, 3), Period::Quarter(2024, 4)),
            "Q3–Q4 2024/25"
        );
        assert_eq!(
            span(Period::Month(2024, 7), Period::Month(2024, 12)),
            "October 2024 to March 2025"
        );
    }

    #[test]
    fn a_change_is_the_difference_of_the_figures_as_printed() {
        let weeks = spec("weeks", false);
        let f = Figures {
            spec: &weeks,
            suppress_up_to: 4,
        };
        // 20.14 and 19.19 print as 20.1 and 19.2: 0.9 higher, never 1.0.
        assert_eq!(f.change(20.14, 19.19).as_deref(), Some("0.9 weeks higher"));
        assert_eq!(f.change(6.04, 5.96), None, "both print as 6.0");
        let pct = spec("% of care leavers", false);
        let f = Figures {
            spec: &pct,
            suppress_up_to: 4,
        };
        assert_eq!(
            f.change(56.8, 58.6).as_deref(),
            Some("1.8 percentage points lower")
        );
        assert_eq!(
            f.change(47.0, 46.0).as_deref(),
            Some("1.0 percentage point higher")
        );
        let count = spec("children", true);
        let f = Figures {
            spec: &count,
            suppress_up_to: 4,
        };
        assert_eq!(f.change(1018.0, 1073.0).as_deref(), Some("55 fewer"));
        assert_eq!(f.number(16309.4), "16,309");
    }

    #[test]
    fn a_small_bound_of_a_count_is_said_in_words() {
        let count = spec("children", true);
        let f = Figures {
            spec: &count,
            suppress_up_to: 4,
        };
        assert_eq!(f.bound(2.6), "fewer than 5");
        assert_eq!(f.bound(-3.0), "0");
        assert_eq!(f.bound(19.2), "19");
        let weeks = spec("weeks", false);
        let f = Figures {
            spec: &weeks,
            suppress_up_to: 4,
        };
        assert_eq!(f.bound(2.6), "2.6 weeks", "an average is not a count");
    }

    #[test]
    fn a_limit_never_prints_as_the_figure_it_is_set_against() {
        let count = spec("children", true);
        let f = Figures {
            spec: &count,
            suppress_up_to: 4,
        };
        assert_eq!(f.range_beside(42.3, 47.6, 48.0), "42.3 to 47.6");
        assert_eq!(f.range_beside(42.3, 45.6, 48.0), "42 to 46");
    }

    #[test]
    fn numbers_print_with_separators() {
        assert_eq!(number(1234.56, 1), "1,234.6");
        assert_eq!(number(1234.567, 2), "1,234.57");
        assert_eq!(number(-0.04, 1), "0.0");
        assert_eq!(number(-0.4, 1), "-0.4");
        assert_eq!(number(-1234.0, 0), "-1,234");
    }
}
