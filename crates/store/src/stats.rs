//! Delta file statistics for a staged file, gathered from its batches as they
//! are written: row count, nulls per column, and the smallest and largest
//! value of the columns queries filter on. They go into the file's `add`
//! action, where readers use them to skip files, and where a resubmission
//! finds the files that hold the (feed, period) it replaces.

use std::collections::BTreeMap;

use arrow::array::{Array, AsArray, RecordBatch, StringArray};
use arrow::buffer::Buffer;
use arrow::compute::{max, max_string, min, min_string};
use arrow::datatypes::{DataType, Date32Type, Int64Type};
use serde_json::{Map, Value, json};

/// Statistics of one file, built up batch by batch.
#[derive(Debug, Clone, Default)]
pub struct FileStats {
    rows: usize,
    nulls: BTreeMap<String, usize>,
    min: BTreeMap<String, Bound>,
    max: BTreeMap<String, Bound>,
    /// For each bounded text column, its one value, remembered.
    one_value: BTreeMap<String, OneValue>,
}

/// Text columns given bounds: the submission's feed and period, which say
/// which submissions a file holds. Comparing every value of every text column
/// would cost more than skipping files on them saves.
const BOUNDED_TEXT: [&str; 2] = ["_feed", "_period"];

/// A smallest or largest value, of a type whose JSON form Delta readers
/// parse without loss. Floats (NaN) and timestamps (kept to milliseconds in
/// Delta statistics, which would understate a maximum) are left out: a
/// column without bounds is never skipped, so leaving one out is safe.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Bound {
    Text(String),
    Integer(i64),
    Date(i32),
}

/// The value every row of `text` holds, when they all hold one (none
/// null), found without comparing value by value: the values all have the
/// first one's length, and the bytes repeat at that distance.
pub(crate) fn one_value(text: &StringArray) -> Option<&str> {
    if text.is_empty() || text.null_count() > 0 {
        return None;
    }
    let offsets = text.value_offsets();
    let width = offsets[1] - offsets[0];
    if !offsets.windows(2).all(|w| w[1] - w[0] == width) {
        return None;
    }
    let bytes = &text.value_data()[offsets[0] as usize..offsets[offsets.len() - 1] as usize];
    let width = width as usize;
    (bytes[width..] == bytes[..bytes.len() - width]).then(|| text.value(0))
}

/// [`one_value`] for the arrays of one column in turn, remembering where a
/// values buffer was found to hold one value, repeated. A submission's
/// lineage columns are such buffers, one per mapping thread, that every
/// batch from the thread takes a slice of (pqa-ingest's `Lineage`): those
/// slices are then known to hold the value from their offsets alone, without
/// comparing their bytes again (~1% of a national ingest's CPU samples).
#[derive(Debug, Clone, Default)]
pub(crate) struct OneValue {
    proven: Vec<Repeated>,
}

/// Buffers remembered: one per mapping thread on machines of up to this many
/// cores. A buffer beyond them is compared as before, no more.
const REMEMBERED: usize = 64;

/// Bytes `start..end` of `buffer` hold one value of `width` bytes, repeated.
/// The buffer is held so that its memory cannot be freed and reused for
/// other bytes while it is remembered.
#[derive(Debug, Clone)]
struct Repeated {
    buffer: Buffer,
    width: usize,
    start: usize,
    end: usize,
}

impl Repeated {
    /// Whether every value of `text` lies in the repeated bytes, cut where
    /// the repeats are.
    fn holds(&self, text: &StringArray) -> bool {
        let offsets = text.value_offsets();
        let (first, last) = (offsets[0] as usize, offsets[offsets.len() - 1] as usize);
        let width = self.width as i32;
        self.buffer.ptr_eq(text.values())
            && self.start <= first
            && last <= self.end
            && (first - self.start).is_multiple_of(self.width)
            && offsets.windows(2).all(|w| w[1] - w[0] == width)
    }
}

