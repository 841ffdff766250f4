//! The dashboard's charts: small hand-made SVG, drawn on the server by pure functions.
//!
//! Each chart is a [`Chart`]: a title, a text summary, the SVG, and the same figures as a
//! [`Table`] (for screen readers and for copying). The SVG carries `role="img"` and points at its
//! title and summary, so the figure and its words are one thing to assistive technology.
//!
//! Colours come from Bootstrap Italia's palette ([`palette`]), each with at least 3:1 contrast
//! against the white background for graphics and 4.5:1 for text (checked by a test), and every
//! distinction colour makes is also made by a pattern or a shape: an interval is a hatched bar
//! or band, an estimate a solid marker, a significant difference a triangle pointing its way.
//!
//! A suppressed cell (fewer than k responses, see
//! [Disclosure control](../../../docs/methods.md#disclosure-control)) never appears
//! as a figure or as zero: the chart writes "dati insufficienti" where its mark would be and the
//! table writes the same words, with `n` shown only as "< k".
//!
//! Hand-made SVG measured lighter than a charting crate: no dependency, a few KiB per chart.

use std::fmt::Write as _;

use super::i18n::Lang;

/// Bootstrap Italia's colours used by the charts and the stylesheet.
pub mod palette {
    /// The page background.
    pub const WHITE: &str = "#ffffff";
    /// Primary blue (`$primary`): estimates' intervals, bars.
    pub const PRIMARY: &str = "#0066cc";
    /// Dark blue-grey of Bootstrap Italia's text (`$color-text`): estimates' markers, text.
    pub const TEXT: &str = "#17324d";
    /// Neutral grey (`$neutral-1-a7`): axes, secondary text, suppressed cells.
    pub const NEUTRAL: &str = "#5d7083";
    /// Success green: a figure significantly above the national one.
    pub const SUCCESS: &str = "#008055";
    /// Danger red: a figure significantly below the national one.
    pub const DANGER: &str = "#cc334d";
    /// Version changes on the time axis.
    pub const WARNING: &str = "#995c00";
    /// Light grey grid lines (decoration only, carries no information).
    pub const GRID: &str = "#d9dadb";
}

/// A mean or a share with its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// The point estimate.
    pub value: f64,
    /// The interval's lower bound.
    pub low: f64,
    /// The interval's upper bound.
    pub high: f64,
}

/// A cell as published: its figure, or suppressed with only "fewer than k" known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Figure {
    /// Withheld: no figure may be shown.
    Suppressed {
        /// For a cell with fewer than k responses, k (shown as "< k"); `None` for a cell
        /// withheld by complementary suppression, of which not even `n` is shown.
        below: Option<u64>,
    },
    /// A published figure.
    Shown {
        /// Responses in the cell.
        n: u64,
        /// The estimate.
        estimate: Estimate,
    },
}

impl Figure {
    /// The estimate, if the cell is published.
    pub fn estimate(&self) -> Option<Estimate> {
        match self {
            Figure::Shown { estimate, .. } => Some(*estimate),
            Figure::Suppressed { .. } => None,
        }
    }
}

/// How a figure compares with the national one, at 95%.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Significance {
    /// Significantly higher.
    Higher,
    /// Significantly lower.
    Lower,
    /// The difference may be noise.
    NotSignificant,
    /// Too few responses to test.
    NotTestable,
}

impl Significance {
    /// The mark that says it without colour: a triangle pointing the difference's way, an equals
    /// sign for no significant difference, a question mark when untestable.
    pub fn symbol(self) -> &'static str {
        match self {
            Significance::Higher => "▲",
            Significance::Lower => "▼",
            Significance::NotSignificant => "=",
            Significance::NotTestable => "?",
        }
    }

    /// The words for it.
    pub fn words(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Significance::Higher, Lang::It) => "significativamente più alto",
            (Significance::Higher, Lang::En) => "significantly higher",
            (Significance::Lower, Lang::It) => "significativamente più basso",
            (Significance::Lower, Lang::En) => "significantly lower",
            (Significance::NotSignificant, Lang::It) => "differenza non significativa",
            (Significance::NotSignificant, Lang::En) => "no significant difference",
            (Significance::NotTestable, Lang::It) => "non verificabile",
            (Significance::NotTestable, Lang::En) => "not testable",
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Significance::Higher => palette::SUCCESS,
            Significance::Lower => palette::DANGER,
            _ => palette::NEUTRAL,
        }
    }
}

/// The axis of a chart: a 1–5 mean or a 0–1 share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Means of 1–5 ratings.
    Rating,
    /// Shares, drawn as percentages.
    Share,
}

impl Scale {
    fn bounds(self) -> (f64, f64) {
        match self {
            Scale::Rating => (1.0, 5.0),
            Scale::Share => (0.0, 1.0),
        }
    }

    fn ticks(self) -> Vec<f64> {
        match self {
            Scale::Rating => vec![1.0, 2.0, 3.0, 4.0, 5.0],
            Scale::Share => vec![0.0, 0.25, 0.5, 0.75, 1.0],
        }
    }

    /// A value on this scale as text: `4,2` or `42,0%`.
    pub fn format(self, lang: Lang, x: f64) -> String {
        match self {
            Scale::Rating => lang.number(x, 2),
            Scale::Share => lang.percent(x),
        }
    }

