//! Fuzz target: any sheet and any shared strings inside an otherwise well-formed workbook
//! (random bytes seldom make a ZIP whose checksums hold, so `report_import` rarely gets
//! past the ZIP into calamine's XML and the limits on what it declares). Read into rows or
//! refused with a reason, never a panic nor an allocation that aborts. The input is the
//! sheet's XML, then (after a NUL byte) the shared strings' XML.
#![no_main]

use ecabinet_reporting::import::read_report_rows;
use libfuzzer_sys::fuzz_target;
use std::io::Write;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

fuzz_target!(|data: &[u8]| {
    // Without a NUL, the workbook has no shared strings part (inline strings only).
    let (sheet, strings) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // Stored: the parts are the fuzzer's bytes as they are, and packing stays cheap.
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in [
        ("_rels/.rels", Some(RELS.as_bytes())),
        ("xl/workbook.xml", Some(WORKBOOK.as_bytes())),
        ("xl/_rels/workbook.xml.rels", Some(WORKBOOK_RELS.as_bytes())),
        ("xl/worksheets/sheet1.xml", Some(sheet)),
        ("xl/sharedStrings.xml", strings),
    ] {
        let Some(bytes) = bytes else { continue };
        zip.start_file(name, stored).unwrap();
        zip.write_all(bytes).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    if let Ok(rows) = read_report_rows(&bytes) {
        for r in rows {
            assert!(r.number >= 1);
            assert!(!r.code.is_empty());
        }
    }
});
