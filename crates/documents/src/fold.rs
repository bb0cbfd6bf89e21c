//! Search folding for Vietnamese: a query without diacritics finds text with them
//! ("nghi quyet" finds "Nghị quyết", "dan" finds "đân"), case-insensitively.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Text folded for search, with where each folded byte came from in the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folded {
    /// Lowercase, without combining marks, đ → d, runs of white space as one space.
    pub text: String,
    /// For each byte of `text`, the byte offset in the original of the character it
    /// came from; one more entry at the end, the original's length.
    pub origin: Vec<usize>,
}

/// Folds one character into `out`; returns whether it wrote anything.
fn fold_char(c: char, out: &mut String) -> bool {
    let before = out.len();
    // NFD splits "ệ" into "e" + two marks; the marks are dropped.
    for d in c.nfd() {
        if is_combining_mark(d) {
            continue;
        }
        match d {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(d.to_lowercase()),
        }
    }
    out.len() > before
}

/// Folds `s` for comparison only (queries, stored search columns).
pub fn fold(s: &str) -> String {
    fold_mapped(s).text
}

/// Folds `s` and keeps the map back to the original, to cut snippets from it.
pub fn fold_mapped(s: &str) -> Folded {
    let mut text = String::with_capacity(s.len());
    let mut origin = Vec::with_capacity(s.len() + 1);
    let mut last_space = true; // no leading space
    for (at, c) in s.char_indices() {
        if c.is_whitespace() {
            if !last_space {
                text.push(' ');
                origin.push(at);
                last_space = true;
            }
            continue;
        }
        let before = text.len();
        if fold_char(c, &mut text) {
            origin.resize(text.len(), at);
            last_space = false;
        } else {
            debug_assert_eq!(text.len(), before);
        }
    }
    if text.ends_with(' ') {
        text.pop();
        origin.pop();
    }
    origin.push(s.len());
    Folded { text, origin }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diacritics_case_and_d_fold_away() {
        assert_eq!(fold("Nghị quyết"), "nghi quyet");
        assert_eq!(fold("ĐỒNG Ý"), "dong y");
        assert_eq!(fold("đường"), "duong");
        assert_eq!(
            fold("Tờ trình số 123/TTr-BKHĐT"),
            "to trinh so 123/ttr-bkhdt"
        );
        // Precomposed and decomposed input fold alike.
        assert_eq!(fold("Vie\u{0302}\u{0323}t"), fold("Việt"));
        assert_eq!(fold("  a \n\t b  "), "a b");
    }

    #[test]
    fn every_folded_byte_points_into_the_original() {
        let s = "Phiên  họp Chính phủ, tháng 12";
        let f = fold_mapped(s);
        assert_eq!(f.text, "phien hop chinh phu, thang 12");
        assert_eq!(f.origin.len(), f.text.len() + 1);
        let at = f.text.find("chinh").unwrap();
        let (from, to) = (f.origin[at], f.origin[at + "chinh phu".len()]);
        assert_eq!(&s[from..to].trim_end(), &"Chính phủ");
        assert!(f.origin.windows(2).all(|w| w[0] <= w[1]));
        assert!(f.origin.iter().all(|&o| s.is_char_boundary(o)));
    }
}