    fn tick_label(self, lang: Lang, x: f64) -> String {
        match self {
            Scale::Rating => lang.number(x, 0),
            Scale::Share => format!("{}%", lang.number(x * 100.0, 0)),
        }
    }
}

/// The words the charts write.
pub fn insufficient(lang: Lang) -> &'static str {
    match lang {
        Lang::It => "dati insufficienti",
        Lang::En => "insufficient data",
    }
}

fn interval_words(lang: Lang) -> &'static str {
    match lang {
        Lang::It => "IC 95%",
        Lang::En => "95% CI",
    }
}

/// A table of figures: a caption, column headers, rows of cells (the first cell of a row heads
/// the row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// The caption.
    pub caption: String,
    /// The column headers.
    pub head: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<String>>,
    /// Where each row's heading links to (empty: no link), by row; may be shorter than `rows`.
    pub row_links: Vec<String>,
}

impl Table {
    /// Where row `i`'s heading links to, or `""`.
    pub fn link(&self, i: &usize) -> &str {
        self.row_links.get(*i).map_or("", String::as_str)
    }
}

/// A chart ready for a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    /// A unique id on the page, prefix of every id inside the SVG.
    pub id: String,
    /// The title.
    pub title: String,
    /// What the chart shows, in words.
    pub summary: String,
    /// The SVG element (already escaped, safe to embed).
    pub svg: String,
    /// The same figures as a table.
    pub table: Table,
}

/// Escapes text for SVG/HTML content and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A short id-safe form of `id` (ASCII letters, digits and `-`).
fn safe_id(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn truncate(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// The opening of an SVG, its title and summary, and the patterns every chart uses.
fn open_svg(out: &mut String, id: &str, width: u32, height: u32, title: &str, summary: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}-svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-t {id}-d" font-family="Titillium Web, Geneva, Tahoma, sans-serif" font-size="13"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc><defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="{white}"/><line x1="0" y1="0" x2="0" y2="6" stroke="{primary}" stroke-width="3"/></pattern><pattern id="{id}-grey" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="6" height="6" fill="{white}"/><line x1="0" y1="0" x2="0" y2="6" stroke="{grid}" stroke-width="2"/></pattern></defs><rect width="{width}" height="{height}" fill="{white}"/>"#,
        escape(title),
        escape(summary),
        white = palette::WHITE,
        primary = palette::PRIMARY,
        grid = palette::GRID,
    );
}

/// One row of a ranked chart: a service (or body, or kind) and its figure.
#[derive(Clone, Debug, PartialEq)]
pub struct RankedRow {
    /// What the row is, as the reader knows it.
    pub label: String,
    /// Its figure.
    pub figure: Figure,
    /// How it compares with the national figure, when the page compares.
    pub significance: Option<Significance>,
    /// The page of the row's service (empty: none).
    pub href: String,
}

const RANK_LABEL_W: f64 = 230.0;
const RANK_PLOT_W: f64 = 330.0;
const RANK_MARK_W: f64 = 40.0;
const RANK_ROW_H: f64 = 30.0;
const RANK_TOP: f64 = 10.0;
const RANK_AXIS_H: f64 = 30.0;

