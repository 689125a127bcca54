//! The YAML a partnership writes: the project file (`pqa.yaml`), dataset
//! schemas (`schemas/*.yaml`), feed definitions (`pipelines/*.yaml`) and
//! metrics (`metrics/*.yaml`).
//!
//! Loading collects every problem in every file before stopping, and each
//! problem carries file:line:column so a data officer can go straight to it.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::{ConfigError, Error, Result};
use crate::period::{Period, PeriodKind};
use crate::schema::{ColumnType, DatasetSchema, RESERVED_TABLES};
use crate::working_days::BankHolidays;

/// The project file: names the partnership and where everything lives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    /// The partnership's name, as it appears on the report.
    pub partnership: String,
    /// Where agencies' files are dropped (a folder, relative to the project file).
    pub inbox: String,
    /// Where the warehouse lives (a folder, relative to the project file).
    pub warehouse: String,
    /// Where reports are written.
    #[serde(default = "default_out")]
    pub out: String,
    /// A folder of published statistics (DfE, ONS) read in place, never
    /// copied into the inbox. Only feeds with `frequency: when_published`
    /// read from it; other files there are left alone.
    #[serde(default)]
    pub published: Option<String>,
    /// The local authority area the partnership covers: benchmarks,
    /// statistical neighbours and population are looked up by its codes.
    #[serde(default)]
    pub area: Option<AreaSpec>,
    /// Pseudonymisation key source.
    #[serde(default)]
    pub privacy: PrivacySettings,
    /// Small-number suppression for published outputs.
    #[serde(default)]
    pub disclosure: DisclosureSettings,
    /// How the report is signed and printed.
    #[serde(default)]
    pub report: ReportSettings,
    /// The bank holidays of England and Wales (a `date,title` CSV), for
    /// timescales set in working days: SQL in metrics and audits can call
    /// `working_days(from, to)` when this is set.
    #[serde(default)]
    pub bank_holidays: Option<String>,
}

/// How the report is signed and printed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    /// Who the report is from, on its cover.
    #[serde(default = "default_author")]
    pub author: String,
    /// Whether `pqa report` also prints the report to PDF (with Chromium).
    #[serde(default = "yes")]
    pub pdf: bool,
    /// The Chromium (or Chrome) program to print with; found on the PATH
    /// (`chromium`, `chromium-browser`, `google-chrome`) when not set.
    #[serde(default)]
    pub chromium: Option<String>,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings {
            author: default_author(),
            pdf: true,
            chromium: None,
        }
    }
}

fn default_author() -> String {
    "Performance and Quality Assurance subgroup".into()
}

/// A local authority area, by the codes published statistics use.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaSpec {
    /// Its name, e.g. "Isle of Wight".
    pub name: String,
    /// The ONS code, e.g. `E06000046`.
    pub code: String,
    /// The DfE's three-digit local authority number, e.g. `921`.
    pub la_number: String,
}

fn default_out() -> String {
    "out".into()
}

/// Where the pseudonymisation key comes from. The key is never stored with the data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacySettings {
    /// Environment variable holding the key.
    #[serde(default = "default_key_env")]
    pub key_env: String,
    /// A file holding the key (used when the variable is not set).
    #[serde(default)]
    pub key_file: Option<String>,
    /// Use the public sample key. Only for synthetic sample data: anyone can
    /// reverse a pseudonym made with a published key.
    #[serde(default)]
    pub sample_key: bool,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        PrivacySettings {
            key_env: default_key_env(),
            key_file: None,
            sample_key: false,
        }
    }
}

fn default_key_env() -> String {
    "PQA_PSEUDONYM_KEY".into()
}

/// Small-number suppression applied to everything published.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureSettings {
    /// Counts from 1 up to this number are suppressed (default 4: counts 1–4).
    #[serde(default = "default_max_suppressed")]
    pub suppress_counts_up_to: u32,
}

impl Default for DisclosureSettings {
    fn default() -> Self {
        DisclosureSettings {
            suppress_counts_up_to: default_max_suppressed(),
        }
    }
}

fn default_max_suppressed() -> u32 {
    4
}

/// A feed: how one agency's files become rows of one dataset.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedSpec {
    /// The feed's name (matches its file name).
    pub feed: String,
    /// The agency that sends these files.
    pub agency: String,
    /// What the feed brings, in words a reader understands ("Child
    /// protection plans, from the case system"): shown in the report in
    /// place of the feed's name.
    #[serde(default)]
    pub title: Option<String>,
    /// The dataset (schema) the rows go to.
    pub dataset: String,
    /// Which files, and how to read them.
    pub source: SourceSpec,
    /// How the period a file covers is found.
    #[serde(default)]
    pub period: PeriodSource,
    /// How often a submission is due: each quarter (the default) or each year.
    #[serde(default)]
    pub frequency: Frequency,
    /// Dataset column → where its value comes from.
    pub columns: IndexMap<String, ColumnSpec>,
    /// Row checks, e.g. `plan_end >= plan_start`.
    #[serde(default)]
    pub checks: Vec<String>,
    /// Source headers present in the files that are deliberately not loaded
    /// (for example names and addresses).
    #[serde(default)]
    pub drop: Vec<String>,
    /// Periods written across the columns, to be turned into rows.
    #[serde(default)]
    pub unpivot: Option<Unpivot>,
    /// Measures written across the columns ("Referrals", "% re-referred"),
    /// each turned into a row of its own with its code and value.
    #[serde(default)]
    pub measures: Option<Measures>,
    /// Rows whose first filled cell starts with one of these words are not
    /// data (totals, footnotes): they are skipped and counted as skipped.
    #[serde(default = "default_skip_rows")]
    pub skip_rows: Vec<String>,
    /// Only rows whose cell under each named header is one of its values
    /// (matched ignoring case, spaces and punctuation) are this feed's: a
    /// national file holds every area's rows, and only ours are loaded. The
    /// others are left out and counted, never rejected. A header named here
    /// that the file lacks refuses the file.
    #[serde(default)]
    pub keep_rows: IndexMap<String, Vec<String>>,
    /// Known files and the counts they must give.
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

fn default_skip_rows() -> Vec<String> {
    vec!["Total".into(), "Grand total".into()]
}

