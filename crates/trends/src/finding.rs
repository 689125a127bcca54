//! From one analysis to at most one finding per metric: every rule that
//! fires gives a piece of evidence; the strongest leads the statement, the
//! others that point the same way follow it, and the severity, direction
//! and question come from the same evidence as the badge.

use pqa_core::Period;
use pqa_core::config::{Measure, MetricSpec, ending_within};
use pqa_core::period::PeriodKind;

use crate::analysis::Analysis;
use crate::rules::{self, Bound};
use crate::spc::{Rule, Side, TREND_RUN};
use crate::words::{self, Figures};
use crate::{Direction, Finding, MetricInput, Observed, Severity, Variation, direction};

/// A change bigger than this ratio between one window and the next (or
/// smaller than its inverse) is worth a question...
const WINDOW_RATIO: f64 = 1.5;
/// ... when the earlier window counted at least this many (below it, a
/// handful of cases more or less makes any ratio large).
const WINDOW_MIN: f64 = 10.0;
/// A target must have been met this many periods in a row before a miss is
/// news.
const TARGET_MET_RUN: usize = 3;
/// A share or average built on fewer than this many children is said to be
/// on a small base, and its question matters less.
const SMALL_BASE: f64 = 20.0;
/// A run of this many changes is worth saying beside the main evidence.
const CONTEXT_RUN: usize = 3;

/// One rule that fired, in words.
struct Evidence {
    rule: &'static str,
    /// Higher leads.
    strength: u8,
    side: Side,
    /// Whether it is special-cause variation (a sign something changed).
    special: bool,
    sentence: String,
    /// The first and last points it speaks of.
    span: (usize, usize),
}

pub(crate) fn find(input: &MetricInput, analysis: &Analysis) -> Option<Finding> {
    let w = Writer::new(input, analysis)?;
    let mut evidence: Vec<Evidence> = Vec::new();
    if input.spec.rate_of.is_some() {
        // The count it is a rate of carries the trend questions.
        evidence.extend(w.benchmark_gap());
    } else {
        evidence.extend(w.outside_limits());
        evidence.extend(w.trend());
        evidence.extend(w.shift());
        evidence.extend(w.target_missed());
        evidence.extend(w.target_never_met());
        evidence.extend(w.window_change());
        evidence.extend(w.two_of_three());
        evidence.extend(w.benchmark_gap());
    }
    evidence.sort_by_key(|e| std::cmp::Reverse(e.strength));
    let lead = evidence.first()?;
    Some(w.combine(lead, &evidence))
}

/// Writes a finding's sentences for one metric.
struct Writer<'a> {
    input: &'a MetricInput<'a>,
    analysis: &'a Analysis,
    figures: Figures<'a>,
    values: &'a [Option<f64>],
    last: usize,
    kind: PeriodKind,
}

