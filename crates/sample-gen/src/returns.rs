//! Aggregate returns: the figures agencies send each quarter instead of
//! records. Each agency uses its own form, as they do in life: housing and
//! children's social care fill in Excel returns with title rows, probation
//! saves CSV from Excel on Windows (Windows-1252), police and youth justice
//! export CSV.
//!
//! Calibrated on domain.md's patterns: families in bed and breakfast rise
//! every quarter to a three-year high; probation's safeguarding referrals
//! almost triple on the previous two quarters; private fostering stays very
//! low. Everything else is steady. The youth justice return for 2024/25 Q4
//! is late: it is written to `late/`, not the inbox.

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{
    QUARTERS, Sheet, around, measure_rows, quarter_file, quarter_title, quarters, write, write_csv,
    write_xlsx,
};

const SEED: u64 = 7_006;

/// Housing return per quarter 2022/23 Q1 … 2024/25 Q4: families, children,
/// and families there longer than six weeks (`None`: the agency wrote "<5").
pub const BB_FAMILIES: [u32; QUARTERS] = [14, 11, 13, 12, 10, 12, 15, 18, 21, 25, 29, 34];
const BB_CHILDREN: [u32; QUARTERS] = [25, 20, 24, 21, 18, 22, 27, 33, 38, 46, 53, 62];
const BB_OVER_SIX_WEEKS: [Option<u32>; QUARTERS] = [
    None,
    None,
    Some(5),
    None,
    None,
    None,
    Some(6),
    Some(8),
    Some(9),
    Some(12),
    Some(14),
    Some(17),
];

/// Probation's safeguarding referrals to the children's hub: the last two
/// quarters (71) are almost three times the two before (26).
pub const PROBATION_REFERRALS: [u32; QUARTERS] = [12, 14, 11, 13, 12, 15, 13, 14, 12, 14, 33, 38];

/// Children in private fostering arrangements at quarter end (domain.md: 0 in
/// Q3–Q4 2023/24, 10 in Q4 2024/25).
pub const PRIVATE_FOSTERING: [u32; QUARTERS] = [3, 2, 2, 1, 2, 1, 0, 0, 2, 3, 5, 10];

/// Writes every aggregate return under `inbox`, and the late one under `late`.
pub fn generate(inbox: &Path, late: &Path) -> std::io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    for (i, (fy, q)) in quarters().enumerate() {
        let name = quarter_file(fy, q);
        housing(
            &inbox.join(format!("housing/bed_and_breakfast_{name}.xlsx")),
            fy,
            q,
            i,
        )?;
        csc_return(
            &inbox.join(format!("csc/partnership_return_{name}.xlsx")),
            fy,
            q,
            i,
            &mut rng,
        )?;
        probation(
            &inbox.join(format!("probation/probation_return_{name}.csv")),
            fy,
            q,
            i,
            &mut rng,
        )?;
        let police = format!(
            "Measure,Count\r\nDomestic abuse incidents notified to schools (Operation Encompass),{}\r\nOf which children were present,{}\r\n",
            around(&mut rng, 310, 15),
            around(&mut rng, 248, 12)
        );
        write(
            &inbox.join(format!("police/operation_encompass_{name}.csv")),
            police.as_bytes(),
        )?;
        let youth_justice = format!(
            "Youth Justice Service return {}\r\nIndicator,Value\r\nChildren worked with in the quarter,{}\r\nFirst time entrants to the youth justice system,{}\r\n",
            quarter_title(fy, q),
            around(&mut rng, 68, 6),
            around(&mut rng, 6, 1),
        );
        let folder = if (fy, q) == (2024, 4) { late } else { inbox };
        write(
            &folder.join(format!("youth_justice/yjs_return_{name}.csv")),
            youth_justice.as_bytes(),
        )?;
    }
    Ok(())
}

/// Housing's quarterly bed and breakfast return.
fn housing(path: &Path, fy: i32, q: u8, i: usize) -> std::io::Result<()> {
    let mut rows = measure_rows(
        &[
            (
                "Families living in B&B at quarter end",
                Some(BB_FAMILIES[i]),
            ),
            (
                "Children living in B&B at quarter end",
                Some(BB_CHILDREN[i]),
            ),
            (
                "Families in B&B for more than 6 weeks",
                BB_OVER_SIX_WEEKS[i],
            ),
        ],
        "<5",
    );
    for (row, note) in rows
        .iter_mut()
        .zip(["", "", "Figures under 5 are not given"])
    {
        row.push(crate::common::Cell::Text(note.into()));
    }
    write_xlsx(
        path,
        &Sheet {
            name: "B&B return",
            titles: vec![
                "Bed and breakfast placements: quarterly return to the Safeguarding Children Partnership".into(),
                format!("Quarter: {}", quarter_title(fy, q)),
            ],
            headers: &["Measure", "Number", "Notes"],
            rows,
            guidance: "Count households in bed and breakfast accommodation on the last day of the quarter.",
            author: "Housing Options",
        },
    )
}

