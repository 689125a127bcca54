//! The overlay of vulnerabilities as published: children counted by how
//! many vulnerabilities they have (1, 2, 3, 4 or more), by which
//! combination, by age band and by area, and those with three or more open
//! to neither children's social care nor early help.
//!
//! Every table is published together, so they are suppressed together: one
//! table of cells (every combination, the totals, the age and area grids)
//! with every sum a reader could use to difference them, put through
//! [`suppress_with_hidden`]. Combinations too rare to chart are never
//! published one by one, only as their sum.
//!
//! Pure: the linked children come in, the figures go out.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::suppression::{Sum, suppress_with_hidden};

/// The columns of the count tables: children with 1, 2, 3, and 4 or more
/// vulnerabilities.
pub const BUCKETS: [&str; 4] = ["1", "2", "3", "4 or more"];

/// The columns of the tables by age band and by area: three or more
/// together, as the rows there are small.
pub const GRID_BUCKETS: [&str; 3] = ["1", "2", "3 or more"];

/// The most combinations the chart shows.
pub const SHOWN_COMBINATIONS: usize = 15;

/// A linked child with at least one vulnerability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayChild {
    /// For each vulnerability, in the definitions' order, whether the
    /// child has it.
    pub flags: Vec<bool>,
    /// The child's age band on the day ([`age_band`]), or "Not known".
    pub age_band: String,
    /// The child's postcode sector, or "Not known".
    pub area: String,
}

impl OverlayChild {
    /// How many vulnerabilities the child has.
    pub fn count(&self) -> usize {
        self.flags.iter().filter(|f| **f).count()
    }

    /// The column of the count tables the child falls in.
    pub fn bucket(&self) -> usize {
        self.count().clamp(1, 4) - 1
    }

    /// The column of the tables by age band and area.
    pub fn grid_bucket(&self) -> usize {
        self.count().clamp(1, 3) - 1
    }
}

/// The age bands, youngest first.
pub const AGE_BANDS: [&str; 5] = ["Under 5", "5 to 9", "10 to 15", "16 and over", NOT_KNOWN];
/// For a child whose age or area no linked record gives.
pub const NOT_KNOWN: &str = "Not known";

/// The age band of a child born in `birth_month` on the day `on`.
pub fn age_band(birth_month: Option<NaiveDate>, on: NaiveDate) -> &'static str {
    let Some(born) = birth_month else {
        return NOT_KNOWN;
    };
    let mut age = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    match age {
        i32::MIN..=4 => AGE_BANDS[0],
        5..=9 => AGE_BANDS[1],
        10..=15 => AGE_BANDS[2],
        _ => AGE_BANDS[3],
    }
}

/// One row of a table by age band or area: a label, the children in each
/// of [`GRID_BUCKETS`], and the row's total (`None`: suppressed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub label: String,
    pub counts: Vec<Option<u64>>,
    pub total: Option<u64>,
}

/// A combination of vulnerabilities and the children with exactly it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Combination {
    pub members: Vec<bool>,
    pub count: Option<u64>,
}

/// Everything published about the children on one day, suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Children with at least one vulnerability.
    pub children: Option<u64>,
    /// By number of vulnerabilities, as [`BUCKETS`].
    pub by_number: Vec<Option<u64>>,
    /// Children with three or more.
    pub three_or_more: Option<u64>,
    /// Children with each vulnerability (with or without others).
    pub by_vulnerability: Vec<Option<u64>>,
    /// The commonest combinations of two or more, largest first.
    pub combinations: Vec<Combination>,
    /// Children with a combination of two or more not shown, and how many
    /// such combinations there are.
    pub other_combinations: Option<u64>,
    pub other_combination_kinds: usize,
    pub by_age: Vec<Row>,
    pub by_area: Vec<Row>,
    /// Children with three or more, none of them being open to children's
    /// social care or early help.
    pub three_or_more_without_support: Option<u64>,
    /// How many figures were suppressed (primary and secondary).
    pub suppressed: usize,
}

/// The whole table: every cell, the sums between them, which cells are
/// never published, and where each part of [`Published`] sits.
#[derive(Debug, Clone)]
pub struct Table {
    pub counts: Vec<u64>,
    pub sums: Vec<Sum>,
    pub hidden: Vec<bool>,
    combinations: Vec<Vec<bool>>,
    shown: Vec<usize>,
    total: usize,
    buckets: usize,
    three_or_more: usize,
    sets: usize,
    other: usize,
    without_support: usize,
    ages: (Vec<String>, usize, usize),
    areas: (Vec<String>, usize, usize),
}

