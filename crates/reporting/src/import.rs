//! Reading an uploaded report file: the XLSX template the server hands out, or a CSV
//! (comma or semicolon), into rows of (period, code, value) as written; validation of the
//! values is [`crate::validate`]'s. Behind the `import` feature (calamine, csv), so that
//! the browser build does not carry them. Fuzzed by `fuzz/fuzz_targets/report_import.rs`.

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
/// trị / value, in any order); the rows after it with a code are data.
pub fn read_report_rows(bytes: &[u8]) -> Result<Vec<ReportRow>, String> {
    let grid = if bytes.starts_with(b"PK\x03\x04") {
        xlsx_grid(bytes)?
    } else {
        csv_grid(bytes)?
    };
    let norm = |s: &str| ecabinet_documents::fold::fold(s.trim());
    let header = grid
        .iter()
        .position(|(_, r)| {
            r.iter()
                .any(|c| matches!(norm(c).as_str(), "ma chi tieu" | "code"))
        })
        .ok_or("no header row naming the columns (Kỳ, Mã chỉ tiêu, Giá trị)")?;
    let col = |names: &[&str]| {
        grid[header]
            .1
            .iter()
            .position(|c| names.contains(&norm(c).as_str()))
    };
    let code = col(&["ma chi tieu", "code"]).ok_or("no column Mã chỉ tiêu")?;
    let value = col(&["gia tri", "value"]).ok_or("no column Giá trị")?;
    let period = col(&["ky", "period"]);
    let mut out = Vec::new();
    for (line, r) in grid.iter().skip(header + 1) {
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
        return Err("the file has no indicator rows".into());
    }
    Ok(out)
}

/// Rows of cells, each with its row number as a spreadsheet shows it (from 1), so that a
/// problem names the row the officer sees.
type Grid = Vec<(u32, Vec<String>)>;

/// The most rows and columns a report sheet may use: a form has one row per indicator.
/// Cells are read one by one (calamine's whole-sheet range would allocate rows × columns
/// up front, so a workbook with one cell in A1 and one in XFD1048576 asked for
/// 17 billion).
const MAX_ROWS: u32 = 20_000;
const MAX_COLUMNS: u32 = 64;

fn xlsx_grid(bytes: &[u8]) -> Result<Grid, String> {
    use calamine::{Data, DataRef, Reader};
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a readable XLSX workbook: {e}"))?;
    let name = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or("the workbook has no sheet")?;
    let mut cells = wb
        .worksheet_cells_reader(&name)
        .map_err(|e| format!("the first sheet cannot be read: {e}"))?;
    let mut rows: std::collections::BTreeMap<u32, Vec<String>> = Default::default();
    while let Some(cell) = cells
        .next_cell()
        .map_err(|e| format!("the first sheet cannot be read: {e}"))?
    {
        let (row, col) = cell.get_position();
        if *cell.get_value() == DataRef::Empty {
            continue;
        }
        if row >= MAX_ROWS || col >= MAX_COLUMNS {
            return Err(format!(
                "the sheet uses cells beyond row {MAX_ROWS} or column {MAX_COLUMNS}; a report has one row per indicator"
            ));
        }
        let text = match Data::from(cell.get_value().clone()) {
            Data::Empty => String::new(),
            Data::Float(f) => format!("{f}"),
            Data::Int(i) => i.to_string(),
            Data::Bool(b) => b.to_string(),
            other => other.to_string(),
        };
        let line = rows.entry(row).or_default();
        let col = col as usize;
        if line.len() <= col {
            line.resize(col + 1, String::new());
        }
        line[col] = text;
    }
    Ok(rows.into_iter().map(|(r, cells)| (r + 1, cells)).collect())
}

fn csv_grid(bytes: &[u8]) -> Result<Grid, String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
        .map_err(|_| "the file is neither an XLSX workbook nor UTF-8 CSV".to_owned())?;
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
    r.records()
        .map(|rec| {
            // The reader skips empty lines: number rows by where they start.
            rec.map(|x| {
                let line = x.position().map_or(0, |p| p.line());
                (
                    u32::try_from(line).unwrap_or(u32::MAX),
                    x.iter().map(str::to_owned).collect(),
                )
            })
            .map_err(|e| format!("not readable as CSV: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_workbook_names_rows_as_the_spreadsheet_shows_them() {
        // Nothing in rows 1 and 2: the used range starts at row 3.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["Kỳ", "Mã chỉ tiêu", "Giá trị"].iter().enumerate() {
            ws.write_string(2, c as u16, *h).unwrap();
        }
        ws.write_string(3, 0, "2026-11").unwrap();
        ws.write_string(3, 1, "DS01").unwrap();
        ws.write_number(3, 2, 12.5).unwrap();
        ws.write_string(5, 1, "DS02").unwrap();
        let rows = read_report_rows(&wb.save_to_buffer().unwrap()).unwrap();
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
        assert!(e.contains("beyond row"), "{e}");
    }

    #[test]
    fn files_without_the_columns_are_refused_with_the_reason() {
        assert!(
            read_report_rows(b"a,b\n1,2\n")
                .unwrap_err()
                .contains("header")
        );
        assert!(
            read_report_rows(b"code,x\nA,1\n")
                .unwrap_err()
                .contains("Gi")
        );
        assert!(read_report_rows(b"PK\x03\x04 not really a zip").is_err());
        assert!(read_report_rows(b"").is_err());
    }
}
