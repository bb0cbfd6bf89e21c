//! `cargo xtask rooms`: the layout rules of the server and frontend crates, read from the
//! `crate::…` paths of their source files, and the graph of their rooms.
//!
//! A source root (`server/src`, `frontend/src`) holds ROOMS and the FRAME. A room is an
//! immediate subfolder that is a module (`voting/` with `voting/mod.rs`, or `voting.rs` next
//! to `voting/`); its files are everything under the folder plus that `voting.rs`. The
//! frame is the files directly in the root (lib.rs, main.rs, seed.rs, …): the composition
//! root, which may import anything. Room A has an EDGE to room B when a file of A names a
//! path that resolves to `crate::B` or `crate::B::…`: in a `use` item (grouped and
//! multi-line forms included) or inline in code. `self::`/`super::` are resolved against the
//! file's module path and the inline `mod x { … }` blocks around them, so `super::super::b`
//! climbing out of a room counts; a room imported as a module (`use crate::b;`,
//! `use crate::b::{self}`, `… as x`) makes later `b::…` paths of that file count as
//! `crate::b::…`. Comments, strings, raw strings and char literals are skipped by a small
//! lexer. Paths through frame names (`crate::AppState`) make no edge. The rules:
//!
//! 1. `cycle`: no cycle between rooms (each printed as `a -> b -> a`, one file:line per
//!    arrow; at most [`MAX_CYCLES`] per crate).
//! 2. `platform`: the room named `platform` imports no other room.
//! 3. `internals`: outside room B a path enters B only through its face: `crate::B::Name`
//!    is fine unless `Name` is a private submodule of B (a file `B/Name.rs` or a folder
//!    `B/Name/` that B does not declare `pub mod`); inside B anything goes. (Rust's privacy
//!    refuses most such paths already; this names the rule and catches `pub(crate) mod`.)
//! 4. `long file`: a `.rs` file anywhere under a source root with more than [`LONG_FILE`]
//!    lines has a leading `//!` block that says why it is "one file" (that phrase, any
//!    case, may wrap across lines).
//!
//! Limits, by design of a lexer rather than a compiler: macros that build paths from
//! pieces, `#[path]` attributes, and a room reached through a re-export of the frame
//! (`crate::reexported_name` where the frame does `pub use b::X`) are not seen. Long
//! enough to need this sentence: the lexer, the resolver, the rules and their tests read
//! together, so this is one file.

use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// The source roots checked, relative to the workspace root.
const ROOTS: [&str; 2] = ["server/src", "frontend/src"];
/// More lines than this and a file says why it is one file.
const LONG_FILE: usize = 600;
/// Cycles printed per crate; one is enough to fail, the rest would be noise.
const MAX_CYCLES: usize = 50;
/// The room that imports no other room.
const PLATFORM: &str = "platform";

/// `cargo xtask rooms`: prints the room graph of each crate, then the violations.
pub fn run(workspace: Option<PathBuf>) -> Result<()> {
    let reports = analyse_all(&workspace.unwrap_or_else(crate::root))?;
    for r in &reports {
        print!("{}", r.graph());
    }
    finish(&reports)
}

/// The stage of `cargo xtask test`: one line per crate, then the violations.
pub fn check() -> Result<()> {
    let reports = analyse_all(&crate::root())?;
    for r in &reports {
        println!(
            "{}: {} rooms, {} edges",
            r.root,
            r.rooms.len(),
            r.edges.len()
        );
    }
    finish(&reports)
}

fn analyse_all(workspace: &Path) -> Result<Vec<Report>> {
    ROOTS.iter().map(|r| analyse(workspace, r)).collect()
}

