//! National-size synthetic files for the benchmarks (`make bench`): pupil-level
//! attendance and CAMHS referrals in the same layout the sample feeds read,
//! at any number of rows. Written row by row, so memory stays flat at any
//! size. Made up, like all sample data; deterministic for a given size.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEED: u64 = 20_261_123;

/// The terms sent in 2024/25, named by their school year as the attendance
/// feed names its files.
const TERMS: [(&str, &str); 3] = [
    ("2023-24_summer", "Summer"),
    ("2024-25_autumn", "Autumn"),
    ("2024-25_spring", "Spring"),
];
const QUARTERS: [(&str, (i32, u32)); 4] = [
    ("2024-25_Q1", (2024, 4)),
    ("2024-25_Q2", (2024, 7)),
    ("2024-25_Q3", (2024, 10)),
    ("2024-25_Q4", (2025, 1)),
];

/// What to write: `attendance_rows` split over `files` term files (at most
/// three), `camhs_rows` over four quarterly files.
#[derive(Debug, Clone, Copy)]
pub struct NationalSize {
    pub attendance_rows: u64,
    pub camhs_rows: u64,
    pub files: usize,
}

/// Writes the files under `dir/inbox/` and returns their paths.
pub fn write(dir: &Path, size: NationalSize) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut written = Vec::new();
    let files = size.files.clamp(1, TERMS.len());
    if size.attendance_rows > 0 {
        let folder = dir.join("inbox/education");
        std::fs::create_dir_all(&folder)?;
        for (i, (suffix, term)) in TERMS.iter().take(files).enumerate() {
            let path = folder.join(format!("attendance_{suffix}.csv"));
            let rows = share(size.attendance_rows, files, i);
            attendance(&path, term, i as u64, rows)?;
            written.push(path);
        }
    }
    if size.camhs_rows > 0 {
        let folder = dir.join("inbox/camhs");
        std::fs::create_dir_all(&folder)?;
        for (i, (suffix, (year, month))) in QUARTERS.iter().enumerate() {
            let path = folder.join(format!("camhs_referrals_{suffix}.csv"));
            let quarter_start = NaiveDate::from_ymd_opt(*year, *month, 1).expect("valid");
            camhs(&path, quarter_start, i as u64, share(size.camhs_rows, 4, i))?;
            written.push(path);
        }
    }
    Ok(written)
}

/// The rows file `i` of `n` gets: equal shares, the remainder to the first.
fn share(total: u64, n: usize, i: usize) -> u64 {
    total / n as u64 + if i == 0 { total % n as u64 } else { 0 }
}

/// One term's census extract: a row per pupil. About one pupil in five is
/// persistently absent and one in fifty severely (the national shape), and
/// one row in 100,000 is wrong on purpose (more sessions attended than
/// possible) so the rejects path is timed too.
fn attendance(path: &Path, term: &str, file: u64, rows: u64) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ (file << 32) ^ rows);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    writeln!(
        out,
        "UPN,Term,Possible Sessions,Sessions Attended,Authorised Absence,Unauthorised Absence"
    )?;
    for pupil in 0..rows {
        let possible: u32 = rng.random_range(120..=150);
        let missed_share: f64 = match rng.random_range(0..100) {
            0..=1 => rng.random_range(0.5..0.9),
            2..=19 => rng.random_range(0.1..0.5),
            _ => rng.random_range(0.0..0.1),
        };
        let missed = (possible as f64 * missed_share) as u32;
        let attended = if pupil % 100_000 == 99_999 {
            possible + 3
        } else {
            possible - missed
        };
        let authorised = missed * 2 / 3;
        writeln!(
            out,
            "N{:012},{term},{possible},{attended},{authorised},{}",
            file * 10_000_000_000 + pupil,
            missed - authorised
        )?;
    }
    out.flush()
}

