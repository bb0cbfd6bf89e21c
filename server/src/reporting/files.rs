//! Reporting's files: the report form to fill in (XLSX), and tables of figures as CSV or
//! XLSX for the dashboard's downloads.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// A report form as a workbook to fill in: the regime and unit on top, then one row per
/// indicator with the period, the code, the name, the unit of measure and the value (the
/// saved one, or empty). [`ecabinet_reporting::import::read_report_rows`] reads it back.
pub fn report_template(
    regime: &ecabinet_reporting::Regime,
    indicators: &[ecabinet_reporting::Indicator],
    unit_name: &str,
    period: &str,
    values: &std::collections::BTreeMap<String, f64>,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("Báo cáo")?;
    ws.write_string_with_format(0, 0, &regime.name, &bold)?;
    ws.write_string(1, 0, "Đơn vị báo cáo")?;
    ws.write_string(1, 1, unit_name)?;
    ws.write_string(2, 0, "Kỳ báo cáo")?;
    ws.write_string(2, 1, period)?;
    for (c, h) in [
        "Kỳ",
        "Mã chỉ tiêu",
        "Tên chỉ tiêu",
        "Đơn vị tính",
        "Giá trị",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(4, c as u16, *h, &bold)?;
    }
    // One row per cell: an indicator broken down gets a row per option.
    let cells = indicators.iter().flat_map(|ind| {
        let parts: Vec<ecabinet_reporting::Indicator> = ind
            .disaggregation
            .iter()
            .filter_map(|c| ind.part(&c.code))
            .collect();
        if parts.is_empty() {
            vec![ind.clone()]
        } else {
            parts
        }
    });
    for (i, ind) in cells.enumerate() {
        let row = 5 + i as u32;
        ws.write_string(row, 0, period)?;
        ws.write_string(row, 1, &ind.code)?;
        ws.write_string(row, 2, &ind.name)?;
        ws.write_string(row, 3, &ind.unit)?;
        if let Some(v) = values.get(&ind.code) {
            ws.write_number(row, 4, *v)?;
        }
    }
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 14)?;
    ws.set_column_width(2, 48)?;
    ws.set_column_width(3, 14)?;
    ws.set_column_width(4, 16)?;
    wb.save_to_buffer()
}

/// A table as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read the
/// Vietnamese letters).
pub fn csv(head: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(b"\xef\xbb\xbf".to_vec());
    w.write_record(head).map_err(|e| e.to_string())?;
    for r in rows {
        w.write_record(r).map_err(|e| e.to_string())?;
    }
    w.into_inner().map_err(|e| e.to_string())
}

/// A table as an XLSX workbook; numbers are written as numbers.
pub fn table_xlsx(name: &str, head: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    let sheet: String = name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    ws.set_name(&sheet)?;
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
        ws.set_column_width(c as u16, 18)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in r.iter().enumerate() {
            let (row, col) = (1 + i as u32, c as u16);
            match v.parse::<f64>() {
                Ok(n) if !v.is_empty() => ws.write_number(row, col, n)?,
                _ => ws.write_string(row, col, v)?,
            };
        }
    }
    wb.save_to_buffer()
}