/// Which files a feed claims and how to read them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// Glob relative to the inbox, e.g. `csc/cp_plans_*.csv`.
    pub files: String,
    /// File format.
    pub format: FileFormat,
    /// CSV: text encoding.
    #[serde(default)]
    pub encoding: Encoding,
    /// CSV: field delimiter (one character).
    #[serde(default = "default_delimiter")]
    pub delimiter: char,
    /// CSV: the character that quotes a field holding the delimiter or a
    /// line end: `"` unless the feed says (some systems write `'`).
    #[serde(default = "default_quote")]
    pub quote: char,
    /// XLSX: the sheet, by name (`sheet: "B&B return"`) or position
    /// (`sheet: 2`, counting from 1); the first sheet when absent.
    #[serde(default)]
    pub sheet: Option<SheetRef>,
    /// 1-based row holding the headers; found automatically when absent.
    #[serde(default)]
    pub header_row: Option<usize>,
    /// Rows the header takes: 2 when headings are merged over the headers
    /// below them ("Plan" over "Start" and "End"), which are then read
    /// joined ("Plan Start", "Plan End").
    #[serde(default = "one")]
    pub header_rows: usize,
    /// How a file's name says it replaces another for the same period in
    /// the same run: `"_resubmitted"` (a file so named replaces one that is
    /// not), or with a number, `"_v{n}"` (the highest wins; a name without
    /// it is version 0). Without this rule, or when the rule cannot choose,
    /// files competing for a period are refused together.
    #[serde(default)]
    pub resubmission: Option<String>,
}

impl SourceSpec {
    /// The version of a file by the feed's resubmission rule: 0 when its
    /// name does not carry the marker (or the feed has no rule), 1 for a
    /// marker without a number, else the number.
    pub fn version_of(&self, file: &str) -> u64 {
        let Some(rule) = &self.resubmission else {
            return 0;
        };
        let name = file.rsplit('/').next().unwrap_or(file);
        let name = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
        let Some((before, after)) = rule.split_once("{n}") else {
            return u64::from(name.contains(rule.as_str()));
        };
        name.match_indices(before)
            .filter_map(|(at, _)| {
                let rest = &name[at + before.len()..];
                let digits =
                    rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                let number: u64 = rest[..digits].parse().ok()?;
                rest[digits..].starts_with(after).then_some(number)
            })
            .max()
            .unwrap_or(0)
    }
}

/// A sheet of a workbook, by name or by 1-based position.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum SheetRef {
    Position(usize),
    Name(String),
}

/// A wide return: periods as columns (e.g. Q1 … Q4 under merged year
/// headers), turned into one row per period.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unpivot {
    /// The dataset column that receives each column's period, e.g. `period`.
    pub period_column: String,
    /// The dataset column that receives each cell's value, e.g. `value`.
    pub value_column: String,
}

/// Measures across the columns: each row of the file gives one row per
/// measure, its code in `code_column` and its cell in `value_column`, read
/// with the measure's own percentage rule (a count beside a percentage is
/// never multiplied).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measures {
    /// The dataset column that receives each measure's code, e.g. `indicator`.
    pub code_column: String,
    /// The dataset column that receives each measure's value, e.g. `value`.
    pub value_column: String,
    /// Measure code → its header(s) and how its cells are written.
    pub columns: IndexMap<String, MeasureColumn>,
}

/// One measure of [`Measures`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureColumn {
    /// The header(s) accepted, as for a column.
    pub from: OneOrMany,
    /// How a percentage is written in this measure's cells.
    #[serde(default)]
    pub percent: Option<Percent>,
    /// Files may lack it: no row for this measure instead of the file refused.
    #[serde(default)]
    pub optional: bool,
}

impl FeedSpec {
    /// Every header the feed reads a column or measure from: how its header
    /// row is recognised.
    pub fn header_names(&self) -> Vec<String> {
        let measures = self.measures.iter().flat_map(|m| m.columns.values());
        self.columns
            .values()
            .flat_map(|c| c.from.names())
            .chain(measures.flat_map(|m| m.from.names()))
            .collect()
    }
}

fn one() -> usize {
    1
}

fn default_delimiter() -> char {
    ','
}

fn default_quote() -> char {
    '"'
}

/// File formats pqa reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Csv,
    Xlsx,
    /// Published statistics as Parquet (e.g. the DfE's LAIT data).
    Parquet,
}

/// Text encodings for CSV files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    #[default]
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    /// What Excel writes as "CSV" on UK Windows machines.
    #[serde(rename = "windows-1252", alias = "windows1252", alias = "cp1252")]
    Windows1252,
}

/// How the period a submission covers is found: `period: file_name` (the
/// default) or `period: { fixed: 2017/18 }` for a return that always covers
/// one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum PeriodSource {
    Named(NamedPeriodSource),
    Fixed { fixed: Period },
}

impl Default for PeriodSource {
    fn default() -> Self {
        PeriodSource::Named(NamedPeriodSource::FileName)
    }
}

/// Period sources written as a single word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamedPeriodSource {
    /// From the file's path in the inbox: a quarter such as `2024-25_Q3`, a
    /// month (`2024-25_M01`, `2024_Jan`), a term (`2024-25_autumn`,
    /// `summer 2025`) or a year, whichever the feed's frequency counts in.
    FileName,
}

impl PeriodSource {
    /// The period of a file named `name` (its path relative to the inbox),
    /// of a kind `frequency` takes. An error says what the name gives and
    /// what the feed expects, so a file pqa cannot place is refused with a
    /// reason, never loaded as some other period.
    pub fn period_of(&self, name: &str, frequency: Frequency) -> Result<Period, String> {
        let accepts = frequency.accepts();
        match self {
            PeriodSource::Fixed { fixed } => Ok(*fixed),
            PeriodSource::Named(NamedPeriodSource::FileName) => {
                let candidates = crate::period::find_all(name);
                if let Some(found) = crate::period::most_specific(&candidates, accepts)? {
                    return Ok(found);
                }
                let examples = accepts
                    .iter()
                    .map(|k| k.example())
                    .collect::<Vec<_>>()
                    .join(" or ");
                let other = crate::period::most_specific(&candidates, &crate::period::ALL_KINDS)
                    .ok()
                    .flatten();
                Err(match other {
                    Some(p) => format!(
                        "the file name gives {} ({}), but the feed is {} and takes a {}: name it with \
                         a period like {examples} (or set the feed's `frequency:`)",
                        p.label(),
                        p.kind().name(),
                        frequency.name(),
                        accepts
                            .iter()
                            .map(|k| k.name())
                            .collect::<Vec<_>>()
                            .join(" or "),
                    ),
                    None => format!(
                        "no period in the file name: name it like cp_plans_2024-25_Q3.csv, with a \
                         period like {examples} (or set `period: {{ fixed: 2024/25 }}` in the feed)"
                    ),
                })
            }
        }
    }
}

