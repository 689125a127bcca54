//! Disclosure control: small counts are not published, so that no child can
//! be picked out. A count from 1 up to the threshold is shown as `c` (the
//! official statistics symbol for "confidential"), and anything computed from
//! it — a change, a chart point — is withheld too.

/// The symbol shown in place of a suppressed figure.
pub const SUPPRESSED: &str = "c";

/// A figure as it may be published.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Published {
    /// No figure for this period.
    Missing,
    /// Withheld to protect privacy.
    Suppressed,
    Value(f64),
}

use pqa_core::series::Point;

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
            None => Published::Missing,
            Some(v) if is_count && v > 0.0 && v <= f64::from(self.suppress_up_to) => {
                Published::Suppressed
            }
            Some(v) => Published::Value(v),
        }
    }
}

impl Disclosure {
    /// What may be published of a metric's point: as [`Disclosure::publish`],
    /// and a rate or average built on 1 to `suppress_up_to` children or
    /// events is withheld too.
    pub fn publish_point(&self, point: Option<&Point>, is_count: bool) -> Published {
        let Some(point) = point else {
            return Published::Missing;
        };
        match point.base {
            Some(b) if point.value.is_some() && b > 0.0 && b <= f64::from(self.suppress_up_to) => {
                Published::Suppressed
            }
            _ => self.publish(point.value, is_count),
        }
    }
}

impl Published {
    /// The value when it may be used in further figures.
    pub fn value(self) -> Option<f64> {
        match self {
            Published::Value(v) => Some(v),
            _ => None,
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
        assert_eq!(d.publish(None, true), Published::Missing);
    }

    #[test]
    fn a_rate_built_on_a_handful_is_suppressed_with_it() {
        let d = Disclosure { suppress_up_to: 4 };
        let point = |value, base| Point {
            period: pqa_core::Period::Quarter(2024, 1),
            value: Some(value),
            base,
        };
        assert_eq!(
            d.publish_point(Some(&point(50.0, Some(2.0))), false),
            Published::Suppressed
        );
        assert_eq!(
            d.publish_point(Some(&point(50.0, Some(40.0))), false),
            Published::Value(50.0)
        );
        assert_eq!(
            d.publish_point(Some(&point(50.0, None)), false),
            Published::Value(50.0)
        );
        assert_eq!(
            d.publish_point(Some(&point(3.0, Some(40.0))), true),
            Published::Suppressed
        );
        assert_eq!(d.publish_point(None, false), Published::Missing);
    }

    #[test]
    fn non_counts_are_not_suppressed_by_size() {
        let d = Disclosure { suppress_up_to: 4 };
        assert_eq!(d.publish(Some(2.5), false), Published::Value(2.5));
    }
}
