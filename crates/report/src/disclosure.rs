//! Disclosure control and the kinds of missing figure. A count from 1 up to
//! the threshold is not published (shown as `c`, the official statistics
//! symbol for "confidential"), and anything computed from it — a change, a
//! chart point — is withheld too. Every other missing figure says why it is
//! missing, with its own symbol: withheld by the agency (`w`), not received
//! (`x`), not yet due (`z`).

use pqa_core::series::Point;
use pqa_trends::Observed;

/// The symbol shown in place of a figure suppressed by pqa.
pub use pqa_core::SUPPRESSED;

/// The symbols for missing figures, with what each means, in the order the
/// report's key lists them.
pub fn key(suppress_up_to: u32) -> Vec<(&'static str, String)> {
    vec![
        (
            SUPPRESSED,
            format!(
                "a count from 1 to {suppress_up_to} (or a figure built on one), not shown so that no child can be identified"
            ),
        ),
        (
            "w",
            "withheld by the agency, which sent a symbol such as “<5” or “*” instead of the figure".into(),
        ),
        ("x", "not received: the agency’s return has not arrived".into()),
        (
            "z",
            "not yet due: no figure is expected yet (yearly statistics are published months after the year ends)".into(),
        ),
    ]
}

/// A figure as it may be published.
#[derive(Debug, Clone, PartialEq)]
pub enum Published {
    Value(f64),
    /// Withheld by pqa to protect privacy.
    Suppressed,
    /// Withheld by the agency, which wrote this symbol.
    Withheld(String),
    /// Due, but not received.
    NotReceived,
    /// Not expected yet.
    NotDue,
}

/// Rules for one report.
#[derive(Debug, Clone, Copy)]
pub struct Disclosure {
    /// Counts from 1 up to this are suppressed.
    pub suppress_up_to: u32,
}

impl Disclosure {
    /// What may be published of `value`. Zero is published: it identifies nobody.
    pub fn publish(&self, value: Option<f64>, is_count: bool) -> Published {
        match value {
            None => Published::NotReceived,
            Some(v) if is_count && v > 0.0 && v <= f64::from(self.suppress_up_to) => {
                Published::Suppressed
            }
            Some(v) => Published::Value(v),
        }
    }

    /// What may be published of a metric's point: as [`Disclosure::publish`],
    /// a rate or average built on 1 to `suppress_up_to` children or events
    /// is withheld too, and a point with no figure says why. `due` is
    /// whether a figure was expected by the time of the report.
    pub fn publish_point(&self, point: Option<&Point>, is_count: bool, due: bool) -> Published {
        let Some(point) = point else {
            return if due {
                Published::NotReceived
            } else {
                Published::NotDue
            };
        };
        if let Some(symbol) = &point.withheld {
            return Published::Withheld(symbol.clone());
        }
        match point.base {
            Some(b) if point.value.is_some() && b > 0.0 && b <= f64::from(self.suppress_up_to) => {
                Published::Suppressed
            }
            _ if point.value.is_none() && !due => Published::NotDue,
            _ => self.publish(point.value, is_count),
        }
    }
}

impl Published {
    /// The value when it may be used in further figures.
    pub fn value(&self) -> Option<f64> {
        match self {
            Published::Value(v) => Some(*v),
            _ => None,
        }
    }

    /// The symbol shown for a missing figure (`None` for a figure).
    pub fn symbol(&self) -> Option<&'static str> {
        match self {
            Published::Value(_) => None,
            Published::Suppressed => Some(SUPPRESSED),
            Published::Withheld(_) => Some("w"),
            Published::NotReceived => Some("x"),
            Published::NotDue => Some("z"),
        }
    }

    /// As the trend rules see it.
    pub fn observed(&self) -> Observed {
        match self {
            Published::Value(v) => Observed::Value(*v),
            Published::Suppressed => Observed::Suppressed,
            Published::Withheld(s) => Observed::Withheld(s.clone()),
            Published::NotReceived => Observed::NotReceived,
            Published::NotDue => Observed::NotDue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_one_to_four_are_suppressed_zero_and_five_are_not() {
        let d = Disclosure { suppress_up_to: 4 };
        assert_eq!(d.publish(Some(0.0), true), Published::Value(0.0));
        assert_eq!(d.publish(Some(1.0), true), Published::Suppressed);
        assert_eq!(d.publish(Some(4.0), true), Published::Suppressed);
        assert_eq!(d.publish(Some(5.0), true), Published::Value(5.0));
        assert_eq!(d.publish(None, true), Published::NotReceived);
    }

    #[test]
    fn a_rate_built_on_a_handful_is_suppressed_with_it() {
        let d = Disclosure { suppress_up_to: 4 };
        let point = |value, base| Point {
            period: pqa_core::Period::Quarter(2024, 1),
            value: Some(value),
            base,
            withheld: None,
        };
        assert_eq!(
            d.publish_point(Some(&point(50.0, Some(2.0))), false, true),
            Published::Suppressed
        );
        assert_eq!(
            d.publish_point(Some(&point(50.0, Some(40.0))), false, true),
            Published::Value(50.0)
        );
        assert_eq!(
            d.publish_point(Some(&point(50.0, None)), false, true),
            Published::Value(50.0)
        );
        assert_eq!(
            d.publish_point(Some(&point(3.0, Some(40.0))), true, true),
            Published::Suppressed
        );
        assert_eq!(d.publish_point(None, false, true), Published::NotReceived);
        assert_eq!(d.publish_point(None, false, false), Published::NotDue);
        let withheld = Point {
            value: None,
            withheld: Some("<5".into()),
            ..point(0.0, None)
        };
        assert_eq!(
            d.publish_point(Some(&withheld), true, true),
            Published::Withheld("<5".into())
        );
    }

    #[test]
    fn non_counts_are_not_suppressed_by_size() {
        let d = Disclosure { suppress_up_to: 4 };
        assert_eq!(d.publish(Some(2.5), false), Published::Value(2.5));
    }
}