/// How often a feed's submissions are due, and so what kind of period each
/// file covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Each month of the financial year (files named `…_2024-25_M01` or `…_2024_Apr`).
    Monthly,
    /// Each quarter of the financial year (a file may also cover a whole year).
    #[default]
    Quarterly,
    /// Once per school term: autumn (due in Q3), spring (Q4) and summer (Q1
    /// of the next financial year).
    Termly,
    /// Once per financial year, covering the year (e.g. the SSDA903 return).
    Annual,
    /// Once per academic year (September to August).
    AcademicYear,
    /// Once per calendar year.
    CalendarYear,
    /// Published statistics, loaded when they appear: never due, never late.
    WhenPublished,
    /// Sent when there is something to send (e.g. agencies' responses to the
    /// report's questions): never due, never late.
    WhenSent,
}

impl Frequency {
    /// The kinds of period a file of this feed may cover.
    pub fn accepts(self) -> &'static [PeriodKind] {
        match self {
            Frequency::Monthly => &[PeriodKind::Month],
            Frequency::Quarterly => &[PeriodKind::Quarter, PeriodKind::FinancialYear],
            Frequency::Termly => &[PeriodKind::Term],
            Frequency::Annual => &[PeriodKind::FinancialYear],
            Frequency::AcademicYear => &[PeriodKind::AcademicYear],
            Frequency::CalendarYear => &[PeriodKind::CalendarYear],
            Frequency::WhenPublished | Frequency::WhenSent => &[
                PeriodKind::Month,
                PeriodKind::Quarter,
                PeriodKind::Term,
                PeriodKind::Half,
                PeriodKind::FinancialYear,
            ],
        }
    }

    /// How the frequency is written in a feed.
    pub fn name(self) -> &'static str {
        match self {
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Termly => "termly",
            Frequency::Annual => "annual",
            Frequency::AcademicYear => "academic_year",
            Frequency::CalendarYear => "calendar_year",
            Frequency::WhenPublished => "when_published",
            Frequency::WhenSent => "when_sent",
        }
    }

    /// The kind of period a submission covers; `None` for feeds that are
    /// never due.
    pub fn kind(self) -> Option<PeriodKind> {
        Some(match self {
            Frequency::Monthly => PeriodKind::Month,
            Frequency::Quarterly => PeriodKind::Quarter,
            Frequency::Termly => PeriodKind::Term,
            Frequency::Annual => PeriodKind::FinancialYear,
            Frequency::AcademicYear => PeriodKind::AcademicYear,
            Frequency::CalendarYear => PeriodKind::CalendarYear,
            Frequency::WhenPublished | Frequency::WhenSent => return None,
        })
    }

    /// The submissions due for a report period: those of the feed's kind
    /// that end within it.
    pub fn due_in(self, period: Period) -> Vec<Period> {
        self.kind()
            .map_or_else(Vec::new, |kind| ending_within(kind, period))
    }
}

/// Every period of `kind` whose last day falls within `period`, in order.
pub fn ending_within(kind: PeriodKind, period: Period) -> Vec<Period> {
    let mut out = Vec::new();
    let mut day = period.start();
    while day <= period.end() {
        if let Some(p) = Period::containing(kind, day)
            && p.end() <= period.end()
            && p.end() >= period.start()
            && out.last() != Some(&p)
        {
            out.push(p);
        }
        day = day.succ_opt().expect("date in range");
    }
    out
}

/// What a feed must give on a known file: checked by `pqa feeds test`, and
/// so by the test suite, for every feed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// The file, relative to the project folder.
    pub file: String,
    /// The period to load it as, when its name does not say.
    #[serde(default)]
    pub period: Option<Period>,
    #[serde(default)]
    pub rows_read: Option<usize>,
    #[serde(default)]
    pub rows_accepted: Option<usize>,
    #[serde(default)]
    pub rows_rejected: Option<usize>,
}

/// Where one dataset column's value comes from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// The source header(s) accepted for this column, matched ignoring case,
    /// spaces and punctuation.
    #[serde(default)]
    pub from: OneOrMany,
    /// The column by its spreadsheet letter (`column: C`): for a file whose
    /// header names two columns alike, or names this one in a way that
    /// changes. With `from`, the header there must be one of those.
    #[serde(default)]
    pub column: Option<String>,
    /// A constant value for every row.
    #[serde(default)]
    pub value: Option<String>,
    /// A value taken from the submission rather than the file's cells.
    #[serde(default)]
    pub fill: Option<Fill>,
    /// Date formats to try, in order (chrono syntax, or `excel_serial`, `iso`).
    #[serde(default)]
    pub formats: Vec<String>,
    /// Code → the spellings agencies use for it (matched ignoring case and spaces).
    #[serde(default)]
    pub codes: IndexMap<String, Vec<String>>,
    /// Privacy treatment at ingest.
    #[serde(default)]
    pub privacy: Option<Privacy>,
    /// The column holds a percentage, written this way; stored as points (41.6).
    #[serde(default)]
    pub percent: Option<Percent>,
    /// Files may lack this header (e.g. extracts from before the system
    /// recorded it): the column is then empty instead of the file refused.
    #[serde(default)]
    pub optional: bool,
    /// The cell names a period ("2024/25 Q3", "Q3 2024-25", DfE's 202425),
    /// of the kind the feed's frequency counts in: stored as pqa writes it
    /// (`2024/25-Q3`). A cell giving no such period, or one after the
    /// period the file is for, rejects the row.
    #[serde(default)]
    pub as_period: bool,
    /// Derived from a date (of birth): the child's age band on the last day
    /// of the period the file is for. The bands' lower ages, rising
    /// (`[0, 5, 10, 16]` gives "0-4", "5-9", "10-15", "16+"). The date is
    /// never shown in a message.
    #[serde(default)]
    pub age_band_at_period_end: Option<Vec<u32>>,
    /// Derived from a count: true when it is above this number (`0`: "any").
    #[serde(default)]
    pub flag_if_above: Option<f64>,
}