impl OneValue {
    /// The value every row of `text` holds, when they all hold one (none null).
    pub(crate) fn of<'t>(&mut self, text: &'t StringArray) -> Option<&'t str> {
        if text.is_empty() || text.null_count() > 0 {
            return None;
        }
        if self.proven.iter().any(|p| p.holds(text)) {
            return Some(text.value(0));
        }
        let value = one_value(text)?;
        if !value.is_empty() {
            let offsets = text.value_offsets();
            let repeated = Repeated {
                buffer: text.values().clone(),
                width: value.len(),
                start: offsets[0] as usize,
                end: offsets[offsets.len() - 1] as usize,
            };
            // A buffer that only this holds now (its builder made a larger
            // one) is forgotten, so what is remembered is never more than
            // what is in use anyway.
            self.proven.retain(|p| p.buffer.strong_count() > 1);
            match self
                .proven
                .iter()
                .position(|p| p.buffer.ptr_eq(text.values()))
            {
                Some(i) => self.proven[i] = repeated,
                None if self.proven.len() < REMEMBERED => self.proven.push(repeated),
                None => {}
            }
        }
        Some(value)
    }
}

impl FileStats {
    /// Counts a batch in.
    pub fn add(&mut self, batch: &RecordBatch) {
        self.rows += batch.num_rows();
        for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
            let name = field.name();
            *self.nulls.entry(name.clone()).or_default() += column.null_count();
            let (low, high) = match column.data_type() {
                DataType::Utf8 if BOUNDED_TEXT.contains(&name.as_str()) => {
                    let text = column.as_string::<i32>();
                    match self.one_value.entry(name.clone()).or_default().of(text) {
                        // A submission's rows: one feed, one period.
                        Some(value) => (
                            Some(Bound::Text(value.to_string())),
                            Some(Bound::Text(value.to_string())),
                        ),
                        None => (
                            min_string(text).map(|s| Bound::Text(s.to_string())),
                            max_string(text).map(|s| Bound::Text(s.to_string())),
                        ),
                    }
                }
                DataType::Int64 => {
                    let n = column.as_primitive::<Int64Type>();
                    (min(n).map(Bound::Integer), max(n).map(Bound::Integer))
                }
                DataType::Date32 => {
                    let d = column.as_primitive::<Date32Type>();
                    (min(d).map(Bound::Date), max(d).map(Bound::Date))
                }
                _ => (None, None),
            };
            if let Some(low) = low {
                let kept = self.min.entry(name.clone()).or_insert_with(|| low.clone());
                if low < *kept {
                    *kept = low;
                }
            }
            if let Some(high) = high {
                let kept = self.max.entry(name.clone()).or_insert_with(|| high.clone());
                if high > *kept {
                    *kept = high;
                }
            }
        }
    }

    /// Rows counted so far.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The statistics as Delta writes them in an `add` action.
    pub fn to_json(&self) -> String {
        let bounds = |values: &BTreeMap<String, Bound>| {
            values
                .iter()
                .map(|(name, bound)| (name.clone(), bound.to_json()))
                .collect::<Map<_, _>>()
        };
        json!({
            "numRecords": self.rows,
            "minValues": bounds(&self.min),
            "maxValues": bounds(&self.max),
            "nullCount": self.nulls,
        })
        .to_string()
    }
}

impl Bound {
    fn to_json(&self) -> Value {
        match self {
            Bound::Text(s) => Value::from(s.as_str()),
            Bound::Integer(n) => Value::from(*n),
            Bound::Date(days) => Value::from(
                arrow::temporal_conversions::date32_to_datetime(*days)
                    .map(|d| d.date().to_string())
                    .unwrap_or_default(),
            ),
        }
    }
}

