//! Row checks written in feed YAML, e.g. `plan_end >= plan_start` or
//! `value >= 0`. A check compares a column with another column or a literal;
//! a check with a missing value on either side passes (required-ness is the
//! schema's job), as in SQL.

use std::cmp::Ordering;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Eq,
    Ne,
    Ge,
    Gt,
}

impl Op {
    /// Whether `ordering` (left compared with right) satisfies the operator.
    pub fn holds(self, ordering: Ordering) -> bool {
        match self {
            Op::Lt => ordering.is_lt(),
            Op::Le => ordering.is_le(),
            Op::Eq => ordering.is_eq(),
            Op::Ne => ordering.is_ne(),
            Op::Ge => ordering.is_ge(),
            Op::Gt => ordering.is_gt(),
        }
    }
}

/// The right-hand side of a check.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Column(String),
    Number(f64),
}

/// A parsed row check.
#[derive(Debug, Clone, PartialEq)]
pub struct RowCheck {
    /// The text as written, used to name the rule in reject messages.
    pub text: String,
    pub left: String,
    pub op: Op,
    pub right: Operand,
}

impl RowCheck {
    /// Parses `column OP column` or `column OP number`.
    pub fn parse(text: &str) -> Result<RowCheck, String> {
        const OPS: [(&str, Op); 7] = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("!=", Op::Ne),
            ("==", Op::Eq),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
        ];
        let (i, sym, op) = OPS
            .iter()
            .filter_map(|(sym, op)| text.find(sym).map(|i| (i, *sym, *op)))
            .min_by_key(|(i, sym, _)| (*i, std::cmp::Reverse(sym.len())))
            .ok_or("expected a comparison such as `end_date >= start_date` or `value >= 0`")?;
        let left = text[..i].trim();
        let right = text[i + sym.len()..].trim();
        let is_name =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_name(left) || left.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            return Err(format!("`{left}` is not a column name"));
        }
        let right = match right.parse::<f64>() {
            Ok(n) => Operand::Number(n),
            Err(_) if is_name(right) => Operand::Column(right.to_string()),
            Err(_) => return Err(format!("`{right}` is neither a column name nor a number")),
        };
        Ok(RowCheck {
            text: text.trim().to_string(),
            left: left.to_string(),
            op,
            right,
        })
    }

    /// The columns the check reads.
    pub fn columns(&self) -> Vec<&str> {
        let mut out = vec![self.left.as_str()];
        if let Operand::Column(c) = &self.right {
            out.push(c);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_column_and_literal_comparisons() {
        let c = RowCheck::parse("plan_end >= plan_start").unwrap();
        assert_eq!((c.left.as_str(), c.op), ("plan_end", Op::Ge));
        assert_eq!(c.right, Operand::Column("plan_start".into()));
        let c = RowCheck::parse("value>0").unwrap();
        assert_eq!((c.op, c.right), (Op::Gt, Operand::Number(0.0)));
        assert_eq!(RowCheck::parse("a = b").unwrap().op, Op::Eq);
        assert_eq!(RowCheck::parse("a <= 3.5").unwrap().op, Op::Le);
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        assert!(RowCheck::parse("plan_end after plan_start").is_err());
        assert!(RowCheck::parse(">= 3").is_err());
        assert!(RowCheck::parse("a >= b c").is_err());
        assert!(RowCheck::parse("1a >= b").is_err());
    }

    #[test]
    fn operators_hold_as_expected() {
        assert!(Op::Ge.holds(Ordering::Equal) && Op::Ge.holds(Ordering::Greater));
        assert!(!Op::Gt.holds(Ordering::Equal));
        assert!(Op::Ne.holds(Ordering::Less) && !Op::Ne.holds(Ordering::Equal));
    }
}