/// The label of the age band `age` falls in, given the bands' lower ages
/// (rising); `None` below the first.
pub fn age_band(age: u32, lower_ages: &[u32]) -> Option<String> {
    let i = lower_ages.iter().rposition(|&low| age >= low)?;
    Some(match lower_ages.get(i + 1) {
        Some(next) => format!("{}-{}", lower_ages[i], next - 1),
        None => format!("{}+", lower_ages[i]),
    })
}

/// The 0-based index of a spreadsheet column's letters: A is 0, AA is 26.
/// `None` for anything but one to three letters.
pub fn column_index(letters: &str) -> Option<usize> {
    let letters = letters.trim();
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic())
    {
        return None;
    }
    let n = letters.bytes().fold(0usize, |n, b| {
        n * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    Some(n - 1)
}

/// Values filled from the submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fill {
    /// The period the submission covers, e.g. `2024/25-Q3`.
    Period,
    /// The feed's agency.
    Agency,
}

/// Privacy treatment of a column at ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Privacy {
    /// Replace with a keyed hash so the same child links across agencies.
    Pseudonymise,
    /// Keep only the month of a date (dates of birth): stored as its first day.
    GeneraliseToMonth,
    /// Keep only the sector of a postcode ("EG19 7TT" → "EG19 7").
    GeneraliseToSector,
}

/// How a percentage is written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Percent {
    /// As points: "41.6%" or 41.6.
    Points,
    /// As a fraction: 0.416 (Excel's percentage cells). Stored as points.
    Fraction,
}

/// One header name or a list of alternatives.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    /// The names as a list.
    pub fn names(&self) -> Vec<String> {
        match self {
            OneOrMany::None => vec![],
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A metric: one SQL query over the datasets giving a value per period.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSpec {
    /// Stable name.
    pub metric: String,
    /// Plain-language title, as the Executive group reads it.
    pub title: String,
    /// Report section, e.g. "Child protection".
    pub area: String,
    /// The agency the metric's questions go to.
    pub agency: String,
    /// What the number counts, e.g. "children", "families".
    pub unit: String,
    /// Whether the value is a count of people (subject to small-number suppression).
    #[serde(default = "yes")]
    pub is_count: bool,
    /// Stock (at the end of each period) or flow (during each period).
    pub measure: Measure,
    /// Decimal places its figures are printed with: 0 for counts of people,
    /// 1 otherwise, unless set (e.g. `decimals: 0` for a count of events).
    #[serde(default)]
    pub decimals: Option<u8>,
    /// Which direction is better.
    pub better: Polarity,
    /// A sentence on how it is counted.
    pub definition: String,
    /// A target the agency works to, where one exists.
    #[serde(default)]
    pub target: Option<Target>,
    /// The published measure to compare against, where one exists.
    #[serde(default)]
    pub benchmark: Option<Benchmark>,
    /// Another metric this one is read with, for "despite X falling, Y rose"
    /// (e.g. a waiting time with the caseload).
    #[serde(default)]
    pub pair_with: Option<String>,
    /// The count this metric is a rate of (e.g. children in care per 10,000
    /// of children in care). Its ups and downs are the count's, so the report
    /// asks about them once, under the count, and compares only the rate with
    /// other areas.
    #[serde(default)]
    pub rate_of: Option<String>,
    /// The kind of period its SQL returns: `quarterly` (the default),
    /// `monthly`, `termly`, `annual` (financial years), `academic_year` or
    /// `calendar_year`. The trend rules, their windows and their words
    /// follow it.
    #[serde(default)]
    pub frequency: MetricFrequency,
    /// How many months after a period ends its figure is expected: 0 (the
    /// default) for agencies' returns, which arrive before the report is
    /// written; about 8 for the DfE's yearly statistics. A missing figure
    /// not yet expected is shown as "not yet due", not as "not received".
    #[serde(default)]
    pub published_after_months: u32,
    /// SQL returning columns `period` (e.g. `2024/25-Q3`) and `value`, and
    /// optionally `base` (what a rate or average is built on) and `status`
    /// (the agency's symbol, such as `<5`, where it withheld the figure).
    pub sql: String,
}

/// The kind of period a metric is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricFrequency {
    Monthly,
    #[default]
    Quarterly,
    Termly,
    /// Financial years (April to March).
    Annual,
    AcademicYear,
    CalendarYear,
}

impl MetricFrequency {
    /// The kind of period each point of the series is.
    pub fn kind(self) -> PeriodKind {
        match self {
            MetricFrequency::Monthly => PeriodKind::Month,
            MetricFrequency::Quarterly => PeriodKind::Quarter,
            MetricFrequency::Termly => PeriodKind::Term,
            MetricFrequency::Annual => PeriodKind::FinancialYear,
            MetricFrequency::AcademicYear => PeriodKind::AcademicYear,
            MetricFrequency::CalendarYear => PeriodKind::CalendarYear,
        }
    }
}

impl MetricSpec {
    /// The kind of period the metric is counted in.
    pub fn kind(&self) -> PeriodKind {
        self.frequency.kind()
    }

    /// Decimal places its figures are printed with.
    pub fn decimals(&self) -> u8 {
        self.decimals.unwrap_or(if self.is_count { 0 } else { 1 })
    }
}

/// A target: the value the metric should stay on the better side of.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub value: f64,
    /// Where it comes from, e.g. "NHS England waiting time standard".
    pub source: String,
}

/// A published equivalent of a metric, in the `benchmarks` dataset.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benchmark {
    /// The `measure` code in the benchmarks table, e.g. `ReReferral`.
    pub measure: String,
    /// `rate` when the published figure is a percentage or a rate per
    /// population, which can be set against other areas'; `count` (the
    /// default) when it is a number, which cannot: areas differ in size.
    #[serde(default)]
    pub kind: BenchmarkKind,
    /// How the published figure differs from ours, if it does (e.g. a yearly
    /// rate against our quarter-end count).
    #[serde(default)]
    pub note: Option<String>,
}

/// Whether a published figure can be compared between areas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BenchmarkKind {
    /// A percentage or a rate per population.
    Rate,
    /// A number of children, plans, …
    #[default]
    Count,
}

fn yes() -> bool {
    true
}

/// Stock or flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Counted at the end of each period.
    Stock,
    /// Counted during each period.
    Flow,
}

/// Which direction of change is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    Higher,
    Lower,
    Neither,
}

