//! Line charts as inline SVG (plotters), so the HTML report needs no network
//! and no script. Missing or suppressed quarters are gaps, never zeros.

use plotters::prelude::*;

/// Width and height of a chart in pixels.
const SIZE: (u32, u32) = (720, 300);
const LINE: RGBColor = RGBColor(0, 94, 165);

/// An SVG line chart of `values` (one per label; `None` is a gap).
pub fn line_chart(
    labels: &[String],
    values: &[Option<f64>],
    y_label: &str,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let max = values.iter().flatten().cloned().fold(0.0_f64, f64::max);
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
        let points = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64, v)));
        chart
            .draw_series(points.map(|p| Circle::new(p, 4, LINE.filled())))
            .map_err(|e| e.to_string())?;
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
        let svg = line_chart(&labels, &[Some(10.0), None, Some(30.0)], "children").unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Q3") && svg.contains("children"));
        assert_eq!(
            svg.matches("<circle").count(),
            2,
            "a gap is not drawn as a point"
        );
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(212.0), 250.0);
        assert_eq!(nice_ceiling(9.0), 10.0);
        assert_eq!(nice_ceiling(41.0), 50.0);
    }
}