/// One quarter's CAMHS extract: referrals received over the two years before
/// the quarter ends, each with the steps it has reached.
fn camhs(path: &Path, quarter_start: NaiveDate, file: u64, rows: u64) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ 0xCA ^ (file << 32) ^ rows);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    writeln!(
        out,
        "NHS Number,Referral Received Date,Assessment Date,First Treatment Appointment Date,Discharge Date,Team"
    )?;
    let quarter_end = quarter_start + Duration::days(91);
    let date = |d: Option<NaiveDate>| d.map_or(String::new(), |d| d.format("%d/%m/%Y").to_string());
    for referral in 0..rows {
        let received = quarter_end - Duration::days(rng.random_range(1..730));
        let assessed =
            Some(received + Duration::days(rng.random_range(0..120))).filter(|d| *d <= quarter_end);
        let treated = assessed
            .map(|d| d + Duration::days(rng.random_range(0..200)))
            .filter(|d| *d <= quarter_end);
        let discharged = treated
            .map(|d| d + Duration::days(rng.random_range(30..400)))
            .filter(|d| *d <= quarter_end);
        let number = 4_000_000_000 + file * 500_000_000 + referral;
        writeln!(
            out,
            "{:03} {:03} {:04},{},{},{},{},Team {}",
            number / 10_000_000,
            number / 10_000 % 1000,
            number % 10_000,
            date(Some(received)),
            date(assessed),
            date(treated),
            date(discharged),
            referral % 40
        )?;
    }
    out.flush()
}

