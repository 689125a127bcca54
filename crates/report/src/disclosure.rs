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
    fn non_counts_are_not_suppressed_by_size() {
        let d = Disclosure { suppress_up_to: 4 };
        assert_eq!(d.publish(Some(2.5), false), Published::Value(2.5));
    }
}
