//! Line charts as inline SVG (plotters), so the HTML report needs no network
//! and no script. Missing or suppressed quarters are gaps, never zeros.

use plotters::prelude::*;

/// Width and height of a chart in pixels. Shown at this size on a screen;
/// on a phone (about 360 pixels of text width) it shrinks to 0.6 of it,
/// which keeps 20-pixel text at 12 pixels.
const SIZE: (u32, u32) = (600, 320);
/// Text size on the chart, in its own pixels.
const FONT: u32 = 20;
/// Room on the right for the names of the reference lines.
const LABELS_WIDTH: u32 = 140;
const LINE: RGBColor = RGBColor(0, 94, 165);
const GREY: RGBColor = RGBColor(80, 90, 95);
const TARGET: RGBColor = RGBColor(177, 14, 30);
const NEIGHBOURS: RGBColor = RGBColor(0, 112, 60);
const ENGLAND: RGBColor = RGBColor(106, 52, 140);

/// A horizontal line across the chart, named in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub label: String,
    pub value: f64,
    pub kind: ReferenceKind,
    /// The first point the line applies to (limits worked out again after a
    /// shift start there); 0 for the whole chart.
    pub from: usize,
}

/// A point showing special-cause variation, marked by shape (a square, not
/// the usual circle) and colour (Making Data Count's orange for concerning,
/// blue for improving, purple where neither is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unusual {
    pub index: usize,
    pub kind: UnusualKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnusualKind {
    Concerning,
    Improving,
    Changed,
}

const CONCERNING: RGBColor = RGBColor(237, 139, 0);
const IMPROVING: RGBColor = RGBColor(0, 94, 184);
const CHANGED: RGBColor = RGBColor(110, 40, 130);

/// How a reference line is drawn: by dash pattern as well as colour, so
/// colour is never the only signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceKind {
    /// The mean: a long-dashed grey line.
    Mean,
    /// A process limit: a short-dashed grey line.
    Limit,
    /// A target: a solid red line.
    Target,
    /// The statistical neighbours' published figure: a long-dashed green line.
    Neighbours,
    /// England's published figure: a dotted purple line.
    England,
}

/// An SVG line chart of `values` (one per label; `None` is a gap), with
/// reference lines (mean, process limits, target) where given and unusual
/// points marked.
pub fn line_chart(
    labels: &[String],
    values: &[Option<f64>],
    y_label: &str,
    references: &[Reference],
    unusual: &[Unusual],
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let max = values
            .iter()
            .flatten()
            .cloned()
            .chain(references.iter().map(|r| r.value))
            .fold(0.0_f64, f64::max);
        let top = if max <= 0.0 {
            1.0
        } else {
            nice_ceiling(max * 1.1)
        };
        let n = labels.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .margin_right(LABELS_WIDTH)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top)
            .map_err(|e| e.to_string())?;
        // Four or so period names fit along the axis at this size.
        let step = n.div_ceil(4).max(1);
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(RGBColor(225, 225, 225))
            .y_labels(6)
            .y_label_formatter(&|y| {
                if top >= 10.0 {
                    format!("{y:.0}")
                } else {
                    format!("{y:.1}")
                }
            })
            .x_labels(n)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() > 1e-6
                    || i < 0.0
                    || i as usize >= labels.len()
                    || !(i as usize).is_multiple_of(step)
                {
                    String::new()
                } else {
                    labels[i as usize].clone()
                }
            })
            .y_desc(y_label)
            .label_style(("sans-serif", FONT))
            .draw()
            .map_err(|e| e.to_string())?;
        // One line per run of consecutive known values, so gaps stay gaps.
        let mut run: Vec<(f64, f64)> = Vec::new();
        for (i, v) in values.iter().enumerate().chain(std::iter::once((n, &None))) {
            match v {
                Some(v) => run.push((i as f64, *v)),
                None if !run.is_empty() => {
                    chart
                        .draw_series(LineSeries::new(run.clone(), LINE.stroke_width(2)))
                        .map_err(|e| e.to_string())?;
                    run.clear();
                }
                None => {}
            }
        }
        let mut names: Vec<(i32, String, RGBColor)> = Vec::new();
        for r in references.iter().filter(|r| r.value >= 0.0) {
            let span = [r.from as f64 - 0.5, n as f64 - 0.5];
            let line = span.iter().map(|x| (*x, r.value));
            match r.kind {
                ReferenceKind::Target => {
                    chart.draw_series(LineSeries::new(line, TARGET.stroke_width(2)))
                }
                ReferenceKind::Mean => {
                    chart.draw_series(DashedLineSeries::new(line, 10, 6, GREY.stroke_width(1)))
                }
                ReferenceKind::Limit => {
                    chart.draw_series(DashedLineSeries::new(line, 3, 4, GREY.stroke_width(1)))
                }
                ReferenceKind::Neighbours => chart.draw_series(DashedLineSeries::new(
                    line,
                    14,
                    4,
                    NEIGHBOURS.stroke_width(2),
                )),
                ReferenceKind::England => {
                    chart.draw_series(DashedLineSeries::new(line, 2, 3, ENGLAND.stroke_width(2)))
                }
            }
            .map_err(|e| e.to_string())?;
            let colour = match r.kind {
                ReferenceKind::Target => TARGET,
                ReferenceKind::Neighbours => NEIGHBOURS,
                ReferenceKind::England => ENGLAND,
                ReferenceKind::Mean | ReferenceKind::Limit => GREY,
            };
            if !r.label.is_empty() {
                let (_, y) = chart.backend_coord(&(n as f64 - 0.5, r.value));
                names.push((y, r.label.clone(), colour));
            }
        }
        // Each line named at its right-hand end, nudged apart so names of
        // lines close together do not overlap.
        names.sort_by_key(|(y, ..)| *y);
        let mut last = i32::MIN;
        let x = SIZE.0 as i32 - LABELS_WIDTH as i32 + 4;
        for (y, label, colour) in names {
            let y = y.max(last + FONT as i32);
            last = y;
            root.draw(&Text::new(
                label,
                (x, y - FONT as i32 / 2),
                ("sans-serif", FONT - 4).into_font().color(&colour),
            ))
            .map_err(|e| e.to_string())?;
        }
        let points = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64, v)));
        chart
            .draw_series(points.map(|p| Circle::new(p, 4, LINE.filled())))
            .map_err(|e| e.to_string())?;
        let marked = unusual.iter().filter_map(|u| {
            let v = (*values.get(u.index)?)?;
            let colour = match u.kind {
                UnusualKind::Concerning => CONCERNING,
                UnusualKind::Improving => IMPROVING,
                UnusualKind::Changed => CHANGED,
            };
            Some(
                EmptyElement::at((u.index as f64, v))
                    + Rectangle::new([(-6, -6), (6, 6)], colour.filled()),
            )
        });
        chart.draw_series(marked).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// A round number just above `x` for the top of the axis.
