//! Per-reader watermarks for classified pages: the reader's name and the time, drawn in
//! rows across the page image, so that a photo or screenshot of a page names its reader.

use ab_glyph::{Font, FontArc, PxScale, ScaleFont, point};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ImageEncoder, RgbImage};

/// Draws watermarks with one font.
pub struct Watermarker {
    font: FontArc,
}

impl Watermarker {
    /// Loads a TrueType font with Vietnamese letters (DejaVu Sans by default).
    pub fn load(path: &std::path::Path) -> anyhow::Result<Watermarker> {
        let bytes = std::fs::read(path)?;
        Ok(Watermarker {
            font: FontArc::try_from_vec(bytes)?,
        })
    }

    /// Decodes a page PNG, draws `line` across it, and encodes it again.
    pub fn apply(&self, png: &[u8], line: &str) -> anyhow::Result<Vec<u8>> {
        let mut img = image::load_from_memory_with_format(png, image::ImageFormat::Png)?.to_rgb8();
        self.draw(&mut img, line);
        let mut out = Vec::with_capacity(png.len() + png.len() / 4);
        PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
            .write_image(
                img.as_raw(),
                img.width(),
                img.height(),
                image::ExtendedColorType::Rgb8,
            )?;
        Ok(out)
    }

    /// Rows of `line`, each shifted, a third of the page's width high apart; dark red at
    /// a fifth of full strength so that the page stays readable under it.
    pub fn draw(&self, img: &mut RgbImage, line: &str) {
        let (w, h) = img.dimensions();
        let size = (w as f32 / 28.0).max(10.0);
        let font = self.font.as_scaled(PxScale::from(size));
        let text_width: f32 = line
            .chars()
            .map(|c| font.h_advance(font.glyph_id(c)))
            .sum::<f32>()
            + size * 3.0;
        let row_gap = (h as f32 / 9.0).max(size * 3.0);
        let color = [150.0f32, 20.0, 20.0];
        let strength = 0.22f32;
        let mut y = size * 2.0;
        let mut row = 0u32;
        while y < h as f32 {
            let mut x = if row.is_multiple_of(2) {
                0.0
            } else {
                -text_width / 2.0
            };
            while x < w as f32 {
                let mut caret = x;
                for c in line.chars() {
                    let id = font.glyph_id(c);
                    let glyph = id.with_scale_and_position(size, point(caret, y));
                    caret += font.h_advance(id);
                    let Some(outlined) = self.font.outline_glyph(glyph) else {
                        continue;
                    };
                    let b = outlined.px_bounds();
                    outlined.draw(|gx, gy, coverage| {
                        let px = b.min.x as i64 + i64::from(gx);
                        let py = b.min.y as i64 + i64::from(gy);
                        if px < 0 || py < 0 || px >= i64::from(w) || py >= i64::from(h) {
                            return;
                        }
                        let a = coverage * strength;
                        let p = img.get_pixel_mut(px as u32, py as u32);
                        for (ch, target) in p.0.iter_mut().zip(color) {
                            *ch = (f32::from(*ch) * (1.0 - a) + target * a).round() as u8;
                        }
                    });
                }
                x += text_width;
            }
            y += row_gap;
            row += 1;
        }
    }
}

/// The time printed on a watermark: Vietnam's time (UTC+7, no daylight saving), to the
/// minute.
pub fn stamp_time(unix_ms: i64) -> String {
    // To the second, as it always was (a watermark never shows less than a minute).
    let t = crate::platform::clock::in_vietnam(unix_ms - unix_ms % 1000)
        .or_else(|| crate::platform::clock::in_vietnam(0))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        t.day(),
        u8::from(t.month()),
        t.year(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_is_vietnam_time() {
        // 2026-12-01 14:40:00 UTC is 21:40 in Hà Nội.
        assert_eq!(stamp_time(1_796_136_000_000), "01/12/2026 21:40");
    }
}