fn finish(reports: &[Report]) -> Result<()> {
    let violations: Vec<&Violation> = reports.iter().flat_map(|r| &r.violations).collect();
    if violations.is_empty() {
        println!("rooms: no violations");
        return Ok(());
    }
    println!("violations:");
    for v in &violations {
        print!("{v}");
    }
    bail!("{} layout violation(s)", violations.len())
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Loc {
    file: String,
    line: u32,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[derive(Debug)]
struct Violation {
    loc: Loc,
    rule: &'static str,
    what: String,
    /// Further lines (a cycle's arrows).
    more: Vec<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}: {}", self.loc, self.rule, self.what)?;
        for m in &self.more {
            writeln!(f, "    {m}")?;
        }
        Ok(())
    }
}

#[derive(Default, Debug)]
struct Stats {
    files: usize,
    lines: usize,
    largest: Option<(String, usize)>,
}

impl Stats {
    fn add(&mut self, file: &str, lines: usize) {
        self.files += 1;
        self.lines += lines;
        if self.largest.as_ref().is_none_or(|(_, l)| lines > *l) {
            self.largest = Some((file.to_owned(), lines));
        }
    }

    fn line(&self, name: &str) -> String {
        let largest = self
            .largest
            .as_ref()
            .map(|(f, l)| format!("  largest {f} ({l})"))
            .unwrap_or_default();
        let files = if self.files == 1 { "file " } else { "files" };
        format!(
            "  {name:<14} {:>3} {files} {:>6} lines{largest}\n",
            self.files, self.lines
        )
    }
}

/// What one source root holds and breaks.
#[derive(Debug)]
struct Report {
    root: String,
    rooms: BTreeMap<String, Stats>,
    frame: Stats,
    /// (from, to) → where each import is.
    edges: BTreeMap<(String, String), Vec<Loc>>,
    violations: Vec<Violation>,
}

impl Report {
    fn graph(&self) -> String {
        let mut s = format!("{}: {} rooms\n", self.root, self.rooms.len());
        s += &self.frame.line("(frame)");
        for (name, st) in &self.rooms {
            s += &st.line(name);
        }
        for ((a, b), locs) in &self.edges {
            let n = locs.len();
            s += &format!(
                "  {a} -> {b} ({n} import{})\n",
                if n == 1 { "" } else { "s" }
            );
        }
        s
    }
}

/// One source file: where it is, which room it belongs to (None: the frame or a folder
/// that is not a room) and its module path (`voting/ballots.rs` → [voting, ballots]).
struct Source {
    shown: String,
    room: Option<String>,
    module: Vec<String>,
    text: String,
}

/// Whether a room's module file declares `pub mod name;` (its face) rather than a private
/// or `pub(crate)` one.
fn declares_pub_mod(module_file: &str, name: &str) -> bool {
    module_file.lines().any(|l| {
        l.trim()
            .strip_prefix("pub mod ")
            .and_then(|rest| rest.strip_suffix(';'))
            .is_some_and(|n| n.trim() == name)
    })
}

