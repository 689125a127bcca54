//! `working_days(from, to)` in SQL: the working days after `from` up to and
//! including `to`, by the bank holidays `pqa.yaml` names (see
//! [`pqa_core::working_days`]). Null when either date is null. A date
//! outside the years the holidays file covers stops the query with the
//! file's message: a count that took a year's holidays for working days
//! would be wrong without a word.

use std::sync::Arc;

use arrow::array::{Array, AsArray, Int64Array};
use arrow::datatypes::{DataType, Date32Type};
use datafusion::common::DataFusionError;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};
use pqa_core::BankHolidays;

/// The function's name in SQL.
pub const NAME: &str = "working_days";

/// The UDF counting with `holidays`; with none (no `bank_holidays:` in
/// `pqa.yaml`), one that says how to give them.
pub fn udf(holidays: Option<BankHolidays>) -> ScalarUDF {
    let count = move |args: &[ColumnarValue]| -> datafusion::error::Result<ColumnarValue> {
        let Some(holidays) = &holidays else {
            return Err(DataFusionError::Execution(
                "working_days needs the bank holidays: set `bank_holidays:` in pqa.yaml to the \
                 file that lists them (reference/bank-holidays.csv)"
                    .into(),
            ));
        };
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let (from, to) = (
            arrays[0].as_primitive::<Date32Type>(),
            arrays[1].as_primitive::<Date32Type>(),
        );
        let days = (0..from.len())
            .map(|i| {
                if from.is_null(i) || to.is_null(i) {
                    return Ok(None);
                }
                let (Some(a), Some(b)) = (from.value_as_date(i), to.value_as_date(i)) else {
                    return Ok(None);
                };
                holidays
                    .between(a, b)
                    .map(Some)
                    .map_err(|e| DataFusionError::Execution(e.to_string()))
            })
            .collect::<datafusion::error::Result<Int64Array>>()?;
        Ok(ColumnarValue::Array(Arc::new(days)))
    };
    create_udf(
        NAME,
        vec![DataType::Date32, DataType::Date32],
        DataType::Int64,
        Volatility::Immutable,
        Arc::new(count),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;
    use std::path::Path;

    async fn ask(holidays: Option<BankHolidays>, sql: &str) -> datafusion::error::Result<String> {
        let ctx = SessionContext::new();
        ctx.register_udf(udf(holidays));
        let batches = ctx.sql(sql).await?.collect().await?;
        Ok(arrow::util::pretty::pretty_format_batches(&batches)?.to_string())
    }

    fn shipped() -> BankHolidays {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference/bank-holidays.csv");
        BankHolidays::load(&path).unwrap()
    }

    #[tokio::test]
    async fn sql_counts_working_days_over_easter_and_keeps_nulls() {
        let table = ask(
            Some(shipped()),
            "SELECT working_days(DATE '2024-03-28', DATE '2024-04-02') AS easter, \
                    working_days(DATE '2025-04-17', DATE '2025-05-13') AS fifteen, \
                    working_days(DATE '2024-01-05', CAST(NULL AS DATE)) AS unknown",
        )
        .await
        .unwrap();
        let row = table.lines().nth(3).unwrap();
        assert_eq!(
            row.split('|').map(str::trim).collect::<Vec<_>>(),
            ["", "1", "15", "", ""],
            "{table}"
        );
    }

    #[tokio::test]
    async fn a_date_the_file_does_not_cover_or_no_file_stops_the_query() {
        let err = ask(
            Some(shipped()),
            "SELECT working_days(DATE '2027-12-01', DATE '2028-01-10')",
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("outside the years the bank holidays file covers"),
            "{err}"
        );
        let err = ask(
            None,
            "SELECT working_days(DATE '2024-01-01', DATE '2024-01-10')",
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(err.contains("set `bank_holidays:` in pqa.yaml"), "{err}");
    }
}
