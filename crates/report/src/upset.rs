//! An UpSet chart as inline SVG (plotters): how many children have each
//! combination of vulnerabilities, as bars over a dot matrix. Each column
//! is one combination: its bar is the number of children with exactly that
//! combination, and the filled dots joined by a line below it say which
//! vulnerabilities make it up. Where Venn diagrams stop being readable at
//! four sets, this stays readable at a dozen.
//!
//! A suppressed count has no bar: a "c" stands where its figure would be,
//! so a reader never reads a small number off a bar's height.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One combination of sets and how many have it (`None`: suppressed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Combination {
    /// For each set, in the order of the names, whether it is in the
    /// combination.
    pub members: Vec<bool>,
    pub count: Option<u64>,
}

/// Pixels: the names' column, each combination's column, the bars' height,
/// each set's row in the matrix.
const NAMES_WIDTH: u32 = 260;
const COLUMN: u32 = 34;
const BARS_HEIGHT: u32 = 220;
const ROW: u32 = 28;
const FONT: u32 = 16;
const BAR: RGBColor = RGBColor(0, 94, 165);
const DOT: RGBColor = RGBColor(11, 12, 12);
const EMPTY: RGBColor = RGBColor(210, 212, 214);

/// The chart's SVG: combinations in the order given (largest first reads
/// best), one row per set name.
pub fn upset_chart(names: &[String], combinations: &[Combination]) -> Result<String, String> {
    if combinations.iter().any(|c| c.members.len() != names.len()) {
        return Err("each combination must say, for every set, whether it is in it".into());
    }
    let width = NAMES_WIDTH + COLUMN * combinations.len().max(1) as u32 + 20;
    let height = BARS_HEIGHT + 40 + ROW * names.len() as u32;
    let most = combinations
        .iter()
        .filter_map(|c| c.count)
        .max()
        .unwrap_or(0)
        .max(1);
    let x_of = |i: usize| (NAMES_WIDTH + COLUMN * i as u32 + COLUMN / 2) as i32;
    let y_of_row = |k: usize| (BARS_HEIGHT + 40 + ROW * k as u32 + ROW / 2) as i32;
    let bar_bottom = (BARS_HEIGHT + 20) as i32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let text = |anchor: Pos| {
            TextStyle::from(("sans-serif", FONT).into_font())
                .color(&DOT)
                .pos(anchor)
        };
        let draw = |e: Result<(), DrawingAreaErrorKind<_>>| e.map_err(|e| e.to_string());
        for (k, name) in names.iter().enumerate() {
            draw(root.draw(&Text::new(
                name.clone(),
                (NAMES_WIDTH as i32 - 12, y_of_row(k)),
                text(Pos::new(HPos::Right, VPos::Center)),
            )))?;
        }
        for (i, c) in combinations.iter().enumerate() {
            let x = x_of(i);
            // The bar, or "c" where the count is suppressed.
            let label_y = match c.count {
                Some(n) => {
                    let h = (u64::from(BARS_HEIGHT - 20) * n / most) as i32;
                    if n > 0 {
                        draw(root.draw(&Rectangle::new(
                            [(x - 11, bar_bottom - h), (x + 11, bar_bottom)],
                            BAR.filled(),
                        )))?;
                    }
                    bar_bottom - h - 4
                }
                None => bar_bottom - 4,
            };
            let figure = c
                .count
                .map_or(crate::disclosure::SUPPRESSED.to_string(), |n| n.to_string());
            draw(root.draw(&Text::new(
                figure,
                (x, label_y),
                text(Pos::new(HPos::Center, VPos::Bottom)),
            )))?;
            // The matrix: a filled dot for each set in the combination,
            // joined by a line; a pale dot for each set not in it.
            let rows: Vec<usize> = (0..names.len()).filter(|&k| c.members[k]).collect();
            if let (Some(&first), Some(&last)) = (rows.first(), rows.last())
                && first != last
            {
                draw(root.draw(&PathElement::new(
                    vec![(x, y_of_row(first)), (x, y_of_row(last))],
                    DOT.stroke_width(3),
                )))?;
            }
            for k in 0..names.len() {
                let colour = if c.members[k] { DOT } else { EMPTY };
                draw(root.draw(&Circle::new((x, y_of_row(k)), 7, colour.filled())))?;
            }
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// The chart in words, for those who cannot see it: the largest
/// combinations, with their counts as published.
pub fn upset_alt(names: &[String], combinations: &[Combination], shown: usize) -> String {
    let described: Vec<String> = combinations
        .iter()
        .take(shown)
        .map(|c| {
            let sets: Vec<&str> = names
                .iter()
                .zip(&c.members)
                .filter(|(_, m)| **m)
                .map(|(n, _)| n.as_str())
                .collect();
            let figure = c
                .count
                .map_or(crate::disclosure::SUPPRESSED.to_string(), |n| n.to_string());
            format!("{} ({figure})", sets.join(" with "))
        })
        .collect();
    format!(
        "Children by combination of vulnerabilities, largest first: {}.",
        described.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        [
            "Persistent absence",
            "Known to youth justice",
            "Open to CAMHS <CAMHS>",
        ]
        .map(String::from)
        .to_vec()
    }

    fn combinations() -> Vec<Combination> {
        vec![
            Combination {
                members: vec![true, false, false],
                count: Some(120),
            },
            Combination {
                members: vec![true, false, true],
                count: Some(40),
            },
            Combination {
                members: vec![true, true, true],
                count: None,
            },
            Combination {
                members: vec![false, true, false],
                count: Some(0),
            },
        ]
    }

    #[test]
    fn bars_for_published_counts_c_for_suppressed_and_dots_for_members() {
        // plotters writes each text on lines of its own.
        let svg = upset_chart(&names(), &combinations())
            .unwrap()
            .replace('\n', "");
        // Two bars (120 and 40): a zero and a suppressed count have none.
        assert_eq!(
            svg.matches("<rect").count() - 1,
            2,
            "the background is a rect too"
        );
        assert!(svg.contains(">c<"));
        assert!(svg.contains(">120<") && svg.contains(">40<") && svg.contains(">0<"));
        // A dot for every set in every combination; the filled ones are
        // the members (1 + 2 + 3 + 1), the rest pale.
        let circles: Vec<&str> = svg
            .split("<circle")
            .skip(1)
            .filter_map(|c| c.split("/>").next())
            .collect();
        assert_eq!(circles.len(), 12);
        let filled = circles
            .iter()
            .filter(|c| c.contains("fill=\"#0B0C0C\""))
            .count();
        assert_eq!(filled, 7);
        // Names are escaped.
        assert!(svg.contains("&lt;CAMHS&gt;") && !svg.contains("<CAMHS>"));
        // The tallest bar is the largest count.
        let heights: Vec<f64> = svg
            .split("<rect")
            .skip(2)
            .filter_map(|r| r.split("height=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect();
        assert!(heights[0] > heights[1] * 2.5, "{heights:?}");
    }

    #[test]
    fn the_words_say_what_the_picture_shows() {
        assert_eq!(
            upset_alt(&names(), &combinations(), 3),
            "Children by combination of vulnerabilities, largest first: Persistent absence (120); \
             Persistent absence with Open to CAMHS <CAMHS> (40); \
             Persistent absence with Known to youth justice with Open to CAMHS <CAMHS> (c)."
        );
    }

    #[test]
    fn a_combination_must_cover_every_set() {
        let wrong = vec![Combination {
            members: vec![true],
            count: Some(3),
        }];
        assert!(upset_chart(&names(), &wrong).is_err());
    }
}