/// Everything configured for a project, validated together.
#[derive(Debug, Clone)]
pub struct Project {
    /// Folder holding `pqa.yaml`; relative paths resolve against it.
    pub root: PathBuf,
    pub file: ProjectFile,
    pub schemas: Vec<DatasetSchema>,
    pub feeds: Vec<FeedSpec>,
    pub metrics: Vec<MetricSpec>,
    /// Multi-agency audits drawn from the data (`audits/*.yaml`).
    pub audits: Vec<crate::audit::AuditSpec>,
    /// Vulnerabilities overlaid child by child (`vulnerabilities/*.yaml`).
    pub vulnerabilities: Vec<crate::vulnerability::VulnerabilitySpec>,
    /// The bank holidays file `pqa.yaml` names, read and checked.
    pub bank_holidays: Option<BankHolidays>,
}

impl Project {
    /// Loads `pqa.yaml` and every schema, feed and metric beside it, and checks
    /// that they fit together. Every problem found is returned at once.
    pub fn load(project_file: &Path) -> Result<Project> {
        // Empty for a project file in the current folder, so paths print as `pipelines/x.yaml`.
        let root = project_file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut errors = Vec::new();
        let file: Option<ProjectFile> = parse_file(project_file, &mut errors);
        let schemas: Vec<(PathBuf, String, DatasetSchema)> =
            parse_dir(&root.join("schemas"), &mut errors)?;
        let feeds: Vec<(PathBuf, String, FeedSpec)> =
            parse_dir(&root.join("pipelines"), &mut errors)?;
        // A project may load data without measuring it yet: no metrics
        // folder is no metrics, where no schemas or pipelines is an error.
        let metrics_dir = root.join("metrics");
        let metrics: Vec<(PathBuf, String, MetricSpec)> = if metrics_dir.exists() {
            parse_dir(&metrics_dir, &mut errors)?
        } else {
            vec![]
        };
        // Likewise audits: a project need not run any.
        let audits_dir = root.join("audits");
        let audits: Vec<(PathBuf, String, crate::audit::AuditSpec)> = if audits_dir.exists() {
            parse_dir(&audits_dir, &mut errors)?
        } else {
            vec![]
        };
        check_unique(&audits, |a| &a.audit, "audit", &mut errors);
        // And vulnerabilities to overlay.
        let vulnerabilities_dir = root.join("vulnerabilities");
        let vulnerabilities: Vec<(PathBuf, String, crate::vulnerability::VulnerabilitySpec)> =
            if vulnerabilities_dir.exists() {
                parse_dir(&vulnerabilities_dir, &mut errors)?
            } else {
                vec![]
            };
        check_unique(
            &vulnerabilities,
            |v| &v.vulnerability,
            "vulnerability",
            &mut errors,
        );
        for (path, text, v) in &vulnerabilities {
            expect_file_stem(path, text, "vulnerability", &v.vulnerability, &mut errors);
            for (key, message) in v.problems() {
                errors.push(at(path, text, key, message));
            }
        }
        for (path, text, audit) in &audits {
            expect_file_stem(path, text, "audit", &audit.audit, &mut errors);
            for (key, message) in audit.problems() {
                errors.push(at(path, text, key, message));
            }
        }

        for (path, text, schema) in &schemas {
            check_schema(path, text, schema, &mut errors);
        }
        for (path, text, feed) in &feeds {
            check_feed(path, text, feed, &schemas, &mut errors);
        }
        check_unique(&feeds, |f| &f.feed, "feed", &mut errors);
        check_unique(&schemas, |s| &s.dataset, "dataset", &mut errors);
        check_unique(&metrics, |m| &m.metric, "metric", &mut errors);
        for (path, text, metric) in &metrics {
            let name = metric.metric.as_str();
            if RESERVED_TABLES.contains(&name) || schemas.iter().any(|(_, _, s)| s.dataset == name)
            {
                errors.push(at(
                    path,
                    text,
                    "metric",
                    format!("metric `{name}` has the name of a table: each metric is queryable as a view named after it, so choose another name"),
                ));
            }
            let names: Vec<&str> = metrics.iter().map(|(_, _, m)| m.metric.as_str()).collect();
            for (key, other) in [
                ("pair_with", &metric.pair_with),
                ("rate_of", &metric.rate_of),
            ] {
                let paired = other
                    .as_ref()
                    .and_then(|o| metrics.iter().find(|(_, _, m)| &m.metric == o));
                if let Some((_, _, paired)) = paired
                    && paired.frequency != metric.frequency
                {
                    errors.push(at(
                        path,
                        text,
                        key,
                        format!(
                            "{key} names `{}`, which is counted in {}, but this metric is counted in {}: a pair must share its periods",
                            paired.metric,
                            paired.kind().nouns(),
                            metric.kind().nouns()
                        ),
                    ));
                }
                match other {
                    Some(other) if !names.contains(&other.as_str()) || other == name => errors
                        .push(at(
                            path,
                            text,
                            key,
                            format!(
                                "{key} names `{other}`, which is not another metric{}",
                                did_you_mean(other, &names)
                            ),
                        )),
                    _ => {}
                }
            }
        }

        let bank_holidays = file
            .as_ref()
            .and_then(|f| f.bank_holidays.as_ref())
            .and_then(|relative| match BankHolidays::load(&root.join(relative)) {
                Ok(holidays) => Some(holidays),
                Err(Error::Config(problems)) => {
                    errors.extend(problems);
                    None
                }
                Err(other) => {
                    errors.push(ConfigError {
                        file: project_file.to_path_buf(),
                        line: None,
                        column: None,
                        message: format!("bank_holidays: {other}"),
                    });
                    None
                }
            });

        match file {
            Some(file) if errors.is_empty() => Ok(Project {
                root,
                file,
                schemas: schemas.into_iter().map(|(_, _, s)| s).collect(),
                feeds: feeds.into_iter().map(|(_, _, f)| f).collect(),
                metrics: metrics.into_iter().map(|(_, _, m)| m).collect(),
                audits: audits.into_iter().map(|(_, _, a)| a).collect(),
                vulnerabilities: vulnerabilities.into_iter().map(|(_, _, v)| v).collect(),
                bank_holidays,
            }),
            _ => Err(Error::Config(errors)),
        }
    }

    /// A path from the project file, resolved against the project folder.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The schema of a dataset.
    pub fn schema(&self, dataset: &str) -> Option<&DatasetSchema> {
        self.schemas.iter().find(|s| s.dataset == dataset)
    }
}

