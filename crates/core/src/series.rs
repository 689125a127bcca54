//! A metric's values over time, as the query layer returns them and the
//! report reads them.

use crate::period::Period;

/// One metric's value per period, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub points: Vec<Point>,
}

/// A value for one period; `None` when there is no figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub period: Period,
    pub value: Option<f64>,
}

impl Series {
    /// The points from `first` to `last` inclusive, one per quarter; quarters
    /// with no figure are present with `value: None` so gaps stay visible.
    pub fn quarters(&self, first: Period, last: Period) -> Vec<Point> {
        Period::quarter_range(first, last)
            .into_iter()
            .map(|period| Point {
                period,
                value: self
                    .points
                    .iter()
                    .find(|p| p.period == period)
                    .and_then(|p| p.value),
            })
            .collect()
    }

    /// The value for a period, if there is one.
    pub fn value_at(&self, period: Period) -> Option<f64> {
        self.points
            .iter()
            .find(|p| p.period == period)
            .and_then(|p| p.value)
    }

    /// The first period with a value.
    pub fn first_period(&self) -> Option<Period> {
        self.points
            .iter()
            .filter(|p| p.value.is_some())
            .map(|p| p.period)
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_fill_gaps_with_none() {
        let s = Series {
            points: vec![
                Point {
                    period: Period::Quarter(2024, 1),
                    value: Some(3.0),
                },
                Point {
                    period: Period::Quarter(2024, 3),
                    value: Some(5.0),
                },
            ],
        };
        let q = s.quarters(Period::Quarter(2023, 4), Period::Quarter(2024, 3));
        let values: Vec<Option<f64>> = q.iter().map(|p| p.value).collect();
        assert_eq!(values, vec![None, Some(3.0), None, Some(5.0)]);
        assert_eq!(s.first_period(), Some(Period::Quarter(2024, 1)));
    }
}
