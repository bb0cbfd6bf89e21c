//! One log event, one line: outside input (a username, a peer's answer, a file name) can
//! never start a line of its own in the server's log, whichever field carries it.
//!
//! The formatter writes each event with one `write_all` of a whole line; the writer here
//! escapes every control character in it except the final newline, so a username
//! `"x\n2026-… INFO login user=admin"` is logged as `x\n2026…` on the same line, never as
//! a forged record. Call sites still log outside text with `?` (quoted and escaped), so
//! that a reader sees where a value begins and ends.

use std::io::{self, Write};
use tracing_subscriber::fmt::MakeWriter;

/// Wraps a writer maker (stdout, a file) so that each event stays one line.
#[derive(Clone, Debug)]
pub struct OneLine<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for OneLine<M> {
    type Writer = OneLineWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        OneLineWriter(self.0.make_writer())
    }
}

/// The writer of one event.
pub struct OneLineWriter<W>(W);

/// `line` with its control characters escaped, except a trailing newline.
pub fn escape_line(line: &[u8]) -> Vec<u8> {
    let (body, end): (&[u8], &[u8]) = match line.strip_suffix(b"\n") {
        Some(b) => (b, b"\n"),
        None => (line, b""),
    };
    let mut out = Vec::with_capacity(body.len() + end.len());
    for &b in body {
        match b {
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.push(b'\t'),
            // ESC, the other C0 controls and DEL: a terminal or log viewer may act on them.
            0..=0x1f | 0x7f => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.extend_from_slice(end);
    out
}

impl<W: Write> Write for OneLineWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_all(&escape_line(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buf {
        type Writer = Buf;
        fn make_writer(&'a self) -> Buf {
            self.clone()
        }
    }

    #[test]
    fn a_newline_in_a_field_cannot_forge_a_log_line() {
        let buf = Buf::default();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(OneLine(buf.clone()))
            .finish();
        let forged = "bt01\n2026-12-04T10:00:00Z  INFO ecabinet_server::auth: login user=thutuong";
        tracing::subscriber::with_default(subscriber, || {
            // `%` on purpose: even a call site that forgets `?` stays on one line.
            tracing::info!(username = %forged, "login refused");
            tracing::info!(username = ?forged, "login refused");
            tracing::info!(name = %"esc\u{1b}[2Jcleared\rback", "x");
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(
            lines
                .iter()
                .all(|l| l.contains("username") || l.contains("name="))
        );
        assert!(!lines.iter().any(|l| l.starts_with("2026-12-04T10:00:00Z")));
        assert!(lines[0].contains(r"bt01\n2026-12-04"), "{}", lines[0]);
        assert!(
            lines[2].contains(r"esc\x1b[2Jcleared\rback"),
            "{}",
            lines[2]
        );
    }

    #[test]
    fn only_the_final_newline_is_kept() {
        assert_eq!(escape_line(b"a\nb\n"), b"a\\nb\n");
        assert_eq!(escape_line(b"tab\tkept"), b"tab\tkept");
        assert_eq!(
            escape_line("tiếng Việt\n".as_bytes()),
            "tiếng Việt\n".as_bytes()
        );
    }
}
