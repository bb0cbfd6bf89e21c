//! The pool of render workers: separate `ecabinet render-worker` processes, each fed one
//! job at a time over its stdin. A worker that crashes, exceeds its memory limit or stops
//! answering within the page time-out is killed and started again; the document it was on
//! fails with a reason, and nothing else notices.

use ecabinet_documents::job::{Event, Failure, Job};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::mpsc;

/// How to start workers and how long to wait for them.
#[derive(Clone, Debug)]
pub struct RenderSettings {
    /// The `ecabinet` executable (`render-worker` is one of its commands).
    pub program: PathBuf,
    /// `libpdfium.so`.
    pub pdfium: PathBuf,
    /// Worker processes; a document's pages are shared among them.
    pub workers: usize,
    /// Address-space limit of each worker, bytes.
    pub memory_limit: u64,
    /// Longest wait for a file to open or for the next page.
    pub page_timeout: Duration,
    /// Most pages a document may have.
    pub max_pages: u32,
    /// Widths rendered for every page, in pixels; the first is shown first.
    pub widths: Vec<u32>,
}

/// A handle on the pool; cheap to clone.
#[derive(Clone)]
pub struct Renderer {
    slots: Arc<Vec<mpsc::Sender<Assignment>>>,
    next_job: Arc<AtomicU64>,
    settings: Arc<RenderSettings>,
}

/// One worker's share of a document.
struct Assignment {
    job: Job,
    events: mpsc::UnboundedSender<Event>,
}

impl Renderer {
    /// Starts the pool's tasks; processes start on their first job.
    pub fn start(settings: RenderSettings) -> Renderer {
        let settings = Arc::new(settings);
        let slots = (0..settings.workers.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(64);
                tokio::spawn(slot(settings.clone(), rx));
                tx
            })
            .collect();
        Renderer {
            slots: Arc::new(slots),
            next_job: Arc::new(AtomicU64::new(1)),
            settings,
        }
    }

    /// The widths every page is rendered at.
    pub fn widths(&self) -> &[u32] {
        &self.settings.widths
    }

    /// Renders `pdf` into `out_dir`, spreading its pages over the workers. Events arrive
    /// on the returned channel as they happen: one `Opened` (from the first worker),
    /// `Page`s in any order, then one `Done` or one `Failed`; it closes after that.
    /// `extract_text`: whether the pages' text is read at all.
    pub async fn render(
        &self,
        pdf: PathBuf,
        out_dir: PathBuf,
        extract_text: bool,
    ) -> mpsc::UnboundedReceiver<Event> {
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        let stride = u32::try_from(self.slots.len()).unwrap_or(1);
        let mut parts = Vec::new();
        for (k, slot) in self.slots.iter().enumerate() {
            let id = self.next_job.fetch_add(1, Ordering::Relaxed);
            let (tx, rx) = mpsc::unbounded_channel();
            let job = Job {
                id,
                pdf: pdf.clone(),
                out_dir: out_dir.clone(),
                widths: self.settings.widths.clone(),
                max_pages: self.settings.max_pages,
                offset: u32::try_from(k).unwrap_or(0),
                stride,
                extract_text,
            };
            if slot.send(Assignment { job, events: tx }).await.is_err() {
                let _ = out_tx.send(Event::Failed {
                    job: 0,
                    reason: Failure::Crashed,
                });
                return out_rx;
            }
            parts.push(rx);
        }
        tokio::spawn(merge(parts, out_tx));
        out_rx
    }
}

