//! Multi-agency audits drawn from the data (`audits/*.yaml`): which
//! children make up the cohort, how the sample is split between strata and
//! between a multi-agency and a single-agency audit, and what each auditor
//! is given about each child. And the draw itself: a stratified random
//! sample that the same seed over the same cohort always repeats.
//!
//! Pure: the cohort comes in as rows, the sample goes out as rows.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

/// An audit definition, one per file under `audits/`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSpec {
    /// Stable name, the file's name.
    pub audit: String,
    /// What the audit is called, as the subgroup says it.
    pub title: String,
    /// Why the subgroup audits these children, and what it wants to learn.
    pub purpose: String,
    /// SQL over the warehouse returning one row per child in the cohort:
    /// `child_id`, `stratum` (one of `strata`), and any columns named in
    /// `profile`. `{start}` and `{end}` stand for the first and last days
    /// of the period drawn for (as SQL dates).
    pub cohort: String,
    /// The groups the sample is drawn from, with the share of the sample
    /// each should be.
    pub strata: Vec<Stratum>,
    /// How many children are audited.
    pub sample: usize,
    /// How many of them every agency audits; the rest are audited by
    /// `single_agency` alone.
    pub multi_agency: usize,
    /// The agency that audits the rest, e.g. "Children's social care".
    pub single_agency: String,
    /// Columns of the cohort whose mix is shown for the cohort beside the
    /// sample, so the subgroup can see the sample is representative.
    #[serde(default)]
    pub profile: Vec<String>,
    /// SQL returning each sampled child's chronology: `child_id`,
    /// `event_date`, `agency`, `event`, `detail`. `{sample}` stands for the
    /// sampled children's pseudonyms as a list for `IN`; `{start}` and
    /// `{end}` as in `cohort`.
    pub chronology: String,
}

/// One group of the cohort and its share of the sample.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stratum {
    /// The value of the cohort's `stratum` column.
    pub stratum: String,
    /// What it means, in words.
    pub label: String,
    /// Its share of the sample, from 0 to 1; the shares add up to 1.
    pub share: f64,
}

impl AuditSpec {
    /// What is wrong with the definition, each as (key, message); empty
    /// when it can be drawn.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.strata.is_empty() {
            out.push(("strata", "an audit needs at least one stratum".into()));
        }
        let total: f64 = self.strata.iter().map(|s| s.share).sum();
        if !self.strata.is_empty() && (total - 1.0).abs() > 1e-6 {
            out.push((
                "strata",
                format!("the strata's shares add up to {total}, not 1"),
            ));
        }
        for s in &self.strata {
            if !(0.0..=1.0).contains(&s.share) {
                let (name, share) = (&s.stratum, s.share);
                out.push((
                    "share",
                    format!("stratum `{name}` has share {share}: a share is from 0 to 1"),
                ));
            }
        }
        for (i, s) in self.strata.iter().enumerate() {
            if self.strata[..i].iter().any(|t| t.stratum == s.stratum) {
                let name = &s.stratum;
                out.push(("stratum", format!("stratum `{name}` is listed twice")));
            }
        }
        if self.sample == 0 {
            out.push(("sample", "the sample must hold at least one child".into()));
        }
        if self.multi_agency > self.sample {
            let (m, s) = (self.multi_agency, self.sample);
            out.push((
                "multi_agency",
                format!("multi_agency is {m}, more than the sample of {s}"),
            ));
        }
        if !self.cohort.contains("{start}") || !self.cohort.contains("{end}") {
            out.push((
                "cohort",
                "the cohort SQL must use {start} and {end}, the period drawn for".into(),
            ));
        }
        if !self.chronology.contains("{sample}") {
            out.push((
                "chronology",
                "the chronology SQL must use {sample}, the children drawn (`WHERE child_id IN {sample}`)".into(),
            ));
        }
        out
    }

    /// The cohort SQL for a period: `{start}` and `{end}` as SQL dates.
    pub fn cohort_sql(&self, period: crate::Period) -> String {
        with_period(&self.cohort, period)
    }

    /// The chronology SQL for the children drawn (pseudonyms are
    /// hexadecimal, so they need no escaping; an id with any character but a
    /// letter, digit, `-` or `_` is dropped rather than put into SQL).
    pub fn chronology_sql(&self, period: crate::Period, sample: &[Drawn]) -> String {
        let ids: Vec<String> = sample
            .iter()
            .map(|d| &d.child.child_id)
            .filter(|id| {
                id.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            })
            .map(|id| format!("'{id}'"))
            .collect();
        // `IN ('')` rather than `IN ()`, which is not SQL, for an empty sample.
        let list = if ids.is_empty() {
            "('')".to_string()
        } else {
            format!("({})", ids.join(", "))
        };
        with_period(&self.chronology, period).replace("{sample}", &list)
    }
}

