//! A4 PDFs of plain lines through krilla, in a TrueType font that has Vietnamese letters:
//! the written poll's report and the minutes are both set with it.

use krilla::Document;
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use std::sync::Arc;

/// Greedy word wrap by character count (the report's one font is close to monospaced
/// enough at this size for a margin of a few characters).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let len = line.chars().count();
            if len > 0 && len + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

const PAGE_W: f32 = 595.0;

const PAGE_H: f32 = 842.0;

const MARGIN: f32 = 56.0;

/// Lays out (size, indent, text) lines on A4 pages.
pub fn typeset(lines: &[(f32, f32, String)], font: &Arc<Vec<u8>>) -> Result<Vec<u8>, String> {
    let font = Font::new(font.clone().into(), 0).ok_or("the report font cannot be read")?;
    let mut doc = Document::new();
    let mut rest = lines;
    while !rest.is_empty() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("page size")?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        let mut y = MARGIN;
        let mut used = 0;
        for (size, indent, text) in rest {
            let step = size * 1.45;
            if y + step > PAGE_H - MARGIN && used > 0 {
                break;
            }
            y += step;
            surface.draw_text(
                Point::from_xy(MARGIN + indent, y),
                font.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
            used += 1;
        }
        surface.finish();
        page.finish();
        rest = &rest[used..];
    }
    doc.finish().map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrapping_keeps_words_whole_and_paragraphs_apart() {
        assert_eq!(
            wrap("Đề nghị sửa Điều 3 của dự thảo", 12),
            vec!["Đề nghị sửa", "Điều 3 của", "dự thảo"]
        );
        assert_eq!(wrap("a\nb", 80), vec!["a", "b"]);
    }
}