fn check_unique<T>(
    items: &[(PathBuf, String, T)],
    name: impl Fn(&T) -> &String,
    what: &str,
    errors: &mut Vec<ConfigError>,
) {
    for (i, (path, text, item)) in items.iter().enumerate() {
        if let Some((first, _, _)) = items[..i]
            .iter()
            .find(|(_, _, other)| name(other) == name(item))
        {
            errors.push(at(
                path,
                text,
                name(item),
                format!(
                    "{what} `{}` is also defined in {}: names must be unique",
                    name(item),
                    first.display()
                ),
            ));
        }
    }
}

fn check_schema(path: &Path, text: &str, schema: &DatasetSchema, errors: &mut Vec<ConfigError>) {
    if RESERVED_TABLES.contains(&schema.dataset.as_str()) {
        errors.push(at(
            path,
            text,
            "dataset",
            format!(
                "`{}` is reserved for pqa's own tables ({}); choose another dataset name",
                schema.dataset,
                RESERVED_TABLES.join(", ")
            ),
        ));
    }
    expect_file_stem(path, text, "dataset", &schema.dataset, errors);
    for name in schema.columns.keys() {
        if name.starts_with('_') {
            errors.push(at(
                path,
                text,
                name,
                format!("column `{name}`: names starting with `_` are kept for lineage columns"),
            ));
        }
    }
}

fn check_feed(
    path: &Path,
    text: &str,
    feed: &FeedSpec,
    schemas: &[(PathBuf, String, DatasetSchema)],
    errors: &mut Vec<ConfigError>,
) {
    expect_file_stem(path, text, "feed", &feed.feed, errors);
    if let Err(e) = globset::Glob::new(&feed.source.files) {
        errors.push(at(
            path,
            text,
            "files",
            format!("`files` is not a valid glob: {e}"),
        ));
    }
    if feed.source.format == FileFormat::Xlsx && feed.source.encoding != Encoding::Utf8 {
        errors.push(at(
            path,
            text,
            "encoding",
            "`encoding` applies to CSV files only".into(),
        ));
    }
    let Some((_, _, schema)) = schemas.iter().find(|(_, _, s)| s.dataset == feed.dataset) else {
        let known: Vec<&str> = schemas.iter().map(|(_, _, s)| s.dataset.as_str()).collect();
        errors.push(at(
            path,
            text,
            "dataset",
            format!(
                "dataset `{}` has no schema in schemas/{}",
                feed.dataset,
                did_you_mean(&feed.dataset, &known)
            ),
        ));
        return;
    };
    let known: Vec<&str> = schema.columns.keys().map(String::as_str).collect();
    for (name, spec) in &feed.columns {
        let Some(column) = schema.columns.get(name) else {
            errors.push(at(
                path,
                text,
                name,
                format!(
                    "column `{name}` is not in dataset `{}`{}",
                    feed.dataset,
                    did_you_mean(name, &known)
                ),
            ));
            continue;
        };
        if let Some(letters) = &spec.column
            && column_index(letters).is_none()
        {
            errors.push(at(
                path,
                text,
                name,
                format!(
                    "column `{name}`: `column: {letters}` is not a spreadsheet column: \
                     write its letters, e.g. `column: C`"
                ),
            ));
        }
        let sources = [
            !matches!(spec.from, OneOrMany::None) || spec.column.is_some(),
            spec.value.is_some(),
            spec.fill.is_some(),
        ];
        if sources.iter().filter(|s| **s).count() != 1 {
            errors.push(at(path, text, name, format!(
                "column `{name}` needs exactly one of `from` (source headers), `value` (a constant) or `fill` (period or agency)"
            )));
        }
        let kind_problem = match (spec.privacy, column.kind) {
            (Some(Privacy::GeneraliseToMonth), k) if k != ColumnType::Date => {
                Some("generalise_to_month applies to date columns")
            }
            (Some(Privacy::Pseudonymise | Privacy::GeneraliseToSector), k)
                if k != ColumnType::String =>
            {
                Some("pseudonymise and generalise_to_sector apply to text columns")
            }
            _ if spec.percent.is_some() && column.kind != ColumnType::Number => {
                Some("`percent` applies to number columns")
            }
            _ => None,
        };
        if let Some(problem) = kind_problem {
            errors.push(at(path, text, name, format!("column `{name}`: {problem}")));
        }
        if let Some(bands) = &spec.age_band_at_period_end
            && (column.kind != ColumnType::String
                || bands.is_empty()
                || bands.windows(2).any(|w| w[0] >= w[1]))
        {
            errors.push(at(
                path,
                text,
                name,
                format!(
                    "column `{name}`: `age_band_at_period_end` needs a text column and rising \
                     lower ages, e.g. [0, 5, 10, 16]"
                ),
            ));
        }
        if spec.flag_if_above.is_some() && column.kind != ColumnType::Boolean {
            errors.push(at(
                path,
                text,
                name,
                format!("column `{name}`: `flag_if_above` applies to true/false columns"),
            ));
        }
        if spec.as_period && (column.kind != ColumnType::String || !spec.codes.is_empty()) {
            errors.push(at(
                path,
                text,
                name,
                format!("column `{name}`: `as_period` applies to text columns without `codes`"),
            ));
        }
        if !spec.formats.is_empty() && column.kind != ColumnType::Date {
            errors.push(at(
                path,
                text,
                name,
                format!("column `{name}`: `formats` applies to date columns only"),
            ));
        }
        if let Some(allowed) = &column.codes {
            for code in spec.codes.keys() {
                if !allowed.contains(code) {
                    let allowed_refs: Vec<&str> = allowed.iter().map(String::as_str).collect();
                    errors.push(at(
                        path,
                        text,
                        code,
                        format!(
                            "column `{name}`: code `{code}` is not one the dataset allows{}",
                            did_you_mean(code, &allowed_refs)
                        ),
                    ));
                }
            }
        }
    }
    if let Some(unpivot) = &feed.unpivot {
        let roles = [
            ("period_column", &unpivot.period_column),
            ("value_column", &unpivot.value_column),
        ];
        filled_columns("unpivot", roles, feed, schema, &known, path, text, errors);
    }
    if !(1..=2).contains(&feed.source.header_rows) {
        errors.push(at(
            path,
            text,
            "header_rows",
            "`header_rows` is 1 (the default) or 2 (headings merged over the headers below)"
                .to_string(),
        ));
    }
    if let Some(measures) = &feed.measures {
        if feed.unpivot.is_some() {
            errors.push(at(
                path,
                text,
                "measures",
                "a feed unpivots periods or measures, not both".to_string(),
            ));
        }
        let roles = [
            ("code_column", &measures.code_column),
            ("value_column", &measures.value_column),
        ];
        filled_columns("measures", roles, feed, schema, &known, path, text, errors);
        let value_is_number = schema
            .columns
            .get(&measures.value_column)
            .is_some_and(|c| c.kind == ColumnType::Number);
        for (code, measure) in &measures.columns {
            if measure.percent.is_some() && !value_is_number {
                errors.push(at(
                    path,
                    text,
                    code,
                    format!("measure `{code}`: `percent` needs a number value column"),
                ));
            }
            if matches!(measure.from, OneOrMany::None) {
                errors.push(at(
                    path,
                    text,
                    code,
                    format!("measure `{code}` needs `from`"),
                ));
            }
        }
    }
    for (name, column) in &schema.columns {
        let unpivoted = feed
            .unpivot
            .as_ref()
            .is_some_and(|u| &u.period_column == name || &u.value_column == name)
            || feed
                .measures
                .as_ref()
                .is_some_and(|m| &m.code_column == name || &m.value_column == name);
        if column.required && !feed.columns.contains_key(name) && !unpivoted {
            errors.push(at(
                path,
                text,
                "columns",
                format!(
                    "dataset `{}` requires column `{name}`, which this feed does not map",
                    feed.dataset
                ),
            ));
        }
    }
    for check in &feed.checks {
        match crate::check::RowCheck::parse(check) {
            Ok(rule) => {
                for column in rule.columns() {
                    if !feed.columns.contains_key(column) {
                        errors.push(at(path, text, check, format!(
                            "check `{check}` uses column `{column}`, which this feed does not map"
                        )));
                    }
                }
            }
            Err(message) => {
                errors.push(at(path, text, check, format!("check `{check}`: {message}")))
            }
        }
    }
}