fn with_period(sql: &str, period: crate::Period) -> String {
    sql.replace("{start}", &format!("DATE '{}'", period.start()))
        .replace("{end}", &format!("DATE '{}'", period.end()))
}

/// One event in a sampled child's chronology, as the chronology SQL
/// returns it (every value as text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChronologyEvent {
    pub child_id: String,
    pub event_date: String,
    pub agency: String,
    pub event: String,
    pub detail: String,
}

/// A child in the cohort: the pseudonym, the stratum, and the profile
/// columns' values (in `profile` order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortChild {
    pub child_id: String,
    pub stratum: String,
    pub profile: Vec<String>,
}

/// Who audits a sampled child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AuditedBy {
    /// Every agency involved.
    AllAgencies,
    /// The audit's `single_agency` alone.
    SingleAgency,
}

/// A child drawn, with the reference auditors use (`A01`, `A02`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawn {
    pub reference: String,
    pub child: CohortChild,
    pub audited_by: AuditedBy,
}

/// How many of the sample, and of its multi-agency part, each stratum gets.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub stratum: String,
    /// Children of this stratum in the cohort.
    pub in_cohort: usize,
    /// The sample's share times the sample, before any shortfall.
    pub wanted: f64,
    pub drawn: usize,
    pub multi_agency: usize,
}

/// Splits `total` between groups in proportion to `weights` (largest
/// remainders; ties to the earlier group), never giving a group more than
/// its `room`: what one cannot take goes to the others, by weight.
fn apportion(total: usize, weights: &[f64], room: &[usize]) -> Vec<usize> {
    let mut given = vec![0; weights.len()];
    let mut left = total.min(room.iter().sum());
    while left > 0 {
        let open: Vec<usize> = (0..weights.len()).filter(|&i| given[i] < room[i]).collect();
        let weight: f64 = open.iter().map(|&i| weights[i]).sum();
        // Groups with no weight share only what the others cannot take.
        let share = |i: usize| {
            if weight > 0.0 {
                weights[i] / weight
            } else {
                1.0 / open.len() as f64
            }
        };
        let exact: Vec<(usize, f64)> = open.iter().map(|&i| (i, left as f64 * share(i))).collect();
        let mut step: Vec<(usize, usize)> = exact
            .iter()
            .map(|&(i, x)| (i, (x.floor() as usize).min(room[i] - given[i])))
            .collect();
        let mut placed: usize = step.iter().map(|(_, n)| n).sum();
        // The remainders, largest first, one child each.
        let mut order: Vec<(usize, f64)> = exact.iter().map(|&(i, x)| (i, x - x.floor())).collect();
        order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for (i, _) in order {
            if placed == left {
                break;
            }
            let s = step.iter_mut().find(|(j, _)| *j == i).expect("open group");
            if given[i] + s.1 < room[i] && (weight == 0.0 || weights[i] > 0.0) {
                s.1 += 1;
                placed += 1;
            }
        }
        if placed == 0 {
            // Only groups with no weight have room: they take the rest in turn.
            if let Some(&i) = open.first() {
                given[i] += 1;
                left -= 1;
            }
            continue;
        }
        for (i, n) in step {
            given[i] += n;
        }
        left -= placed;
    }
    given
}

