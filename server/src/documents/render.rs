//! The pool of render workers: separate `ecabinet render-worker` processes, each fed one
//! job over its stdin and confined to that job's files (see `ecabinet_documents::confine`).
//! A worker that crashes, exceeds its memory limit, stops answering within the page
//! time-out or says what it may not is killed; the document it was on fails with a reason,
//! and nothing else notices. What a worker writes is read as hostile: each line is capped
//! before it is parsed, and each event must move its job forward
//! (`ecabinet_documents::job::Conversation`).

use ecabinet_documents::job::{
    Confinement, Conversation, Event, Failure, Job, MAX_READY_LINE, Violation, max_line, page_file,
    parse_event,
};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
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
    /// Refuse every file rather than read it in a worker that cannot confine itself.
    pub require_confinement: bool,
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
    /// Its `out_dir` is the worker's own folder inside `pages`.
    job: Job,
    /// Where the pages go once the worker has written them.
    pages: PathBuf,
    events: mpsc::UnboundedSender<Event>,
}

/// The worker's folder of a job: `.render-<job>` inside the version's folder. A worker
/// may write only there, so it can touch neither the original beside it nor the pages
/// of the other workers; the pool moves each page out as it is reported.
const STAGE: &str = ".render-";

impl Renderer {
    /// Starts the pool's tasks; processes start on their first job.
    pub fn start(settings: RenderSettings) -> Renderer {
        let settings = Arc::new(settings);
        let reported = Arc::new(AtomicBool::new(false));
        let slots = (0..settings.workers.max(1))
            .map(|_| {
                let (tx, rx) = mpsc::channel(64);
                tokio::spawn(slot(settings.clone(), reported.clone(), rx));
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
        // A version renders once at a time: any worker folder here is a dead render's.
        if let Ok(mut entries) = tokio::fs::read_dir(&out_dir).await {
            while let Ok(Some(e)) = entries.next_entry().await {
                if e.file_name().to_string_lossy().starts_with(STAGE) {
                    let _ = tokio::fs::remove_dir_all(e.path()).await;
                }
            }
        }
        let stride = u32::try_from(self.slots.len()).unwrap_or(1);
        let mut parts = Vec::new();
        for (k, slot) in self.slots.iter().enumerate() {
            let id = self.next_job.fetch_add(1, Ordering::Relaxed);
            let (tx, rx) = mpsc::unbounded_channel();
            let job = Job {
                id,
                pdf: pdf.clone(),
                out_dir: out_dir.join(format!("{STAGE}{id}")),
                widths: self.settings.widths.clone(),
                max_pages: self.settings.max_pages,
                offset: u32::try_from(k).unwrap_or(0),
                stride,
                extract_text,
            };
            let assignment = Assignment {
                job,
                pages: out_dir.clone(),
                events: tx,
            };
            if slot.send(assignment).await.is_err() {
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

/// The command that starts a worker, as the pool runs it: with an empty environment (the
/// server's holds the database URL and the object store's secret; a worker needs none of
/// it), bar `LD_LIBRARY_PATH`, where a bare `libpdfium.so` may be found.
pub fn worker_command(s: &RenderSettings) -> Command {
    let mut cmd = Command::new(&s.program);
    cmd.arg("render-worker")
        .arg("--pdfium")
        .arg(&s.pdfium)
        .arg("--memory-limit")
        .arg(s.memory_limit.to_string());
    if !s.require_confinement {
        cmd.arg("--allow-unconfined");
    }
    cmd.env_clear();
    if let Some(path) = std::env::var_os("LD_LIBRARY_PATH") {
        cmd.env("LD_LIBRARY_PATH", path);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    cmd
}

/// A running worker process, ready for its one job.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    confinement: Confinement,
}

/// Why the server stopped listening to a worker.
enum Lost {
    /// It said nothing within the time-out.
    Silent,
    /// It died, or said something it may not.
    Broken(String),
}

impl Worker {
    async fn start(s: &RenderSettings, reported: &AtomicBool) -> std::io::Result<Worker> {
        let mut child = worker_command(s).spawn()?;
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
            stdout: BufReader::new(stdout),
            confinement: Confinement::default(),
        };
        match w.next(s.page_timeout, MAX_READY_LINE).await {
            Ok(Event::Ready { confinement, .. }) => {
                w.confinement = confinement;
                if !reported.swap(true, Ordering::Relaxed) {
                    report(s, &confinement);
                }
                Ok(w)
            }
            _ => {
                w.kill().await;
                Err(std::io::Error::other("the render worker did not start"))
            }
        }
    }

    /// The next event, from a line of at most `limit` bytes.
    async fn next(&mut self, timeout: Duration, limit: usize) -> Result<Event, Lost> {
        let line = match tokio::time::timeout(timeout, read_line(&mut self.stdout, limit)).await {
            Err(_) => return Err(Lost::Silent),
            Ok(Err(why)) => return Err(Lost::Broken(why)),
            Ok(Ok(line)) => line,
        };
        parse_event(&line, limit).map_err(|v| Lost::Broken(v.to_string()))
    }

    /// Hands it `job` and passes its events on until `Done` or `Failed`; `Some` when the
    /// worker was lost on the way (the caller reports that failure).
    async fn serve(
        &mut self,
        job: &Job,
        pages: &Path,
        events: &mpsc::UnboundedSender<Event>,
        timeout: Duration,
    ) -> Option<(Failure, String)> {
        let mut line = match serde_json::to_string(job) {
            Ok(l) => l,
            Err(e) => return Some((Failure::Storage, e.to_string())),
        };
        line.push('\n');
        if self.stdin.write_all(line.as_bytes()).await.is_err() || self.stdin.flush().await.is_err()
        {
            return Some((Failure::Crashed, "it took no job".into()));
        }
        let limit = max_line(job);
        let mut talk = Conversation::new(job);
        loop {
            let event = match self.next(timeout, limit).await {
                Ok(event) => event,
                Err(Lost::Silent) => return Some((Failure::TimedOut, "silent".into())),
                Err(Lost::Broken(why)) => return Some((Failure::Crashed, why)),
            };
            if let Err(v) = talk.accept(&event) {
                return Some((Failure::Crashed, v.to_string()));
            }
            if let Event::Page { page, .. } = &event {
                for &w in &job.widths {
                    let name = page_file(*page, w);
                    if let Err(e) = take_page(&job.out_dir.join(&name), &pages.join(&name)).await {
                        return Some((Failure::Crashed, format!("{name}: {e}")));
                    }
                }
            }
            let _ = events.send(event);
            if talk.is_over() {
                return None;
            }
        }
    }

    async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }
}

/// Moves a page the worker wrote into the version's folder; only a plain file (an
/// unconfined worker could leave a link to a file of the server's there).
async fn take_page(from: &Path, to: &Path) -> std::io::Result<()> {
    if !tokio::fs::symlink_metadata(from).await?.is_file() {
        return Err(std::io::Error::other("not a plain file"));
    }
    tokio::fs::rename(from, to).await
}

/// One line of `r` without its newline, reading no more than `limit + 1` bytes of it: a
/// worker that writes a gigabyte without a newline costs the server a few megabytes.
async fn read_line(r: &mut BufReader<ChildStdout>, limit: usize) -> Result<Vec<u8>, String> {
    let mut line = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    (&mut *r)
        .take(cap)
        .read_until(b'\n', &mut line)
        .await
        .map_err(|e| e.to_string())?;
    if line.last() == Some(&b'\n') {
        line.pop();
        Ok(line)
    } else if line.len() > limit {
        Err(Violation::TooLong(limit).to_string())
    } else {
        Err("it died".into())
    }
}

/// Logs, once per pool, how far its workers are confined.
fn report(s: &RenderSettings, c: &Confinement) {
    let gaps = c.gaps().join("; ");
    if c.complete() {
        tracing::info!(
            landlock_abi = c.landlock_abi,
            "render workers are confined: empty environment, Landlock, seccomp"
        );
    } else if c.sufficient() {
        tracing::warn!(landlock_abi = c.landlock_abi, %gaps, "render workers are confined in part");
    } else if s.require_confinement {
        tracing::error!(landlock_abi = c.landlock_abi, %gaps,
            "render workers cannot be confined here: every PDF is refused (render_require_confinement)");
    } else {
        tracing::warn!(landlock_abi = c.landlock_abi, %gaps,
            "render workers cannot be confined here; rendering anyway, as render_require_confinement is off");
    }
}

/// One worker slot: runs assignments one at a time, each in a process of its own (its
/// Landlock rules name that job's files), and starts the next process as soon as one is
/// done, so that a file does not wait for PDFium to load.
async fn slot(
    settings: Arc<RenderSettings>,
    reported: Arc<AtomicBool>,
    mut jobs: mpsc::Receiver<Assignment>,
) {
    let mut spare: Option<Worker> = None;
    while let Some(Assignment { job, pages, events }) = jobs.recv().await {
        let started = match spare.take() {
            Some(w) => Ok(w),
            None => Worker::start(&settings, &reported).await,
        };
        let mut w = match started {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(error = %e, pdfium = %settings.pdfium.display(), "render worker failed to start");
                let _ = events.send(Event::Failed {
                    job: job.id,
                    reason: Failure::Crashed,
                });
                continue;
            }
        };
        let lost = if settings.require_confinement && !w.confinement.sufficient() {
            // Refused before the worker sees the file (it would refuse too).
            Some((Failure::Unconfined, "not confined".to_owned()))
        } else if let Err(e) = tokio::fs::create_dir(&job.out_dir).await {
            // Not `create_dir_all`: a version folder removed meanwhile stays removed.
            Some((Failure::Storage, format!("{}: {e}", job.out_dir.display())))
        } else {
            w.serve(&job, &pages, &events, settings.page_timeout).await
        };
        if let Some((reason, why)) = lost {
            if matches!(reason, Failure::Crashed | Failure::TimedOut) {
                // Dead, hung or out of turn: whichever, this file is the cause.
                tracing::warn!(pdf = %job.pdf.display(), ?reason, %why, "render worker lost on a file");
            } else {
                tracing::debug!(pdf = %job.pdf.display(), ?reason, %why, "render job refused");
            }
            let _ = events.send(Event::Failed {
                job: job.id,
                reason,
            });
        }
        w.kill().await;
        let _ = tokio::fs::remove_dir_all(&job.out_dir).await;
        spare = Worker::start(&settings, &reported).await.ok();
    }
}