impl<'a> Writer<'a> {
    fn new(input: &'a MetricInput<'a>, analysis: &'a Analysis) -> Option<Writer<'a>> {
        let last = input.points.len().checked_sub(1)?;
        // Nothing to say about a metric whose latest figure is not known.
        analysis.values[last]?;
        Some(Writer {
            input,
            analysis,
            figures: Figures {
                spec: input.spec,
                suppress_up_to: input.suppress_up_to,
            },
            values: &analysis.values,
            last,
            kind: input.spec.kind(),
        })
    }

    fn spec(&self) -> &MetricSpec {
        self.input.spec
    }

    fn period(&self, i: usize) -> Period {
        self.input.points[i].period
    }

    /// Whether the figure for point `i` first became due within the report
    /// period (for quarters: it is one of the report's quarters).
    fn in_report(&self, i: usize) -> bool {
        // A yearly series is judged by its latest year only: a newer figure
        // says more than an older one published in the same half.
        if self.kind.is_year() && i != self.last {
            return false;
        }
        let due = self.period(i).end() + chrono::Months::new(self.spec().published_after_months);
        due >= self.input.report.start()
    }

    /// The value at `i` with its unit, as printed.
    fn value(&self, i: usize) -> String {
        self.figures
            .with_unit(self.values[i].expect("evidence speaks only of known points"))
    }

    fn subject(&self) -> String {
        words::subject(self.spec())
    }

    /// "the range its last twelve quarters would predict (10 to 26)", its
    /// limits printed so that none reads as the latest figure.
    fn range_words(&self) -> String {
        let xmr = self.analysis.xmr().expect("limits");
        let window = match &self.analysis.rebase {
            Some(r) => format!("the range expected since {}", self.period(r.from).label()),
            None if xmr.points == self.values.len() => format!(
                "the range its last {} would predict",
                words::periods(xmr.points, self.kind)
            ),
            None => format!(
                "the range its {} published {} would predict",
                words::count(xmr.points),
                self.kind.nouns()
            ),
        };
        let latest = self.values[self.last].unwrap_or(f64::NAN);
        format!(
            "{window} ({})",
            self.figures.range_beside(xmr.lower, xmr.upper, latest)
        )
    }

    fn outside_limits(&self) -> Option<Evidence> {
        let cause = self
            .analysis
            .current_causes()
            .iter()
            .filter(|c| c.rule == Rule::OutsideLimits && self.in_report(c.last))
            .max_by_key(|c| c.last)?;
        let i = cause.last;
        Some(Evidence {
            rule: "outside_limits",
            strength: 6,
            side: cause.side,
            special: true,
            sentence: format!(
                "{} was {} {}, outside {}.",
                self.subject(),
                self.value(i),
                words::when(self.spec(), self.period(i)),
                self.range_words()
            ),
            span: (i, i),
        })
    }

    /// Six or more points each higher (or lower) than the last, reaching
    /// into the report: needs no limits, so short series are judged too.
    fn trend(&self) -> Option<Evidence> {
        let (side, changes) = rules::run_at_end(self.values)?;
        if changes < TREND_RUN - 1 || !self.in_report(self.last) {
            return None;
        }
        let first = self.last - changes;
        Some(Evidence {
            rule: "trend",
            strength: 5,
            side,
            special: true,
            sentence: self.movement(first, self.last),
            span: (first, self.last),
        })
    }

    /// A shift still going on, after which the limits were worked out again.
    fn shift(&self) -> Option<Evidence> {
        let rebase = self.analysis.rebase.as_ref()?;
        let shift = rebase.shift;
        let mean = |r: &[Option<f64>]| {
            let known: Vec<f64> = r.iter().flatten().copied().collect();
            known.iter().sum::<f64>() / known.len() as f64
        };
        let (before, after) = (
            mean(&self.values[..shift.first]),
            mean(&self.values[shift.first..=shift.last]),
        );
        let n = shift.last - shift.first + 1;
        let f = &self.figures;
        let latest = self.values[self.last].expect("known");
        let within = rebase.xmr.outside(latest).is_none();
        let sentence = format!(
            "{} has been {} its earlier level for {} in a row: {} on average since {}, against {} before. \
             Its usual range is now worked out from {} on{} ({}), and the latest figure, {}, is {} it.",
            self.subject(),
            if shift.side == Side::High {
                "above"
            } else {
                "below"
            },
            words::periods(n, self.kind),
            f.with_unit(after),
            self.period(shift.first).label(),
            f.with_unit(before),
            self.period(shift.first).label(),
            if rebase.provisional {
                ", provisionally"
            } else {
                ""
            },
            f.range_beside(rebase.xmr.lower, rebase.xmr.upper, latest),
            self.value(self.last),
            if within { "within" } else { "outside" },
        );
        Some(Evidence {
            rule: "shift",
            strength: 4,
            side: shift.side,
            special: true,
            sentence,
            span: (shift.first, shift.last),
        })
    }

    fn two_of_three(&self) -> Option<Evidence> {
        let cause = self
            .analysis
            .current_causes()
            .iter()
            .find(|c| c.rule == Rule::TwoOfThree && c.last == self.last)?;
        Some(Evidence {
            rule: "two_of_three",
            strength: 2,
            side: cause.side,
            special: true,
            sentence: format!(
                "{} was close to the {} of its usual range in two of the three {} to {} ({}).",
                self.subject(),
                if cause.side == Side::High {
                    "top"
                } else {
                    "bottom"
                },
                self.kind.nouns(),
                self.period(cause.last).label(),
                (cause.first..=cause.last)
                    .map(|i| self.value(i))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            span: (cause.first, cause.last),
        })
    }

    /// A target met for a while, then missed: still missed now, and first
    /// missed within the last year.
    fn target_missed(&self) -> Option<Evidence> {
        let spec = self.spec();
        let target = spec
            .target
            .as_ref()
            .filter(|_| spec.better != pqa_core::config::Polarity::Neither)?;
        let higher = spec.better == pqa_core::config::Polarity::Higher;
        let (met, missed) = rules::met_then_missed(self.values, target.value, higher)?;
        if met < TARGET_MET_RUN || missed > self.kind.per_year() || !self.in_report(self.last) {
            return None;
        }
        let first_missed = self.last + 1 - missed;
        let source = if target.source.is_empty() {
            String::new()
        } else {
            format!(" ({})", target.source)
        };
        let mut sentence = format!(
            "{} Before this it had been within the target of {}{source} for {}.",
            self.movement(first_missed - 1, self.last),
            self.figures.target(target.value),
            words::periods(met, self.kind)
        );
        // Read with the chart: a miss within the usual ups and downs is
        // not a sign that something has changed, and the reader should know
        // if the target was missed like this before.
        let special = matches!(self.analysis.variation, Variation::Special { .. });
        if !special && self.analysis.xmr().is_some() {
            let misses_before: Vec<usize> = (0..first_missed - met)
                .filter(|i| {
                    self.values[*i].is_some_and(|v| {
                        if higher {
                            v < target.value
                        } else {
                            v > target.value
                        }
                    })
                })
                .collect();
            sentence.push_str(&format!(
                " The latest figure is still within {}",
                self.range_words()
            ));
            if let (Some(&a), Some(&b)) = (misses_before.first(), misses_before.last()) {
                let known: Vec<f64> = misses_before
                    .iter()
                    .filter_map(|i| self.values[*i])
                    .collect();
                let (lo, hi) = known
                    .iter()
                    .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
                let range = if self.figures.rounded(lo) == self.figures.rounded(hi) {
                    self.figures.with_unit(lo)
                } else {
                    format!(
                        "{} to {}",
                        self.figures.number(lo),
                        self.figures.with_unit(hi)
                    )
                };
                let span = if misses_before.len() == b - a + 1 {
                    format!(
                        "every {} from {} to {}",
                        self.kind.noun(),
                        self.period(a).label(),
                        self.period(b).label()
                    )
                } else {
                    format!(
                        "{} of the {} from {} to {}",
                        words::count(misses_before.len()),
                        self.kind.nouns(),
                        self.period(a).label(),
                        self.period(b).label()
                    )
                };
                sentence.push_str(&format!(": the target was also missed in {span} ({range})"));
            }
            sentence.push('.');
        }
        Some(Evidence {
            rule: "target_missed",
            strength: if special { 5 } else { 3 },
            side: if higher { Side::Low } else { Side::High },
            special,
            sentence,
            span: (first_missed - met, self.last),
        })
    }

    /// A target missed in every period charted, with the whole usual range
    /// on the wrong side of it (Making Data Count: "consistently fails"):
    /// nothing will change unless something is done.
    fn target_never_met(&self) -> Option<Evidence> {
        let spec = self.spec();
        let target = spec.target.as_ref()?;
        if self.analysis.assurance != Some(crate::spc::Assurance::ConsistentlyMissed)
            || !self.in_report(self.last)
        {
            return None;
        }
        let xmr = self.analysis.xmr()?;
        let higher = spec.better == pqa_core::config::Polarity::Higher;
        let known: Vec<f64> = self.values.iter().flatten().copied().collect();
        let all_missed = known.iter().all(|v| {
            if higher {
                *v < target.value
            } else {
                *v > target.value
            }
        });
        if !all_missed {
            return None;
        }
        Some(Evidence {
            rule: "target_never_met",
            strength: 2,
            side: if higher { Side::Low } else { Side::High },
            special: false,
            sentence: format!(
                "{} has missed the target of {} in every one of the last {}, and its usual range ({}) lies wholly on the wrong side of it: it will go on missing it unless something changes.",
                self.subject(),
                self.figures.target(target.value),
                words::periods(known.len(), self.kind),
                self.figures.range(xmr.lower, xmr.upper),
            ),
            span: (0, self.last),
        })
    }

    /// The report's periods against as many before them, for counts: a flow
    /// as totals, a stock as the level at the end of each window.
    fn window_change(&self) -> Option<Evidence> {
        let spec = self.spec();
        let window = ending_within(self.kind, self.input.report).len();
        if !spec.is_count || window == 0 || !self.in_report(self.last) {
            return None;
        }
        let change = match spec.measure {
            Measure::Flow => rules::window_totals(self.values, window)?,
            Measure::Stock => rules::window_levels(self.values, window)?,
        };
        let large = change.ratio >= WINDOW_RATIO || change.ratio <= 1.0 / WINDOW_RATIO;
        if !large || change.before < WINDOW_MIN {
            return None;
        }
        let side = if change.ratio > 1.0 {
            Side::High
        } else {
            Side::Low
        };
        let f = &self.figures;
        let first = self.last + 1 - window;
        let sentence = match spec.measure {
            Measure::Flow => format!(
                "{} in {} {} compared with the previous {} ({} against {}).",
                self.subject(),
                words::span(self.period(first), self.period(self.last)),
                words::ratio(change.ratio),
                words::periods(window, self.kind),
                f.number(change.after),
                f.number(change.before),
            ),
            Measure::Stock => format!(
                "{} {} in the {} to {}: {} {}, against {} {}.",
                self.subject(),
                words::ratio(change.ratio),
                words::periods(window, self.kind),
                self.period(self.last).label(),
                f.number(change.after),
                words::when(spec, self.period(self.last)),
                f.number(change.before),
                words::when(spec, self.period(self.last - window)),
            ),
        };
        let special = self
            .analysis
            .current_causes()
            .iter()
            .any(|c| c.last >= first && c.side == side);
        Some(Evidence {
            rule: "window_change",
            strength: 3,
            side,
            special,
            sentence,
            span: (self.last - window.min(self.last), self.last),
        })
    }

    /// The published figure far from its statistical neighbours'.
    fn benchmark_gap(&self) -> Option<Evidence> {
        let (side, gap) = self.benchmark_words()?;
        Some(Evidence {
            rule: "benchmark_gap",
            strength: 1,
            side,
            special: false,
            sentence: format!("{} is {gap}.", self.subject()),
            span: (self.last, self.last),
        })
    }

    /// "very high for the area: the published … was 46.7 in 2025 against
    /// 22.5 for its statistical neighbours …", when the published figure is
    /// far from its neighbours'.
    fn benchmark_words(&self) -> Option<(Side, String)> {
        let position = self.input.benchmark.as_ref()?;
        let side = position.outlier()?;
        // Published rates of every area: nothing here is a small count.
        let rate = |v: f64| words::number(v, 1);
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

    /// "Despite … falling, X rose every quarter from a in P to b in Q."
    fn movement(&self, first: usize, last: usize) -> String {
        let (a, b) = (
            self.values[first].expect("known"),
            self.values[last].expect("known"),
        );
        let rose = b > a;
        let every = rules::run_at_end(&self.values[first..=last])
            .is_some_and(|(side, n)| n == last - first && (side == Side::High) == rose);
        let verb = match (rose, every) {
            (true, true) => format!("rose every {}", self.kind.noun()),
            (false, true) => format!("fell every {}", self.kind.noun()),
            (true, false) => "rose".into(),
            (false, false) => "fell".into(),
        };
        let body = format!(
            "{verb} from {} in {} to {} in {}",
            self.value(first),
            self.period(first).label(),
            self.value(last),
            self.period(last).label(),
        );
        match self.despite(first, last, rose) {
            Some(despite) => format!("{despite}, {} {body}.", words::lower_first(&self.subject())),
            None => format!("{} {body}.", self.subject()),
        }
    }

    /// "Despite a fall in <pair>, from x to y" when the paired metric moved
    /// the other way by 5% or more over the same periods.
    fn despite(&self, first: usize, last: usize, rose: bool) -> Option<String> {
        let (pair_spec, pair) = self.input.pair?;
        let at = |i: usize| {
            let period = self.period(i);
            pair.iter().find(|p| p.period == period)?.value.value()
        };
        let (a, b) = (at(first)?, at(last)?);
        let moved = (b - a).abs() >= 0.05 * a.abs();
        let shown = Figures {
            spec: pair_spec,
            suppress_up_to: self.input.suppress_up_to,
        };
        ((b > a) != rose && moved).then(|| {
            format!(
                "Despite a {} in {}, from {} to {}",
                if rose { "fall" } else { "rise" },
                words::lower_first(&words::subject(pair_spec)),
                shown.with_unit(a),
                shown.with_unit(b)
            )
        })
    }

    /// " It has risen in each of the last five quarters and is the highest
    /// it has been for three years."
    fn run_and_record(&self, lead: &Evidence) -> String {
        let side = lead.side;
        let (up, word) = match side {
            Side::High => ("risen", "highest"),
            Side::Low => ("fallen", "lowest"),
        };
        let run = rules::run_at_end(self.values)
            .filter(|(s, n)| lead.rule != "trend" && *s == side && *n >= CONTEXT_RUN)
            .filter(|_| {
                !lead
                    .sentence
                    .contains(&format!(" every {}", self.kind.noun()))
            })
            .map(|(_, n)| {
                format!(
                    "has {up} in each of the last {}",
                    words::periods(n, self.kind)
                )
            });
        let bounds = self.bounds();
        let record = match rules::record_at_end(&bounds) {
            // Beating every figure shown says nothing of the years before them.
            Some((s, beaten)) if s == side && beaten + 1 == bounds.len() => {
                words::years(beaten + 1, self.kind).map(|y| format!("the {word} of the last {y}"))
            }
            Some((s, beaten)) if s == side => words::years(beaten + 1, self.kind)
                .map(|y| format!("the {word} it has been for {y}")),
            _ => None,
        };
        match (run, record) {
            (Some(run), Some(record)) => format!(" It {run} and is {record}."),
            (Some(run), None) => format!(" It {run}."),
            (None, Some(record)) => format!(" It is {record}."),
            (None, None) => String::new(),
        }
    }

    /// What is known of each period's figure, for records.
    fn bounds(&self) -> Vec<Bound> {
        self.input
            .points
            .iter()
            .map(|p| self.bound(&p.value))
            .collect()
    }

    /// What is known of an unpublished figure, for records: a count shown
    /// as "1 to 4", or sent as "<5", is below 5.
    fn bound(&self, value: &Observed) -> Bound {
        match value {
            Observed::Value(v) => Bound::Known(*v),
            Observed::Suppressed if self.spec().is_count => {
                Bound::Below(f64::from(self.input.suppress_up_to) + 1.0)
            }
            Observed::Withheld(symbol) if self.spec().is_count => symbol
                .trim()
                .strip_prefix('<')
                .and_then(|n| n.trim().parse::<f64>().ok())
                .map_or(Bound::Unknown, Bound::Below),
            _ => Bound::Unknown,
        }
    }

    /// " The figure for Q2 2024/25 is not known (withheld by the agency), so
    /// nothing is said across it." for gaps inside what the lead speaks of,
    /// and for a gap that stopped a run or a record from reaching further.
    fn gaps(&self, lead: &Evidence) -> String {
        let unknown = |i: usize| self.values[i].is_none();
        let mut at: Vec<usize> = (lead.span.0..=lead.span.1)
            .filter(|i| unknown(*i))
            .collect();
        if let Some(i) = lead.span.0.checked_sub(1).filter(|i| unknown(*i)) {
            at.push(i);
        }
        // A run at the end that a gap cut short.
        let run = rules::run_at_end(self.values).map_or(0, |(_, n)| n);
        if let Some(i) = (self.last - run).checked_sub(1).filter(|i| unknown(*i)) {
            at.push(i);
        }
        // A record that a gap cut short.
        let bounds = self.bounds();
        if let Some((_, beaten)) = rules::record_at_end(&bounds)
            && let Some(i) = self.last.checked_sub(beaten + 1)
            && bounds[i] == Bound::Unknown
        {
            at.push(i);
        }
        at.sort_unstable();
        at.dedup();
        let gaps: Vec<String> = at
            .iter()
            .map(|i| {
                let p = &self.input.points[*i];
                format!(
                    "{} is not known ({})",
                    p.period.label(),
                    p.value.gap_words()
                )
            })
            .collect();
        match gaps.as_slice() {
            [] => String::new(),
            [one] => format!(" The figure for {one}, so nothing is said across it."),
            _ => format!(
                " The figures for {} are not known, so nothing is said across them ({}).",
                at.iter()
                    .map(|i| self.input.points[*i].period.label())
                    .collect::<Vec<_>>()
                    .join(", "),
                at.iter()
                    .map(|i| self.input.points[*i].value.gap_words())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        }
    }

    /// A share or average built on few children says so.
    fn small_base(&self) -> Option<String> {
        let base = self.input.points[self.last].base?;
        if self.spec().is_count || base >= SMALL_BASE {
            return None;
        }
        let n = self.figures_base(base);
        Some(if self.spec().unit.starts_with('%') {
            format!(
                " The latest figure is built on only {n} {}, so each one moves it by about {} percentage points.",
                words::base_noun(self.spec()),
                words::number(100.0 / base, 0)
            )
        } else {
            format!(
                " The latest figure is built on only {n} {}, so a few can move it a long way.",
                words::base_noun(self.spec())
            )
        })
    }

    fn figures_base(&self, base: f64) -> String {
        words::number(base, 0)
    }

    /// The finding: the lead's sentence, then what else points the same way.
    fn combine(&self, lead: &Evidence, all: &[Evidence]) -> Finding {
        let spec = self.spec();
        let dir = direction(spec.better, lead.side);
        let same_way: Vec<&Evidence> = all
            .iter()
            .filter(|e| e.side == lead.side && !std::ptr::eq(*e, lead))
            .collect();
        let mut statement = lead.sentence.clone();
        // The run and record add to anything but a record of their own.
        statement.push_str(&self.run_and_record(lead));
        for e in &same_way {
            // A trend's own movement is already in an outside-limits lead's
            // run words; a benchmark gap reads as "It is also …".
            match e.rule {
                "benchmark_gap" => {
                    if let Some((_, gap)) = self.benchmark_words() {
                        statement.push_str(&format!(" It is also {gap}."));
                    }
                }
                "trend" if lead.rule == "outside_limits" => {}
                "two_of_three" => {}
                _ => {
                    statement.push(' ');
                    statement.push_str(&e.sentence);
                }
            }
        }
        if self.analysis.xmr().is_none() && lead.rule != "benchmark_gap" {
            let known = self.values.iter().flatten().count();
            statement.push_str(&format!(
                " There are only {} of figures, too few to work out a reliable usual range, so the limits are not yet shown.",
                words::periods(known, self.kind)
            ));
        }
        statement.push_str(&self.gaps(lead));
        let small = self.small_base();
        if let Some(s) = &small {
            statement.push_str(s);
        }
        let special = lead.special || same_way.iter().any(|e| e.special);
        let mut severity = match (dir, special) {
            (Direction::Concerning, true) => Severity::High,
            (Direction::Concerning, false) | (Direction::Changed, true) => Severity::Medium,
            _ => Severity::Low,
        };
        if small.is_some() {
            severity = match severity {
                Severity::High => Severity::Medium,
                _ => Severity::Low,
            };
        }
        let mut rules: Vec<&'static str> = vec![lead.rule];
        rules.extend(same_way.iter().map(|e| e.rule));
        Finding {
            id: format!("{}:{}:{}", spec.metric, lead.rule, self.input.report),
            metric: spec.metric.clone(),
            title: spec.title.clone(),
            area: spec.area.clone(),
            agency: spec.agency.clone(),
            rule: lead.rule,
            rules,
            period: self.input.report.to_string(),
            severity,
            direction: dir,
            covers: statement
                .starts_with("Despite")
                .then(|| spec.pair_with.clone())
                .flatten(),
            question: self.question(lead, dir),
            summary: self.summary(lead),
            statement,
            figures: self.figures_behind(lead),
        }
    }

    /// The finding in one short sentence.
    fn summary(&self, lead: &Evidence) -> String {
        let spec = self.spec();
        let latest = self.value(self.last);
        let when = words::when(spec, self.period(self.last));
        let high = lead.side == Side::High;
        let above = if high { "above" } else { "below" };
        let what = match lead.rule {
            "outside_limits" => format!("{latest} {when}, {above} its usual range"),
            "trend" => {
                let verb = if high { "rose" } else { "fell" };
                format!(
                    "{verb} every {} from {} in {} to {latest} in {}",
                    self.kind.noun(),
                    self.value(lead.span.0),
                    self.period(lead.span.0).label(),
                    self.period(self.last).label()
                )
            }
            "shift" => format!(
                "at a new, {} level since {} ({latest} {when})",
                if high { "higher" } else { "lower" },
                self.period(lead.span.0).label()
            ),
            "target_missed" | "target_never_met" => {
                let t = self
                    .figures
                    .target(spec.target.as_ref().map_or(0.0, |t| t.value));
                if lead.rule == "target_missed" {
                    format!("{latest} {when}, outside the target of {t} after a spell within it")
                } else {
                    format!(
                        "{latest} {when}, outside the target of {t} every {}",
                        self.kind.noun()
                    )
                }
            }
            "window_change" => format!(
                "{latest} {when}, a large {} on the {} before",
                if high { "rise" } else { "fall" },
                words::periods(lead.span.1 - lead.span.0, self.kind)
            ),
            "two_of_three" => format!(
                "{latest} {when}, close to the {} of its usual range",
                if high { "top" } else { "bottom" }
            ),
            _ => format!(
                "far {above} similar areas{}",
                self.input
                    .benchmark
                    .as_ref()
                    .map(|b| format!(" in {} published figures", b.year))
                    .unwrap_or_default()
            ),
        };
        format!("{}: {what}.", spec.title)
    }

    /// The question to the agency, in words about this metric.
    fn question(&self, lead: &Evidence, dir: Direction) -> String {
        let spec = self.spec();
        let topic = words::lower_first(&self.subject());
        let change = if lead.side == Side::High {
            "rise"
        } else {
            "fall"
        };
        let since = self.period(lead.span.0).label();
        let ask = match (lead.rule, dir) {
            ("benchmark_gap", _) => format!(
                "why is {topic} so much {} than in similar areas, and is anything being missed?",
                if lead.side == Side::High {
                    "higher"
                } else {
                    "lower"
                }
            ),
            ("target_missed" | "target_never_met", _) => format!(
                "what is being done to bring {topic} back within the target of {}, and by when?",
                self.figures
                    .target(spec.target.as_ref().map_or(0.0, |t| t.value))
            ),
            (_, Direction::Improving) => {
                format!("what has made the difference to {topic}, and how will it be kept up?")
            }
            (_, Direction::Changed) => format!(
                "what lies behind the {change} in {topic}, and does the partnership need to respond?"
            ),
            ("window_change", Direction::Concerning) => format!(
                "what has driven the {change} in {topic}, and what is being done in response?"
            ),
            ("outside_limits", Direction::Concerning) => format!(
                "what lies behind the {change} in {topic} to {}, and what is being done about it?",
                self.period(lead.span.1).label()
            ),
            (_, Direction::Concerning) => format!(
                "what lies behind the {change} in {topic} since {since}, and what is being done about it?"
            ),
        };
        format!("{}: {ask}", spec.agency)
    }

    /// The periods the lead speaks of (at least the latest four), with their
    /// figures as printed.
    fn figures_behind(&self, lead: &Evidence) -> Vec<(String, String)> {
        let first = lead.span.0.min(self.last.saturating_sub(3));
        (first..=self.last)
            .map(|i| {
                let p = &self.input.points[i];
                let shown = match &p.value {
                    Observed::Value(v) => self.figures.with_unit(*v),
                    other => other.gap_words().to_string(),
                };
                (p.period.label(), shown)
            })
            .collect()
    }
}