/// Folds the workers' event streams into one: the first `Opened`, every `Page`, and
/// `Done` once all are done, or the first `Failed`.
async fn merge(parts: Vec<mpsc::UnboundedReceiver<Event>>, out: mpsc::UnboundedSender<Event>) {
    let (all_tx, mut all_rx) = mpsc::unbounded_channel();
    let total = parts.len();
    for (k, mut rx) in parts.into_iter().enumerate() {
        let all_tx = all_tx.clone();
        tokio::spawn(async move {
            while let Some(e) = rx.recv().await {
                if all_tx.send((k, e)).is_err() {
                    break;
                }
            }
        });
    }
    drop(all_tx);
    let mut opened = false;
    let mut done = 0;
    while let Some((_, event)) = all_rx.recv().await {
        match event {
            Event::Opened { .. } if opened => {}
            Event::Opened { .. } => {
                opened = true;
                let _ = out.send(event);
            }
            Event::Page { .. } => {
                let _ = out.send(event);
            }
            Event::Done { .. } => {
                done += 1;
                if done == total {
                    let _ = out.send(event);
                    return;
                }
            }
            Event::Failed { .. } => {
                let _ = out.send(event);
                return;
            }
            Event::Ready { .. } => {}
        }
    }
    // Every worker hung up without finishing.
    let _ = out.send(Event::Failed {
        job: 0,
        reason: Failure::Crashed,
    });
}

/// A running worker process.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl Worker {
    async fn start(s: &RenderSettings) -> std::io::Result<Worker> {
        let mut child = Command::new(&s.program)
            .arg("render-worker")
            .arg("--pdfium")
            .arg(&s.pdfium)
            .arg("--memory-limit")
            .arg(s.memory_limit.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| std::io::Error::other("no stdin"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| std::io::Error::other("no stdout"))?;
        let mut w = Worker {
            child,
            stdin,
            stdout: BufReader::new(stdout).lines(),
        };
        match w.next(s.page_timeout).await {
            Ok(Event::Ready { .. }) => Ok(w),
            _ => {
                w.kill().await;
                Err(std::io::Error::other("the render worker did not start"))
            }
        }
    }

    /// The next event; `Err(true)` if the worker said nothing within `timeout`,
    /// `Err(false)` if it died or wrote something that is not an event.
    async fn next(&mut self, timeout: Duration) -> Result<Event, bool> {
        match tokio::time::timeout(timeout, self.stdout.next_line()).await {
            Ok(Ok(Some(line))) => serde_json::from_str(&line).map_err(|_| false),
            Ok(_) => Err(false),
            Err(_) => Err(true),
        }
    }

    async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }
}

/// One worker slot: starts a process on demand, runs assignments one at a time.
async fn slot(settings: Arc<RenderSettings>, mut jobs: mpsc::Receiver<Assignment>) {
    let mut worker: Option<Worker> = None;
    while let Some(Assignment { job, events }) = jobs.recv().await {
        if worker.is_none() {
            match Worker::start(&settings).await {
                Ok(w) => worker = Some(w),
                Err(e) => {
                    tracing::error!(error = %e, pdfium = %settings.pdfium.display(), "render worker failed to start");
                    let _ = events.send(Event::Failed {
                        job: job.id,
                        reason: Failure::Crashed,
                    });
                    continue;
                }
            }
        }
        let Some(w) = worker.as_mut() else { continue };
        let mut line = match serde_json::to_string(&job) {
            Ok(l) => l,
            Err(_) => continue,
        };
        line.push('\n');
        let sent =
            w.stdin.write_all(line.as_bytes()).await.is_ok() && w.stdin.flush().await.is_ok();
        let mut lost = if sent { None } else { Some(Failure::Crashed) };
        while lost.is_none() {
            match w.next(settings.page_timeout).await {
                Ok(event) => {
                    let last = matches!(event, Event::Done { .. } | Event::Failed { .. });
                    let _ = events.send(event);
                    if last {
                        break;
                    }
                }
                Err(true) => lost = Some(Failure::TimedOut),
                Err(false) => lost = Some(Failure::Crashed),
            }
        }
        if let Some(reason) = lost {
            // Dead or hung: whichever, this file is the cause; the next job gets a new process.
            tracing::warn!(pdf = %job.pdf.display(), ?reason, "render worker lost on a file");
            w.kill().await;
            worker = None;
            let _ = events.send(Event::Failed {
                job: job.id,
                reason,
            });
        }
    }
}
