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
    /// The value for a period, if there is one.
    pub fn value_at(&self, period: Period) -> Option<f64> {
        self.points
            .iter()
            .find(|p| p.period == period)
            .and_then(|p| p.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_at_finds_the_period_or_nothing() {
        let s = Series {
            points: vec![
                Point {
                    period: Period::Quarter(2024, 1),
                    value: Some(3.0),
                },
                Point {
                    period: Period::Quarter(2024, 2),
                    value: None,
                },
            ],
        };
        assert_eq!(s.value_at(Period::Quarter(2024, 1)), Some(3.0));
        assert_eq!(s.value_at(Period::Quarter(2024, 2)), None);
        assert_eq!(s.value_at(Period::Quarter(2024, 3)), None);
    }
}