/// Lays out the table of the children with at least one vulnerability.
/// `support[v]`: whether vulnerability `v` means being open to children's
/// social care or early help. Only combinations with more than `up_to`
/// children are charted, at most [`SHOWN_COMBINATIONS`].
pub fn table(children: &[OverlayChild], support: &[bool], up_to: u64) -> Table {
    let mut by_combination: BTreeMap<&[bool], u64> = BTreeMap::new();
    for c in children.iter().filter(|c| c.count() > 0) {
        *by_combination.entry(&c.flags).or_default() += 1;
    }
    // Largest first; ties in the definitions' order, so the layout is fixed.
    let mut combinations: Vec<(Vec<bool>, u64)> = by_combination
        .into_iter()
        .map(|(m, n)| (m.to_vec(), n))
        .collect();
    combinations.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    let size = |m: &[bool]| m.iter().filter(|f| **f).count();
    let shown: Vec<usize> = (0..combinations.len())
        .filter(|&i| size(&combinations[i].0) >= 2 && combinations[i].1 > up_to)
        .take(SHOWN_COMBINATIONS)
        .collect();

    let mut counts: Vec<u64> = combinations.iter().map(|(_, n)| *n).collect();
    let mut hidden: Vec<bool> = (0..counts.len()).map(|i| !shown.contains(&i)).collect();
    let mut sums = Vec::new();
    let cell = |counts: &mut Vec<u64>, hidden: &mut Vec<bool>, n: u64| {
        counts.push(n);
        hidden.push(false);
        counts.len() - 1
    };
    let m = combinations.len();
    let all_combinations: Vec<usize> = (0..m).collect();
    let with = |keep: &dyn Fn(&[bool]) -> bool| -> Vec<usize> {
        (0..m).filter(|&i| keep(&combinations[i].0)).collect()
    };
    let total_of = |parts: &[usize], counts: &[u64]| parts.iter().map(|&p| counts[p]).sum::<u64>();

    // So far the table is the combinations alone: their sum is everyone.
    let everyone: u64 = counts.iter().sum();
    let total = cell(&mut counts, &mut hidden, everyone);
    sums.push(Sum {
        total,
        parts: all_combinations,
    });
    let buckets = counts.len();
    for b in 0..4 {
        let parts = with(&|c| size(c).clamp(1, 4) - 1 == b);
        let n = total_of(&parts, &counts);
        let at = cell(&mut counts, &mut hidden, n);
        sums.push(Sum { total: at, parts });
    }
    sums.push(Sum {
        total,
        parts: (buckets..buckets + 4).collect(),
    });
    let n = counts[buckets + 2] + counts[buckets + 3];
    let three_or_more = cell(&mut counts, &mut hidden, n);
    sums.push(Sum {
        total: three_or_more,
        parts: vec![buckets + 2, buckets + 3],
    });
    let vulnerabilities = support.len();
    let sets = counts.len();
    for v in 0..vulnerabilities {
        let parts = with(&|c| c[v]);
        let n = total_of(&parts, &counts);
        let at = cell(&mut counts, &mut hidden, n);
        sums.push(Sum { total: at, parts });
    }
    let parts: Vec<usize> = (0..m)
        .filter(|i| size(&combinations[*i].0) >= 2 && !shown.contains(i))
        .collect();
    let n = total_of(&parts, &counts);
    let other = cell(&mut counts, &mut hidden, n);
    sums.push(Sum {
        total: other,
        parts,
    });
    let parts = with(&|c| size(c) >= 3 && !c.iter().zip(support).any(|(f, s)| *f && *s));
    let n = total_of(&parts, &counts);
    let without_support = cell(&mut counts, &mut hidden, n);
    sums.push(Sum {
        total: without_support,
        parts,
    });

    // A grid by age band or area: a cell for each (row, column), each
    // row's total; each column's total is the by-number cell (or three or
    // more).
    let columns = [buckets, buckets + 1, three_or_more];
    let mut grid = |key: &dyn Fn(&OverlayChild) -> &str, order: Vec<String>| {
        // One pass over the children (there may be millions).
        let mut tally: std::collections::HashMap<&str, [u64; 3]> = std::collections::HashMap::new();
        for c in children.iter().filter(|c| c.count() > 0) {
            tally.entry(key(c)).or_default()[c.grid_bucket()] += 1;
        }
        let first = counts.len();
        for label in &order {
            for n in tally.get(label.as_str()).copied().unwrap_or_default() {
                cell(&mut counts, &mut hidden, n);
            }
        }
        let rows = counts.len();
        for (r, _) in order.iter().enumerate() {
            let parts: Vec<usize> = (0..3).map(|b| first + 3 * r + b).collect();
            let n = total_of(&parts, &counts);
            let at = cell(&mut counts, &mut hidden, n);
            sums.push(Sum { total: at, parts });
        }
        for (b, column) in columns.iter().enumerate() {
            sums.push(Sum {
                total: *column,
                parts: (0..order.len()).map(|r| first + 3 * r + b).collect(),
            });
        }
        sums.push(Sum {
            total,
            parts: (rows..rows + order.len()).collect(),
        });
        (order, first, rows)
    };
    let ages = grid(
        &|c| c.age_band.as_str(),
        AGE_BANDS.iter().map(|s| s.to_string()).collect(),
    );
    let mut areas: Vec<String> = children
        .iter()
        .map(|c| c.area.clone())
        .filter(|a| a != NOT_KNOWN)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    areas.push(NOT_KNOWN.into());
    let areas = grid(&|c| c.area.as_str(), areas);

    Table {
        counts,
        sums,
        hidden,
        combinations: combinations.into_iter().map(|(m, _)| m).collect(),
        shown,
        total,
        buckets,
        three_or_more,
        sets,
        other,
        without_support,
        ages,
        areas,
    }
}

