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

fn xlsx_grid(bytes: &[u8]) -> Result<Grid, String> {
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a readable XLSX workbook: {e}"))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or("the workbook has no sheet")?
        .map_err(|e| format!("the first sheet cannot be read: {e}"))?;
    // The range starts at the first used cell, not at A1.
    let first = range.start().map_or(0, |(row, _)| row);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, r)| {
            let line = first
                .saturating_add(u32::try_from(i).unwrap_or(u32::MAX))
                .saturating_add(1);
            let cells = r
                .iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => b.to_string(),
                    other => other.to_string(),
                })
                .collect();
            (line, cells)
        })
        .collect())
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
