//! A metric's values over time, as the query layer returns them and the
//! report reads them.

use crate::period::Period;

/// One metric's value per period, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub points: Vec<Point>,
}

/// A value for one period; `None` when there is no figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub period: Period,
    pub value: Option<f64>,
    /// How many children or events the value is built on (a percentage's
    /// denominator, an average's count), when the metric's SQL returns a
    /// `base` column: a rate built on a handful of children is suppressed
    /// like the handful itself.
    pub base: Option<f64>,
    /// The symbol the agency or publisher wrote in place of the figure
    /// (`<5`, `*`, `c`, …) when it withheld it, from the SQL's optional
    /// `status` column: a withheld figure is not a missing return.
    pub withheld: Option<String>,
}

impl Series {
    /// The value for a period, if there is one.
    pub fn value_at(&self, period: Period) -> Option<f64> {
        self.point_at(period).and_then(|p| p.value)
    }

    /// The point for a period, if there is one.
    pub fn point_at(&self, period: Period) -> Option<&Point> {
        self.points.iter().find(|p| p.period == period)
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
                    base: None,
                    withheld: None,
                },
                Point {
                    period: Period::Quarter(2024, 2),
                    value: None,
                    base: None,
                    withheld: None,
                },
            ],
        };
        assert_eq!(s.value_at(Period::Quarter(2024, 1)), Some(3.0));
        assert_eq!(s.value_at(Period::Quarter(2024, 2)), None);
        assert_eq!(s.value_at(Period::Quarter(2024, 3)), None);
    }
}
