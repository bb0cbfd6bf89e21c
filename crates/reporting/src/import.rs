//! Reading an uploaded report file: the XLSX template the server hands out, or a CSV
//! (comma or semicolon), into rows of (period, code, value) as written; validation of the
//! values is [`crate::validate`]'s. Behind the `import` feature (calamine, csv, zip), so
//! that the browser build does not carry them. Every limit a file could make the server
//! pass (ZIP parts unpacked, texts declared, rows, columns, one cell, all text) is checked
//! before it is allocated, and a refusal is a [`FileProblem`] naming it: no upload can
//! abort the process. Fuzzed by `fuzz/fuzz_targets/report_import.rs` (any bytes) and
//! `report_import_xlsx.rs` (any sheet and shared strings inside a well-formed workbook).

pub use crate::validate::FileProblem;

/// One data row of an uploaded report file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRow {
    /// Its row number in the file, from 1.
    pub number: u32,
    /// The period it states.
    pub period: String,
    /// The indicator code.
    pub code: String,
    /// The value as written.
    pub value: String,
}

/// Reads an uploaded report: the XLSX template (first sheet) or a CSV (comma or
/// semicolon). The header row names the columns (Kỳ / period, Mã chỉ tiêu / code, Giá
/// trị / value, in any order); the rows after it with a code are data. Every limit below
/// is checked before what it limits is allocated, so that no file, however it lies,
/// makes the server ask for more memory than these allow.
pub fn read_report_rows(bytes: &[u8]) -> Result<Vec<ReportRow>, FileProblem> {
    let grid = if bytes.starts_with(b"PK\x03\x04") {
        xlsx_grid(bytes)?
    } else {
        csv_grid(bytes)?
    };
    let norm = |s: &str| ecabinet_documents::fold::fold(s.trim());
    let header = grid
        .rows
        .iter()
        .find(|(_, r)| {
            r.iter()
                .any(|c| matches!(norm(c).as_str(), "ma chi tieu" | "code"))
        })
        .map(|(line, _)| *line)
        .ok_or(FileProblem::NoHeader)?;
    let col = |names: &[&str]| {
        grid.rows[&header]
            .iter()
            .position(|c| names.contains(&norm(c).as_str()))
    };
    let code = col(&["ma chi tieu", "code"]).ok_or(FileProblem::NoCodeColumn)?;
    let value = col(&["gia tri", "value"]).ok_or(FileProblem::NoValueColumn)?;
    let period = col(&["ky", "period"]);
    let mut out = Vec::new();
    for (line, r) in grid.rows.range(header + 1..) {
        let cell = |c: usize| r.get(c).map(|s| s.trim().to_owned()).unwrap_or_default();
        if cell(code).is_empty() {
            continue;
        }
        out.push(ReportRow {
            number: *line,
            period: period.map(cell).unwrap_or_default(),
            code: cell(code),
            value: cell(value),
        });
    }
    if out.is_empty() {
        return Err(FileProblem::NoRows);
    }
    Ok(out)
}

/// The most rows a report file may use: a form has one row per indicator (or part).
pub const MAX_ROWS: u32 = 20_000;
/// The most columns a report file may use.
pub const MAX_COLUMNS: u32 = 64;
/// The most characters one cell may hold: a spreadsheet cell's own limit (Excel's).
pub const MAX_CELL_CHARS: u32 = 32_767;
/// The most text all the cells together may hold, in MiB: a shared string is one in the
/// workbook but a copy in every cell that names it.
pub const MAX_TEXT_MIB: u32 = 16;
/// The most parts (files inside the ZIP) a workbook may have; the template has about ten.
pub const MAX_PARTS: u32 = 1_000;
/// The most one part may unpack to, in MiB; a sheet of 20,000 rows is about 4.
pub const MAX_PART_MIB: u32 = 8;
/// The most all parts together may unpack to, in MiB.
pub const MAX_UNPACKED_MIB: u32 = 16;
/// The most distinct texts a workbook may declare or hold (ten per row).
pub const MAX_STRINGS: u32 = 10 * MAX_ROWS;

const MIB: u64 = 1024 * 1024;

