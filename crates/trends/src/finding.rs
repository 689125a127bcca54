//! Turning what the rules found into one finding per metric: the rule that
//! matters most, the numbers behind it in plain words, and the question.

use pqa_core::config::Polarity;

use crate::spc::{Rule, Side, SpecialCause, Xmr};
use crate::{Direction, Finding, MetricInput, Severity, direction, rules, words};

/// A change bigger than this ratio between one window and the next (or
/// smaller than its inverse) is worth a question...
const WINDOW_RATIO: f64 = 1.5;
/// ... when the earlier window counted at least this many (below it, a
/// handful of cases more or less makes any ratio large).
const WINDOW_MIN_TOTAL: f64 = 10.0;
/// A target must have been met this many quarters in a row before a miss is
/// news.
const TARGET_MET_RUN: usize = 3;

/// The most important thing the series shows in the report period, if
/// anything: a target missed first, then a large change on the previous
/// quarters, special-cause variation, and a gap to statistical neighbours.
pub(crate) fn find(
    input: &MetricInput,
    values: &[f64],
    causes: &[SpecialCause],
) -> Option<Finding> {
    let report_quarters = input.report.quarters();
    // The index of the first value inside the report period.
    let first_in_report = input
        .points
        .iter()
        .position(|(p, _)| report_quarters.contains(p))?;
    let w = Writer { input, values };
    if input.spec.rate_of.is_some() {
        // The count it is a rate of carries the trend questions.
        return w.benchmark_gap();
    }
    w.target_missed()
        .or_else(|| w.window_change(first_in_report, report_quarters.len()))
        .or_else(|| w.special_cause(causes, first_in_report))
        .or_else(|| w.benchmark_gap())
}