fn nice_ceiling(x: f64) -> f64 {
    let magnitude = 10f64.powf(x.log10().floor());
    let steps = [1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0];
    steps
        .iter()
        .map(|s| s * magnitude)
        .find(|v| *v >= x)
        .unwrap_or(10.0 * magnitude)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_an_svg_with_labels_and_a_point_per_value() {
        let labels: Vec<String> = ["Q1", "Q2", "Q3"].iter().map(|s| s.to_string()).collect();
        let svg = line_chart(
            &labels,
            &[Some(10.0), None, Some(30.0)],
            "children",
            &[],
            &[],
        )
        .unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Q3") && svg.contains("children"));
        assert_eq!(
            svg.matches("<circle").count(),
            2,
            "a gap is not drawn as a point"
        );
    }

    #[test]
    fn reference_lines_are_drawn_and_named_in_the_legend() {
        let labels: Vec<String> = ["Q1", "Q2", "Q3"].iter().map(|s| s.to_string()).collect();
        let line = |label: &str, value, kind| Reference {
            label: label.into(),
            value,
            kind,
            from: 0,
        };
        let svg = line_chart(
            &labels,
            &[Some(10.0), Some(12.0), Some(30.0)],
            "weeks",
            &[
                line("Mean", 17.3, ReferenceKind::Mean),
                line("Upper limit", 35.0, ReferenceKind::Limit),
                line("Target 18 weeks", 18.0, ReferenceKind::Target),
            ],
            &[Unusual {
                index: 2,
                kind: UnusualKind::Concerning,
            }],
        )
        .unwrap();
        assert_eq!(
            svg.matches(r##"fill="#ED8B00""##).count(),
            1,
            "one unusual point marked: {svg}"
        );
        assert!(
            svg.contains("Mean") && svg.contains("Upper limit") && svg.contains("Target 18 weeks"),
            "each line named at its end: {svg}"
        );
        assert!(
            svg.contains("stroke-dasharray") || svg.matches("<polyline").count() > 4,
            "dashed lines"
        );
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(212.0), 250.0);
        assert_eq!(nice_ceiling(9.0), 10.0);
        assert_eq!(nice_ceiling(41.0), 50.0);
    }
}