/// Draws the audit's sample from `cohort`: each stratum gets its share of
/// the sample (a stratum with too few children gives its places to the
/// others), the children within a stratum are chosen at random with `seed`,
/// and the multi-agency part is split between strata as the sample is. The
/// same seed and cohort (in any order) give the same children.
pub fn draw(spec: &AuditSpec, cohort: &[CohortChild], seed: u64) -> (Vec<Drawn>, Vec<Allocation>) {
    let mut by_stratum: BTreeMap<&str, Vec<&CohortChild>> = BTreeMap::new();
    for child in cohort {
        by_stratum.entry(&child.stratum).or_default().push(child);
    }
    let weights: Vec<f64> = spec.strata.iter().map(|s| s.share).collect();
    let room: Vec<usize> = spec
        .strata
        .iter()
        .map(|s| by_stratum.get(s.stratum.as_str()).map_or(0, Vec::len))
        .collect();
    let drawn = apportion(spec.sample, &weights, &room);
    // The multi-agency part mirrors the sample as drawn (which is the
    // strata's shares unless a stratum was too small to give its share).
    let drawn_weights: Vec<f64> = drawn.iter().map(|&n| n as f64).collect();
    let multi = apportion(
        spec.multi_agency.min(drawn.iter().sum()),
        &drawn_weights,
        &drawn,
    );

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut sample = Vec::new();
    let mut allocations = Vec::new();
    for (i, s) in spec.strata.iter().enumerate() {
        let mut children = by_stratum.remove(s.stratum.as_str()).unwrap_or_default();
        // Sorted first, so the cohort's row order does not change the draw.
        children.sort_by(|a, b| a.child_id.cmp(&b.child_id));
        children.shuffle(&mut rng);
        for (k, child) in children.iter().take(drawn[i]).enumerate() {
            let audited_by = if k < multi[i] {
                AuditedBy::AllAgencies
            } else {
                AuditedBy::SingleAgency
            };
            sample.push((audited_by, (*child).clone()));
        }
        allocations.push(Allocation {
            stratum: s.stratum.clone(),
            in_cohort: room[i],
            wanted: s.share * spec.sample as f64,
            drawn: drawn[i],
            multi_agency: multi[i],
        });
    }
    // Multi-agency children first, then by stratum as listed: the order the
    // subgroup allocates auditors in.
    sample.sort_by_key(|(by, _)| *by);
    let sample = sample
        .into_iter()
        .enumerate()
        .map(|(k, (audited_by, child))| Drawn {
            reference: format!("A{:02}", k + 1),
            child,
            audited_by,
        })
        .collect();
    (sample, allocations)
}