fn analyse(workspace: &Path, root: &str) -> Result<Report> {
    let dir = workspace.join(root);
    let mut files = Vec::new();
    walk(&dir, &mut files).with_context(|| format!("reading {}", dir.display()))?;
    files.sort();
    // Rooms and, for rule 3, the names of their submodules.
    let mut rooms: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let is_module = path.join("mod.rs").is_file() || dir.join(format!("{name}.rs")).is_file();
        if path.is_dir() && is_ident(name) && is_module {
            let mut subs = BTreeSet::new();
            for e in std::fs::read_dir(&path)? {
                let p = e?.path();
                let n = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                if p.is_dir() {
                    subs.insert(n.to_owned());
                } else if let Some(stem) = n.strip_suffix(".rs")
                    && stem != "mod"
                {
                    subs.insert(stem.to_owned());
                }
            }
            // A submodule that the room declares `pub mod` is part of its face.
            let face = std::fs::read_to_string(path.join("mod.rs"))
                .or_else(|_| std::fs::read_to_string(dir.join(format!("{name}.rs"))))
                .unwrap_or_default();
            subs.retain(|s| !declares_pub_mod(&face, s));
            rooms.insert(name.to_owned(), subs);
        }
    }
    let mut sources = Vec::new();
    for path in files {
        let rel = path.strip_prefix(&dir)?;
        let comps: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let mut module = comps.clone();
        if let Some(last) = module.pop()
            && last != "mod.rs"
        {
            module.push(last.trim_end_matches(".rs").to_owned());
        }
        let room = module.first().filter(|m| rooms.contains_key(*m)).cloned();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        sources.push(Source {
            shown: format!("{root}/{}", comps.join("/")),
            room,
            module,
            text,
        });
    }

    let mut report = Report {
        root: root.to_owned(),
        rooms: rooms
            .keys()
            .map(|r| (r.clone(), Stats::default()))
            .collect(),
        frame: Stats::default(),
        edges: BTreeMap::new(),
        violations: Vec::new(),
    };
    let mut platform = Vec::new();
    let mut internals = Vec::new();
    let mut long = Vec::new();
    for src in &sources {
        let lines = src.text.lines().count();
        if lines > LONG_FILE && !says_one_file(&src.text) {
            long.push(Violation {
                loc: Loc {
                    file: src.shown.clone(),
                    line: 1,
                },
                rule: "long file",
                what: format!(
                    "{lines} lines (over {LONG_FILE}), and its leading //! block does not say \
                     why it is \"one file\""
                ),
                more: Vec::new(),
            });
        }
        let Some(a) = &src.room else {
            if src.module.len() == 1 {
                report.frame.add(&src.shown, lines);
            }
            continue;
        };
        if let Some(st) = report.rooms.get_mut(a) {
            st.add(&src.shown, lines);
        }
        for path in paths_of(&src.text, &src.module, &rooms) {
            let Some((b, b_line)) = path.first() else {
                continue;
            };
            let Some(subs) = rooms.get(b) else { continue };
            if b == a {
                continue;
            }
            let at = |line: u32| Loc {
                file: src.shown.clone(),
                line,
            };
            let shown = format!(
                "crate::{}",
                path.iter()
                    .map(|(s, _)| s.as_str())
                    .collect::<Vec<_>>()
                    .join("::")
            );
            report
                .edges
                .entry((a.clone(), b.clone()))
                .or_default()
                .push(at(*b_line));
            if a == PLATFORM {
                platform.push(Violation {
                    loc: at(*b_line),
                    rule: "platform",
                    what: format!("{shown}: the platform room imports no other room"),
                    more: Vec::new(),
                });
            }
            if let Some((sub, sub_line)) = path.get(1)
                && subs.contains(sub)
            {
                internals.push(Violation {
                    loc: at(*sub_line),
                    rule: "internals",
                    what: format!(
                        "{shown} reaches into {b}'s internals (`{sub}` is a submodule of \
                         {b}); enter {b} through its face, what {b} itself exports"
                    ),
                    more: Vec::new(),
                });
            }
        }
    }
    report.violations = cycles(&report.edges);
    report.violations.extend(platform);
    report.violations.extend(internals);
    report.violations.extend(long);
    Ok(report)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next().is_some_and(|f| f.is_alphabetic() || f == '_')
        && c.all(|ch| ch.is_alphanumeric() || ch == '_')
}

/// Whether the leading `//!` block contains "one file" (words may wrap across lines).
fn says_one_file(text: &str) -> bool {
    let doc: Vec<&str> = text
        .lines()
        .map(str::trim_start)
        .skip_while(|l| l.is_empty())
        .take_while(|l| l.starts_with("//!"))
        .map(|l| l.trim_start_matches("//!"))
        .collect();
    let words: Vec<&str> = doc.iter().flat_map(|l| l.split_whitespace()).collect();
    words.join(" ").to_lowercase().contains("one file")
}