/// Children's social care's quarterly return of figures the case system
/// does not export as records.
fn csc_return(path: &Path, fy: i32, q: u8, i: usize, rng: &mut ChaCha8Rng) -> std::io::Result<()> {
    let leavers = around(rng, 96, 4);
    let suitable = (f64::from(leavers) * rng.random_range(0.77..0.80)).round() as u32;
    let eet = (f64::from(leavers) * rng.random_range(0.55..0.59)).round() as u32;
    let closed = around(rng, 180, 15);
    let improved = (f64::from(closed) * rng.random_range(0.70..0.74)).round() as u32;
    let missing_children = around(rng, 38, 5);
    let missing_episodes = missing_children * 2 + rng.random_range(0..=12);
    let fostering = PRIVATE_FOSTERING[i];
    write_xlsx(
        path,
        &Sheet {
            name: "Return",
            titles: vec![
                "Children's Services: quarterly return to the Safeguarding Children Partnership"
                    .into(),
                quarter_title(fy, q),
            ],
            headers: &["Measure", "Number"],
            rows: measure_rows(
                &[
                    (
                        "Children in private fostering arrangements at quarter end",
                        (fostering == 0 || fostering > 4).then_some(fostering),
                    ),
                    ("Care leavers aged 18 to 21", Some(leavers)),
                    ("Care leavers in suitable accommodation", Some(suitable)),
                    (
                        "Care leavers in education, employment or training",
                        Some(eet),
                    ),
                    ("Early help plans closed", Some(closed)),
                    (
                        "Early help plans closed with outcomes achieved",
                        Some(improved),
                    ),
                    (
                        "Young carers identified in the quarter",
                        Some(around(rng, 118, 9)),
                    ),
                    ("Missing episodes", Some(missing_episodes)),
                    ("Children who went missing", Some(missing_children)),
                ],
                "<5",
            ),
            guidance: "Counts under 5 are written <5.",
            author: "Children's Services Performance Team",
        },
    )
}

/// Probation's return: typed in Excel on Windows and saved as CSV, so it is
/// Windows-1252 (curly apostrophes, en dashes) with a title line.
fn probation(path: &Path, fy: i32, q: u8, i: usize, rng: &mut ChaCha8Rng) -> std::io::Result<()> {
    let text = format!(
        "Probation Service \u{2013} Sample Borough delivery unit: {}\r\nMeasure,Count\r\nSafeguarding referrals to the children\u{2019}s hub,{}\r\nHome visits completed with children\u{2019}s social care,{}\r\n",
        quarter_title(fy, q),
        PROBATION_REFERRALS[i],
        around(rng, 22, 4),
    );
    let bytes: Vec<u8> = text
        .chars()
        .map(|c| match c {
            '\u{2013}' => 0x96,
            '\u{2019}' => 0x92,
            c if c.is_ascii() => c as u8,
            c => panic!("no Windows-1252 byte for {c:?} here"),
        })
        .collect();
    write(path, &bytes)
}

/// Private fostering benchmarks shared through the regional benchmarking
/// group (synthetic, like every sample file): rate per 10,000 children for
/// the area and its statistical neighbours, 2022/23 to 2024/25.
pub fn regional_benchmarks(inbox: &Path) -> std::io::Result<()> {
    // The Isle of Wight's ten statistical neighbours (sn_may_2025.xlsx).
    let areas = [
        ("921", "Isle of Wight", "South East", [1.3, 0.4, 2.1]),
        ("357", "Tameside", "North West", [4.6, 4.9, 4.4]),
        ("908", "Cornwall", "South West", [4.1, 3.8, 4.3]),
        ("926", "Norfolk", "East of England", [3.7, 4.0, 3.9]),
        ("880", "Torbay", "South West", [5.2, 4.8, 5.0]),
        ("879", "Plymouth", "South West", [4.4, 4.2, 4.6]),
        ("350", "Bolton", "North West", [3.2, 3.5, 3.6]),
        ("929", "Northumberland", "North East", [2.9, 3.1, 3.3]),
        (
            "372",
            "Rotherham",
            "Yorkshire and the Humber",
            [3.9, 4.1, 3.7],
        ),
        ("354", "Rochdale", "North West", [4.8, 4.5, 4.7]),
        ("351", "Bury", "North West", [3.4, 3.6, 3.2]),
    ];
    let mut rows = Vec::new();
    for (number, name, region, values) in areas {
        for (y, v) in ["2023", "2024", "2025"].iter().zip(values) {
            rows.push(format!(
                "PrivFost_Rate,Children in private fostering arrangements per 10000 children (synthetic sample),{y},{name},{number},{region},{v}"
            ));
        }
    }
    write_csv(
        &inbox.join("benchmarks/regional_benchmarking_private_fostering_2024-25.csv"),
        "measure,measure_description,year,area,la_number,region,value",
        &rows,
    )
}
