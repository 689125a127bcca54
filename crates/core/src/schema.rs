//! Dataset schemas (`schemas/<dataset>.yaml`) and the lineage columns every
//! warehouse row carries.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use indexmap::IndexMap;
use serde::Deserialize;

/// Table names pqa keeps for itself in the warehouse.
pub const RESERVED_TABLES: &[&str] = &[
    "submissions",
    "rejects",
    "runs",
    "findings",
    "periods",
    "partnership",
];

/// The lineage column numbering each row as its source file does.
pub const SOURCE_ROW: &str = "_source_row";

/// Lineage columns added to every dataset row, in order.
pub const LINEAGE_COLUMNS: &[&str] = &[
    "_feed",
    "_period",
    "_source_file",
    "_source_sha256",
    SOURCE_ROW,
    "_run_id",
    "_ingested_at",
];

/// A dataset: one warehouse table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatasetSchema {
    /// Table name.
    pub dataset: String,
    /// What one row is, in plain words.
    pub description: String,
    /// Columns in order.
    pub columns: IndexMap<String, ColumnDef>,
}

/// One column of a dataset.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    /// Value type.
    #[serde(rename = "type")]
    pub kind: ColumnType,
    /// A row without a value here is rejected.
    #[serde(default)]
    pub required: bool,
    /// Identifies a person: its values never appear in logs or reject messages.
    #[serde(default)]
    pub identifying: bool,
    /// The codes allowed, when the column holds codes.
    #[serde(default)]
    pub codes: Option<Vec<String>>,
    /// What the column means.
    #[serde(default)]
    pub description: String,
}

/// Column value types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    String,
    Integer,
    Number,
    Date,
    Boolean,
}

impl ColumnType {
    /// The Arrow type a column of this kind is stored as.
    pub fn arrow_type(self) -> DataType {
        match self {
            ColumnType::String => DataType::Utf8,
            ColumnType::Integer => DataType::Int64,
            ColumnType::Number => DataType::Float64,
            ColumnType::Date => DataType::Date32,
            ColumnType::Boolean => DataType::Boolean,
        }
    }
}

impl DatasetSchema {
    /// The Arrow schema of the warehouse table: dataset columns then lineage.
    pub fn arrow_schema(&self) -> SchemaRef {
        let mut fields: Vec<Field> = self
            .columns
            .iter()
            .map(|(name, c)| Field::new(name, c.kind.arrow_type(), true))
            .collect();
        fields.extend(lineage_fields());
        Arc::new(Schema::new(fields))
    }

    /// Whether a column holds identifying values.
    pub fn is_identifying(&self, column: &str) -> bool {
        self.columns.get(column).is_some_and(|c| c.identifying)
    }
}

/// Arrow fields of the lineage columns.
pub fn lineage_fields() -> Vec<Field> {
    vec![
        Field::new("_feed", DataType::Utf8, false),
        Field::new("_period", DataType::Utf8, false),
        Field::new("_source_file", DataType::Utf8, false),
        Field::new("_source_sha256", DataType::Utf8, false),
        Field::new(SOURCE_ROW, DataType::Int64, false),
        Field::new("_run_id", DataType::Utf8, false),
        Field::new(
            "_ingested_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrow_schema_appends_lineage_in_order() {
        let schema: DatasetSchema = serde_yaml::from_str(
            "dataset: d\ndescription: x\ncolumns:\n  b: { type: date }\n  a: { type: integer, required: true }\n",
        )
        .unwrap();
        let arrow = schema.arrow_schema();
        let names: Vec<&str> = arrow.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(&names[..2], &["b", "a"]);
        assert_eq!(&names[2..], LINEAGE_COLUMNS);
        assert_eq!(arrow.field(0).data_type(), &DataType::Date32);
    }
}