/// The elementary cycles of the room graph, each reported once from its smallest room.
fn cycles(edges: &BTreeMap<(String, String), Vec<Loc>>) -> Vec<Violation> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    let mut found: Vec<Vec<&str>> = Vec::new();
    fn dfs<'a>(
        start: &'a str,
        path: &mut Vec<&'a str>,
        next: &BTreeMap<&'a str, Vec<&'a str>>,
        found: &mut Vec<Vec<&'a str>>,
    ) {
        let Some(&here) = path.last() else { return };
        for &n in next.get(here).into_iter().flatten() {
            if found.len() >= MAX_CYCLES {
                return;
            }
            if n == start {
                found.push(path.clone());
            } else if n > start && !path.contains(&n) {
                path.push(n);
                dfs(start, path, next, found);
                path.pop();
            }
        }
    }
    for &start in next.keys() {
        dfs(start, &mut vec![start], &next, &mut found);
    }
    found
        .into_iter()
        .map(|cycle| {
            let arrows: Vec<(&str, &str, &Loc)> = (0..cycle.len())
                .filter_map(|i| {
                    let (a, b) = (cycle[i], cycle[(i + 1) % cycle.len()]);
                    let loc = edges.get(&(a.to_owned(), b.to_owned()))?.first()?;
                    Some((a, b, loc))
                })
                .collect();
            let mut names = cycle.clone();
            names.push(cycle[0]);
            Violation {
                loc: arrows[0].2.clone(),
                rule: "cycle",
                what: names.join(" -> "),
                more: arrows
                    .iter()
                    .map(|(a, b, loc)| format!("{a} -> {b} at {loc}"))
                    .collect(),
            }
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    /// `::`
    Sep,
    Punct(char),
}

/// Tokens with their line, without comments, strings and char literals.
fn lex(text: &str) -> Vec<(Tok, u32)> {
    let c: Vec<char> = text.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let ident_char = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1u32);
    // Moves past position i, counting the newline if it is one.
    let step = |i: &mut usize, line: &mut u32| {
        if at(*i) == '\n' {
            *line += 1;
        }
        *i += 1;
    };
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            step(&mut i, &mut line);
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if at(i) == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if at(i) == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    step(&mut i, &mut line);
                }
            }
        } else if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                step(&mut i, &mut line);
            }
            i += 1;
        } else if ch == '\'' {
            if at(i + 1) == '\\' {
                i += 3; // the quote, the backslash and the escaped character
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1; // a lifetime or a label: its name follows as an identifier
            }
        } else if ident_char(ch) {
            let start = i;
            while ident_char(at(i)) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let hashes = c[i..].iter().take_while(|&&h| h == '#').count();
            if matches!(word.as_str(), "r" | "br" | "cr") && at(i + hashes) == '"' {
                // A raw string: ends at a quote followed by as many hashes.
                i += hashes + 1;
                while i < c.len() {
                    if c[i] == '"' && c[i + 1..].iter().take(hashes).all(|&h| h == '#') {
                        i += hashes + 1;
                        break;
                    }
                    step(&mut i, &mut line);
                }
            } else if word == "r" && hashes == 1 && ident_char(at(i + 1)) {
                i += 1; // a raw identifier, r#type: the name follows
            } else if matches!(word.as_str(), "b" | "c") && matches!(at(i), '"' | '\'') {
                // b"…", c"…", b'…': the literal is skipped next round.
            } else {
                out.push((Tok::Ident(word), line));
            }
        } else if ch == ':' && at(i + 1) == ':' {
            out.push((Tok::Sep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(ch), line));
            i += 1;
        }
    }
    out
}

type Segs = Vec<(String, u32)>;

