//! Between two versions of a document: which pages changed ("changed since you read"),
//! and where a member's annotations go when the secretariat replaces the file.

/// What identifies a page's content: its text (folded) and the hash of its image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageKey {
    /// The page's folded text.
    pub text: String,
    /// SHA-256 of its page image, hex.
    pub image: String,
}

impl PageKey {
    /// A page whose text is not known: a scan, or a level whose text is withheld.
    fn textless(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// Pages of `new` (numbered from 1) whose content `old` did not have: changed, added, or
/// moved in from nowhere. A page that only moved (a page was inserted before it) is not
/// news to someone who read `old`. Where either side has no text (a scan, or text
/// withheld since the setting changed), the image alone decides.
pub fn changed_pages(old: &[PageKey], new: &[PageKey]) -> Vec<u32> {
    let same = |a: &PageKey, b: &PageKey| {
        if a.textless() || b.textless() {
            a.image == b.image
        } else {
            a == b
        }
    };
    new.iter()
        .enumerate()
        .filter(|(_, page)| !old.iter().any(|o| same(o, page)))
        .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX))
        .collect()
}

/// For each page of `old`, the page of `new` (both from 1) its annotations move to: the
/// same page if its text is unchanged, else the nearest page with the same text. Pages
/// without text on either side (scans, withheld text) follow their image. `None`: the
/// text is gone, the annotations stay on the old version.
pub fn carry_over(old: &[PageKey], new: &[PageKey]) -> Vec<Option<u32>> {
    let same = |a: &PageKey, b: &PageKey| {
        if a.textless() || b.textless() {
            !a.image.is_empty() && a.image == b.image
        } else {
            a.text == b.text
        }
    };
    old.iter()
        .enumerate()
        .map(|(i, page)| {
            let mut candidates: Vec<usize> =
                (0..new.len()).filter(|&j| same(page, &new[j])).collect();
            candidates.sort_by_key(|&j| (j.abs_diff(i), j));
            candidates
                .first()
                .map(|&j| u32::try_from(j + 1).unwrap_or(u32::MAX))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str, image: &str) -> PageKey {
        PageKey {
            text: text.into(),
            image: image.into(),
        }
    }

    #[test]
    fn a_changed_and_an_added_page_are_named() {
        let old = [key("a", "1"), key("b", "2"), key("c", "3")];
        let new = [key("a", "1"), key("b2", "9"), key("c", "3"), key("d", "4")];
        assert_eq!(changed_pages(&old, &new), vec![2, 4]);
        assert!(changed_pages(&old, &old).is_empty());
        // Same text, new image (a chart redrawn): changed too.
        assert_eq!(changed_pages(&old, &[key("a", "7")]), vec![1]);
        // A page inserted at the front: only it is new, the others moved.
        let inserted = [key("new", "0"), key("a", "1"), key("b", "2"), key("c", "3")];
        assert_eq!(changed_pages(&old, &inserted), vec![1]);
    }

    #[test]
    fn annotations_follow_their_text() {
        // A page inserted before page 2: b and c move down one.
        let old = [key("a", "1"), key("b", "2"), key("c", "3")];
        let new = [
            key("a", "1"),
            key("new", "8"),
            key("b", "2x"),
            key("c", "3x"),
        ];
        assert_eq!(carry_over(&old, &new), vec![Some(1), Some(3), Some(4)]);
        // Page b rewritten: its notes stay behind.
        let rewritten = [key("a", "1"), key("b, amended", "5"), key("c", "3")];
        assert_eq!(carry_over(&old, &rewritten), vec![Some(1), None, Some(3)]);
        // Repeated text (a blank-ish page): the nearest one wins.
        let old = [
            key("x", "1"),
            key("same", "2"),
            key("y", "3"),
            key("same", "4"),
        ];
        let new = [
            key("same", "2"),
            key("x", "1"),
            key("y", "3"),
            key("same", "4"),
        ];
        assert_eq!(
            carry_over(&old, &new),
            vec![Some(2), Some(1), Some(3), Some(4)]
        );
    }

    #[test]
    fn scanned_pages_follow_their_image() {
        let old = [key("", "img1"), key(" ", "img2")];
        let new = [key("", "img2"), key("", "img1")];
        assert_eq!(carry_over(&old, &new), vec![Some(2), Some(1)]);
        assert_eq!(carry_over(&[key("", "")], &[key("", "")]), vec![None]);
    }

    #[test]
    fn pages_whose_text_was_withheld_since_follow_their_image() {
        // Version 1 was read with its text; version 2 was rendered after its level's
        // text was withheld, so it has none.
        let old = [key("a", "1"), key("b", "2"), key("c", "3")];
        let new = [key("", "1"), key("", "9"), key("", "3")];
        assert_eq!(changed_pages(&old, &new), vec![2]);
        assert_eq!(carry_over(&old, &new), vec![Some(1), None, Some(3)]);
        // And the other way round.
        assert_eq!(changed_pages(&new, &old), vec![2]);
        assert_eq!(carry_over(&new, &old), vec![Some(1), None, Some(3)]);
    }
}