/// The smallest and largest value of a text column in a file, read from its
/// Delta statistics (`stats` as an `add` action carries it); `None` when the
/// statistics do not say.
pub fn text_range(stats: &str, column: &str) -> Option<(String, String)> {
    let stats: Value = serde_json::from_str(stats).ok()?;
    let low = stats.get("minValues")?.get(column)?.as_str()?;
    let high = stats.get("maxValues")?.get(column)?.as_str()?;
    Some((low.to_string(), high.to_string()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Date32Array, Float64Array, Int64Array, StringArray};
    use arrow::buffer::OffsetBuffer;
    use arrow::datatypes::{Field, Schema};

    use super::*;

    fn batch(feed: &[Option<&str>], n: &[Option<i64>], day: &[i32]) -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("_feed", DataType::Utf8, true),
            Field::new("n", DataType::Int64, true),
            Field::new("day", DataType::Date32, true),
            Field::new("rate", DataType::Float64, true),
            Field::new("note", DataType::Utf8, true),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(StringArray::from(feed.to_vec())),
                Arc::new(Int64Array::from(n.to_vec())),
                Arc::new(Date32Array::from(day.to_vec())),
                Arc::new(Float64Array::from(vec![1.5; feed.len()])),
                Arc::new(StringArray::from(vec!["x"; feed.len()])),
            ],
        )
        .unwrap()
    }

    #[test]
    fn where_a_buffer_holds_one_value_is_remembered_and_other_cuts_still_compared() {
        let whole = StringArray::from_iter_values(["ab"; 6]);
        let mut one = OneValue::default();
        assert_eq!(one.of(&whole.slice(0, 4)), Some("ab"));
        assert_eq!(one.proven.len(), 1);
        assert!(one.proven[0].holds(&whole.slice(1, 3)));
        assert!(
            !one.proven[0].holds(&whole.slice(3, 3)),
            "beyond what was compared"
        );
        assert_eq!(one.of(&whole.slice(3, 3)), Some("ab"));
        assert_eq!(one.proven.len(), 1, "the same buffer, remembered once");
        // The same bytes cut into other values.
        let cut = |offsets: Vec<i32>| {
            StringArray::new(
                OffsetBuffer::new(offsets.into()),
                whole.values().clone(),
                None,
            )
        };
        assert_eq!(one.of(&cut(vec![1, 3, 5])), Some("ba"));
        assert_eq!(one.of(&cut(vec![0, 1, 4])), None);
        assert_eq!(one.of(&cut(vec![2, 4, 6])), Some("ab"));
        // Another value in the bytes compared: nothing remembered.
        let mixed = StringArray::from_iter_values(["ab", "ab", "cd"]);
        let mut one = OneValue::default();
        assert_eq!(one.of(&mixed.slice(1, 2)), None);
        assert!(one.proven.is_empty());
        assert_eq!(one.of(&mixed.slice(0, 2)), Some("ab"));
        assert!(!one.proven[0].holds(&mixed.slice(1, 2)));
        assert_eq!(one.of(&mixed.slice(1, 2)), None);
        assert_eq!(one.of(&StringArray::from(vec![Some("ab"), None])), None);
        // A buffer no one else holds is forgotten when another is remembered.
        let mut one = OneValue::default();
        one.of(&StringArray::from_iter_values(["x"; 3]));
        assert_eq!(one.proven.len(), 1);
        let kept = StringArray::from_iter_values(["y"; 3]);
        one.of(&kept);
        assert_eq!(one.proven.len(), 1);
        assert!(one.proven[0].holds(&kept));
    }

    #[test]
    fn bounds_and_nulls_cover_every_batch() {
        let mut stats = FileStats::default();
        stats.add(&batch(&[Some("b"), None], &[Some(5), Some(-2)], &[0, 1]));
        stats.add(&batch(&[Some("a")], &[Some(9)], &[-1]));
        let json: Value = serde_json::from_str(&stats.to_json()).unwrap();
        assert_eq!(json["numRecords"], 3);
        assert_eq!(json["minValues"]["_feed"], "a");
        assert_eq!(json["maxValues"]["_feed"], "b");
        assert_eq!(json["minValues"]["n"], -2);
        assert_eq!(json["maxValues"]["n"], 9);
        assert_eq!(json["minValues"]["day"], "1969-12-31");
        assert_eq!(json["maxValues"]["day"], "1970-01-02");
        assert_eq!(json["nullCount"]["_feed"], 1);
        // Other text columns are counted, not bounded.
        assert_eq!(json["nullCount"]["note"], 0);
        assert!(json["minValues"].get("note").is_none());
        assert_eq!(json["nullCount"]["n"], 0);
        // Floats carry no bounds (NaN has no place in an order).
        assert!(json["minValues"].get("rate").is_none());
    }

    #[test]
    fn a_text_column_range_is_read_back_from_the_json() {
        let mut stats = FileStats::default();
        stats.add(&batch(
            &[Some("cp_plans"), Some("contacts")],
            &[None, None],
            &[0, 0],
        ));
        let json = stats.to_json();
        assert_eq!(
            text_range(&json, "_feed"),
            Some(("contacts".into(), "cp_plans".into()))
        );
        // Numbers are not text; unknown columns and bad JSON say nothing.
        assert_eq!(text_range(&json, "n"), None);
        assert_eq!(text_range(&json, "missing"), None);
        assert_eq!(text_range("not json", "_feed"), None);
    }
}