/// Services ranked by an indicator: each estimate a marker on its 95% interval (a hatched
/// bar), published rows best first, suppressed rows last with "dati insufficienti".
pub fn ranked(
    id: &str,
    title: &str,
    indicator: &str,
    scale: Scale,
    rows: &[RankedRow],
    lang: Lang,
) -> Chart {
    let id = safe_id(id);
    let mut sorted: Vec<&RankedRow> = rows.iter().collect();
    // Published rows by value, highest first; suppressed rows after them, in the given order.
    sorted.sort_by(|a, b| match (a.figure.estimate(), b.figure.estimate()) {
        (Some(x), Some(y)) => y.value.total_cmp(&x.value),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let published: Vec<&RankedRow> = sorted
        .iter()
        .copied()
        .filter(|r| r.figure.estimate().is_some())
        .collect();
    let suppressed = sorted.len() - published.len();
    let summary = ranked_summary(indicator, scale, &published, suppressed, sorted.len(), lang);

    let width = (RANK_LABEL_W + RANK_PLOT_W + RANK_MARK_W + 20.0) as u32;
    let height = (RANK_TOP + RANK_ROW_H * sorted.len().max(1) as f64 + RANK_AXIS_H) as u32;
    let (lo, hi) = scale.bounds();
    let x = |v: f64| RANK_LABEL_W + (v.clamp(lo, hi) - lo) / (hi - lo) * RANK_PLOT_W;
    let plot_bottom = RANK_TOP + RANK_ROW_H * sorted.len().max(1) as f64;

    let mut svg = String::new();
    open_svg(&mut svg, &id, width, height, title, &summary);
    for t in scale.ticks() {
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{RANK_TOP}" x2="{x:.1}" y2="{plot_bottom}" stroke="{grid}"/><text x="{x:.1}" y="{ty:.1}" text-anchor="middle" fill="{text}">{label}</text>"#,
            x = x(t),
            ty = plot_bottom + 18.0,
            grid = palette::GRID,
            text = palette::TEXT,
            label = escape(&scale.tick_label(lang, t)),
        );
    }
    let _ = write!(
        svg,
        r#"<line x1="{RANK_LABEL_W}" y1="{plot_bottom}" x2="{x2}" y2="{plot_bottom}" stroke="{neutral}"/>"#,
        x2 = RANK_LABEL_W + RANK_PLOT_W,
        neutral = palette::NEUTRAL,
    );
    for (i, row) in sorted.iter().enumerate() {
        let cy = RANK_TOP + RANK_ROW_H * i as f64 + RANK_ROW_H / 2.0;
        let _ = write!(
            svg,
            r#"<g><title>{full}</title><text x="{lx}" y="{ty:.1}" text-anchor="end" fill="{text}">{label}</text>"#,
            full = escape(&row.label),
            lx = RANK_LABEL_W - 8.0,
            ty = cy + 4.5,
            text = palette::TEXT,
            label = escape(&truncate(&row.label, 30)),
        );
        match row.figure.estimate() {
            Some(e) => {
                let (x1, x2) = (x(e.low), x(e.high));
                let _ = write!(
                    svg,
                    r##"<rect class="interval" x="{x1:.1}" y="{y:.1}" width="{w:.1}" height="12" fill="url(#{id}-hatch)" stroke="{primary}" stroke-width="1.5"/><circle class="estimate" cx="{cx:.1}" cy="{cy:.1}" r="6" fill="{text}" stroke="{white}" stroke-width="2"/>"##,
                    y = cy - 6.0,
                    w = (x2 - x1).max(1.0),
                    primary = palette::PRIMARY,
                    cx = x(e.value),
                    text = palette::TEXT,
                    white = palette::WHITE,
                );
            }
            None => {
                let _ = write!(
                    svg,
                    r#"<text class="suppressed" x="{sx}" y="{ty:.1}" font-style="italic" fill="{neutral}">{words}</text>"#,
                    sx = RANK_LABEL_W + 6.0,
                    ty = cy + 4.5,
                    neutral = palette::NEUTRAL,
                    words = insufficient(lang),
                );
            }
        }
        if let (Some(s), Some(_)) = (row.significance, row.figure.estimate()) {
            let _ = write!(
                svg,
                r#"<text class="mark" x="{mx}" y="{ty:.1}" text-anchor="middle" font-size="16" fill="{c}">{sym}<title>{words}</title></text>"#,
                mx = RANK_LABEL_W + RANK_PLOT_W + RANK_MARK_W / 2.0 + 6.0,
                ty = cy + 5.5,
                c = s.colour(),
                sym = s.symbol(),
                words = s.words(lang),
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");

    let mut head = vec![
        match lang {
            Lang::It => "Servizio",
            Lang::En => "Service",
        }
        .to_owned(),
        "n".to_owned(),
        indicator.to_owned(),
        interval_words(lang).to_owned(),
    ];
    if rows.iter().any(|r| r.significance.is_some()) {
        head.push(
            match lang {
                Lang::It => "Rispetto al dato nazionale",
                Lang::En => "Compared with the national figure",
            }
            .to_owned(),
        );
    }
    let compares = head.len() == 5;
    let table_rows = sorted
        .iter()
        .map(|row| {
            let mut cells = vec![row.label.clone()];
            cells.extend(figure_cells(&row.figure, scale, lang));
            if compares {
                cells.push(match (row.significance, row.figure.estimate()) {
                    (Some(s), Some(_)) => format!("{} {}", s.symbol(), s.words(lang)),
                    (_, None) => insufficient(lang).to_owned(),
                    (None, Some(_)) => "–".to_owned(),
                });
            }
            cells
        })
        .collect();
    Chart {
        id: id.clone(),
        title: title.to_owned(),
        summary,
        svg,
        table: Table {
            caption: title.to_owned(),
            head,
            rows: table_rows,
            row_links: sorted.iter().map(|r| r.href.clone()).collect(),
        },
    }
}

/// The cells `n`, estimate and interval of a figure: "< k" and "dati insufficienti" twice when
/// suppressed.
pub fn figure_cells(figure: &Figure, scale: Scale, lang: Lang) -> [String; 3] {
    match figure {
        Figure::Suppressed { below } => [
            below.map_or_else(
                || insufficient(lang).to_owned(),
                |k| format!("< {}", lang.count(k)),
            ),
            insufficient(lang).to_owned(),
            insufficient(lang).to_owned(),
        ],
        Figure::Shown { n, estimate } => [
            lang.count(*n),
            scale.format(lang, estimate.value),
            format!(
                "{} – {}",
                scale.format(lang, estimate.low),
                scale.format(lang, estimate.high)
            ),
        ],
    }
}

fn ranked_summary(
    indicator: &str,
    scale: Scale,
    published: &[&RankedRow],
    suppressed: usize,
    total: usize,
    lang: Lang,
) -> String {
    let describe = |r: &RankedRow| {
        let e = r.figure.estimate().unwrap_or(Estimate {
            value: f64::NAN,
            low: f64::NAN,
            high: f64::NAN,
        });
        format!(
            "{} ({}; {} {} – {})",
            r.label,
            scale.format(lang, e.value),
            interval_words(lang),
            scale.format(lang, e.low),
            scale.format(lang, e.high)
        )
    };
    let mut s = match lang {
        Lang::It => format!("{total} righe ordinate per {indicator}, dal valore più alto."),
        Lang::En => format!("{total} rows ranked by {indicator}, highest first."),
    };
    if let [only] = published {
        let _ = match lang {
            Lang::It => write!(s, " Unico valore pubblicato: {}.", describe(only)),
            Lang::En => write!(s, " The only published figure: {}.", describe(only)),
        };
    } else if let (Some(first), Some(last)) = (published.first(), published.last()) {
        let _ = match lang {
            Lang::It => write!(
                s,
                " Più alto: {}. Più basso: {}.",
                describe(first),
                describe(last)
            ),
            Lang::En => write!(
                s,
                " Highest: {}. Lowest: {}.",
                describe(first),
                describe(last)
            ),
        };
    }
    if suppressed > 0 {
        let _ = match lang {
            Lang::It => write!(s, " {suppressed} con dati insufficienti."),
            Lang::En => write!(s, " {suppressed} with insufficient data."),
        };
    }
    s
}

/// One period of a trend.
#[derive(Clone, Debug, PartialEq)]
pub struct TrendPoint {
    /// The period as the API writes it (`2026-10`).
    pub period: String,
    /// Its figure.
    pub figure: Figure,
}

/// A questionnaire version that came into use in a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionChange {
    /// The period (as in [`TrendPoint::period`]) whose responses first answered it.
    pub period: String,
    /// The version's label, such as `facilita v2`.
    pub label: String,
}

const TREND_W: f64 = 640.0;
const TREND_H: f64 = 260.0;
const TREND_LEFT: f64 = 48.0;
const TREND_RIGHT: f64 = 16.0;
const TREND_TOP: f64 = 28.0;
const TREND_BOTTOM: f64 = 40.0;

/// The trend of an indicator: the estimate as a line with markers, its 95% interval as a
/// hatched band, questionnaire version changes as dashed vertical lines labelled on the time
/// axis, suppressed periods as a grey hatched column that says "dati insufficienti" (the line
/// breaks there: no figure is invented).
pub fn trend(
    id: &str,
    title: &str,
    indicator: &str,
    scale: Scale,
    points: &[TrendPoint],
    versions: &[VersionChange],
    lang: Lang,
) -> Chart {
    let id = safe_id(id);
    let summary = trend_summary(indicator, scale, points, versions, lang);
    let (lo, hi) = scale.bounds();
    let plot_w = TREND_W - TREND_LEFT - TREND_RIGHT;
    let plot_h = TREND_H - TREND_TOP - TREND_BOTTOM;
    let step = plot_w / points.len().max(1) as f64;
    let x = |i: usize| TREND_LEFT + step * (i as f64 + 0.5);
    let y = |v: f64| TREND_TOP + (1.0 - (v.clamp(lo, hi) - lo) / (hi - lo)) * plot_h;
    let bottom = TREND_TOP + plot_h;

    let mut svg = String::new();
    open_svg(
        &mut svg,
        &id,
        TREND_W as u32,
        TREND_H as u32,
        title,
        &summary,
    );
    for t in scale.ticks() {
        let _ = write!(
            svg,
            r#"<line x1="{TREND_LEFT}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="{grid}"/><text x="{tx}" y="{ty:.1}" text-anchor="end" fill="{text}">{label}</text>"#,
            y = y(t),
            x2 = TREND_W - TREND_RIGHT,
            grid = palette::GRID,
            tx = TREND_LEFT - 6.0,
            ty = y(t) + 4.5,
            text = palette::TEXT,
            label = escape(&scale.tick_label(lang, t)),
        );
    }
    // Suppressed periods first, behind everything.
    for (i, p) in points.iter().enumerate() {
        if p.figure.estimate().is_none() {
            let _ = write!(
                svg,
                r##"<g class="suppressed"><title>{period}: {words}</title><rect x="{rx:.1}" y="{TREND_TOP}" width="{w:.1}" height="{plot_h}" fill="url(#{id}-grey)"/><text transform="translate({tx:.1},{ty:.1}) rotate(-90)" font-style="italic" font-size="11" fill="{neutral}">{words}</text></g>"##,
                period = escape(&lang.period(&p.period)),
                words = insufficient(lang),
                rx = x(i) - step / 2.0 + 1.0,
                w = (step - 2.0).max(1.0),
                tx = x(i) + 4.0,
                ty = bottom - 6.0,
                neutral = palette::NEUTRAL,
            );
        }
    }
    // Runs of consecutive published periods: a band and a line each.
    let mut runs: Vec<Vec<(usize, Estimate)>> = Vec::new();
    let mut current = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match p.figure.estimate() {
            Some(e) => current.push((i, e)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    for run in &runs {
        let (first, last) = (run[0].0, run[run.len() - 1].0);
        let half = if run.len() == 1 { step * 0.25 } else { 0.0 };
        let mut band = String::new();
        for (k, (i, e)) in run.iter().enumerate() {
            let dx = if k == 0 { -half } else { 0.0 };
            let _ = write!(band, "{:.1},{:.1} ", x(*i) + dx, y(e.high));
            if run.len() == 1 {
                let _ = write!(band, "{:.1},{:.1} ", x(*i) + half, y(e.high));
            }
        }
        for (k, (i, e)) in run.iter().enumerate().rev() {
            if run.len() == 1 {
                let _ = write!(band, "{:.1},{:.1} ", x(*i) + half, y(e.low));
            }
            let dx = if k == 0 { -half } else { 0.0 };
            let _ = write!(band, "{:.1},{:.1} ", x(*i) + dx, y(e.low));
        }
        let _ = write!(
            svg,
            r##"<polygon class="band" points="{}" fill="url(#{id}-hatch)" stroke="{primary}" stroke-width="1" fill-opacity="0.6"/>"##,
            band.trim_end(),
            primary = palette::PRIMARY,
        );
        if first != last {
            let line: Vec<String> = run
                .iter()
                .map(|(i, e)| format!("{:.1},{:.1}", x(*i), y(e.value)))
                .collect();
            let _ = write!(
                svg,
                r#"<polyline class="line" points="{}" fill="none" stroke="{text}" stroke-width="2.5"/>"#,
                line.join(" "),
                text = palette::TEXT,
            );
        }
        for (i, e) in run {
            let _ = write!(
                svg,
                r#"<circle class="estimate" cx="{:.1}" cy="{:.1}" r="4" fill="{text}" stroke="{white}" stroke-width="1.5"><title>{}: {}</title></circle>"#,
                x(*i),
                y(e.value),
                escape(&lang.period(&points[*i].period)),
                scale.format(lang, e.value),
                text = palette::TEXT,
                white = palette::WHITE,
            );
        }
    }
    for v in versions {
        if let Some(i) = points.iter().position(|p| p.period == v.period) {
            let vx = x(i) - step / 2.0;
            let _ = write!(
                svg,
                r#"<g class="version"><line x1="{vx:.1}" y1="{y1}" x2="{vx:.1}" y2="{bottom}" stroke="{warn}" stroke-width="2" stroke-dasharray="6 3"/><text x="{tx:.1}" y="{ty}" fill="{warn}" font-size="12">◆ {label}</text></g>"#,
                y1 = TREND_TOP - 10.0,
                warn = palette::WARNING,
                tx = vx + 3.0,
                ty = TREND_TOP - 12.0,
                label = escape(&v.label),
            );
        }
    }
    // Period labels along the axis, at most about ten of them.
    let every = points.len().div_ceil(10).max(1);
    for (i, p) in points.iter().enumerate() {
        if i % every == 0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="{text}">{}</text>"#,
                x(i),
                bottom + 16.0,
                escape(&lang.period(&p.period)),
                text = palette::TEXT,
            );
        }
    }
    let _ = write!(
        svg,
        r#"<line x1="{TREND_LEFT}" y1="{bottom}" x2="{x2}" y2="{bottom}" stroke="{neutral}"/></svg>"#,
        x2 = TREND_W - TREND_RIGHT,
        neutral = palette::NEUTRAL,
    );

    let period_word = match lang {
        Lang::It => "Periodo",
        Lang::En => "Period",
    };
    let version_word = match lang {
        Lang::It => "Versione del questionario",
        Lang::En => "Questionnaire version",
    };
    let rows = points
        .iter()
        .map(|p| {
            let mut cells = vec![lang.period(&p.period)];
            cells.extend(figure_cells(&p.figure, scale, lang));
            cells.push(
                versions
                    .iter()
                    .filter(|v| v.period == p.period)
                    .map(|v| v.label.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            cells
        })
        .collect();
    Chart {
        id: id.clone(),
        title: title.to_owned(),
        summary,
        svg,
        table: Table {
            caption: title.to_owned(),
            head: vec![
                period_word.to_owned(),
                "n".to_owned(),
                indicator.to_owned(),
                interval_words(lang).to_owned(),
                version_word.to_owned(),
            ],
            rows,
            row_links: Vec::new(),
        },
    }
}

fn trend_summary(
    indicator: &str,
    scale: Scale,
    points: &[TrendPoint],
    versions: &[VersionChange],
    lang: Lang,
) -> String {
    let published: Vec<(&TrendPoint, Estimate)> = points
        .iter()
        .filter_map(|p| p.figure.estimate().map(|e| (p, e)))
        .collect();
    let suppressed = points.len() - published.len();
    let mut s = String::new();
    match (published.first(), published.last()) {
        (Some((p1, e1)), Some((p2, e2))) if published.len() > 1 => {
            let _ = match lang {
                Lang::It => write!(
                    s,
                    "{indicator}: da {} a {} il valore passa da {} a {}.",
                    lang.period(&p1.period),
                    lang.period(&p2.period),
                    scale.format(lang, e1.value),
                    scale.format(lang, e2.value)
                ),
                Lang::En => write!(
                    s,
                    "{indicator}: from {} to {} the figure moves from {} to {}.",
                    lang.period(&p1.period),
                    lang.period(&p2.period),
                    scale.format(lang, e1.value),
                    scale.format(lang, e2.value)
                ),
            };
        }
        (Some((p, e)), _) => {
            let _ = write!(
                s,
                "{indicator}: {} {}.",
                lang.period(&p.period),
                scale.format(lang, e.value)
            );
        }
        _ => {
            let _ = write!(s, "{indicator}: {}.", insufficient(lang));
        }
    }
    if suppressed > 0 {
        let _ = match lang {
            Lang::It => write!(s, " {suppressed} periodi con dati insufficienti."),
            Lang::En => write!(s, " {suppressed} periods with insufficient data."),
        };
    }
    for v in versions {
        let _ = match lang {
            Lang::It => write!(
                s,
                " Nuova versione del questionario da {}: {}.",
                lang.period(&v.period),
                v.label
            ),
            Lang::En => write!(
                s,
                " New questionnaire version from {}: {}.",
                lang.period(&v.period),
                v.label
            ),
        };
    }
    s
}

const DIST_W: f64 = 420.0;
const DIST_H: f64 = 220.0;
const DIST_TOP: f64 = 24.0;
const DIST_BOTTOM: f64 = 44.0;
const DIST_LEFT: f64 = 20.0;

/// The 1..5 distribution of a rating: one bar per value with its share, the top box (4–5)
/// solid and the rest hatched, so the two read apart without colour. `None` (a suppressed cell)
/// draws no bar and says "dati insufficienti".
pub fn distribution(
    id: &str,
    title: &str,
    counts: Option<[u64; 5]>,
    below: Option<u64>,
    lang: Lang,
) -> Chart {
    let id = safe_id(id);
    let total: u64 = counts.map(|c| c.iter().sum()).unwrap_or_default();
    let shares: Option<[f64; 5]> = counts
        .filter(|_| total > 0)
        .map(|c| c.map(|v| v as f64 / total as f64));
    let summary = match shares {
        Some(s) => {
            let parts: Vec<String> = s
                .iter()
                .enumerate()
                .map(|(i, v)| format!("{}: {}", i + 1, lang.percent(*v)))
                .collect();
            match lang {
                Lang::It => format!(
                    "Su {} risposte: {}. Quota 4–5: {}.",
                    lang.count(total),
                    parts.join("; "),
                    lang.percent(s[3] + s[4])
                ),
                Lang::En => format!(
                    "Of {} responses: {}. Share of 4–5: {}.",
                    lang.count(total),
                    parts.join("; "),
                    lang.percent(s[3] + s[4])
                ),
            }
        }
        None => insufficient(lang).to_owned(),
    };
    let mut svg = String::new();
    open_svg(&mut svg, &id, DIST_W as u32, DIST_H as u32, title, &summary);
    let plot_h = DIST_H - DIST_TOP - DIST_BOTTOM;
    let slot = (DIST_W - 2.0 * DIST_LEFT) / 5.0;
    let bottom = DIST_TOP + plot_h;
    match shares {
        Some(s) => {
            // Bars scaled to the largest share (each is labelled with its value).
            let top = s.iter().copied().fold(0.0_f64, f64::max).max(f64::EPSILON);
            for (i, share) in s.iter().enumerate() {
                let h = plot_h * share / top;
                let bx = DIST_LEFT + slot * i as f64 + slot * 0.15;
                let fill = if i >= 3 {
                    palette::PRIMARY.to_owned()
                } else {
                    format!("url(#{id}-hatch)")
                };
                let _ = write!(
                    svg,
                    r#"<rect class="bar" x="{bx:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}" stroke="{primary}" stroke-width="1.5"/><text x="{cx:.1}" y="{ty:.1}" text-anchor="middle" fill="{text}">{label}</text>"#,
                    y = bottom - h,
                    w = slot * 0.7,
                    primary = palette::PRIMARY,
                    cx = bx + slot * 0.35,
                    ty = bottom - h - 6.0,
                    text = palette::TEXT,
                    label = lang.percent(*share),
                );
            }
        }
        None => {
            let _ = write!(
                svg,
                r#"<text class="suppressed" x="{cx}" y="{cy}" text-anchor="middle" font-style="italic" fill="{neutral}">{words}</text>"#,
                cx = DIST_W / 2.0,
                cy = DIST_TOP + plot_h / 2.0,
                neutral = palette::NEUTRAL,
                words = insufficient(lang),
            );
        }
    }
    for i in 0..5 {
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{text}">{}</text>"#,
            DIST_LEFT + slot * (i as f64 + 0.5),
            bottom + 18.0,
            i + 1,
            text = palette::TEXT,
        );
    }
    let legend = match lang {
        Lang::It => "pieno: 4–5 (top box); tratteggiato: 1–3",
        Lang::En => "solid: 4–5 (top box); hatched: 1–3",
    };
    let _ = write!(
        svg,
        r#"<line x1="{DIST_LEFT}" y1="{bottom}" x2="{x2}" y2="{bottom}" stroke="{neutral}"/><text x="{DIST_LEFT}" y="{ly}" font-size="11" fill="{text}">{legend}</text></svg>"#,
        x2 = DIST_W - DIST_LEFT,
        neutral = palette::NEUTRAL,
        ly = DIST_H - 6.0,
        text = palette::TEXT,
    );
    let (value_word, count_word, share_word) = match lang {
        Lang::It => ("Valore", "Risposte", "Quota"),
        Lang::En => ("Value", "Responses", "Share"),
    };
    let rows = (0..5)
        .map(|i| match (counts, shares) {
            (Some(c), Some(s)) => vec![(i + 1).to_string(), lang.count(c[i]), lang.percent(s[i])],
            _ => vec![
                (i + 1).to_string(),
                below.map_or_else(
                    || insufficient(lang).to_owned(),
                    |k| format!("< {}", lang.count(k)),
                ),
                insufficient(lang).to_owned(),
            ],
        })
        .collect();
    Chart {
        id: id.clone(),
        title: title.to_owned(),
        summary,
        svg,
        table: Table {
            caption: title.to_owned(),
            head: vec![
                value_word.to_owned(),
                count_word.to_owned(),
                share_word.to_owned(),
            ],
            rows,
            row_links: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(n: u64, value: f64, low: f64, high: f64) -> Figure {
        Figure::Shown {
            n,
            estimate: Estimate { value, low, high },
        }
    }

    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c =
                f64::from(u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap_or(0)) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
    }

    /// WCAG 2.x contrast ratio of two colours.
    fn contrast(a: &str, b: &str) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn the_contrast_formula_gives_the_textbook_extremes() {
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        assert!((contrast("#777777", "#777777") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn every_colour_that_carries_meaning_contrasts_at_least_4_5_to_1_with_white() {
        // 4.5:1 covers text (WCAG 1.4.3) and, a fortiori, graphics (1.4.11, 3:1).
        for colour in [
            palette::PRIMARY,
            palette::TEXT,
            palette::NEUTRAL,
            palette::SUCCESS,
            palette::DANGER,
            palette::WARNING,
        ] {
            let ratio = contrast(colour, palette::WHITE);
            assert!(ratio >= 4.5, "{colour} has {ratio:.2}:1 against white");
        }
    }

    #[test]
    fn ranked_rows_go_best_first_with_suppressed_rows_last_and_no_figure_for_them() {
        let rows = vec![
            RankedRow {
                label: "Piccolo".into(),
                figure: Figure::Suppressed { below: Some(10) },
                significance: None,
                href: String::new(),
            },
            RankedRow {
                label: "Medio".into(),
                figure: shown(120, 3.8, 3.6, 4.0),
                significance: None,
                href: String::new(),
            },
            RankedRow {
                label: "Alto".into(),
                figure: shown(900, 4.4, 4.3, 4.5),
                significance: None,
                href: String::new(),
            },
        ];
        let chart = ranked(
            "rank",
            "Servizi",
            "facilita",
            Scale::Rating,
            &rows,
            Lang::It,
        );
        let labels: Vec<&str> = chart.table.rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(labels, ["Alto", "Medio", "Piccolo"]);
        assert_eq!(chart.table.rows[0][1..4], ["900", "4,40", "4,30 – 4,50"]);
        assert_eq!(
            chart.table.rows[2][1..4],
            ["< 10", "dati insufficienti", "dati insufficienti"]
        );
        // Two intervals and two markers drawn, the suppressed row in words.
        assert_eq!(chart.svg.matches(r#"class="interval""#).count(), 2);
        assert_eq!(chart.svg.matches(r#"class="estimate""#).count(), 2);
        assert_eq!(chart.svg.matches(r#"class="suppressed""#).count(), 1);
        assert!(chart.svg.contains(">dati insufficienti</text>"));
        assert!(
            chart
                .summary
                .contains("Più alto: Alto (4,40; IC 95% 4,30 – 4,50)")
        );
        assert!(chart.summary.contains("Più basso: Medio"));
        assert!(chart.summary.contains("1 con dati insufficienti"));
    }

    #[test]
    fn an_interval_bar_spans_its_bounds_on_the_one_to_five_axis() {
        let rows = vec![RankedRow {
            label: "A".into(),
            figure: shown(50, 3.0, 2.0, 4.0),
            significance: None,
            href: String::new(),
        }];
        let chart = ranked("r", "t", "facilita", Scale::Rating, &rows, Lang::En);
        // x(2) = 230 + 1/4·330 = 312.5; width = 2/4·330 = 165; the marker at x(3) = 395.
        assert!(
            chart.svg.contains(r#"x="312.5" y="19.0" width="165.0""#),
            "{}",
            chart.svg
        );
        assert!(chart.svg.contains(r#"cx="395.0""#));
        assert!(
            chart
                .summary
                .ends_with("The only published figure: A (3.00; 95% CI 2.00 – 4.00).")
        );
    }

    #[test]
    fn a_comparison_is_told_by_a_shape_and_by_words_as_well_as_by_colour() {
        let rows = vec![
            RankedRow {
                label: "Sopra".into(),
                figure: shown(300, 4.5, 4.4, 4.6),
                significance: Some(Significance::Higher),
                href: String::new(),
            },
            RankedRow {
                label: "Sotto".into(),
                figure: shown(300, 3.0, 2.9, 3.1),
                significance: Some(Significance::Lower),
                href: String::new(),
            },
            RankedRow {
                label: "Pochi".into(),
                figure: Figure::Suppressed { below: Some(10) },
                significance: Some(Significance::NotTestable),
                href: String::new(),
            },
        ];
        let chart = ranked("cmp", "t", "facilita", Scale::Rating, &rows, Lang::It);
        assert!(
            chart
                .svg
                .contains("▲<title>significativamente più alto</title>")
        );
        assert!(
            chart
                .svg
                .contains("▼<title>significativamente più basso</title>")
        );
        assert_eq!(chart.table.rows[0][4], "▲ significativamente più alto");
        assert_eq!(chart.table.rows[1][4], "▼ significativamente più basso");
        // A suppressed row has no comparison to show, not even "not testable".
        assert_eq!(chart.table.rows[2][4], "dati insufficienti");
        assert_eq!(chart.svg.matches(r#"class="mark""#).count(), 2);
    }

    #[test]
    fn labels_are_escaped_in_the_svg_and_ids_are_made_safe() {
        let rows = vec![RankedRow {
            label: "<script>alert(1)</script> & co".into(),
            figure: shown(50, 3.0, 2.0, 4.0),
            significance: None,
            href: String::new(),
        }];
        let chart = ranked(
            "a b\"c",
            "Tit<le>",
            "facilita",
            Scale::Rating,
            &rows,
            Lang::It,
        );
        assert!(!chart.svg.contains("<script>"));
        assert!(
            chart
                .svg
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co")
        );
        assert!(chart.svg.contains("Tit&lt;le&gt;"));
        assert_eq!(chart.id, "a-b-c");
        assert!(chart.svg.contains(r##"fill="url(#a-b-c-hatch)""##));
    }

    fn months() -> Vec<TrendPoint> {
        vec![
            TrendPoint {
                period: "2026-01".into(),
                figure: shown(200, 3.9, 3.7, 4.1),
            },
            TrendPoint {
                period: "2026-02".into(),
                figure: shown(210, 4.0, 3.8, 4.2),
            },
            TrendPoint {
                period: "2026-03".into(),
                figure: Figure::Suppressed { below: Some(10) },
            },
            TrendPoint {
                period: "2026-04".into(),
                figure: shown(220, 4.2, 4.0, 4.4),
            },
        ]
    }

    #[test]
    fn a_trend_breaks_its_line_at_a_suppressed_period_and_says_why() {
        let versions = vec![VersionChange {
            period: "2026-04".into(),
            label: "facilita v2".into(),
        }];
        let chart = trend(
            "trend",
            "Andamento",
            "facilita",
            Scale::Rating,
            &months(),
            &versions,
            Lang::It,
        );
        // Two runs: Jan–Feb (a band and a line) and Apr alone (a band, no line).
        assert_eq!(chart.svg.matches(r#"class="band""#).count(), 2);
        assert_eq!(chart.svg.matches(r#"class="line""#).count(), 1);
        assert_eq!(chart.svg.matches(r#"class="estimate""#).count(), 3);
        assert!(chart.svg.contains("mar 2026: dati insufficienti"));
        assert!(chart.svg.contains("◆ facilita v2"));
        assert_eq!(chart.table.rows[0][0], "gen 2026");
        assert_eq!(
            chart.table.rows[2][1..4],
            ["< 10", "dati insufficienti", "dati insufficienti"]
        );
        assert_eq!(chart.table.rows[3][4], "facilita v2");
        assert!(
            chart
                .summary
                .contains("da gen 2026 a apr 2026 il valore passa da 3,90 a 4,20")
        );
        assert!(chart.summary.contains("1 periodi con dati insufficienti"));
        assert!(
            chart
                .summary
                .contains("Nuova versione del questionario da apr 2026")
        );
    }

    #[test]
    fn a_version_marker_stands_on_the_left_edge_of_its_period() {
        let versions = vec![VersionChange {
            period: "2026-02".into(),
            label: "v2".into(),
        }];
        let chart = trend(
            "t",
            "t",
            "facilita",
            Scale::Rating,
            &months(),
            &versions,
            Lang::En,
        );
        // Four slots of (640 − 48 − 16)/4 = 144; the second starts at 48 + 144 = 192.
        assert!(
            chart.svg.contains(r#"x1="192.0" y1="18" x2="192.0""#),
            "{}",
            chart.svg
        );
        assert!(
            chart
                .summary
                .contains("New questionnaire version from Feb 2026: v2.")
        );
    }

    #[test]
    fn a_distribution_draws_the_shares_and_marks_the_top_box_by_fill() {
        let chart = distribution(
            "d",
            "Distribuzione",
            Some([5, 5, 10, 30, 50]),
            Some(10),
            Lang::It,
        );
        assert_eq!(chart.svg.matches(r#"class="bar""#).count(), 5);
        assert_eq!(
            chart
                .svg
                .matches(r##"fill="url(#d-hatch)" stroke"##)
                .count(),
            3
        );
        assert_eq!(chart.table.rows[4], ["5", "50", "50,0%"]);
        assert!(chart.summary.contains("Quota 4–5: 80,0%"));
        assert!(chart.summary.starts_with("Su 100 risposte"));
    }

    #[test]
    fn a_suppressed_distribution_has_no_bar_and_no_figure() {
        let chart = distribution("d", "Distribution", None, Some(10), Lang::En);
        assert_eq!(chart.svg.matches(r#"class="bar""#).count(), 0);
        assert!(chart.svg.contains("insufficient data"));
        assert!(chart.table.rows.iter().all(|r| r[2] == "insufficient data"));
        assert_eq!(chart.summary, "insufficient data");
        assert!(!chart.svg.contains('%'), "no share may appear");
    }

    #[test]
    fn shares_are_drawn_on_a_percent_axis() {
        let rows = vec![RankedRow {
            label: "A".into(),
            figure: shown(100, 0.62, 0.52, 0.71),
            significance: None,
            href: String::new(),
        }];
        let chart = ranked("s", "t", "top box", Scale::Share, &rows, Lang::It);
        assert_eq!(chart.table.rows[0][2], "62,0%");
        assert!(chart.svg.contains(">50%<"));
    }
}