/// Rows of cells, keyed by their row number as a spreadsheet shows it (from 1), so that
/// a problem names the row the officer sees. Only non-empty cells are put; the limits on
/// rows, columns, one cell and all text are checked as each arrives.
#[derive(Default)]
struct Grid {
    rows: std::collections::BTreeMap<u32, Vec<String>>,
    text: u64,
}

impl Grid {
    /// Whether a cell at `row` (from 1), `col` (from 0) may be put: checked before its
    /// text is made, so that a cell far out costs nothing.
    fn place(row: u32, col: u32) -> Result<(), FileProblem> {
        if row > MAX_ROWS {
            return Err(FileProblem::TooManyRows { max: MAX_ROWS });
        }
        if col >= MAX_COLUMNS {
            return Err(FileProblem::TooManyColumns {
                row,
                max: MAX_COLUMNS,
            });
        }
        Ok(())
    }

    fn put(&mut self, row: u32, col: u32, text: String) -> Result<(), FileProblem> {
        Self::place(row, col)?;
        // Bytes first: more than four per character cannot be, so a long cell is refused
        // without counting its characters.
        if text.len() > 4 * MAX_CELL_CHARS as usize
            || (text.len() > MAX_CELL_CHARS as usize
                && text.chars().count() > MAX_CELL_CHARS as usize)
        {
            return Err(FileProblem::CellTooLong {
                row,
                max: MAX_CELL_CHARS,
            });
        }
        self.text += text.len() as u64;
        if self.text > u64::from(MAX_TEXT_MIB) * MIB {
            return Err(FileProblem::TooMuchText {
                max_mib: MAX_TEXT_MIB,
            });
        }
        let line = self.rows.entry(row).or_default();
        let col = col as usize;
        if line.len() <= col {
            line.resize(col + 1, String::new());
        }
        line[col] = text;
        Ok(())
    }
}

fn unreadable(e: impl std::fmt::Display) -> FileProblem {
    FileProblem::UnreadableWorkbook {
        detail: e.to_string(),
    }
}

/// Checks a workbook's ZIP before calamine opens it: calamine trusts what the parts
/// declare (it reserves room for the `uniqueCount` of the shared strings, which may say
/// 100 billion: an allocation that fails aborts the process). Each part is unpacked here
/// through a counter that stops one byte past the limit, whatever sizes the ZIP declares,
/// and its XML is looked at for what calamine would believe.
fn check_workbook(bytes: &[u8]) -> Result<(), FileProblem> {
    use std::io::Read;
    // The central directory is bounded by the file: zip refuses entry counts that do
    // not fit in the bytes before it.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    if zip.len() > MAX_PARTS as usize {
        return Err(FileProblem::TooManyParts { max: MAX_PARTS });
    }
    let part_max = u64::from(MAX_PART_MIB) * MIB;
    let total_max = u64::from(MAX_UNPACKED_MIB) * MIB;
    let (mut declared_total, mut real_total) = (0u64, 0u64);
    for i in 0..zip.len() {
        let entry = zip.by_index_data(i).map_err(unreadable)?;
        let part = String::from_utf8_lossy(entry.name_raw()).into_owned();
        if entry.encrypted() {
            return Err(FileProblem::Encrypted);
        }
        let too_large = || FileProblem::PartTooLarge {
            part: part.clone(),
            max_mib: MAX_PART_MIB,
        };
        let unpacks = FileProblem::UnpacksTooLarge {
            max_mib: MAX_UNPACKED_MIB,
        };
        // What the ZIP declares, before anything is unpacked…
        if entry.size() > part_max {
            return Err(too_large());
        }
        declared_total += entry.size();
        if declared_total > total_max {
            return Err(unpacks);
        }
        // …and what it really unpacks to, never reading more than one byte past the limit.
        let mut xml = Vec::new();
        zip.by_index(i)
            .map_err(unreadable)?
            .take(part_max + 1)
            .read_to_end(&mut xml)
            .map_err(unreadable)?;
        let real = xml.len() as u64;
        if real > part_max {
            return Err(too_large());
        }
        real_total += real;
        if real_total > total_max {
            return Err(unpacks);
        }
        if declared_strings(&xml) > u64::from(MAX_STRINGS)
            || string_items(&xml) > u64::from(MAX_STRINGS)
        {
            return Err(FileProblem::TooManyStrings { max: MAX_STRINGS });
        }
    }
    Ok(())
}