/// Every path of a file that resolves to a crate-absolute path (segments with their
/// lines); a file of module `module`, in a crate with these rooms.
fn paths_of(
    text: &str,
    module: &[String],
    rooms: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<Segs> {
    let toks = lex(text);
    // First round: which names this file binds to a room (`use crate::b;`).
    let mut aliases = BTreeMap::new();
    for (abs, bound) in scan(&toks, module, &BTreeMap::new()) {
        if let (Some(name), [(room, _)]) = (bound, abs.as_slice())
            && rooms.contains_key(room)
            && name != "_"
        {
            aliases.insert(name, room.clone());
        }
    }
    scan(&toks, module, &aliases)
        .into_iter()
        .map(|(abs, _)| abs)
        .collect()
}

/// The paths that start at `crate`, `self`, `super` or one of `aliases`, resolved, each
/// with the name it binds when it is a `use` of a module (`use x::y` binds `y`).
fn scan(
    toks: &[(Tok, u32)],
    module: &[String],
    aliases: &BTreeMap<String, String>,
) -> Vec<(Segs, Option<String>)> {
    let tok = |i: usize| toks.get(i).map(|(t, _)| t);
    let ident = |i: usize| match tok(i) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    let mut out = Vec::new();
    // The open braces: Some(name) for an inline `mod name {`.
    let mut braces: Vec<Option<String>> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Punct('{') => {
                let inline = (i >= 2 && ident(i - 2) == Some("mod"))
                    .then(|| ident(i - 1).map(str::to_owned))
                    .flatten();
                braces.push(inline);
                i += 1;
            }
            Tok::Punct('}') => {
                braces.pop();
                i += 1;
            }
            Tok::Ident(s)
                if (matches!(s.as_str(), "crate" | "self" | "super")
                    || aliases.contains_key(s))
                    && tok(i + 1) == Some(&Tok::Sep)
                    && !(i > 0
                        && matches!(
                            tok(i - 1),
                            Some(Tok::Sep | Tok::Punct('$') | Tok::Punct('.'))
                        )) =>
            {
                let in_use = i > 0 && ident(i - 1) == Some("use");
                let here: Vec<String> = module
                    .iter()
                    .cloned()
                    .chain(braces.iter().flatten().cloned())
                    .collect();
                let mut trees = Vec::new();
                let end = tree(toks, i, Vec::new(), &mut trees);
                for t in trees {
                    if let Some(abs) = resolve(&t.segs, &here, aliases) {
                        let bound = in_use.then_some(t.bound).flatten();
                        out.push((abs, bound));
                    }
                }
                i = end.max(i + 1);
            }
            _ => i += 1,
        }
    }
    out
}

/// One leaf of a use tree (or a plain path): its segments as written, and the name it
/// binds (`as x`, or its last segment; none for a glob).
struct Leaf {
    segs: Segs,
    bound: Option<String>,
}

/// Parses a path or use tree from token i, pushing its leaves; returns the next token.
fn tree(toks: &[(Tok, u32)], mut i: usize, mut segs: Segs, out: &mut Vec<Leaf>) -> usize {
    let tok = |i: usize| toks.get(i).map(|(t, _)| t);
    loop {
        match toks.get(i) {
            Some((Tok::Ident(s), line)) if s != "as" => {
                segs.push((s.clone(), *line));
                i += 1;
            }
            Some((Tok::Punct('{'), _)) => {
                i += 1;
                while tok(i).is_some() && tok(i) != Some(&Tok::Punct('}')) {
                    let from = i;
                    i = tree(toks, i, segs.clone(), out);
                    if tok(i) == Some(&Tok::Punct(',')) {
                        i += 1;
                    } else if i == from || tok(i) != Some(&Tok::Punct('}')) {
                        break; // not a use tree after all
                    }
                }
                if tok(i) == Some(&Tok::Punct('}')) {
                    i += 1;
                }
                return i;
            }
            Some((Tok::Punct('*'), _)) => {
                out.push(Leaf { segs, bound: None });
                return i + 1;
            }
            _ => break,
        }
        if tok(i) != Some(&Tok::Sep) {
            break;
        }
        i += 1;
    }
    let mut bound = segs
        .iter()
        .rev()
        .find(|(s, _)| s != "self")
        .map(|(s, _)| s.clone());
    if let (Some(Tok::Ident(a)), Some(Tok::Ident(name))) = (tok(i), tok(i + 1))
        && a == "as"
    {
        bound = Some(name.clone());
        i += 2;
    }
    if !segs.is_empty() {
        out.push(Leaf { segs, bound });
    }
    i
}