/// The name inside a file must match the file's name, so `pipelines/x.yaml` is feed `x`.
fn expect_file_stem(path: &Path, text: &str, key: &str, name: &str, errors: &mut Vec<ConfigError>) {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if stem != name {
        errors.push(at(path, text, key, format!(
            "{key} `{name}` is defined in {stem}.yaml: name the file {name}.yaml or the {key} `{stem}`"
        )));
    }
}

/// "no feed `x` (did you mean `y`?); feeds: a, b": a name looked up among
/// the project's feeds, metrics or audits (`kind`), defined under `dir`.
pub fn no_such(kind: &str, name: &str, known: &[&str], dir: &str) -> String {
    let list = if known.is_empty() {
        format!("none (define one under {dir})")
    } else {
        known.join(", ")
    };
    format!(
        "no {kind} `{name}`{}; {kind}s: {list}",
        did_you_mean(name, known)
    )
}

/// " (did you mean `x`?)" when a known name is close to `name`.
pub fn did_you_mean(name: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| {
            (
                strsim::jaro_winkler(&name.to_lowercase(), &k.to_lowercase()),
                k,
            )
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

/// An error located at the first place `needle` appears in `text`.
/// The dataset columns `unpivot` or `measures` fills (`how`): each must be
/// in the dataset, and not mapped under `columns` as well.
#[allow(clippy::too_many_arguments)] // the feed's context, as every check here takes it
fn filled_columns(
    how: &str,
    roles: [(&str, &String); 2],
    feed: &FeedSpec,
    schema: &DatasetSchema,
    known: &[&str],
    path: &Path,
    text: &str,
    errors: &mut Vec<ConfigError>,
) {
    for (role, column) in roles {
        if !schema.columns.contains_key(column) {
            errors.push(at(
                path,
                text,
                role,
                format!(
                    "{how} {role} `{column}` is not in dataset `{}`{}",
                    feed.dataset,
                    did_you_mean(column, known)
                ),
            ));
        } else if feed.columns.contains_key(column) {
            errors.push(at(
                path,
                text,
                role,
                format!("column `{column}` is filled by `{how}`: remove it from `columns`"),
            ));
        }
    }
}

fn at(path: &Path, text: &str, needle: &str, message: String) -> ConfigError {
    let (line, column) = text
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find(needle).map(|c| (i + 1, c + 1)))
        .map_or((None, None), |(l, c)| (Some(l), Some(c)));
    ConfigError {
        file: path.to_path_buf(),
        line,
        column,
        message,
    }
}

fn parse_file<T: DeserializeOwned>(path: &Path, errors: &mut Vec<ConfigError>) -> Option<T> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            errors.push(ConfigError {
                file: path.into(),
                line: None,
                column: None,
                message: e.to_string(),
            });
            return None;
        }
    };
    parse_text(path, &text, errors)
}

fn parse_text<T: DeserializeOwned>(
    path: &Path,
    text: &str,
    errors: &mut Vec<ConfigError>,
) -> Option<T> {
    match serde_yaml::from_str(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let location = e.location();
            errors.push(ConfigError {
                file: path.into(),
                line: location.as_ref().map(|l| l.line()),
                column: location.as_ref().map(|l| l.column()),
                message: explain_yaml_error(&e.to_string()),
            });
            None
        }
    }
}

/// serde_yaml's message without its trailing location (we print it in front),
/// plus a suggestion for a misspelt key.
fn explain_yaml_error(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(i) => &message[..i],
        None => message,
    };
    let mut out = message.to_string();
    for marker in ["unknown field `", "unknown variant `"] {
        let Some(at) = message.find(marker) else {
            continue;
        };
        if let Some((unknown, expected)) = message[at + marker.len()..].split_once('`') {
            let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            out.push_str(&did_you_mean(unknown, &known));
        }
    }
    out
}