/// The largest `uniqueCount="N"` in a part (calamine reserves N strings for it), read
/// more loosely than calamine does (any quote, spaces around `=`, the digits anywhere in
/// the value), so that whatever it would believe is seen here. Twenty digits or more
/// count as `u64::MAX`.
fn declared_strings(xml: &[u8]) -> u64 {
    const KEY: &[u8] = b"uniqueCount";
    let mut most = 0u64;
    let mut at = 0;
    while let Some(found) = find(&xml[at..], KEY) {
        let mut i = at + found + KEY.len();
        at = i;
        let skip = |i: &mut usize| {
            while xml.get(*i).is_some_and(u8::is_ascii_whitespace) {
                *i += 1;
            }
        };
        skip(&mut i);
        if xml.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        skip(&mut i);
        let quote = match xml.get(i) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => continue,
        };
        let value = &xml[i + 1..];
        let value = &value[..value
            .iter()
            .position(|&b| b == quote)
            .unwrap_or(value.len())];
        let mut n = 0u64;
        let digits = value
            .iter()
            .filter(|d| d.is_ascii_digit())
            .skip_while(|&&d| d == b'0');
        for (len, d) in digits.enumerate() {
            if len >= 19 {
                n = u64::MAX;
                break;
            }
            n = n * 10 + u64::from(d - b'0');
        }
        most = most.max(n);
    }
    most
}

/// How many `<si` elements (shared strings, prefixed or not) a part holds: calamine keeps
/// each as a string, 24 bytes even when empty.
fn string_items(xml: &[u8]) -> u64 {
    let mut n = 0;
    let mut at = 0;
    while let Some(found) = find(&xml[at..], b"si") {
        let i = at + found;
        at = i + 2;
        let before = i.checked_sub(1).map(|j| xml[j]);
        let after = xml.get(i + 2).copied();
        if matches!(before, Some(b'<' | b':'))
            && after.is_some_and(|b| b == b'>' || b == b'/' || b.is_ascii_whitespace())
        {
            n += 1;
        }
    }
    n
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn xlsx_grid(bytes: &[u8]) -> Result<Grid, FileProblem> {
    use calamine::{Data, DataRef, Reader};
    check_workbook(bytes)?;
    let mut wb: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let name = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or(FileProblem::NoSheet)?;
    // Cells are read one by one: calamine's whole-sheet range would allocate rows ×
    // columns up front (a cell in A1 and one in XFD1048576 asked for 17 billion), and the
    // dimension a sheet declares is not believed either.
    let mut cells = wb.worksheet_cells_reader(&name).map_err(unreadable)?;
    let mut grid = Grid::default();
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        if *cell.get_value() == DataRef::Empty {
            continue;
        }
        let row = row.saturating_add(1);
        Grid::place(row, col)?;
        let text = match Data::from(cell.get_value().clone()) {
            Data::Empty => String::new(),
            Data::Float(f) => format!("{f}"),
            Data::Int(i) => i.to_string(),
            Data::Bool(b) => b.to_string(),
            other => other.to_string(),
        };
        grid.put(row, col, text)?;
    }
    Ok(grid)
}