impl Table {
    /// Which cells are not published: hidden, or suppressed so that no
    /// count from 1 to `up_to` can be worked out from the rest.
    pub fn unpublished(&self, up_to: u64) -> Vec<bool> {
        // The headline figures (children with any, by number, with each
        // vulnerability, three or more without support) are suppressed as
        // partners last.
        let mut keep = vec![false; self.counts.len()];
        for c in [self.total, self.three_or_more, self.without_support]
            .into_iter()
            .chain(self.buckets..self.buckets + 4)
            .chain(self.sets..self.other)
        {
            keep[c] = true;
        }
        suppress_with_hidden(&self.counts, &self.sums, up_to, &self.hidden, &keep)
    }

    /// The figures as published.
    pub fn publish(&self, up_to: u64) -> Published {
        let off = self.unpublished(up_to);
        let figure = |c: usize| (!off[c]).then_some(self.counts[c]);
        let rows = |(labels, first, totals): &(Vec<String>, usize, usize)| -> Vec<Row> {
            labels
                .iter()
                .enumerate()
                .map(|(r, label)| Row {
                    label: label.clone(),
                    counts: (0..3).map(|b| figure(first + 3 * r + b)).collect(),
                    total: figure(totals + r),
                })
                // A row of nobody says nothing.
                .filter(|row| self.counts[totals + row_index(labels, &row.label)] > 0)
                .collect()
        };
        let suppressed = (0..self.counts.len())
            .filter(|&c| off[c] && !self.hidden[c])
            .count();
        Published {
            children: figure(self.total),
            by_number: (0..4).map(|b| figure(self.buckets + b)).collect(),
            three_or_more: figure(self.three_or_more),
            by_vulnerability: (0..self.sets_len())
                .map(|v| figure(self.sets + v))
                .collect(),
            combinations: self
                .shown
                .iter()
                .map(|&i| Combination {
                    members: self.combinations[i].clone(),
                    count: figure(i),
                })
                .collect(),
            other_combinations: figure(self.other),
            other_combination_kinds: self
                .sums
                .iter()
                .find(|s| s.total == self.other)
                .map_or(0, |s| s.parts.len()),
            by_age: rows(&self.ages),
            by_area: rows(&self.areas),
            three_or_more_without_support: figure(self.without_support),
            suppressed,
        }
    }

    fn sets_len(&self) -> usize {
        self.other - self.sets
    }
}

fn row_index(labels: &[String], label: &str) -> usize {
    labels
        .iter()
        .position(|l| l == label)
        .expect("a row's own label")
}