/// Parses every `*.yaml` in a folder (sorted, so errors come in a stable order).
fn parse_dir<T: DeserializeOwned>(
    dir: &Path,
    errors: &mut Vec<ConfigError>,
) -> Result<Vec<(PathBuf, String, T)>> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.into(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        if let Some(v) = parse_text(&path, &text, errors) {
            out.push((path, text, v));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: DeserializeOwned>(text: &str) -> std::result::Result<T, Vec<ConfigError>> {
        let mut errors = Vec::new();
        parse_text(Path::new("pipelines/x.yaml"), text, &mut errors).ok_or(errors)
    }

    #[test]
    fn ages_fall_in_their_bands() {
        let bands = [0, 5, 10, 16];
        assert_eq!(age_band(0, &bands).as_deref(), Some("0-4"));
        assert_eq!(age_band(4, &bands).as_deref(), Some("0-4"));
        assert_eq!(age_band(15, &bands).as_deref(), Some("10-15"));
        assert_eq!(age_band(17, &bands).as_deref(), Some("16+"));
        assert_eq!(age_band(3, &[5, 10]), None);
    }

    #[test]
    fn column_letters_are_spreadsheet_columns() {
        assert_eq!(column_index("A"), Some(0));
        assert_eq!(column_index("c"), Some(2));
        assert_eq!(column_index("AA"), Some(26));
        assert_eq!(column_index("XFD"), Some(16_383), "Excel's last column");
        for bad in ["", "3", "A1", "ABCD"] {
            assert_eq!(column_index(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_resubmission_rule_gives_each_file_its_version() {
        let source = |rule: &str| -> SourceSpec {
            serde_yaml::from_str(&format!(
                "files: \"*.csv\"\nformat: csv\nresubmission: \"{rule}\"\n"
            ))
            .unwrap()
        };
        let marked = source("_resubmitted");
        assert_eq!(marked.version_of("csc/cp_plans_2024-25_Q3.csv"), 0);
        assert_eq!(
            marked.version_of("csc/cp_plans_2024-25_Q3_resubmitted.csv"),
            1
        );
        let numbered = source("_v{n}");
        assert_eq!(numbered.version_of("a/plans_2024-25_Q3.csv"), 0);
        assert_eq!(numbered.version_of("a/plans_2024-25_Q3_v2.csv"), 2);
        assert_eq!(numbered.version_of("a/plans_2024-25_Q3_v12.csv"), 12);
        // The marker in a folder's name or without its number is not one.
        assert_eq!(numbered.version_of("a_v9/plans_2024-25_Q3_v.csv"), 0);
        let none: SourceSpec = serde_yaml::from_str("files: \"*.csv\"\nformat: csv\n").unwrap();
        assert_eq!(none.version_of("a/plans_2024-25_Q3_resubmitted.csv"), 0);
    }

    #[test]
    fn misspelt_key_is_located_with_a_suggestion() {
        let text = "feed: x\nagency: A\ndataset: d\nsorce:\n  files: a\n";
        let errors = parse::<FeedSpec>(text).unwrap_err();
        assert_eq!(errors.len(), 1);
        let e = &errors[0];
        assert_eq!((e.line, e.column), (Some(4), Some(1)));
        assert!(e.message.contains("unknown field `sorce`"), "{}", e.message);
        assert!(
            e.message.contains("did you mean `source`?"),
            "{}",
            e.message
        );
        assert!(e.to_string().starts_with("pipelines/x.yaml:4:1: "));
    }

    #[test]
    fn unknown_format_suggests_the_closest() {
        let text =
            "feed: x\nagency: A\ndataset: d\nsource:\n  files: a\n  format: xslx\ncolumns: {}\n";
        let errors = parse::<FeedSpec>(text).unwrap_err();
        assert!(
            errors[0].message.contains("did you mean `xlsx`?"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[0].line, Some(6));
    }

    #[test]
    fn submissions_are_due_in_the_half_they_end_in() {
        let h2 = Period::Half(2024, 2);
        assert_eq!(Frequency::Annual.due_in(h2), vec![Period::Year(2024)]);
        assert_eq!(Frequency::Annual.due_in(Period::Half(2024, 1)), vec![]);
        assert_eq!(Frequency::WhenPublished.due_in(h2), vec![]);
        assert_eq!(
            Frequency::Quarterly.due_in(h2),
            vec![Period::Quarter(2024, 3), Period::Quarter(2024, 4)]
        );
        assert_eq!(Frequency::Monthly.due_in(h2).len(), 6);
        assert_eq!(Frequency::Monthly.due_in(h2)[0], Period::Month(2024, 7));
        // Terms: autumn and spring end in H2; summer (ending in July) in H1.
        assert_eq!(
            Frequency::Termly.due_in(h2),
            vec![Period::Term(2024, 1), Period::Term(2024, 2)]
        );
        assert_eq!(
            Frequency::Termly.due_in(Period::Half(2024, 1)),
            vec![Period::Term(2023, 3)]
        );
        assert_eq!(
            Frequency::CalendarYear.due_in(h2),
            vec![Period::CalendarYear(2024)]
        );
        assert_eq!(
            Frequency::AcademicYear.due_in(Period::Half(2024, 1)),
            vec![Period::AcademicYear(2023)]
        );
    }

    #[test]
    fn a_file_is_placed_in_a_period_of_the_feed_s_kind_or_refused() {
        let from_name = PeriodSource::default();
        assert_eq!(
            from_name.period_of("csc/cp_plans_2024-25_Q3.csv", Frequency::Quarterly),
            Ok(Period::Quarter(2024, 3))
        );
        assert_eq!(
            from_name.period_of("ae/ae_2024-25_M02.csv", Frequency::Monthly),
            Ok(Period::Month(2024, 2))
        );
        let err = from_name
            .period_of("ae/ae_2024-25_M02.csv", Frequency::Quarterly)
            .unwrap_err();
        assert!(
            err.contains("May 2024 (month)") && err.contains("the feed is quarterly"),
            "{err}"
        );
        let err = from_name
            .period_of("ae/ae.csv", Frequency::Monthly)
            .unwrap_err();
        assert!(
            err.contains("no period in the file name") && err.contains("2024/25-M01"),
            "{err}"
        );
        assert_eq!(
            from_name.period_of("attendance_2024-25_spring.csv", Frequency::Termly),
            Ok(Period::Term(2024, 2))
        );
    }

    #[test]
    fn encodings_are_written_as_people_write_them() {
        let source = |e: &str| {
            serde_yaml::from_str::<SourceSpec>(&format!("files: x\nformat: csv\nencoding: {e}\n"))
        };
        assert_eq!(
            source("windows-1252").unwrap().encoding,
            Encoding::Windows1252
        );
        assert_eq!(source("cp1252").unwrap().encoding, Encoding::Windows1252);
        assert_eq!(source("utf-8").unwrap().encoding, Encoding::Utf8);
        assert!(source("latin-9").is_err());
    }

    #[test]
    fn did_you_mean_stays_quiet_when_nothing_is_close() {
        assert_eq!(did_you_mean("postcode", &["child_id", "plan_start"]), "");
        assert_eq!(
            did_you_mean("plan_strat", &["child_id", "plan_start"]),
            " (did you mean `plan_start`?)"
        );
    }
}
