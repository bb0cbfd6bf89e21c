//! Fuzz target: whatever a render worker taken over by a hostile PDF writes on its
//! stdout, the server reads each line within the job's cap and accepts only events that
//! move the job forward within its limits; never a panic. Checked against a model: pages
//! accepted are this worker's share, in order, of the file's count; nothing after the
//! end; an accepted event, written again as the worker writes it, is accepted again.
#![no_main]

use ecabinet_documents::job::{Conversation, Event, Job, Violation, max_line, parse_event};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first three bytes shape the job; the rest is the worker's output.
    let (head, output) = data.split_at(data.len().min(3));
    let byte = |i: usize| head.get(i).copied().unwrap_or(0);
    let stride = 1 + u32::from(byte(2) % 3);
    let job = Job {
        id: 1,
        pdf: "original.pdf".into(),
        out_dir: ".render-1".into(),
        widths: [1280, 240][..1 + usize::from(byte(0) % 2)].to_vec(),
        max_pages: 1 + u32::from(byte(1)) * 4,
        offset: u32::from(byte(2) / 3) % stride,
        stride,
        extract_text: true,
    };
    let limit = max_line(&job);
    let mut talk = Conversation::new(&job);
    let mut pages = None;
    let mut last_page = 0;
    for line in output.split(|&b| b == b'\n') {
        // The server kills the worker at its first line out of bounds or out of turn.
        let parsed = parse_event(line, limit);
        if line.len() > limit {
            assert_eq!(parsed, Err(Violation::TooLong(limit)));
        }
        let Ok(event) = parsed else {
            break;
        };
        let before = talk.clone();
        let over = talk.is_over();
        if talk.accept(&event).is_err() {
            break;
        }
        assert!(!over, "an event accepted after the end");
        match &event {
            Event::Opened { pages: sizes, .. } => {
                assert!(pages.is_none() && !sizes.is_empty());
                assert!(sizes.len() <= job.max_pages as usize);
                pages = Some(sizes.len() as u32);
            }
            Event::Page { page, heights, .. } => {
                let count = pages.expect("a page after the file opened");
                assert!(*page > last_page && *page <= count);
                assert_eq!((*page - 1) % job.stride, job.offset);
                assert_eq!(heights.len(), job.widths.len());
                last_page = *page;
            }
            Event::Done { .. } => assert!(pages.is_some()),
            Event::Failed { .. } => {}
            Event::Ready { .. } => panic!("ready accepted in a job"),
        }
        let again = serde_json::to_vec(&event).expect("an accepted event serializes");
        let reparsed = parse_event(&again, usize::MAX).expect("and parses again");
        assert!(before.clone().accept(&reparsed).is_ok(), "{event:?}");
        if talk.is_over() {
            break;
        }
    }
});