/// How much a finding matters: bad news first, good news last.
fn severity(direction: Direction, strong: bool) -> Severity {
    match (direction, strong) {
        (Direction::Concerning, true) => Severity::High,
        (Direction::Improving, _) => Severity::Low,
        _ => Severity::Medium,
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Writes a finding's sentences for one metric.
struct Writer<'a> {
    input: &'a MetricInput<'a>,
    values: &'a [f64],
}

impl Writer<'_> {
    /// A target met for a while, then missed: still missed now, and first
    /// missed within the last year (news even if the miss began last period).
    fn target_missed(&self) -> Option<Finding> {
        let (spec, values) = (self.input.spec, self.values);
        let target = spec
            .target
            .as_ref()
            .filter(|_| spec.better != Polarity::Neither)?;
        let higher = spec.better == Polarity::Higher;
        let (met, missed) = rules::met_then_missed(values, target.value, higher)?;
        if met < TARGET_MET_RUN || missed > 4 {
            return None;
        }
        let last = values.len() - 1;
        let statement = format!(
            "{} Before this it had been within the target of {} ({}) for {} quarters.",
            self.movement(last - missed, last),
            words::with_unit(spec, &(self.input.show)(spec, target.value)),
            target.source,
            words::count(met)
        );
        Some(self.finding(
            "target_missed",
            Severity::High,
            Direction::Concerning,
            statement,
        ))
    }

    /// The report's quarters against as many before them, for counts: totals
    /// of two windows mean nothing for shares or averages.
    fn window_change(&self, first_in_report: usize, window: usize) -> Option<Finding> {
        let (spec, values) = (self.input.spec, self.values);
        if !spec.is_count || first_in_report + window != values.len() || values.len() < 2 * window {
            return None;
        }
        // Both windows whole: a quarter missing or suppressed would make a
        // total look smaller than it was.
        let recent = &self.input.points[values.len() - 2 * window..];
        if recent.windows(2).any(|w| w[1].0.previous() != w[0].0) {
            return None;
        }
        let change = rules::window_ratio(values, window)?;
        let large = change.ratio >= WINDOW_RATIO || change.ratio <= 1.0 / WINDOW_RATIO;
        if !large || change.before < WINDOW_MIN_TOTAL {
            return None;
        }
        let side = if change.ratio > 1.0 {
            Side::High
        } else {
            Side::Low
        };
        let dir = direction(spec.better, side);
        let statement = format!(
            "{} in {} {} compared with the previous {} quarters ({} against {}).",
            words::subject(spec),
            self.span(first_in_report, values.len() - 1),
            words::ratio(change.ratio),
            words::count(window),
            (self.input.show)(spec, change.after),
            (self.input.show)(spec, change.before),
        );
        Some(self.finding("window_ratio", severity(dir, true), dir, statement))
    }

    /// The strongest special cause that reaches into the report period:
    /// a point outside the limits, then a trend, a shift, two of three.
    fn special_cause(&self, causes: &[SpecialCause], first_in_report: usize) -> Option<Finding> {
        let (spec, values, points) = (self.input.spec, self.values, self.input.points);
        let rank = |r: Rule| {
            [
                Rule::OutsideLimits,
                Rule::Trend,
                Rule::Shift,
                Rule::TwoOfThree,
            ]
            .iter()
            .position(|x| *x == r)
        };
        let cause = causes
            .iter()
            .filter(|c| c.last >= first_in_report)
            .min_by_key(|c| (rank(c.rule), std::cmp::Reverse(c.last)))?;
        let xmr = Xmr::of(values)?;
        let high = cause.side == Side::High;
        let (rule, strong, statement) = match cause.rule {
            Rule::OutsideLimits => (
                "outside_limits",
                true,
                format!(
                    "{} was {} in {}, outside the range its last {} quarters would predict ({} to {}).",
                    words::subject(spec),
                    self.value(cause.last),
                    words::period_label(points[cause.last].0),
                    words::count(values.len()),
                    (self.input.show)(spec, xmr.lower.max(0.0)),
                    self.plain(xmr.upper),
                ),
            ),
            Rule::Trend => ("trend", true, self.movement(cause.first, cause.last)),
            Rule::Shift => (
                "shift",
                false,
                format!(
                    "{} has been {} its usual level for {} quarters in a row: {} on average since {}, against {} before.",
                    words::subject(spec),
                    if high { "above" } else { "below" },
                    words::count(cause.last - cause.first + 1),
                    self.plain(mean(&values[cause.first..=cause.last]).unwrap_or_default()),
                    words::period_label(points[cause.first].0),
                    self.plain(mean(&values[..cause.first]).unwrap_or(xmr.mean)),
                ),
            ),
            Rule::TwoOfThree => (
                "two_of_three",
                false,
                format!(
                    "{} was close to the {} of its usual range in two of the three quarters to {} ({}).",
                    words::subject(spec),
                    if high { "top" } else { "bottom" },
                    words::period_label(points[cause.last].0),
                    (cause.first..=cause.last)
                        .map(|i| self.value(i))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ),
        };
        let statement = format!(
            "{statement}{}",
            self.context(cause.side, cause.rule != Rule::Trend)
        );
        let dir = direction(spec.better, cause.side);
        Some(self.finding(rule, severity(dir, strong), dir, statement))
    }

    /// The figure far from its statistical neighbours', if it is.
    fn benchmark_gap(&self) -> Option<Finding> {
        let (side, gap) = self.benchmark_words()?;
        let spec = self.input.spec;
        let statement = format!("{} is {gap}.", words::subject(spec));
        let dir = direction(spec.better, side);
        Some(self.finding("benchmark_gap", Severity::Medium, dir, statement))
    }

    /// "very high for the area: the published … was 46.7 in 2025 against
    /// 22.5 for its statistical neighbours …", when the published figure is
    /// far from its neighbours'.
    fn benchmark_words(&self) -> Option<(Side, String)> {
        let position = self.input.benchmark.as_ref()?;
        let side = position.outlier()?;
        // Published rates of every area: nothing here is a small count.
        let rate = |v: f64| format!("{v:.1}");
        let words = format!(
            "very {} for the area: the published figure ({}) was {} in {} against {} for its statistical neighbours (the middle of their figures){}",
            if side == Side::High { "high" } else { "low" },
            position.description,
            rate(position.own),
            position.year,
            rate(position.neighbours_median()?),
            position
                .england
                .map(|e| format!(" and {} for England", rate(e)))
                .unwrap_or_default(),
        );
        Some((side, words))
    }

    /// A value with its unit, as published.
    fn value(&self, i: usize) -> String {
        self.plain(self.values[i])
    }

    fn plain(&self, v: f64) -> String {
        words::with_unit(self.input.spec, &(self.input.show)(self.input.spec, v))
    }

    /// "Q1–Q2 2024/25" or "Q4 2024/25 to Q1 2025/26".
    fn span(&self, first: usize, last: usize) -> String {
        let (a, b) = (self.input.points[first].0, self.input.points[last].0);
        if a.financial_year() == b.financial_year() {
            let qa = words::period_label(a);
            format!("{}–{}", &qa[..2], words::period_label(b))
        } else {
            format!("{} to {}", words::period_label(a), words::period_label(b))
        }
    }

    /// "Despite … falling, X rose every quarter from a in Qn to b in Qm."
    fn movement(&self, first: usize, last: usize) -> String {
        let spec = self.input.spec;
        let points = self.input.points;
        let (a, b) = (self.values[first], self.values[last]);
        let rose = b > a;
        let every = rules::run_at_end(&self.values[first..=last])
            .is_some_and(|(side, n)| n == last - first && (side == Side::High) == rose);
        let verb = match (rose, every) {
            (true, true) => "rose every quarter",
            (false, true) => "fell every quarter",
            (true, false) => "rose",
            (false, false) => "fell",
        };
        let body = format!(
            "{verb} from {} in {} to {} in {}",
            self.value(first),
            words::period_label(points[first].0),
            self.value(last),
            words::period_label(points[last].0),
        );
        match self.despite(first, last, rose) {
            Some(despite) => format!("{despite}, {} {body}.", lower_first(&words::subject(spec))),
            None => format!("{} {body}.", words::subject(spec)),
        }
    }

    /// "Despite a fall in <pair>, from x to y" when the paired metric moved
    /// the other way by 5% or more over the same quarters.
    fn despite(&self, first: usize, last: usize, rose: bool) -> Option<String> {
        let (pair_spec, pair) = self.input.pair?;
        let at = |i: usize| {
            let period = self.input.points[i].0;
            pair.iter().find(|(p, _)| *p == period).map(|(_, v)| *v)
        };
        let (a, b) = (at(first)?, at(last)?);
        let moved = (b - a).abs() >= 0.05 * a.abs();
        ((b > a) != rose && moved).then(|| {
            let shown = |v| words::with_unit(pair_spec, &(self.input.show)(pair_spec, v));
            format!(
                "Despite a {} in {}, from {} to {}",
                if rose { "fall" } else { "rise" },
                lower_first(&words::subject(pair_spec)),
                shown(a),
                shown(b)
            )
        })
    }

    /// " It has risen in each of the last five quarters and is the highest
    /// it has been for three years." — what the latest run and record add,
    /// and the gap to other areas when it points the same way.
    fn context(&self, side: Side, with_run: bool) -> String {
        let (up, word) = match side {
            Side::High => ("risen", "highest"),
            Side::Low => ("fallen", "lowest"),
        };
        let run = rules::run_at_end(self.values)
            .filter(|(s, n)| with_run && *s == side && *n >= 3)
            .map(|(_, n)| format!("has {up} in each of the last {} quarters", words::count(n)));
        let record = match rules::record_at_end(self.values) {
            Some((s, beaten)) if s == side => {
                words::years(beaten + 1).map(|y| format!("the {word} it has been for {y}"))
            }
            _ => None,
        };
        let movement = match (run, record) {
            (Some(run), Some(record)) => format!(" It {run} and is {record}."),
            (Some(run), None) => format!(" It {run}."),
            (None, Some(record)) => format!(" It is {record}."),
            (None, None) => String::new(),
        };
        // Far from other areas the same way: worth saying in the same breath.
        match self.benchmark_words() {
            Some((s, gap)) if s == side => format!("{movement} It is also {gap}."),
            _ => movement,
        }
    }

    fn finding(
        &self,
        rule: &'static str,
        severity: Severity,
        direction: Direction,
        statement: String,
    ) -> Finding {
        let spec = self.input.spec;
        let ask = match (direction, rule) {
            (_, "benchmark_gap") => "is this what you would expect, and is anything being missed?",
            (Direction::Concerning, _) => {
                "is there any analysis of this, and what is being done about it?"
            }
            (Direction::Improving, _) => {
                "what has made the difference, and how will it be kept up?"
            }
            (Direction::Changed, _) => {
                "what lies behind this change, and does the partnership need to respond?"
            }
        };
        Finding {
            id: format!("{}:{rule}:{}", spec.metric, self.input.report),
            metric: spec.metric.clone(),
            title: spec.title.clone(),
            area: spec.area.clone(),
            agency: spec.agency.clone(),
            rule,
            period: self.input.report.to_string(),
            severity,
            direction,
            covers: statement
                .starts_with("Despite")
                .then(|| spec.pair_with.clone())
                .flatten(),
            statement,
            question: format!("{}: {ask}", spec.agency),
        }
    }
}

/// "The number of …" → "the number of …".
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}
