//! QR codes of the hosted page's URL, for a counter: an SVG sized to print 90 mm wide (it fits an
//! A6 sheet, 105 × 148 mm, with margins) and a PNG of at least 1,063 pixels a side (90 mm at
//! 300 dpi). Error correction level M (15 %), and the four-module quiet zone the standard asks
//! for, drawn in both.

use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

/// Modules of white around the code.
pub const QUIET_ZONE: usize = 4;

/// The printed width of the SVG, in millimetres.
pub const PRINT_WIDTH_MM: u32 = 90;

/// The smallest side of the PNG, in pixels (90 mm at 300 dpi).
pub const MIN_PNG_SIDE: usize = 1063;

/// The modules of a QR code, row by row, `true` for dark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    /// Modules a side, without the quiet zone.
    pub width: usize,
    /// `width × width` modules, row by row.
    pub dark: Vec<bool>,
}

impl Matrix {
    /// The QR code of `text`.
    pub fn encode(text: &str) -> Result<Matrix, qrcode::types::QrError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
        Ok(Matrix {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// Whether the module at column `x`, row `y` is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// The code as SVG: one path of unit squares in a view box that includes the quiet zone,
    /// with the URL as its accessible title.
    pub fn svg(&self, title: &str) -> String {
        let side = self.width + 2 * QUIET_ZONE;
        let mut path = String::with_capacity(self.width * self.width * 6);
        for y in 0..self.width {
            for x in 0..self.width {
                if self.is_dark(x, y) {
                    let _ = write!(path, "M{} {}h1v1h-1z", x + QUIET_ZONE, y + QUIET_ZONE);
                }
            }
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{PRINT_WIDTH_MM}mm\" \
             height=\"{PRINT_WIDTH_MM}mm\" viewBox=\"0 0 {side} {side}\" shape-rendering=\"crispEdges\" \
             role=\"img\" aria-labelledby=\"t\"><title id=\"t\">{}</title>\
             <rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
             <path fill=\"#000\" d=\"{path}\"/></svg>\n",
            escape_xml(title)
        )
    }

    /// The code as a greyscale image, `scale` pixels a module, quiet zone included.
    pub fn image(&self, scale: usize) -> image::GrayImage {
        let side = (self.width + 2 * QUIET_ZONE) * scale;
        let side_u32 = u32::try_from(side).unwrap_or(u32::MAX);
        image::GrayImage::from_fn(side_u32, side_u32, |px, py| {
            let module = |p: u32| (p as usize / scale).checked_sub(QUIET_ZONE);
            let dark = match (module(px), module(py)) {
                (Some(x), Some(y)) => self.is_dark(x, y),
                _ => false,
            };
            image::Luma([if dark { 0 } else { 255 }])
        })
    }

    /// The code as PNG, at least [`MIN_PNG_SIDE`] pixels a side.
    pub fn png(&self) -> Result<Vec<u8>, image::ImageError> {
        let modules = self.width + 2 * QUIET_ZONE;
        let scale = MIN_PNG_SIDE.div_ceil(modules);
        let mut out = std::io::Cursor::new(Vec::new());
        self.image(scale)
            .write_to(&mut out, image::ImageFormat::Png)?;
        Ok(out.into_inner())
    }
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_svg_draws_one_square_per_dark_module_and_escapes_its_title() -> anyhow::Result<()> {
        let m = Matrix::encode("https://voce.example/s/x?locale=it&channel=qr")?;
        let svg = m.svg("https://voce.example/s/x?locale=it&channel=qr");
        let squares = svg.matches("h1v1h-1z").count();
        assert_eq!(squares, m.dark.iter().filter(|d| **d).count());
        assert!(svg.contains("locale=it&amp;channel=qr</title>"));
        assert!(svg.contains("width=\"90mm\""));
        Ok(())
    }

    #[test]
    fn the_png_is_large_enough_to_print_at_a6() -> anyhow::Result<()> {
        let m = Matrix::encode("https://voce.example/s/x?locale=it&channel=qr")?;
        let png = image::load_from_memory(&m.png()?)?;
        assert!(png.width() as usize >= MIN_PNG_SIDE);
        assert_eq!(png.width(), png.height());
        Ok(())
    }
}
