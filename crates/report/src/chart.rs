//! Line charts as inline SVG (plotters), so the HTML report needs no network
//! and no script. Missing or suppressed quarters are gaps, never zeros.

use plotters::prelude::*;

/// Width and height of a chart in pixels.
const SIZE: (u32, u32) = (720, 300);
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
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top)
            .map_err(|e| e.to_string())?;
        let step = n.div_ceil(12);
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
            .label_style(("sans-serif", 12))
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
        for r in references.iter().filter(|r| r.value >= 0.0) {
            let span = [r.from as f64 - 0.5, n as f64 - 0.5];
            let line = span.iter().map(|x| (*x, r.value));
            let series = match r.kind {
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
            // The lower limit shares the upper's legend entry.
            if !r.label.is_empty() {
                let kind = r.kind;
                series.label(r.label.clone()).legend(move |(x, y)| {
                    // The legend's swatch is dashed like the line it names:
                    // three pieces, joined for the target.
                    let (colour, [p, q, r]) = match kind {
                        ReferenceKind::Target => (TARGET, [(0, 6), (6, 12), (12, 18)]),
                        ReferenceKind::Mean => (GREY, [(0, 7), (11, 18), (18, 18)]),
                        ReferenceKind::Limit => (GREY, [(0, 3), (7, 10), (14, 17)]),
                        ReferenceKind::Neighbours => (NEIGHBOURS, [(0, 12), (15, 18), (18, 18)]),
                        ReferenceKind::England => (ENGLAND, [(0, 2), (6, 8), (12, 14)]),
                    };
                    let piece = |(a, b): (i32, i32)| {
                        PathElement::new(vec![(a, 0), (b, 0)], colour.stroke_width(2))
                    };
                    EmptyElement::at((x, y)) + piece(p) + piece(q) + piece(r)
                });
            }
        }
        if !references.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(200, 200, 200))
                .label_font(("sans-serif", 11))
                .draw()
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
                line("Process limits", 35.0, ReferenceKind::Limit),
                line("Target (18 weeks)", 18.0, ReferenceKind::Target),
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
            svg.contains("Mean")
                && svg.contains("Process limits")
                && svg.contains("Target (18 weeks)")
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
