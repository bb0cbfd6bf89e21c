//! Fuzz target: any body sent as multipart/form-data (the upload routes of documents,
//! exchanged files and report files) is read part by part under the server's limits, or
//! refused, never a panic or an allocation beyond the limits. The input's first line is
//! the boundary, the rest the body.
#![no_main]

use futures::executor::block_on;
use libfuzzer_sys::fuzz_target;

/// The details part's limit (the server's `MAX_BODY_BYTES`).
const META_LIMIT: u64 = 64 * 1024;
/// The whole body's limit here (a fuzz input is far smaller than an upload).
const BODY_LIMIT: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|b| *b == b'\n') else {
        return;
    };
    let Ok(boundary) = std::str::from_utf8(&data[..split]).map(|b| b.trim_end_matches('\r')) else {
        return;
    };
    let body = bytes::Bytes::copy_from_slice(&data[split + 1..]);
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(BODY_LIMIT)
            .for_field("meta", META_LIMIT),
    );
    let mut form = multer::Multipart::with_constraints(stream, boundary, constraints);
    block_on(async {
        let mut read = 0u64;
        while let Ok(Some(mut field)) = form.next_field().await {
            let meta = field.name() == Some("meta");
            let _ = field.file_name().map(str::len);
            let mut size = 0u64;
            while let Ok(Some(chunk)) = field.chunk().await {
                size += chunk.len() as u64;
            }
            assert!(
                !meta || size <= META_LIMIT,
                "a details part beyond its limit"
            );
            read += size;
        }
        assert!(read <= BODY_LIMIT);
    });
});
