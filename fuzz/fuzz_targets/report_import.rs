//! Fuzz target: any uploaded report file (XLSX or CSV) is read into rows or refused with a
//! reason, never a panic; every row read names its line and carries a code.
#![no_main]

use ecabinet_reporting::import::read_report_rows;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = read_report_rows(data) {
        for r in rows {
            assert!(r.number >= 1);
            assert!(!r.code.is_empty());
        }
    }
});