/// National-size files for the overlay of vulnerabilities (`make bench`):
/// the case system's crosswalk over a third of `pupils` people, whose UPNs
/// are the autumn attendance file's own (so the linkage joins real
/// matches) and whose NHS numbers CAMHS uses, and each vulnerability feed
/// the sample sends, in its layout, for 2024/25 Q4. One in twenty UPNs
/// and NHS numbers is missing from the crosswalk, and a feed names a few
/// children it never heard of, so unlinked records are timed too.
pub fn overlay(dir: &Path, pupils: u64) -> std::io::Result<Vec<std::path::PathBuf>> {
    let people = (pupils / 3).max(1);
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ 0x0_7E7 ^ pupils);
    let mut written = Vec::new();
    let upn = |n: u64| format!("N{:012}", 10_000_000_000 + n);
    let nhs = |n: u64| {
        let number = 9_000_000_000 + n;
        format!(
            "{:03} {:03} {:04}",
            number / 10_000_000,
            number / 10_000 % 1000,
            number % 10_000
        )
    };
    let person = |n: u64| format!("P{n:09}");
    let quarter = NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid");
    let uk = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    let mut file = |folder: &str,
                    name: &str,
                    header: &str,
                    rows: u64,
                    row: &mut dyn FnMut(&mut ChaCha8Rng, u64) -> String|
     -> std::io::Result<()> {
        let folder = dir.join("inbox").join(folder);
        std::fs::create_dir_all(&folder)?;
        let path = folder.join(format!("{name}_2024-25_Q4.csv"));
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        writeln!(out, "{header}")?;
        for i in 0..rows {
            writeln!(out, "{}", row(&mut rng, i))?;
        }
        out.flush()?;
        written.push(path);
        Ok(())
    };
    file(
        "csc",
        "person_crosswalk",
        "Person ID,UPN,NHS Number,Date of Birth,Postcode",
        people,
        &mut |rng, n| {
            let birth = NaiveDate::from_ymd_opt(2007, 4, 1).expect("valid")
                + Duration::days(rng.random_range(0..18 * 365));
            format!(
                "{},{},{},{},PO{} {}AB",
                person(n),
                if n % 20 == 7 { String::new() } else { upn(n) },
                if n % 20 == 11 { String::new() } else { nhs(n) },
                uk(birth),
                30 + n % 12,
                n % 10
            )
        },
    )?;
    // Someone in the population, now and then someone nobody else knows.
    let anyone = |rng: &mut ChaCha8Rng| {
        let n = rng.random_range(0..people);
        if n % 50 == 3 { people + n } else { n }
    };
    let day =
        |rng: &mut ChaCha8Rng, from: NaiveDate| uk(from + Duration::days(rng.random_range(0..89)));
    let started = |rng: &mut ChaCha8Rng| uk(quarter - Duration::days(rng.random_range(0..600)));
    let ended = |rng: &mut ChaCha8Rng| {
        if rng.random_range(0..4) == 0 {
            uk(quarter + Duration::days(rng.random_range(0..89)))
        } else {
            String::new()
        }
    };
    let year_start = NaiveDate::from_ymd_opt(2024, 4, 1).expect("valid");
    file(
        "education",
        "suspensions",
        "UPN,Start Date,Category,Sessions",
        people / 10,
        &mut |rng, _| {
            let category = if rng.random_range(0..40) == 0 {
                "Permanent exclusion"
            } else {
                "Suspension"
            };
            format!(
                "{},{},{category},4",
                upn(anyone(rng)),
                uk(year_start + Duration::days(rng.random_range(0..364)))
            )
        },
    )?;
    file(
        "education",
        "reduced_timetables",
        "UPN,Start Date,End Date",
        people / 100,
        &mut |rng, _| format!("{},{},{}", upn(anyone(rng)), started(rng), ended(rng)),
    )?;
    file(
        "education",
        "education_registers",
        "UPN,Register,Start Date,End Date",
        people / 100,
        &mut |rng, _| {
            let register = if rng.random_range(0..3) == 0 {
                "Children missing education"
            } else {
                "Elective home education"
            };
            format!(
                "{},{register},{},{}",
                upn(anyone(rng)),
                started(rng),
                ended(rng)
            )
        },
    )?;
    file(
        "camhs",
        "camhs_caseload",
        "NHS Number,Open Date,Discharge Date",
        people / 30,
        &mut |rng, _| format!("{},{},{}", nhs(anyone(rng)), started(rng), ended(rng)),
    )?;
    for (folder, name, share) in [
        ("csc", "early_help_episodes", 20),
        ("csc", "cin_plans", 40),
        ("youth_justice", "yjs_caseload", 200),
    ] {
        file(
            folder,
            name,
            "Person ID,Start Date,End Date",
            people / share,
            &mut |rng, _| format!("{},{},{}", person(anyone(rng)), started(rng), ended(rng)),
        )?;
    }
    file(
        "csc",
        "exploitation_screening",
        "Person ID,Screening Date,Risk Level",
        people / 50,
        &mut |rng, _| {
            let level = ["Low", "Medium", "High"][rng.random_range(0..3)];
            format!("{},{},{level}", person(anyone(rng)), day(rng, quarter))
        },
    )?;
    file(
        "csc",
        "parental_imprisonment",
        "Person ID,Recorded Date,Recorded By",
        people / 100,
        &mut |rng, _| format!("{},{},Police", person(anyone(rng)), day(rng, quarter)),
    )?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_split_exactly_and_rows_parse() {
        let dir = tempfile::tempdir().unwrap();
        let size = NationalSize {
            attendance_rows: 1_001,
            camhs_rows: 10,
            files: 3,
        };
        let files = write(dir.path(), size).unwrap();
        assert_eq!(files.len(), 7);
        let lines = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count() - 1;
        let attendance: usize = files[..3].iter().map(|p| lines(p)).sum();
        assert_eq!(attendance, 1_001);
        let camhs: usize = files[3..].iter().map(|p| lines(p)).sum();
        assert_eq!(camhs, 10);
        let overlay = overlay(dir.path(), 3_000).unwrap();
        assert_eq!(overlay.len(), 10);
        assert_eq!(
            lines(&overlay[0]),
            1_000,
            "a third of the pupils in the crosswalk"
        );
        let text = std::fs::read_to_string(&files[0]).unwrap();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let n = |i: usize| f[i].parse::<u32>().unwrap();
            assert_eq!(f.len(), 6);
            assert_eq!(n(2) - n(3), n(4) + n(5), "{line}");
        }
    }
}
