//! Full-text search over pages: every place a folded query occurs, with a snippet of the
//! original text around it (diacritics kept) to show beside the page number.

use crate::fold::{fold, fold_mapped};

/// Characters of context on each side of a hit.
const CONTEXT: usize = 40;

/// Most hits reported for one page; the rest are counted.
pub const MAX_HITS_PER_PAGE: usize = 20;

/// One occurrence of the query on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Text before the match (original spelling).
    pub before: String,
    /// The match itself, as the page spells it.
    pub matched: String,
    /// Text after the match.
    pub after: String,
}

/// The hits of one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageHits {
    /// How many times the query occurs on the page.
    pub count: usize,
    /// The first [`MAX_HITS_PER_PAGE`] of them.
    pub hits: Vec<Hit>,
}

/// A query folded and checked: at least two characters once folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query(String);

impl Query {
    /// `None` when the query is too short to be useful (under 2 characters folded).
    pub fn new(raw: &str) -> Option<Query> {
        let q = fold(raw);
        (q.chars().count() >= 2 && q.len() <= 200).then_some(Query(q))
    }

    /// The folded query (for a `like` over stored folded text).
    pub fn folded(&self) -> &str {
        &self.0
    }

    /// Every occurrence of the query in `text`, or `None` when there is none.
    pub fn find(&self, text: &str) -> Option<PageHits> {
        let f = fold_mapped(text);
        let mut count = 0;
        let mut hits = Vec::new();
        let mut from = 0;
        while let Some(pos) = f.text[from..].find(&self.0) {
            let start = from + pos;
            let end = start + self.0.len();
            count += 1;
            if hits.len() < MAX_HITS_PER_PAGE {
                let (a, b) = (f.origin[start], f.origin[end]);
                hits.push(Hit {
                    before: tail_chars(&text[..a], CONTEXT),
                    matched: text[a..b].trim_end().to_owned(),
                    after: head_chars(&text[b..], CONTEXT),
                });
            }
            // Overlapping occurrences count once: continue after this one.
            from = end;
        }
        (count > 0).then_some(PageHits { count, hits })
    }
}

/// Runs of white space (line breaks of the page) as one space, kept at the edges so that
/// `before + matched + after` reads as the page does.
fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_whitespace() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn tail_chars(s: &str, n: usize) -> String {
    let s = squash(s);
    let skip = s.chars().count().saturating_sub(n);
    let t: String = s.chars().skip(skip).collect();
    if skip > 0 { format!("…{t}") } else { t }
}

fn head_chars(s: &str, n: usize) -> String {
    let s = squash(s);
    let total = s.chars().count();
    let t: String = s.chars().take(n).collect();
    if total > n { format!("{t}…") } else { t }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_without_diacritics_finds_the_page_spelling() {
        let q = Query::new("nghi quyet").unwrap();
        let page = "Dự thảo\nNghị   quyết của Chính phủ về nghị quyết số 01";
        let hits = q.find(page).unwrap();
        assert_eq!(hits.count, 2);
        assert_eq!(hits.hits[0].matched, "Nghị   quyết");
        assert_eq!(hits.hits[0].before, "Dự thảo ");
        assert_eq!(hits.hits[0].after, " của Chính phủ về nghị quyết số 01");
        assert_eq!(hits.hits[1].matched, "nghị quyết");
        assert_eq!(
            Query::new("DAU TU")
                .unwrap()
                .find("Kế hoạch đầu tư công")
                .unwrap()
                .hits[0]
                .matched,
            "đầu tư"
        );
        assert!(q.find("Nghị định").is_none());
    }

    #[test]
    fn long_context_is_cut_and_marked() {
        let q = Query::new("ngan sach").unwrap();
        let page = format!("{} ngân sách {}", "a".repeat(100), "b".repeat(100));
        let h = &q.find(&page).unwrap().hits[0];
        assert!(h.before.starts_with('…') && h.before.chars().count() == CONTEXT + 1);
        assert!(h.after.ends_with('…') && h.after.chars().count() == CONTEXT + 1);
        assert_eq!(h.matched, "ngân sách");
    }

    #[test]
    fn too_short_or_empty_queries_are_refused() {
        assert!(Query::new("").is_none());
        assert!(Query::new("  ạ ").is_none());
        assert!(Query::new(&"x".repeat(201)).is_none());
        assert_eq!(Query::new(" Đà  Nẵng ").unwrap().folded(), "da nang");
    }

    #[test]
    fn many_hits_are_counted_but_capped() {
        let q = Query::new("ab").unwrap();
        let hits = q.find(&"ab ".repeat(50)).unwrap();
        assert_eq!((hits.count, hits.hits.len()), (50, MAX_HITS_PER_PAGE));
    }
}
