//! Which feed claims which file in the inbox. A file no feed claims is
//! reported, never skipped silently; a file two feeds claim is an error,
//! unless it is a workbook and each feed reads a sheet of its own (Ofsted's
//! Annex A: a list per sheet).

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use pqa_core::config::{FileFormat, SheetRef};
use pqa_core::{FeedSpec, Frequency};

use crate::error::{Error, Result};

/// A file found in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxFile {
    /// Where it is on disk.
    pub path: PathBuf,
    /// Its path relative to the inbox, with `/` separators: how it is named
    /// in summaries, rejects and lineage.
    pub name: String,
    /// Why it is not read, for a link that leads out of the inbox (or to
    /// a folder): the inbox holds what was sent, nothing else.
    pub refused: Option<String>,
}

/// Every file under the inbox (hidden files and folders skipped), sorted by
/// name. A symbolic link is read only when it leads to a file inside the
/// inbox; any other link is listed with the reason it is not read.
pub fn list_inbox(inbox: &Path) -> Result<Vec<InboxFile>> {
    let mut out = Vec::new();
    let root = std::fs::canonicalize(inbox).map_err(|source| Error::Io {
        path: inbox.into(),
        source,
    })?;
    walk(&root, inbox, inbox, &mut out)?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn walk(real_root: &Path, root: &Path, dir: &Path, out: &mut Vec<InboxFile>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.into(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            path: dir.into(),
            source,
        })?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let name = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
        if is_link {
            let target = std::fs::canonicalize(&path).ok();
            let refused = match &target {
                Some(t) if t.is_file() && t.starts_with(real_root) => None,
                Some(t) if t.is_dir() => Some("a link to a folder: not followed".to_string()),
                Some(_) => Some(
                    "a link to a file outside the inbox: not read (copy the file into the inbox)"
                        .to_string(),
                ),
                None => Some("a link to nothing: not read".to_string()),
            };
            out.push(InboxFile {
                path,
                name,
                refused,
            });
        } else if path.is_dir() {
            walk(real_root, root, &path, out)?;
        } else {
            out.push(InboxFile {
                path,
                name,
                refused: None,
            });
        }
    }
    Ok(())
}

/// The feeds' file globs, compiled once.
pub struct Claims<'a> {
    matchers: Vec<(&'a FeedSpec, GlobMatcher)>,
}

/// Who claims a file.
#[derive(Debug)]
pub enum Claim<'a> {
    Feed(&'a FeedSpec),
    /// A workbook several feeds read, each from a sheet none of the others
    /// reads.
    Sheets(Vec<&'a FeedSpec>),
    Unclaimed,
    /// Claimed by more than one feed: a configuration error.
    Ambiguous(Vec<&'a str>),
}

impl PartialEq for Claim<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Claim::Feed(a), Claim::Feed(b)) => a.feed == b.feed,
            (Claim::Sheets(a), Claim::Sheets(b)) => {
                a.iter().map(|f| &f.feed).eq(b.iter().map(|f| &f.feed))
            }
            (Claim::Unclaimed, Claim::Unclaimed) => true,
            (Claim::Ambiguous(a), Claim::Ambiguous(b)) => a == b,
            _ => false,
        }
    }
}

impl<'a> Claims<'a> {
    /// Compiles every feed's glob (case-insensitive: agencies are not consistent).
    pub fn new(feeds: &'a [FeedSpec]) -> Result<Claims<'a>> {
        let matchers = feeds
            .iter()
            .map(|f| {
                GlobBuilder::new(&f.source.files)
                    .case_insensitive(true)
                    .literal_separator(true)
                    .build()
                    .map(|g| (f, g.compile_matcher()))
                    .map_err(|e| Error::File(format!("feed `{}`: bad glob: {e}", f.feed)))
            })
            .collect::<Result<_>>()?;
        Ok(Claims { matchers })
    }

    /// Which feed claims the file named `name` (relative to the inbox).
    pub fn claim(&self, name: &str) -> Claim<'a> {
        self.claim_among(name, |_| true)
    }

    /// Which feed of published statistics (`frequency: when_published`)
    /// claims the file named `name` (relative to the published folder).
    /// Agencies' feeds never read from there.
    pub fn claim_published(&self, name: &str) -> Claim<'a> {
        self.claim_among(name, |f| f.frequency == Frequency::WhenPublished)
    }

    fn claim_among(&self, name: &str, eligible: impl Fn(&FeedSpec) -> bool) -> Claim<'a> {
        let feeds: Vec<&'a FeedSpec> = self
            .matchers
            .iter()
            .filter(|(f, m)| eligible(f) && m.is_match(name))
            .map(|(f, _)| *f)
            .collect();
        match feeds.as_slice() {
            [] => Claim::Unclaimed,
            [one] => Claim::Feed(one),
            many if own_sheets(many) => Claim::Sheets(feeds),
            many => Claim::Ambiguous(many.iter().map(|f| f.feed.as_str()).collect()),
        }
    }
}