/// How often each value of each profile column occurs: column → value →
/// count, for the cohort or the sample.
pub fn profile<'a>(
    spec: &AuditSpec,
    children: impl IntoIterator<Item = &'a CohortChild>,
) -> Vec<(String, BTreeMap<String, usize>)> {
    let mut out: Vec<(String, BTreeMap<String, usize>)> = spec
        .profile
        .iter()
        .map(|c| (c.clone(), BTreeMap::new()))
        .collect();
    for child in children {
        for (k, value) in child.profile.iter().enumerate() {
            if let Some((_, counts)) = out.get_mut(k) {
                *counts.entry(value.clone()).or_default() += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(strata: &[(&str, f64)], sample: usize, multi: usize) -> AuditSpec {
        AuditSpec {
            audit: "a".into(),
            title: "A".into(),
            purpose: "p".into(),
            cohort: "SELECT … {start} {end}".into(),
            strata: strata
                .iter()
                .map(|(s, share)| Stratum {
                    stratum: s.to_string(),
                    label: s.to_string(),
                    share: *share,
                })
                .collect(),
            sample,
            multi_agency: multi,
            single_agency: "Children's social care".into(),
            profile: vec!["age".into()],
            chronology: "SELECT … WHERE child_id IN {sample}".into(),
        }
    }

    fn cohort(counts: &[(&str, usize)]) -> Vec<CohortChild> {
        counts
            .iter()
            .flat_map(|(s, n)| {
                (0..*n).map(move |k| CohortChild {
                    child_id: format!("{s}-{k:04}"),
                    stratum: s.to_string(),
                    profile: vec![(k % 3).to_string()],
                })
            })
            .collect()
    }

    fn count(sample: &[Drawn], stratum: &str, by: Option<AuditedBy>) -> usize {
        sample
            .iter()
            .filter(|d| d.child.stratum == stratum && by.is_none_or(|b| d.audited_by == b))
            .count()
    }

    #[test]
    fn the_under_twos_split_is_twelve_and_eight_with_ten_audited_by_all() {
        let spec = spec(&[("not_assessed", 0.6), ("assessed", 0.4)], 20, 10);
        let (sample, alloc) = draw(&spec, &cohort(&[("not_assessed", 50), ("assessed", 30)]), 1);
        assert_eq!(sample.len(), 20);
        assert_eq!(count(&sample, "not_assessed", None), 12);
        assert_eq!(count(&sample, "assessed", None), 8);
        assert_eq!(
            count(&sample, "not_assessed", Some(AuditedBy::AllAgencies)),
            6
        );
        assert_eq!(count(&sample, "assessed", Some(AuditedBy::AllAgencies)), 4);
        assert_eq!(alloc[0].drawn + alloc[1].drawn, 20);
        // References run in order, multi-agency first.
        assert_eq!(sample[0].reference, "A01");
        assert_eq!(sample[19].reference, "A20");
        assert!(
            sample[..10]
                .iter()
                .all(|d| d.audited_by == AuditedBy::AllAgencies)
        );
    }

    #[test]
    fn the_same_seed_draws_the_same_children_whatever_the_row_order() {
        let spec = spec(&[("x", 0.5), ("y", 0.5)], 10, 4);
        let rows = cohort(&[("x", 40), ("y", 40)]);
        let mut reversed = rows.clone();
        reversed.reverse();
        let ids =
            |s: Vec<Drawn>| -> Vec<String> { s.into_iter().map(|d| d.child.child_id).collect() };
        assert_eq!(
            ids(draw(&spec, &rows, 7).0),
            ids(draw(&spec, &reversed, 7).0)
        );
        assert_ne!(ids(draw(&spec, &rows, 7).0), ids(draw(&spec, &rows, 8).0));
    }

    #[test]
    fn a_stratum_too_small_gives_its_places_to_the_others() {
        let spec = spec(&[("few", 0.5), ("many", 0.5)], 20, 10);
        let (sample, alloc) = draw(&spec, &cohort(&[("few", 3), ("many", 100)]), 1);
        assert_eq!(sample.len(), 20);
        assert_eq!(count(&sample, "few", None), 3);
        assert_eq!(alloc[0].wanted, 10.0);
        // The multi-agency half mirrors the sample drawn: 3 of 20 is 1.5 of 10.
        let multi = count(&sample, "few", Some(AuditedBy::AllAgencies));
        assert!((1..=2).contains(&multi), "{multi}");
        // A cohort smaller than the sample is audited whole.
        let (sample, _) = draw(&spec, &cohort(&[("few", 3), ("many", 4)]), 1);
        assert_eq!(sample.len(), 7);
    }

    #[test]
    fn every_stratum_is_within_one_child_of_its_share() {
        for (shares, sample_size) in [
            (vec![0.6, 0.4], 20),
            (vec![0.25, 0.25, 0.5], 13),
            (vec![0.1, 0.3, 0.3, 0.3], 17),
            (vec![1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0], 20),
        ] {
            let names: Vec<String> = (0..shares.len()).map(|i| format!("s{i}")).collect();
            let strata: Vec<(&str, f64)> = names
                .iter()
                .map(String::as_str)
                .zip(shares.iter().copied())
                .collect();
            let spec = spec(&strata, sample_size, sample_size / 2);
            let rows = cohort(&strata.iter().map(|(s, _)| (*s, 100)).collect::<Vec<_>>());
            for seed in 0..20 {
                let (sample, _) = draw(&spec, &rows, seed);
                assert_eq!(sample.len(), sample_size);
                for (s, share) in &strata {
                    let want = share * sample_size as f64;
                    let got = count(&sample, s, None) as f64;
                    assert!((got - want).abs() < 1.0, "{s}: {got} against {want}");
                    let multi = count(&sample, s, Some(AuditedBy::AllAgencies)) as f64;
                    let want = share * (sample_size / 2) as f64;
                    assert!(
                        (multi - want).abs() < 1.0,
                        "{s}: {multi} multi against {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn problems_are_named_by_their_key() {
        let mut s = spec(&[("x", 0.5), ("x", 0.6)], 5, 6);
        s.cohort = "SELECT child_id FROM contacts".into();
        let keys: Vec<&str> = s.problems().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["strata", "stratum", "multi_agency", "cohort"]);
        s.chronology = "SELECT 1".into();
        assert_eq!(s.problems().last().unwrap().0, "chronology");
        assert!(
            spec(&[("x", 0.6), ("y", 0.4)], 20, 10)
                .problems()
                .is_empty()
        );
    }

    #[test]
    fn the_sql_gets_the_period_and_the_sample() {
        let s = spec(&[("x", 1.0)], 2, 0);
        let period: crate::Period = "2024/25-H1".parse().unwrap();
        assert_eq!(
            s.cohort_sql(period),
            "SELECT … DATE '2024-04-01' DATE '2024-09-30'"
        );
        let (sample, _) = draw(&s, &cohort(&[("x", 2)]), 1);
        let sql = s.chronology_sql(period, &sample);
        assert!(
            sql.contains("IN ('x-0000', 'x-0001')") || sql.contains("IN ('x-0001', 'x-0000')"),
            "{sql}"
        );
        let odd = Drawn {
            reference: "A01".into(),
            child: CohortChild {
                child_id: "x' OR 1=1".into(),
                stratum: "x".into(),
                profile: vec![],
            },
            audited_by: AuditedBy::AllAgencies,
        };
        assert!(s.chronology_sql(period, &[odd]).ends_with("IN ('')"));
    }

    #[test]
    fn the_profile_counts_each_value() {
        let spec = spec(&[("x", 1.0)], 3, 0);
        let rows = cohort(&[("x", 7)]);
        let p = profile(&spec, &rows);
        assert_eq!(p[0].0, "age");
        assert_eq!(p[0].1.values().sum::<usize>(), 7);
        assert_eq!(p[0].1["0"], 3);
    }
}