fn csv_grid(bytes: &[u8]) -> Result<Grid, FileProblem> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
        .map_err(|_| FileProblem::NotXlsxOrCsv)?;
    // Counted over the first lines, not the first alone: a title line above the header
    // has neither, and Vietnamese decimals put commas into semicolon files.
    let head: String = text.lines().take(10).collect();
    let delimiter = if head.matches(';').count() > head.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    // A record is no larger than the file (already in memory, and at most the upload's
    // size); each is checked before the next is read.
    let mut grid = Grid::default();
    let mut record = csv::StringRecord::new();
    loop {
        match r.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(FileProblem::UnreadableCsv {
                    detail: e.to_string(),
                });
            }
        }
        // The reader skips empty lines: number rows by where they start.
        let line = record.position().map_or(0, |p| p.line());
        let row = u32::try_from(line).unwrap_or(u32::MAX);
        for (col, field) in record.iter().enumerate() {
            if !field.is_empty() {
                grid.put(
                    row,
                    u32::try_from(col).unwrap_or(u32::MAX),
                    field.to_owned(),
                )?;
            }
        }
    }
    Ok(grid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn a_csv_with_its_header_anywhere_reads_in_any_column_order() {
        let csv =
            "Báo cáo tháng\n\nGiá trị;Mã chỉ tiêu;Kỳ\n12,5;DS01;2026-11\n;;\n7;DS02;2026-11\n";
        let rows = read_report_rows(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            ReportRow {
                number: 4,
                period: "2026-11".into(),
                code: "DS01".into(),
                value: "12,5".into()
            }
        );
        assert_eq!(rows[1].number, 6);
    }

    /// A small report as the template lays it out: the header on row 3, two indicators.
    fn workbook() -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["Kỳ", "Mã chỉ tiêu", "Giá trị"].iter().enumerate() {
            ws.write_string(2, c as u16, *h).unwrap();
        }
        ws.write_string(3, 0, "2026-11").unwrap();
        ws.write_string(3, 1, "DS01").unwrap();
        ws.write_number(3, 2, 12.5).unwrap();
        ws.write_string(5, 1, "DS02").unwrap();
        wb.save_to_buffer().unwrap()
    }

    /// `bytes` packed again, each part through `edit` (by name), then `extra` parts added;
    /// all deflated.
    fn repack(
        bytes: &[u8],
        edit: impl Fn(&str, Vec<u8>) -> Vec<u8>,
        extra: &[(&str, &[u8])],
    ) -> Vec<u8> {
        let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(false);
        for i in 0..zin.len() {
            let mut f = zin.by_index(i).unwrap();
            let name = f.name().unwrap().into_owned();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            out.start_file(name.as_str(), options).unwrap();
            out.write_all(&edit(&name, data)).unwrap();
        }
        for (name, data) in extra {
            out.start_file(*name, options).unwrap();
            out.write_all(data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    /// `xml` with the value of its first `attr="…"` replaced.
    fn set_attr(xml: Vec<u8>, attr: &str, value: &str) -> Vec<u8> {
        let s = String::from_utf8(xml).unwrap();
        let key = format!("{attr}=\"");
        let at = s.find(&key).unwrap() + key.len();
        let end = at + s[at..].find('"').unwrap();
        format!("{}{value}{}", &s[..at], &s[end..]).into_bytes()
    }

    #[test]
    fn a_workbook_names_rows_as_the_spreadsheet_shows_them() {
        // Nothing in rows 1 and 2: the used range starts at row 3.
        let rows = read_report_rows(&workbook()).unwrap();
        assert_eq!(
            rows.iter()
                .map(|r| (r.number, r.code.as_str(), r.value.as_str()))
                .collect::<Vec<_>>(),
            vec![(4, "DS01", "12.5"), (6, "DS02", "")]
        );
    }

    #[test]
    fn a_workbook_spanning_the_whole_sheet_is_refused_without_allocating_it() {
        // One cell in A1 and one in the last cell of a sheet (XFD1048576).
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Mã chỉ tiêu").unwrap();
        ws.write_string(1_048_575, 16_383, "x").unwrap();
        let e = read_report_rows(&wb.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(e, FileProblem::TooManyRows { max: MAX_ROWS });
        assert!(e.to_string().contains("beyond row 20000"), "{e}");
    }

    #[test]
    fn a_sheet_declaring_the_whole_sheet_as_its_dimension_reads_as_usual() {
        // The dimension a sheet declares is not believed: only its cells count.
        let bytes = repack(
            &workbook(),
            |name, xml| {
                if name.starts_with("xl/worksheets/") {
                    set_attr(xml, "ref", "A1:XFD1048576")
                } else {
                    xml
                }
            },
            &[],
        );
        assert_eq!(read_report_rows(&bytes).unwrap().len(), 2);
    }

    #[test]
    fn a_workbook_declaring_a_hundred_billion_strings_is_refused_before_they_are_reserved() {
        // The 2 KB workbook of the incident: calamine reserves `uniqueCount` strings as it
        // opens the workbook, 2.4 TB here; before the check this aborted the process.
        let bytes = repack(
            &workbook(),
            |name, xml| {
                if name.ends_with("sharedStrings.xml") {
                    set_attr(xml, "uniqueCount", "100000000000")
                } else {
                    xml
                }
            },
            &[],
        );
        assert!(bytes.len() < 8 * 1024, "{}", bytes.len());
        assert_eq!(
            read_report_rows(&bytes),
            Err(FileProblem::TooManyStrings { max: MAX_STRINGS })
        );
        // However it is written: single quotes, spaces around `=`, leading zeros.
        let bytes = repack(
            &workbook(),
            |name, xml| {
                if name.ends_with("sharedStrings.xml") {
                    let s = String::from_utf8(xml).unwrap();
                    let s = s.replacen("uniqueCount=\"", "uniqueCount = '000", 1);
                    let at = s.find("'000").unwrap() + 4;
                    let end = at + s[at..].find('"').unwrap();
                    format!("{}99999999999999999999999'{}", &s[..at], &s[end + 1..]).into_bytes()
                } else {
                    xml
                }
            },
            &[],
        );
        assert_eq!(
            read_report_rows(&bytes),
            Err(FileProblem::TooManyStrings { max: MAX_STRINGS })
        );
    }

    #[test]
    fn a_workbook_holding_more_strings_than_a_report_has_is_refused() {
        // `<si>` items are kept one string each, 24 bytes even when empty.
        let many = format!(
            "<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">{}</sst>",
            "<si><t></t></si>".repeat(MAX_STRINGS as usize + 1)
        );
        let bytes = repack(
            &workbook(),
            |name, xml| {
                if name.ends_with("sharedStrings.xml") {
                    many.clone().into_bytes()
                } else {
                    xml
                }
            },
            &[],
        );
        assert_eq!(
            read_report_rows(&bytes),
            Err(FileProblem::TooManyStrings { max: MAX_STRINGS })
        );
    }

    #[test]
    fn a_deflate_bomb_inside_a_workbook_is_refused_before_it_is_unpacked() {
        // 50 MiB of zeros packs into some 50 KB.
        let zeros = vec![0u8; 50 * 1024 * 1024];
        let bytes = repack(
            &workbook(),
            |_, xml| xml,
            &[("xl/media/image1.png", &zeros)],
        );
        assert!(bytes.len() < 200 * 1024, "{}", bytes.len());
        let e = read_report_rows(&bytes).unwrap_err();
        assert_eq!(
            e,
            FileProblem::PartTooLarge {
                part: "xl/media/image1.png".into(),
                max_mib: MAX_PART_MIB
            }
        );
        assert!(e.to_string().contains("more than 8 MiB"), "{e}");

        // The same part lying about its size (1 KiB in both headers): it is unpacked
        // through a counter, never further than the limit.
        let mut lying = bytes.clone();
        let name = b"xl/media/image1.png";
        for (sig, size_at) in [(b"PK\x01\x02", 24), (b"PK\x03\x04", 22)] {
            let at = (0..lying.len() - name.len())
                .rev()
                .find(|&i| {
                    lying[i..].starts_with(sig)
                        && lying[i + if sig[2] == 1 { 46 } else { 30 }..].starts_with(name)
                })
                .unwrap();
            lying[at + size_at..at + size_at + 4].copy_from_slice(&1024u32.to_le_bytes());
        }
        // (zip itself stops at the declared size; the counter does not count on it.)
        assert!(
            matches!(
                read_report_rows(&lying),
                Err(FileProblem::UnreadableWorkbook { .. } | FileProblem::PartTooLarge { .. })
            ),
            "{:?}",
            read_report_rows(&lying)
        );

        // Parts each under the limit, together over it.
        let seven = vec![0u8; 7 * 1024 * 1024];
        let bytes = repack(
            &workbook(),
            |_, xml| xml,
            &[
                ("xl/media/a.png", &seven),
                ("xl/media/b.png", &seven),
                ("xl/media/c.png", &seven),
            ],
        );
        assert_eq!(
            read_report_rows(&bytes),
            Err(FileProblem::UnpacksTooLarge {
                max_mib: MAX_UNPACKED_MIB
            })
        );
    }

    #[test]
    fn a_workbook_with_too_many_parts_is_refused() {
        let names: Vec<String> = (0..=MAX_PARTS).map(|i| format!("x/{i}.xml")).collect();
        let extra: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        let bytes = repack(&workbook(), |_, xml| xml, &extra);
        assert_eq!(
            read_report_rows(&bytes),
            Err(FileProblem::TooManyParts { max: MAX_PARTS })
        );
    }

    #[test]
    fn one_long_text_in_every_cell_is_refused_before_it_is_copied_into_each() {
        // One shared string of 30,000 characters, named by 600 cells: 18 MB of copies.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "Mã chỉ tiêu").unwrap();
        let long = "x".repeat(30_000);
        for r in 1..=600 {
            ws.write_string(r, 0, &long).unwrap();
        }
        assert_eq!(
            read_report_rows(&wb.save_to_buffer().unwrap()),
            Err(FileProblem::TooMuchText {
                max_mib: MAX_TEXT_MIB
            })
        );
    }

    #[test]
    fn a_csv_with_a_field_of_megabytes_is_refused_naming_its_row() {
        let csv = format!(
            "Kỳ,Mã chỉ tiêu,Giá trị\n2026-11,DS01,\"{}\"\n",
            "9".repeat(6 * 1024 * 1024)
        );
        let e = read_report_rows(csv.as_bytes()).unwrap_err();
        assert_eq!(
            e,
            FileProblem::CellTooLong {
                row: 2,
                max: MAX_CELL_CHARS
            }
        );
        assert_eq!(e.row(), Some(2));
        // Vietnamese letters count as one character each, as a spreadsheet counts them.
        let name = "ệ".repeat(MAX_CELL_CHARS as usize);
        let csv = format!("Mã chỉ tiêu,Giá trị,Tên\nDS01,1,{name}\n");
        assert_eq!(read_report_rows(csv.as_bytes()).unwrap().len(), 1);
    }

    #[test]
    fn a_csv_beyond_the_rows_and_columns_of_a_report_is_refused() {
        let wide = format!("Mã chỉ tiêu,Giá trị{}\n", ",x".repeat(100));
        assert_eq!(
            read_report_rows(wide.as_bytes()),
            Err(FileProblem::TooManyColumns {
                row: 1,
                max: MAX_COLUMNS
            })
        );
        // Empty fields at the end, as spreadsheet programs write them, are no columns.
        let trailing = format!("Mã chỉ tiêu,Giá trị{}\nDS01,1\n", ",".repeat(100));
        assert_eq!(read_report_rows(trailing.as_bytes()).unwrap().len(), 1);
        let long = format!(
            "Mã chỉ tiêu,Giá trị\n{}",
            "DS01,1\n".repeat(MAX_ROWS as usize)
        );
        assert_eq!(
            read_report_rows(long.as_bytes()),
            Err(FileProblem::TooManyRows { max: MAX_ROWS })
        );
    }

    #[test]
    fn files_without_the_columns_are_refused_with_the_reason() {
        assert_eq!(read_report_rows(b"a,b\n1,2\n"), Err(FileProblem::NoHeader));
        assert_eq!(
            read_report_rows(b"code,x\nA,1\n"),
            Err(FileProblem::NoValueColumn)
        );
        assert!(matches!(
            read_report_rows(b"PK\x03\x04 not really a zip"),
            Err(FileProblem::UnreadableWorkbook { .. })
        ));
        assert_eq!(
            read_report_rows(b"\xff\xfe\x00"),
            Err(FileProblem::NotXlsxOrCsv)
        );
        assert_eq!(read_report_rows(b""), Err(FileProblem::NoHeader));
    }
}