/// Whether the feeds all read workbooks, each naming a sheet (by name or
/// position) that none of the others names. A sheet named by one feed and
/// numbered by another may be the same sheet: that is not told apart here,
/// so both must use the same way of naming.
fn own_sheets(feeds: &[&FeedSpec]) -> bool {
    let sheets: Vec<Option<&SheetRef>> = feeds.iter().map(|f| f.source.sheet.as_ref()).collect();
    let by_name = sheets.iter().all(|s| matches!(s, Some(SheetRef::Name(_))));
    let by_position = sheets
        .iter()
        .all(|s| matches!(s, Some(SheetRef::Position(_))));
    feeds.iter().all(|f| f.source.format == FileFormat::Xlsx)
        && (by_name || by_position)
        && sheets
            .iter()
            .enumerate()
            .all(|(i, a)| sheets[..i].iter().all(|b| !same_sheet(a, b)))
}

fn same_sheet(a: &Option<&SheetRef>, b: &Option<&SheetRef>) -> bool {
    match (a, b) {
        (Some(SheetRef::Name(a)), Some(SheetRef::Name(b))) => a.eq_ignore_ascii_case(b),
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[test]
    fn links_out_of_the_inbox_are_refused_and_links_within_it_read() {
        let dir = tempfile::tempdir().unwrap();
        let inbox = dir.path().join("inbox");
        std::fs::create_dir_all(inbox.join("csc")).unwrap();
        std::fs::write(inbox.join("csc/a.csv"), "x").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "x").unwrap();
        std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), inbox.join("b.csv")).unwrap();
        std::os::unix::fs::symlink(inbox.join("csc/a.csv"), inbox.join("c.csv")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("elsewhere"), inbox.join("more")).unwrap();
        let files = super::list_inbox(&inbox).unwrap();
        let refused = |name: &str| {
            files
                .iter()
                .find(|f| f.name == name)
                .unwrap_or_else(|| panic!("{name} listed"))
                .refused
                .clone()
        };
        assert_eq!(refused("csc/a.csv"), None);
        assert_eq!(refused("c.csv"), None, "a link within the inbox is read");
        assert!(refused("b.csv").unwrap().contains("outside the inbox"));
        assert!(refused("more").unwrap().contains("folder"));
    }

    use super::*;

    fn feed(name: &str, files: &str) -> FeedSpec {
        serde_yaml::from_str(&format!(
            "feed: {name}\nagency: A\ndataset: d\nsource: {{ files: \"{files}\", format: csv }}\ncolumns: {{}}\n"
        ))
        .unwrap()
    }

    #[test]
    fn claims_by_glob_case_insensitively() {
        let feeds = vec![
            feed("plans", "csc/cp_plans_*.csv"),
            feed("bb", "housing/*.{csv,xlsx}"),
        ];
        let claims = Claims::new(&feeds).unwrap();
        assert_eq!(
            claims.claim("csc/CP_Plans_2024-25_Q3.CSV"),
            Claim::Feed(&feeds[0])
        );
        assert_eq!(claims.claim("housing/bb.xlsx"), Claim::Feed(&feeds[1]));
        assert_eq!(claims.claim("housing/sub/bb.xlsx"), Claim::Unclaimed);
        assert_eq!(claims.claim("notes.txt"), Claim::Unclaimed);
    }

    fn sheet_feed(name: &str, sheet: &str) -> FeedSpec {
        serde_yaml::from_str(&format!(
            "feed: {name}\nagency: A\ndataset: d\nsource: {{ files: \"annex_a_*.xlsx\", format: xlsx, sheet: {sheet} }}\ncolumns: {{}}\n"
        ))
        .unwrap()
    }

    #[test]
    fn feeds_reading_their_own_sheets_share_a_workbook() {
        let feeds = vec![
            sheet_feed("contacts", "\"List 1\""),
            sheet_feed("referrals", "\"List 3\""),
        ];
        let claims = Claims::new(&feeds).unwrap();
        assert_eq!(
            claims.claim("annex_a_2024-25_Q3.xlsx"),
            Claim::Sheets(vec![&feeds[0], &feeds[1]])
        );
        // The same sheet twice, or a name beside a position, is ambiguous.
        for (a, b) in [
            ("\"List 1\"", "\"list 1\""),
            ("\"List 1\"", "2"),
            ("2", "2"),
        ] {
            let feeds = vec![sheet_feed("a", a), sheet_feed("b", b)];
            let claims = Claims::new(&feeds).unwrap();
            assert_eq!(
                claims.claim("annex_a_2024-25_Q3.xlsx"),
                Claim::Ambiguous(vec!["a", "b"]),
                "{a} and {b}"
            );
        }
    }

    #[test]
    fn two_feeds_claiming_one_file_is_ambiguous() {
        let feeds = vec![feed("a", "*.csv"), feed("b", "x*.csv")];
        let claims = Claims::new(&feeds).unwrap();
        assert_eq!(claims.claim("x1.csv"), Claim::Ambiguous(vec!["a", "b"]));
    }

    #[test]
    fn lists_the_inbox_recursively_and_skips_hidden_files() {
        let dir = std::env::temp_dir().join(format!("pqa-claim-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/b.csv"), "x").unwrap();
        std::fs::write(dir.join("a.csv"), "x").unwrap();
        std::fs::write(dir.join(".DS_Store"), "x").unwrap();
        let names: Vec<String> = list_inbox(&dir)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(names, vec!["a.csv", "sub/b.csv"]);
    }
}
