//! Secondary suppression: a table of counts published with its totals must
//! not let a reader work out a suppressed count. Suppressing every count
//! from 1 to the threshold (primary suppression) is not enough: where a row
//! has one suppressed cell and a published total, the cell is the total
//! less the rest. So more cells are suppressed (secondary suppression),
//! the smallest that will do, until no suppressed cell is determined by
//! what is published.
//!
//! A table is its cells and the sums published with it: each [`Sum`] says
//! one cell (a total) is the sum of others. Totals are cells like any other
//! and may be suppressed too. A suppressed cell is *determined* when every
//! set of values the unknown cells could take, consistent with the
//! published cells and sums, gives it the same value: that is, when no
//! direction in the null space of the sums (restricted to the unknown
//! cells) moves it. That is worked out exactly, with fractions.

/// A published sum: the cell `total` is the sum of the cells `parts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sum {
    pub total: usize,
    pub parts: Vec<usize>,
}

/// Which cells to suppress: every count from 1 to `up_to` (zero identifies
/// nobody), then, while any suppressed cell is determined by what is
/// published, the smallest published count sharing a sum with one (a
/// non-zero one where there is one: a suppressed zero protects less). A
/// greedy choice: few cells, not always the fewest.
pub fn suppress(counts: &[u64], sums: &[Sum], up_to: u64) -> Vec<bool> {
    let none = vec![false; counts.len()];
    suppress_with_hidden(counts, sums, up_to, &none, &none)
}

/// As [`suppress`], for a table some of whose cells are never published
/// (`hidden`: say, the rarest combinations, published only as their sum).
/// A hidden cell is protected like a suppressed one when its count is from
/// 1 to `up_to`; a larger hidden count may be worked out, as it could have
/// been published. Cells marked `rather_keep` (the headline totals) are
/// suppressed as partners only when no other cell will do. Returns the
/// cells not published: hidden or suppressed.
pub fn suppress_with_hidden(
    counts: &[u64],
    sums: &[Sum],
    up_to: u64,
    hidden: &[bool],
    rather_keep: &[bool],
) -> Vec<bool> {
    let small = |c: usize| counts[c] >= 1 && counts[c] <= up_to;
    let mut suppressed: Vec<bool> = (0..counts.len()).map(|c| hidden[c] || small(c)).collect();
    loop {
        let exposed: Vec<usize> = determined(sums, &suppressed, counts.len())
            .into_iter()
            .filter(|&c| !hidden[c] || small(c))
            .collect();
        if exposed.is_empty() {
            return suppressed;
        }
        // One exposed cell at a time: the smallest that some sum pins down
        // alone (every other cell of the sum published), with its partner
        // from such a sum, so each new suppression closes the gap it was
        // chosen for; else the smallest exposed, from any sum it is in;
        // where its sums are all suppressed already (it is pinned through
        // others), from any sum with a suppressed cell; at the last, any
        // published cell.
        let holds = |s: &Sum, c: usize| s.total == c || s.parts.contains(&c);
        let members = |s: &Sum| std::iter::once(s.total).chain(s.parts.clone());
        let published_in = |touches: &dyn Fn(&Sum) -> bool| -> Vec<usize> {
            sums.iter()
                .filter(|s| touches(s))
                .flat_map(members)
                .filter(|&c| !suppressed[c])
                .collect()
        };
        let pins =
            |s: &Sum, c: usize| holds(s, c) && members(s).filter(|&m| suppressed[m]).count() == 1;
        let mut by_size = exposed.clone();
        by_size.sort_by_key(|&c| (counts[c], c));
        let pinned = by_size
            .iter()
            .copied()
            .find(|&c| sums.iter().any(|s| pins(s, c)));
        let cell = pinned.unwrap_or(by_size[0]);
        let mut candidates = published_in(&|s| pins(s, cell));
        if candidates.is_empty() {
            candidates = published_in(&|s| holds(s, cell));
        }
        if candidates.is_empty() {
            candidates = published_in(&|s| members(s).any(|c| suppressed[c]));
        }
        if candidates.is_empty() {
            candidates = (0..counts.len()).filter(|&c| !suppressed[c]).collect();
        }
        // Cells not to be kept first, non-zero before zero, then
        // smallest, then first in the table.
        let Some(next) = candidates
            .into_iter()
            .min_by_key(|&c| (rather_keep[c], counts[c] == 0, counts[c], c))
        else {
            return suppressed;
        };
        suppressed[next] = true;
    }
}