/// Counts of 1 to `up_to` shown as suppressed; for figures published one
/// at a time, with nothing to difference them against.
pub fn primary(n: u64, up_to: u64) -> Option<u64> {
    (n == 0 || n > up_to).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suppression::determined;
    use proptest::prelude::*;

    fn child(flags: &[u8], age: &str, area: &str) -> OverlayChild {
        OverlayChild {
            flags: flags.iter().map(|f| *f == 1).collect(),
            age_band: age.into(),
            area: area.into(),
        }
    }

    /// A reader who knows every published figure and every sum fills in
    /// any sum with one unknown, again and again: the cells they recover.
    fn differenced(table: &Table, off: &[bool]) -> Vec<usize> {
        let mut known: Vec<Option<u64>> = (0..table.counts.len())
            .map(|c| (!off[c]).then_some(table.counts[c]))
            .collect();
        let mut recovered = Vec::new();
        loop {
            let mut progress = false;
            for s in &table.sums {
                let cells: Vec<usize> = std::iter::once(s.total)
                    .chain(s.parts.iter().copied())
                    .collect();
                let unknown: Vec<usize> = cells
                    .iter()
                    .copied()
                    .filter(|&c| known[c].is_none())
                    .collect();
                if unknown.len() == 1 {
                    let u = unknown[0];
                    let parts: i64 = s
                        .parts
                        .iter()
                        .filter(|&&p| p != u)
                        .map(|&p| known[p].unwrap() as i64)
                        .sum();
                    let value = if u == s.total {
                        parts
                    } else {
                        known[s.total].unwrap() as i64 - parts
                    };
                    known[u] = Some(value as u64);
                    recovered.push(u);
                    progress = true;
                }
            }
            if !progress {
                return recovered;
            }
        }
    }

    #[test]
    fn age_bands_by_birthday() {
        let on = NaiveDate::from_ymd_opt(2024, 9, 30).unwrap();
        let born = |y, m| Some(NaiveDate::from_ymd_opt(y, m, 1).unwrap());
        assert_eq!(age_band(born(2019, 10), on), "Under 5");
        assert_eq!(age_band(born(2019, 9), on), "5 to 9");
        assert_eq!(age_band(born(2008, 9), on), "16 and over");
        assert_eq!(age_band(None, on), "Not known");
    }

    #[test]
    fn counts_and_combinations_of_a_small_table() {
        // 12 children: 6 with A and B, 6 with A alone; B means support.
        let mut children = vec![child(&[1, 1], "5 to 9", "PO30 1"); 6];
        children.extend(vec![child(&[1, 0], "Under 5", "PO30 1"); 6]);
        let t = table(&children, &[false, true], 4);
        let p = t.publish(4);
        assert_eq!(p.children, Some(12));
        assert_eq!(p.by_number, [Some(6), Some(6), Some(0), Some(0)]);
        assert_eq!(p.by_vulnerability, [Some(12), Some(6)]);
        assert_eq!(
            p.combinations,
            [Combination {
                members: vec![true, true],
                count: Some(6)
            }]
        );
        assert_eq!(p.other_combinations, Some(0));
        assert_eq!(p.three_or_more_without_support, Some(0));
        assert_eq!(p.suppressed, 0);
        assert_eq!(p.by_age.len(), 2, "rows of nobody are left out");
    }

    #[test]
    fn three_or_more_without_support_leaves_out_children_open_to_a_service() {
        let mut children = vec![child(&[1, 1, 1, 0], "10 to 15", "x"); 7];
        children.extend(vec![child(&[1, 1, 1, 1], "10 to 15", "x"); 8]);
        let p = table(&children, &[false, false, false, true], 4).publish(4);
        assert_eq!(p.three_or_more_without_support, Some(7));
        assert_eq!(p.by_number, [Some(0), Some(0), Some(7), Some(8)]);
    }

    #[test]
    fn a_small_combination_hidden_in_the_rest_cannot_be_differenced_out() {
        // A alone is hidden (a single) but A's total less the published
        // combinations with A would give it: 3 children.
        let mut children = vec![child(&[1, 0, 0], "5 to 9", "x"); 3];
        children.extend(vec![child(&[1, 1, 0], "5 to 9", "x"); 9]);
        children.extend(vec![child(&[0, 1, 1], "5 to 9", "x"); 8]);
        children.extend(vec![child(&[0, 0, 1], "5 to 9", "x"); 10]);
        let t = table(&children, &[false, false, false], 4);
        let off = t.unpublished(4);
        assert!(
            determined(&t.sums, &off, t.counts.len())
                .iter()
                .all(|&c| t.counts[c] == 0 || t.counts[c] > 4)
        );
        assert!(
            differenced(&t, &off)
                .iter()
                .all(|&c| t.counts[c] == 0 || t.counts[c] > 4)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Random children over five vulnerabilities, ages and areas: no
        /// count from 1 to 4 is published, and none can be recovered, by the
        /// algebra or by differencing.
        #[test]
        fn no_small_count_is_published_or_recovered(
            kids in proptest::collection::vec((0u8..32, 0usize..5, 0usize..3), 1..120)
        ) {
            let children: Vec<OverlayChild> = kids
                .iter()
                .filter(|(flags, _, _)| *flags != 0)
                .map(|(flags, age, area)| OverlayChild {
                    flags: (0..5).map(|v| flags & (1 << v) != 0).collect(),
                    age_band: AGE_BANDS[*age].into(),
                    area: ["PO30 1", "PO31 7", NOT_KNOWN][*area].into(),
                })
                .collect();
            let t = table(&children, &[false, false, false, true, true], 4);
            let off = t.unpublished(4);
            for (c, (&n, &off)) in t.counts.iter().zip(&off).enumerate() {
                prop_assert!(off || !(1..=4).contains(&n), "cell {c} published as {n}");
            }
            let small = |c: &usize| (1..=4).contains(&t.counts[*c]);
            prop_assert!(!determined(&t.sums, &off, t.counts.len()).iter().any(small));
            prop_assert!(!differenced(&t, &off).iter().any(small));
        }
    }
}