/// The crate-absolute form of a path written in module `here`; implied segments take the
/// line of the path's first one. None when it leaves the crate (`super` at the root).
fn resolve(
    segs: &[(String, u32)],
    here: &[String],
    aliases: &BTreeMap<String, String>,
) -> Option<Segs> {
    let (first, line) = segs.first()?;
    let implied = |names: &[String]| names.iter().map(|n| (n.clone(), *line)).collect();
    let mut abs: Segs = match first.as_str() {
        "crate" => Vec::new(),
        "self" => implied(here),
        "super" => implied(here.split_last()?.1),
        name => vec![(aliases.get(name)?.clone(), *line)],
    };
    for (s, l) in &segs[1..] {
        match s.as_str() {
            "super" => {
                abs.pop()?;
            }
            "self" => {}
            _ => abs.push((s.clone(), *l)),
        }
    }
    Some(abs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the files (paths under the workspace root) and analyses server/src.
    fn analyse_tree(files: &[(&str, &str)]) -> Report {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        analyse(dir.path(), "server/src").unwrap()
    }

    fn edges(r: &Report) -> Vec<(String, String, Vec<String>)> {
        r.edges
            .iter()
            .map(|((a, b), locs)| {
                (
                    a.clone(),
                    b.clone(),
                    locs.iter().map(ToString::to_string).collect(),
                )
            })
            .collect()
    }

    fn shown(r: &Report) -> Vec<String> {
        r.violations.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_clean_tree_passes() {
        let r = analyse_tree(&[
            (
                "server/src/lib.rs",
                "pub mod platform;\npub mod voting;\npub mod meetings;\npub struct AppState;\n",
            ),
            (
                "server/src/main.rs",
                "use ecabinet_server::voting::ballots::Ballot;\nfn main() {}\n",
            ),
            (
                "server/src/seed.rs",
                "use crate::voting::ballots::Ballot;\n",
            ),
            (
                "server/src/platform/mod.rs",
                "//! Clock.\npub mod clock;\npub use clock::Clock;\nuse crate::AppState;\n",
            ),
            ("server/src/platform/clock.rs", "pub struct Clock;\n"),
            (
                "server/src/voting/mod.rs",
                "mod ballots;\npub use ballots::Ballot;\nuse crate::platform::Clock;\n",
            ),
            (
                "server/src/voting/ballots.rs",
                "use super::super::platform::Clock;\nuse super::Ballot;\nuse crate::voting::ballots::X;\npub struct Ballot;\n",
            ),
            ("server/src/meetings.rs", "mod agenda;\n"),
            (
                "server/src/meetings/agenda.rs",
                "fn f() { let b = crate::voting::Ballot {}; crate::hex_array(); }\n",
            ),
        ]);
        assert_eq!(shown(&r), Vec::<String>::new());
        assert_eq!(
            r.rooms.keys().collect::<Vec<_>>(),
            ["meetings", "platform", "voting"]
        );
        assert_eq!(
            edges(&r),
            [
                (
                    "meetings".into(),
                    "voting".into(),
                    vec!["server/src/meetings/agenda.rs:1".into()]
                ),
                (
                    "voting".into(),
                    "platform".into(),
                    vec![
                        "server/src/voting/ballots.rs:1".into(),
                        "server/src/voting/mod.rs:3".into()
                    ]
                ),
            ]
        );
        assert_eq!(r.rooms["voting"].files, 2);
        assert_eq!(r.frame.files, 3);
        let graph = r.graph();
        assert!(
            graph.contains("  voting -> platform (2 imports)\n"),
            "{graph}"
        );
        assert!(
            graph.contains("  meetings -> voting (1 import)\n"),
            "{graph}"
        );
    }

    #[test]
    fn a_two_room_cycle_is_reported_with_both_places() {
        let r = analyse_tree(&[
            ("server/src/lib.rs", "mod a;\nmod b;\n"),
            ("server/src/a/mod.rs", "//! A.\n\nuse crate::b::X;\n"),
            (
                "server/src/b/mod.rs",
                "pub struct X;\nfn f() { crate::a::g(); }\n",
            ),
        ]);
        assert_eq!(
            shown(&r),
            ["server/src/a/mod.rs:3: cycle: a -> b -> a\n    \
              a -> b at server/src/a/mod.rs:3\n    \
              b -> a at server/src/b/mod.rs:2\n"]
        );
    }

    #[test]
    fn a_longer_cycle_is_found_once() {
        let r = analyse_tree(&[
            ("server/src/a/mod.rs", "use crate::b::X;\n"),
            ("server/src/b/mod.rs", "use crate::c::X;\n"),
            ("server/src/c/mod.rs", "use crate::a::X;\n"),
        ]);
        let what: Vec<&str> = r.violations.iter().map(|v| v.what.as_str()).collect();
        assert_eq!(what, ["a -> b -> c -> a"]);
        assert_eq!(r.violations[0].more.len(), 3);
    }

    #[test]
    fn a_grouped_multi_line_use_yields_an_edge_per_room() {
        let r = analyse_tree(&[
            ("server/src/a/mod.rs", "pub struct X;\n"),
            ("server/src/b/mod.rs", "pub struct Y;\npub struct Z;\n"),
            (
                "server/src/c/mod.rs",
                "use crate::{\n    a::X,\n    b::{\n        Y,\n        Z,\n    },\n    AppState,\n};\n",
            ),
        ]);
        assert_eq!(
            edges(&r),
            [
                ("c".into(), "a".into(), vec!["server/src/c/mod.rs:2".into()]),
                (
                    "c".into(),
                    "b".into(),
                    vec![
                        "server/src/c/mod.rs:3".into(),
                        "server/src/c/mod.rs:3".into()
                    ]
                ),
            ]
        );
        assert_eq!(shown(&r), Vec::<String>::new());
    }

    #[test]
    fn paths_in_comments_and_strings_are_not_imports() {
        let text = r####"//! Uses crate::b::X.
/// See crate::b::Y.
// use crate::b::X;
/* crate::b::X /* nested crate::b::Y */ crate::b::Z */
fn f<'a>(s: &'a str) -> char {
    let _ = "crate::b::X \" crate::b::Y";
    let _ = r#"crate::b::"X""#;
    let _ = r##"a "# crate::b::X"##;
    let _ = b"crate::b::X";
    let _ = (b'"', '"', '\'', '\u{22}');
    'outer: loop { break 'outer; }
    crate::b::real()
}
"####;
        let r = analyse_tree(&[
            ("server/src/a/mod.rs", text),
            ("server/src/b/mod.rs", "pub fn real() {}\n"),
        ]);
        // Only the real call, on the line where it is: the lexer skipped the rest and kept
        // counting lines.
        assert_eq!(
            edges(&r),
            [(
                "a".into(),
                "b".into(),
                vec!["server/src/a/mod.rs:12".into()]
            )]
        );
    }

    #[test]
    fn platform_imports_no_other_room() {
        let r = analyse_tree(&[
            (
                "server/src/platform/mod.rs",
                "use crate::voting::Ballot;\nuse crate::AppState;\n",
            ),
            ("server/src/voting/mod.rs", "pub struct Ballot;\n"),
        ]);
        assert_eq!(
            shown(&r),
            [
                "server/src/platform/mod.rs:1: platform: crate::voting::Ballot: the platform room \
              imports no other room\n"
            ]
        );
    }

    #[test]
    fn a_submodule_declared_pub_mod_is_part_of_the_face() {
        let r = analyse_tree(&[
            (
                "server/src/a/mod.rs",
                "use crate::platform::error::E;\nuse crate::platform::hidden::H;\n",
            ),
            (
                "server/src/platform/mod.rs",
                "pub mod error;\npub(crate) mod hidden;\n",
            ),
            ("server/src/platform/error.rs", "pub struct E;\n"),
            ("server/src/platform/hidden.rs", "pub struct H;\n"),
        ]);
        let got: Vec<(String, &str)> = r
            .violations
            .iter()
            .map(|v| (v.loc.to_string(), v.rule))
            .collect();
        assert_eq!(got, [("server/src/a/mod.rs:2".into(), "internals")]);
    }

    #[test]
    fn a_room_is_entered_only_through_its_face() {
        let r = analyse_tree(&[
            (
                "server/src/a/mod.rs",
                "use crate::b::X;\nuse crate::b::inner::X as Y;\nfn f() { crate::b::deep::g(); }\n",
            ),
            (
                "server/src/a/other.rs",
                "use crate::b;\nfn f() { b::inner::g(); b::X::new(); }\n",
            ),
            (
                "server/src/b.rs",
                "mod inner;\nmod deep;\npub use inner::X;\n",
            ),
            (
                "server/src/b/inner.rs",
                "pub struct X;\nuse crate::b::deep::g;\n",
            ),
            ("server/src/b/deep/mod.rs", "pub fn g() {}\n"),
        ]);
        let got: Vec<(String, &str)> = r
            .violations
            .iter()
            .map(|v| (v.loc.to_string(), v.rule))
            .collect();
        assert_eq!(
            got,
            [
                ("server/src/a/mod.rs:2".into(), "internals"),
                ("server/src/a/mod.rs:3".into(), "internals"),
                ("server/src/a/other.rs:2".into(), "internals"),
            ]
        );
        assert!(
            r.violations[0]
                .what
                .starts_with("crate::b::inner::X reaches into b's internals"),
            "{}",
            r.violations[0]
        );
        assert_eq!(r.rooms["b"].files, 3);
    }

    #[test]
    fn super_is_resolved_against_the_module_and_inline_mods() {
        let r = analyse_tree(&[
            (
                "server/src/a/mod.rs",
                "mod x;\n#[cfg(test)]\nmod tests {\n    use super::super::b::Q;\n}\n",
            ),
            (
                "server/src/a/x/mod.rs",
                "mod y;\nmod tests { use super::super::b::Local; }\n",
            ),
            ("server/src/a/b.rs", "pub struct Local;\n"),
            (
                "server/src/a/x/y.rs",
                "use super::super::super::b::Q;\nuse super::z::W;\nuse self::w::V;\n",
            ),
            ("server/src/b/mod.rs", "pub struct Q;\n"),
        ]);
        assert_eq!(
            edges(&r),
            [(
                "a".into(),
                "b".into(),
                vec![
                    "server/src/a/mod.rs:4".into(),
                    "server/src/a/x/y.rs:1".into()
                ]
            )]
        );
    }

    #[test]
    fn a_long_file_says_why_it_is_one_file() {
        let body = "fn f() {}\n".repeat(700);
        let without = format!("//! Everything about b.\n{body}");
        let with = format!(
            "//! Everything about b, kept as one\n//! file because it reads as one.\n{body}"
        );
        let r = analyse_tree(&[
            ("server/src/a/mod.rs", without.as_str()),
            ("server/src/b/mod.rs", with.as_str()),
            ("server/src/lib.rs", without.as_str()),
        ]);
        assert_eq!(
            shown(&r),
            [
                "server/src/a/mod.rs:1: long file: 701 lines (over 600), and its leading //! \
                 block does not say why it is \"one file\"\n",
                "server/src/lib.rs:1: long file: 701 lines (over 600), and its leading //! \
                 block does not say why it is \"one file\"\n",
            ]
        );
    }

    #[test]
    fn the_flat_layout_has_no_rooms() {
        let r = analyse_tree(&[
            ("server/src/lib.rs", "mod polls;\nuse crate::polls::x::Y;\n"),
            ("server/src/polls.rs", "use crate::AppState;\n"),
        ]);
        assert!(r.rooms.is_empty());
        assert!(r.violations.is_empty());
    }
}