/// A fraction, kept in lowest terms: exact arithmetic for the elimination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fraction {
    num: i128,
    den: i128,
}

fn gcd(a: i128, b: i128) -> i128 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

impl Fraction {
    fn new(num: i128, den: i128) -> Fraction {
        let g = gcd(num, den).max(1) * den.signum();
        Fraction {
            num: num / g,
            den: den / g,
        }
    }
    fn is_zero(self) -> bool {
        self.num == 0
    }
    fn sub(self, o: Fraction) -> Fraction {
        Fraction::new(self.num * o.den - o.num * self.den, self.den * o.den)
    }
    fn mul(self, o: Fraction) -> Fraction {
        Fraction::new(self.num * o.num, self.den * o.den)
    }
    fn div(self, o: Fraction) -> Fraction {
        Fraction::new(self.num * o.den, self.den * o.num)
    }
}

/// The suppressed cells that the published cells and sums determine
/// exactly, in the table's order.
pub fn determined(sums: &[Sum], suppressed: &[bool], cells: usize) -> Vec<usize> {
    // The unknowns, and each sum as a row over them: +1 for each part,
    // −1 for the total (the published cells go to the right-hand side,
    // which does not matter for whether a cell is determined).
    let unknown: Vec<usize> = (0..cells).filter(|&c| suppressed[c]).collect();
    let column = |c: usize| unknown.binary_search(&c).ok();
    let mut rows: Vec<Vec<Fraction>> = Vec::new();
    for s in sums {
        let mut row = vec![0i128; unknown.len()];
        let mut any = false;
        for (cell, sign) in s
            .parts
            .iter()
            .map(|&p| (p, 1))
            .chain(std::iter::once((s.total, -1)))
        {
            if let Some(j) = column(cell) {
                row[j] += sign;
                any = true;
            }
        }
        if any {
            rows.push(row.into_iter().map(|n| Fraction::new(n, 1)).collect());
        }
    }
    // Reduced row echelon form.
    let mut pivots: Vec<usize> = Vec::new();
    let mut r = 0;
    for j in 0..unknown.len() {
        let Some(p) = (r..rows.len()).find(|&i| !rows[i][j].is_zero()) else {
            continue;
        };
        rows.swap(r, p);
        let lead = rows[r][j];
        for x in rows[r].iter_mut() {
            *x = x.div(lead);
        }
        let pivot_row = rows[r].clone();
        for (i, row) in rows.iter_mut().enumerate() {
            if i != r && !row[j].is_zero() {
                let factor = row[j];
                for (x, p) in row.iter_mut().zip(&pivot_row) {
                    *x = x.sub(p.mul(factor));
                }
            }
        }
        pivots.push(j);
        r += 1;
        if r == rows.len() {
            break;
        }
    }
    // A pivot unknown is determined when its row has nothing in a free
    // column (no null-space direction moves it); a free unknown never is.
    pivots
        .iter()
        .enumerate()
        .filter(|&(i, _)| {
            (0..unknown.len())
                .filter(|k| !pivots.contains(k))
                .all(|k| rows[i][k].is_zero())
        })
        .map(|(_, &j)| unknown[j])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A grid of `rows` × `cols` cells with a total for each row and
    /// column and a grand total: cells first, then row totals, column
    /// totals and the grand total.
    fn grid(values: &[Vec<u64>]) -> (Vec<u64>, Vec<Sum>) {
        let (rows, cols) = (values.len(), values[0].len());
        let at = |r: usize, c: usize| r * cols + c;
        let mut counts: Vec<u64> = values.iter().flatten().copied().collect();
        let mut sums = Vec::new();
        for (r, row) in values.iter().enumerate() {
            sums.push(Sum {
                total: counts.len(),
                parts: (0..cols).map(|c| at(r, c)).collect(),
            });
            counts.push(row.iter().sum());
        }
        for c in 0..cols {
            sums.push(Sum {
                total: counts.len(),
                parts: (0..rows).map(|r| at(r, c)).collect(),
            });
            counts.push(values.iter().map(|row| row[c]).sum());
        }
        let grand = counts.len();
        sums.push(Sum {
            total: grand,
            parts: (rows * cols..rows * cols + rows).collect(),
        });
        sums.push(Sum {
            total: grand,
            parts: (rows * cols + rows..rows * cols + rows + cols).collect(),
        });
        counts.push(values.iter().flatten().sum());
        (counts, sums)
    }

    /// What a reader with a spreadsheet does, written apart from the
    /// library's algebra: any sum with one unknown gives it; repeat.
    fn recovered_by_differencing(counts: &[u64], sums: &[Sum], suppressed: &[bool]) -> Vec<usize> {
        let mut known: Vec<Option<i128>> = counts
            .iter()
            .zip(suppressed)
            .map(|(&c, &s)| (!s).then_some(c as i128))
            .collect();
        loop {
            let mut progress = false;
            for s in sums {
                let cells: Vec<(usize, i128)> = s
                    .parts
                    .iter()
                    .map(|&p| (p, 1))
                    .chain(std::iter::once((s.total, -1)))
                    .collect();
                let unknown: Vec<&(usize, i128)> =
                    cells.iter().filter(|(c, _)| known[*c].is_none()).collect();
                if let [(cell, sign)] = unknown[..] {
                    let rest: i128 = cells
                        .iter()
                        .filter(|(c, _)| c != cell)
                        .map(|(c, s)| s * known[*c].unwrap())
                        .sum();
                    known[*cell] = Some(-rest * sign);
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
        (0..counts.len())
            .filter(|&c| suppressed[c] && known[c].is_some())
            .collect()
    }

    #[test]
    fn one_small_cell_in_a_row_takes_a_partner_in_its_row_and_column() {
        // Children by number of vulnerabilities (rows) and age band.
        let (counts, sums) = grid(&[vec![40, 25, 31], vec![12, 3, 18], vec![9, 14, 22]]);
        // Primary only: the 3 is its row total less the rest.
        let primary: Vec<bool> = counts.iter().map(|&c| (1..=4).contains(&c)).collect();
        assert_eq!(determined(&sums, &primary, counts.len()), [4]);
        assert_eq!(recovered_by_differencing(&counts, &sums, &primary), [4]);
        let s = suppress(&counts, &sums, 4);
        assert!(determined(&sums, &s, counts.len()).is_empty());
        assert!(recovered_by_differencing(&counts, &sums, &s).is_empty());
        // The least that protects it: four cells in a rectangle, the
        // smallest partners chosen (9, 12, 14 are the smallest around it).
        let chosen: Vec<u64> = (0..counts.len())
            .filter(|&c| s[c])
            .map(|c| counts[c])
            .collect();
        assert_eq!(chosen, [12, 3, 9, 14]);
    }

    #[test]
    fn a_table_with_nothing_small_suppresses_nothing() {
        let (counts, sums) = grid(&[vec![40, 25], vec![12, 18]]);
        assert!(suppress(&counts, &sums, 4).iter().all(|s| !s));
        // Zero identifies nobody, and is published.
        let (counts, sums) = grid(&[vec![40, 0], vec![12, 18]]);
        assert!(suppress(&counts, &sums, 4).iter().all(|s| !s));
    }

    #[test]
    fn a_suppressed_total_is_not_given_away_by_its_parts() {
        // A total of 4 (suppressed) over parts 1 and 3 (suppressed): the
        // parts' own sums must not pin them.
        let counts = vec![1, 3, 4, 20, 21, 24];
        let sums = vec![
            Sum {
                total: 2,
                parts: vec![0, 1],
            },
            Sum {
                total: 5,
                parts: vec![2, 3],
            },
            Sum {
                total: 4,
                parts: vec![0, 3],
            },
        ];
        let s = suppress(&counts, &sums, 4);
        assert!(determined(&sums, &s, counts.len()).is_empty());
        assert!(recovered_by_differencing(&counts, &sums, &s).is_empty());
        assert!(s[0] && s[1] && s[2]);
    }

    proptest! {
        /// Whatever the table, no suppressed cell can be worked out from
        /// what is published, and every count from 1 to 4 is suppressed.
        #[test]
        fn no_suppressed_cell_can_be_recovered(
            values in proptest::collection::vec(
                proptest::collection::vec(prop_oneof![0u64..6, 0u64..60], 4),
                2..6,
            ),
        ) {
            let (counts, sums) = grid(&values);
            let s = suppress(&counts, &sums, 4);
            for (c, &count) in counts.iter().enumerate() {
                prop_assert!(!(1..=4).contains(&count) || s[c]);
            }
            prop_assert!(determined(&sums, &s, counts.len()).is_empty());
            prop_assert!(recovered_by_differencing(&counts, &sums, &s).is_empty());
        }
    }
}
