//! Test support: a real ecabinet server on a random port over a fresh database (SQLite by
//! default, PostgreSQL when `ECABINET_TEST_POSTGRES` holds an admin URL), HTTP clients
//! with their own cookie jars, and a WebSocket client that applies frames with the same
//! reducer as the browser.

use anyhow::{Context, Result, anyhow, bail};
use ecabinet_protocol::api::Me;
use ecabinet_protocol::frame::{ClientFrame, Position, ServerFrame};
use ecabinet_protocol::sync::{Applied, TopicState};
use ecabinet_protocol::{ErrorCode, Event, SnapshotBody, Topic};
use ecabinet_server::accounts::PasswordHasher;
pub use ecabinet_server::platform::clock::Clock;
use ecabinet_server::platform::config::Config;
use ecabinet_server::{AppState, Application, seed};
use ecabinet_storage::Db;
use futures::{SinkExt, StreamExt};
use reqwest::cookie::{CookieStore, Jar};
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub use ecabinet_server::seed::DEMO_PASSWORD;

/// How long a test waits for something that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A fresh, empty database for one test, dropped (PostgreSQL) or deleted (SQLite) after.
pub struct TestDb {
    pub url: String,
    /// Documents and rendered pages; lives as long as the database.
    pub files: tempfile::TempDir,
    _dir: Option<tempfile::TempDir>,
    pg_admin: Option<(String, String)>,
}

impl TestDb {
    pub async fn new() -> Result<TestDb> {
        match std::env::var("ECABINET_TEST_POSTGRES") {
            Ok(admin) if !admin.is_empty() => TestDb::postgres(&admin).await,
            _ => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}/test.db", dir.path().display());
                Ok(TestDb {
                    url,
                    files: tempfile::tempdir()?,
                    _dir: Some(dir),
                    pg_admin: None,
                })
            }
        }
    }

    /// A fresh database in the PostgreSQL cluster whose admin URL is `admin`.
    pub async fn postgres(admin: &str) -> Result<TestDb> {
        let name = format!("ecab_t_{:016x}", rand::random::<u64>());
        let db = Db::connect(admin).await?;
        let pool = sqlx::AnyPool::connect(admin).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
            .execute(&pool)
            .await?;
        pool.close().await;
        db.close().await;
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
        Ok(TestDb {
            url: format!("{base}/{name}"),
            files: tempfile::tempdir()?,
            _dir: None,
            pg_admin: Some((admin.to_owned(), name)),
        })
    }

    /// Which engine this test runs on (for messages).
    pub fn engine(&self) -> &'static str {
        if self.pg_admin.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_admin.take() {
            // Best effort, on a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(rt) = rt {
                    rt.block_on(async move {
                        if let Ok(pool) = sqlx::AnyPool::connect(&admin).await {
                            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                                "drop database if exists {name} with (force)"
                            )))
                            .execute(&pool)
                            .await;
                            pool.close().await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

/// A running server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub state: AppState,
    pub db: TestDb,
    /// The clock its deadlines follow: the system's unless started with a manual one.
    pub clock: Clock,
    smtp_url: String,
    object_store: Option<S3Bucket>,
    tweak: Option<fn(&mut Config)>,
    max_upload_mb: u64,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// How to start a test server beyond the defaults.
#[derive(Clone, Default)]
pub struct Options {
    /// A manual clock for deadlines and reminders.
    pub clock: Option<Clock>,
    /// Where to send mail (a [`MailSink`]'s URL).
    pub smtp_url: Option<String>,
    /// Documents and pages in this bucket instead of the local folder.
    pub object_store: Option<S3Bucket>,
    /// Changes the test configuration (any key) before the server starts; kept by
    /// [`TestServer::restart`] and [`TestServer::second_node`].
    pub config: Option<fn(&mut Config)>,
    /// `document_max_upload_mb` (8 unless given; it also sizes the exchange inbox).
    pub max_upload_mb: Option<u64>,
}

impl TestServer {
    /// A server over a fresh database holding the demo government.
    pub async fn start() -> Result<TestServer> {
        Self::start_with(Options::default()).await
    }

    /// The same, with its files in `bucket` instead of its folder.
    pub async fn on_bucket(bucket: S3Bucket) -> Result<TestServer> {
        Self::start_with(Options {
            object_store: Some(bucket),
            ..Options::default()
        })
        .await
    }

    /// Like [`TestServer::start`] with a manual clock and/or a mail sink.
    pub async fn start_with(opts: Options) -> Result<TestServer> {
        sqlx::any::install_default_drivers();
        let db = TestDb::new().await?;
        let store = Db::connect(&db.url).await?;
        store.migrate().await?;
        seed::demo(&store, &PasswordHasher::fast_for_tests())
            .await
            .map_err(|e| anyhow!("seed: {e}"))?;
        store.close().await;
        let clock = opts.clock.unwrap_or_else(Clock::system);
        let smtp = opts.smtp_url.unwrap_or_default();
        let mb = opts.max_upload_mb.unwrap_or(8);
        Self::start_on(db, 0, clock, smtp, opts.object_store, opts.config, mb).await
    }

    /// A second server (another node) on this one's database, clock and mail sink.
    pub async fn second_node(&self) -> Result<TestServer> {
        let db = TestDb {
            url: self.db.url.clone(),
            files: tempfile::tempdir()?,
            _dir: None,
            pg_admin: None,
        };
        let (clock, smtp) = (self.clock.clone(), self.smtp_url.clone());
        let store = self.object_store.clone();
        Self::start_on(db, 0, clock, smtp, store, self.tweak, self.max_upload_mb).await
    }

    async fn start_on(
        db: TestDb,
        port: u16,
        clock: Clock,
        smtp_url: String,
        object_store: Option<S3Bucket>,
        tweak: Option<fn(&mut Config)>,
        max_upload_mb: u64,
    ) -> Result<TestServer> {
        let s3 = object_store.clone().unwrap_or_default();
        let mut config = Config {
            object_store_url: s3.url,
            object_store_endpoint: s3.endpoint,
            object_store_access_key_id: "test".into(),
            object_store_secret_access_key: "test".into(),
            object_store_region: "us-east-1".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], port)),
            database_url: db.url.clone(),
            site_root: std::env::temp_dir().join("ecabinet-no-site"),
            log: "warn".into(),
            documents_dir: db.files.path().join("documents"),
            render_worker: server_binary().unwrap_or_default(),
            // A file that hangs the renderer is given up on quickly.
            render_page_timeout_secs: 6,
            render_require_confinement: !allow_unconfined(),
            document_max_upload_mb: max_upload_mb,
            smtp_url: smtp_url.clone(),
            // A peer that is back is reached again within a second.
            exchange_retry_ms: 100,
            exchange_retry_max_ms: 1_000,
            ..Config::default()
        };
        if let Some(tweak) = tweak {
            tweak(&mut config);
        }
        let store = Db::connect(&config.database_url).await?;
        store.migrate().await?;
        let app = Application::build_with(&config, store, clock.clone()).await?;
        let addr = app.local_addr()?;
        let state = app.state().clone();
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(async move {
            let _ = app
                .run_until(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(TestServer {
            addr,
            state,
            db,
            clock,
            smtp_url,
            object_store,
            tweak,
            max_upload_mb,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// Stops the server (its connections are dropped) and starts a new one on the same
    /// database and port, as after a restart.
    pub async fn restart(self) -> Result<TestServer> {
        let mb = self.max_upload_mb;
        self.restart_with_upload_mb(mb).await
    }

    /// [`TestServer::restart`] with another `document_max_upload_mb`.
    pub async fn restart_with_upload_mb(mut self, max_upload_mb: u64) -> Result<TestServer> {
        let port = self.addr.port();
        self.stop().await;
        let db = std::mem::replace(
            &mut self.db,
            TestDb {
                url: String::new(),
                files: tempfile::tempdir()?,
                _dir: None,
                pg_admin: None,
            },
        );
        let (clock, smtp) = (self.clock.clone(), self.smtp_url.clone());
        let store = self.object_store.clone();
        Self::start_on(db, port, clock, smtp, store, self.tweak, max_upload_mb).await
    }

    /// Stops the server and waits until it is down.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            // Open WebSockets keep graceful shutdown waiting: cut them off after a moment.
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                // The task is detached; the listener closes when it is dropped.
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A logged-in client for a demo account.
    pub async fn login(&self, username: &str) -> Result<Client> {
        let c = self.anonymous();
        let r = c
            .http
            .post(self.url("/api/login"))
            .json(&serde_json::json!({"username": username, "password": DEMO_PASSWORD}))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("login {username}: {}", r.status());
        }
        let me: Me = r.json().await?;
        Ok(Client { me: Some(me), ..c })
    }

    /// Logs `username` in, opens a WebSocket, says hello and subscribes to `topic`.
    pub async fn watch(&self, username: &str, topic: Topic) -> Result<(Client, WsClient)> {
        let client = self.login(username).await?;
        let mut ws = client.ws().await?;
        ws.hello().await?;
        ws.subscribe(topic).await?;
        Ok((client, ws))
    }

    /// A client without a session.
    pub fn anonymous(&self) -> Client {
        Client::at(&format!("http://{}", self.addr))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// An HTTP client with its own cookie jar.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
    pub base: String,
    pub me: Option<Me>,
}

/// A response's status and JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    /// The `code` of an error body.
    pub fn code(&self) -> &str {
        self.body.get("code").and_then(|c| c.as_str()).unwrap_or("")
    }
}

impl Client {
    pub fn id(&self) -> i64 {
        self.me.as_ref().map(|m| m.id.0).unwrap_or(0)
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Answer> {
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await?;
        let status = r.status().as_u16();
        let text = r.text().await?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok(Answer { status, body })
    }

    /// POSTs a multipart form: `meta` JSON and any number of `file` parts (none too).
    pub async fn upload_files(
        &self,
        path: &str,
        meta: Value,
        files: Vec<(&str, Vec<u8>)>,
    ) -> Result<Answer> {
        let mut form = reqwest::multipart::Form::new().text("meta", meta.to_string());
        for (name, bytes) in files {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(name.to_owned())
                    .mime_str("application/pdf")?,
            );
        }
        self.post_form(path, form).await
    }

    async fn post_form(&self, path: &str, form: reqwest::multipart::Form) -> Result<Answer> {
        let r = self
            .http
            .post(format!("{}{}", self.base, path))
            .multipart(form)
            .send()
            .await?;
        Self::answer_of(r).await
    }

    /// The status and the body, as JSON when it is JSON.
    async fn answer_of(r: reqwest::Response) -> Result<Answer> {
        let status = r.status().as_u16();
        let text = r.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Answer { status, body })
    }

    /// Sends `body` as it is (an edXML envelope), typed `application/xml`.
    pub async fn call_raw(&self, method: &str, path: &str, body: String) -> Result<Answer> {
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let r = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .header("content-type", "application/xml")
            .body(body)
            .send()
            .await?;
        Self::answer_of(r).await
    }

    pub async fn get(&self, path: &str) -> Result<Answer> {
        self.call("GET", path, None).await
    }

    /// GETs raw bytes: status, headers and body.
    pub async fn get_bytes(
        &self,
        path: &str,
    ) -> Result<(u16, reqwest::header::HeaderMap, Vec<u8>)> {
        let r = self
            .http
            .get(format!("{}{}", self.base, path))
            .send()
            .await?;
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        Ok((status, headers, r.bytes().await?.to_vec()))
    }

    /// POSTs a multipart upload: an optional `meta` JSON part and a `file` part.
    pub async fn upload(
        &self,
        path: &str,
        meta: Option<Value>,
        file_name: &str,
        file: Vec<u8>,
    ) -> Result<Answer> {
        let mut form = reqwest::multipart::Form::new();
        if let Some(m) = meta {
            form = form.text("meta", m.to_string());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(file)
                .file_name(file_name.to_owned())
                .mime_str("application/pdf")?,
        );
        self.post_form(path, form).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Answer> {
        self.call("POST", path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Result<Answer> {
        self.call("PUT", path, Some(body)).await
    }

    /// POSTs and requires a 2xx answer.
    pub async fn ok_post(&self, path: &str, body: Value) -> Result<Answer> {
        let a = self.post(path, body).await?;
        if !(200..300).contains(&a.status) {
            bail!("POST {path}: {} {}", a.status, a.body);
        }
        Ok(a)
    }

    /// Opens the WebSocket with this client's session cookie.
    pub async fn ws(&self) -> Result<WsClient> {
        let url = format!("{}/api/ws", self.base.replace("http://", "ws://"));
        let mut req = url.as_str().into_client_request()?;
        let http_url: reqwest::Url = self.base.parse()?;
        if let Some(cookies) = self.jar.cookies(&http_url) {
            req.headers_mut().insert("cookie", cookies);
        }
        let (stream, _) = tokio_tungstenite::connect_async(req).await?;
        Ok(WsClient {
            stream,
            topics: HashMap::new(),
            applied: Vec::new(),
            epoch: None,
        })
    }
}

/// A WebSocket client that keeps topic state exactly like the browser does.
pub struct WsClient {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub topics: HashMap<Topic, TopicState>,
    /// Every event applied, in order of application.
    pub applied: Vec<Event>,
    pub epoch: Option<String>,
}

impl WsClient {
    pub async fn send(&mut self, frame: &ClientFrame) -> Result<()> {
        self.send_text(serde_json::to_string(frame)?).await
    }

    pub async fn send_text(&mut self, text: String) -> Result<()> {
        self.stream.send(Message::Text(text.into())).await?;
        Ok(())
    }

    /// The next frame from the server, or an error after `PATIENCE`.
    pub async fn next(&mut self) -> Result<ServerFrame> {
        self.next_within(PATIENCE)
            .await?
            .context("no frame within patience")
    }

    /// The next frame within `d`, or `None`.
    pub async fn next_within(&mut self, d: Duration) -> Result<Option<ServerFrame>> {
        loop {
            let msg = match tokio::time::timeout(d, self.stream.next()).await {
                Err(_) => return Ok(None),
                Ok(None) => bail!("connection closed"),
                Ok(Some(m)) => m?,
            };
            match msg {
                Message::Text(t) => {
                    let f: ServerFrame = serde_json::from_str(t.as_str())?;
                    self.absorb(&f)?;
                    return Ok(Some(f));
                }
                Message::Close(c) => bail!("closed by server: {c:?}"),
                _ => continue,
            }
        }
    }

    fn absorb(&mut self, f: &ServerFrame) -> Result<()> {
        match f {
            ServerFrame::Welcome { epoch, .. } => self.epoch = Some(epoch.clone()),
            ServerFrame::Snapshot {
                topic,
                epoch,
                seq,
                state,
            } => {
                self.topics.insert(
                    *topic,
                    TopicState {
                        epoch: epoch.clone(),
                        seq: *seq,
                        state: state.clone(),
                    },
                );
            }
            ServerFrame::Event { event } => {
                let t = self
                    .topics
                    .get_mut(&event.topic)
                    .with_context(|| format!("event for {} without state", event.topic))?;
                match t.on_event(event) {
                    Applied::Applied => self.applied.push(event.clone()),
                    other => bail!("event {} of {}: {other:?}", event.seq, event.topic),
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Says hello and waits for the welcome.
    pub async fn hello(&mut self) -> Result<()> {
        self.send(&ClientFrame::Hello {
            protocol: ecabinet_protocol::PROTOCOL_VERSION,
        })
        .await?;
        match self.next().await? {
            ServerFrame::Welcome { .. } => Ok(()),
            other => bail!("expected welcome, got {other:?}"),
        }
    }

    /// Subscribes (resuming from the held position if any, or `since`) and reads until
    /// `synced`; returns the frames received on the way.
    pub async fn subscribe(&mut self, topic: Topic) -> Result<Vec<ServerFrame>> {
        let since = self.topics.get(&topic).map(|t| t.position());
        self.subscribe_since(topic, since).await
    }

    pub async fn subscribe_since(
        &mut self,
        topic: Topic,
        since: Option<Position>,
    ) -> Result<Vec<ServerFrame>> {
        self.send(&ClientFrame::Subscribe { topic, since }).await?;
        let mut frames = Vec::new();
        loop {
            let f = self.next().await?;
            let done = matches!(&f, ServerFrame::Synced { topic: t, .. } if *t == topic);
            if let ServerFrame::Error {
                code,
                message,
                topic: Some(t),
            } = &f
                && *t == topic
            {
                bail!("subscribe {topic}: {code:?} {message}");
            }
            frames.push(f);
            if done {
                return Ok(frames);
            }
        }
    }

    /// Subscribes and expects a refusal; returns its code.
    pub async fn subscribe_refused(&mut self, topic: Topic) -> Result<ErrorCode> {
        self.send(&ClientFrame::Subscribe { topic, since: None })
            .await?;
        loop {
            match self.next().await? {
                ServerFrame::Error {
                    code,
                    topic: Some(t),
                    ..
                } if t == topic => return Ok(code),
                ServerFrame::Synced { topic: t, .. } if t == topic => {
                    bail!("{topic} was not refused")
                }
                _ => {}
            }
        }
    }

    /// Reads frames until an applied event matches `pred`; fails after the patience,
    /// naming the events seen.
    pub async fn wait_event(
        &mut self,
        pred: impl Fn(&ecabinet_protocol::EventBody) -> bool,
    ) -> Result<()> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            if self.applied.iter().any(|e| pred(&e.body)) {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if self.next_within(left).await?.is_none() {
                bail!("no such event; got {:?}", self.applied);
            }
        }
    }

    /// Reads frames until `pred` holds for the state of `topic`.
    pub async fn wait_for(
        &mut self,
        topic: Topic,
        pred: impl Fn(&SnapshotBody) -> bool,
    ) -> Result<()> {
        self.wait_for_within(topic, PATIENCE, pred).await
    }

    /// Like [`WsClient::wait_for`] with a longer or shorter patience.
    pub async fn wait_for_within(
        &mut self,
        topic: Topic,
        patience: Duration,
        pred: impl Fn(&SnapshotBody) -> bool,
    ) -> Result<()> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            if self.topics.get(&topic).is_some_and(|t| pred(&t.state)) {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if self.next_within(left).await?.is_none() {
                bail!("state of {topic} never matched");
            }
        }
    }

    /// Reads frames until the topic's seq reaches `seq`.
    pub async fn wait_seq(&mut self, topic: Topic, seq: u64) -> Result<()> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while self.topics.get(&topic).map(|t| t.seq).unwrap_or(0) < seq {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if self.next_within(left).await?.is_none() {
                bail!("{topic} stuck before seq {seq}");
            }
        }
        Ok(())
    }

    pub fn meeting(&self, topic: Topic) -> Option<&ecabinet_protocol::MeetingSnapshot> {
        match self.topics.get(&topic).map(|t| &t.state) {
            Some(SnapshotBody::Meeting(m)) => Some(m.as_ref()),
            _ => None,
        }
    }

    pub fn seq(&self, topic: Topic) -> u64 {
        self.topics.get(&topic).map(|t| t.seq).unwrap_or(0)
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// A server holding one published meeting (prepared by `vanthu1` with `items` agenda
/// items, everyone invited): the server, the clerk, the meeting id and its topic.
pub async fn server_with_meeting(
    title: &str,
    items: usize,
) -> Result<(TestServer, Client, i64, Topic)> {
    let s = TestServer::start().await?;
    let clerk = s.login("vanthu1").await?;
    let id = published_meeting(&clerk, title, items).await?;
    let topic = Topic::Meeting(ecabinet_domain::MeetingId(id));
    Ok((s, clerk, id, topic))
}

/// A meeting body for `POST /api/meetings` with the given participants (by demo username
/// position: ids are assigned in seed order, 1 = thutuong, 2..5 = ptt1..4, 6.. = bt01..).
pub fn meeting_input(title: &str, participant_ids: &[i64]) -> Value {
    serde_json::json!({
        "title": title,
        "kind": "regular",
        "starts_at": 1_800_000_000_000i64,
        "place": "Phòng họp số 1",
        "participants": participant_ids.iter().map(|id| serde_json::json!({"user_id": id})).collect::<Vec<_>>(),
    })
}

/// Demo account ids by username (fixed by the seed order).
pub fn demo_id(username: &str) -> i64 {
    seed::demo_accounts()
        .iter()
        .position(|a| a.0 == username)
        .map(|p| p as i64 + 1)
        .unwrap_or(-1)
}

/// Creates a meeting as `clerk` with the chair, all 26 other members and the invitee,
/// gives it an agenda of `items` items, and publishes it. Returns its id.
pub async fn published_meeting(clerk: &Client, title: &str, items: usize) -> Result<i64> {
    let mut ids: Vec<i64> = seed::demo_accounts()
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            matches!(
                a.3,
                ecabinet_domain::Role::Chair
                    | ecabinet_domain::Role::Member
                    | ecabinet_domain::Role::Invitee
            )
        })
        .map(|(i, _)| i as i64 + 1)
        .collect();
    ids.sort();
    let created = clerk
        .ok_post("/api/meetings", meeting_input(title, &ids))
        .await?;
    let id = created.body["id"].as_i64().context("id")?;
    let agenda: Vec<Value> = (1..=items)
        .map(|i| serde_json::json!({"title": format!("Nội dung {i}"), "presenter": "Bộ trưởng", "planned_minutes": 30}))
        .collect();
    let a = clerk
        .put(
            &format!("/api/meetings/{id}/agenda"),
            serde_json::json!({"items": agenda}),
        )
        .await?;
    if a.status != 204 {
        bail!("agenda: {} {}", a.status, a.body);
    }
    clerk
        .ok_post(
            &format!("/api/meetings/{id}/publish"),
            serde_json::json!({}),
        )
        .await?;
    Ok(id)
}

/// A member's tablet: a logged-in client and the device key it enrolled.
pub struct Tablet {
    pub client: Client,
    pub key: ed25519_dalek::SigningKey,
    pub device_id: i64,
}

/// Logs `username` in, registers a fresh device key and has `clerk` approve it.
pub async fn enrolled_tablet(s: &TestServer, clerk: &Client, username: &str) -> Result<Tablet> {
    enroll(s.login(username).await?, clerk).await
}

/// Registers a fresh device key for the logged-in `client` and has `clerk` approve it.
pub async fn enroll(client: Client, clerk: &Client) -> Result<Tablet> {
    let key = ed25519_dalek::SigningKey::from_bytes(&rand::random::<[u8; 32]>());
    let a = client
        .ok_post(
            "/api/devices",
            serde_json::json!({"label": "Máy tính bảng", "public_key": hex::encode(key.verifying_key().as_bytes())}),
        )
        .await?;
    let device_id = a.body["id"].as_i64().context("device id")?;
    clerk
        .ok_post(
            &format!("/api/devices/{device_id}/approve"),
            serde_json::json!({}),
        )
        .await?;
    Ok(Tablet {
        client,
        key,
        device_id,
    })
}

/// What a tablet reads before signing: the poll's definition and the hash it computes
/// itself from the canonical bytes (it never takes the server's hash on trust).
pub async fn poll_definition(
    c: &Client,
    poll_id: i64,
) -> Result<(ecabinet_domain::poll::PollDefinition, [u8; 32])> {
    let v = c.get(&format!("/api/polls/{poll_id}")).await?;
    if v.status != 200 {
        bail!("poll {poll_id}: {} {}", v.status, v.body);
    }
    let view: ecabinet_protocol::poll::PollView = serde_json::from_value(v.body)?;
    let def = view.definition.context("poll not open")?;
    let hash = ecabinet_crypto::sha256(&def.canonical_bytes());
    if view.definition_hash.as_deref() != Some(hex::encode(hash).as_str()) {
        bail!("the server's definition hash differs from the definition it sent");
    }
    Ok((def, hash))
}

impl Tablet {
    /// The canonical ballot for `choices` in the poll, signed by this tablet.
    pub fn ballot(&self, poll_id: i64, poll_hash: [u8; 32], choices: &[u16]) -> Value {
        self.ballot_as(self.client.id(), poll_id, poll_hash, choices)
    }

    /// Like [`Tablet::ballot`], naming `member` (to test refusals).
    pub fn ballot_as(
        &self,
        member: i64,
        poll_id: i64,
        poll_hash: [u8; 32],
        choices: &[u16],
    ) -> Value {
        let b = ecabinet_crypto::Ballot {
            poll_id: poll_id as u64,
            poll_hash,
            member_id: member as u64,
            key_id: ecabinet_crypto::key_id(&self.key.verifying_key()),
            choices: choices.to_vec(),
            text_hash: [0; 32],
            nonce: rand::random(),
            client_time: 1_800_000_000_000,
        };
        let signed = b.sign(&self.key).unwrap_or_else(|e| panic!("sign: {e}"));
        serde_json::json!({"ballot": hex::encode(&signed.bytes), "signature": hex::encode(signed.signature)})
    }

    /// The same tablet, its member logged in again at `base` (another node, or the same
    /// one after a restart).
    pub async fn through(&self, base: &str) -> Result<Tablet> {
        let me = self
            .client
            .me
            .as_ref()
            .context("a tablet's client is logged in")?;
        Ok(Tablet {
            client: Client::logged_in(base, &me.username).await?,
            key: self.key.clone(),
            device_id: self.device_id,
        })
    }

    /// Reads the poll, signs `choices` and sends the ballot.
    pub async fn vote(&self, poll_id: i64, choices: &[u16]) -> Result<Answer> {
        let (_, hash) = poll_definition(&self.client, poll_id).await?;
        self.client
            .post(
                &format!("/api/polls/{poll_id}/ballots"),
                self.ballot(poll_id, hash, choices),
            )
            .await
    }
}

/// What a device reads before answering a written poll: the definition and the hash it
/// computes itself.
pub async fn opinion_definition(
    c: &Client,
    id: i64,
) -> Result<(ecabinet_domain::opinion::OpinionDefinition, [u8; 32])> {
    let v = c.get(&format!("/api/opinions/{id}")).await?;
    if v.status != 200 {
        bail!("written poll {id}: {} {}", v.status, v.body);
    }
    let view: ecabinet_protocol::opinion::OpinionView = serde_json::from_value(v.body)?;
    let def = view.definition.context("not sent")?;
    let hash = ecabinet_crypto::sha256(&def.canonical_bytes());
    if view.definition_hash.as_deref() != Some(hex::encode(hash).as_str()) {
        bail!("the server's definition hash differs from the definition it sent");
    }
    Ok((def, hash))
}

impl Tablet {
    /// A signed answer (`choice`: 0 đồng ý, 1 không đồng ý, 2 ý kiến khác) whose text hash
    /// covers `signed_text`, sent with `sent_text`.
    pub fn answer_body(
        &self,
        id: i64,
        hash: [u8; 32],
        choice: u16,
        signed_text: &str,
        sent_text: &str,
    ) -> Value {
        let b = ecabinet_crypto::Ballot {
            poll_id: id as u64,
            poll_hash: hash,
            member_id: self.client.id() as u64,
            key_id: ecabinet_crypto::key_id(&self.key.verifying_key()),
            choices: vec![choice],
            text_hash: if signed_text.is_empty() {
                [0; 32]
            } else {
                ecabinet_crypto::sha256(signed_text.as_bytes())
            },
            nonce: rand::random(),
            client_time: 1_800_000_000_000,
        };
        let signed = b.sign(&self.key).unwrap_or_else(|e| panic!("sign: {e}"));
        serde_json::json!({
            "ballot": hex::encode(&signed.bytes),
            "signature": hex::encode(signed.signature),
            "text": sent_text,
        })
    }

    /// Reads the written poll, signs the answer with `text` and sends it.
    pub async fn answer(&self, id: i64, choice: u16, text: &str) -> Result<Answer> {
        let (_, hash) = opinion_definition(&self.client, id).await?;
        self.client
            .post(
                &format!("/api/opinions/{id}/answers"),
                self.answer_body(id, hash, choice, text, text),
            )
            .await
    }
}

/// A started meeting (everyone invited) with a yes/no poll under `rule_json` prepared by
/// the clerk: the server, the clerk, the chair, the meeting id and the poll id.
pub async fn meeting_with_poll(rule_json: Value) -> Result<(TestServer, Client, Client, i64, i64)> {
    let (s, clerk, meeting, _) = server_with_meeting("Phiên họp có biểu quyết", 2).await?;
    clerk
        .ok_post(
            &format!("/api/meetings/{meeting}/start"),
            serde_json::json!({}),
        )
        .await?;
    let chair = s.login("thutuong").await?;
    let mut body = serde_json::json!({"question": "Thông qua dự thảo Nghị quyết phiên họp"});
    if let (Some(b), Some(r)) = (body.as_object_mut(), rule_json.as_object()) {
        b.extend(r.clone());
    }
    let p = chair
        .ok_post(&format!("/api/meetings/{meeting}/polls"), body)
        .await?;
    let poll = p.body["id"].as_i64().context("poll id")?;
    Ok((s, clerk, chair, meeting, poll))
}

impl Client {
    /// A client without a session for a server at `base` (e.g. `http://127.0.0.1:3000`).
    pub fn at(base: &str) -> Client {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Client {
            http,
            jar,
            base: base.trim_end_matches('/').to_owned(),
            me: None,
        }
    }

    /// Logs in with the demo password.
    pub async fn logged_in(base: &str, username: &str) -> Result<Client> {
        let c = Client::at(base);
        let a = c
            .post(
                "/api/login",
                serde_json::json!({"username": username, "password": DEMO_PASSWORD}),
            )
            .await?;
        if a.status != 200 {
            bail!("login {username}: {} {}", a.status, a.body);
        }
        let me: Me = serde_json::from_value(a.body)?;
        Ok(Client { me: Some(me), ..c })
    }
}

/// Whether `ECABINET_TEST_ALLOW_UNCONFINED=1` lets the tests run on a machine where the
/// render workers cannot confine themselves (no Landlock): the servers they start render
/// unconfined, and the confinement tests say they are skipped instead of failing.
pub fn allow_unconfined() -> bool {
    std::env::var("ECABINET_TEST_ALLOW_UNCONFINED").is_ok_and(|v| v == "1")
}

/// The `ecabinet` binary next to the test executable (cargo builds it for `cargo test
/// --workspace`; `cargo build -p ecabinet-server` otherwise).
pub fn server_binary() -> Result<std::path::PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .context("test executable has no parent directory")?;
    let bin = dir.join("ecabinet");
    if !bin.exists() {
        bail!(
            "{} is missing: build it with `cargo build -p ecabinet-server`",
            bin.display()
        );
    }
    Ok(bin)
}

/// Starts the `ecabinet` binary (`serve`) on `db_url` and `port` with its log in `stderr`,
/// and waits until `/healthz` answers.
pub async fn spawn_server(
    bin: &std::path::Path,
    db_url: &str,
    port: u16,
    stderr: std::process::Stdio,
) -> Result<tokio::process::Child> {
    let child = tokio::process::Command::new(bin)
        .arg("serve")
        .env("ECABINET_DATABASE_URL", db_url)
        .env("ECABINET_LISTEN", format!("127.0.0.1:{port}"))
        .env("ECABINET_LOG", "warn")
        // The server refuses ECABINET_* keys it does not know, and these are the tests'.
        .env_remove("ECABINET_TEST_POSTGRES")
        .env_remove("ECABINET_TEST_ALLOW_UNCONFINED")
        .env(
            "ECABINET_RENDER_REQUIRE_CONFINEMENT",
            (!allow_unconfined()).to_string(),
        )
        .stdout(std::process::Stdio::null())
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    for _ in 0..400 {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await
            && r.status().is_success()
        {
            return Ok(child);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("the server did not come up")
}

/// A bucket of a local S3-compatible server, as a node's configuration names it.
#[derive(Clone, Debug, Default)]
pub struct S3Bucket {
    /// `s3://bucket/prefix`.
    pub url: String,
    /// The server, `http://127.0.0.1:port`.
    pub endpoint: String,
    /// The bucket's name.
    pub bucket: String,
}

/// moto's S3 server on a free port (installed by `./x setup`; `MOTO_SERVER` names the
/// program), stopped on drop.
pub struct S3Server {
    pub endpoint: String,
    _child: tokio::process::Child,
}

impl S3Server {
    pub async fn start() -> Result<S3Server> {
        let program = std::env::var("MOTO_SERVER").unwrap_or_else(|_| {
            format!(
                "{}/.cache/ecabinet/moto/bin/moto_server",
                std::env::var("HOME").unwrap_or_default()
            )
        });
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = tokio::process::Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {program} (`./x setup` installs moto)"))?;
        let endpoint = format!("http://127.0.0.1:{port}");
        for _ in 0..200 {
            if reqwest::get(format!("{endpoint}/")).await.is_ok() {
                return Ok(S3Server {
                    endpoint,
                    _child: child,
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("moto did not come up on {endpoint}")
    }

    /// Creates a bucket; the nodes keep their files under `prefix` in it.
    pub async fn bucket(&self, name: &str, prefix: &str) -> Result<S3Bucket> {
        let r = reqwest::Client::new()
            .put(format!("{}/{name}", self.endpoint))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("creating bucket {name}: {}", r.status());
        }
        Ok(S3Bucket {
            url: format!("s3://{name}/{prefix}"),
            endpoint: self.endpoint.clone(),
            bucket: name.to_owned(),
        })
    }

    /// The keys stored under `prefix` in `bucket`.
    pub async fn keys(&self, bucket: &str, prefix: &str) -> Result<Vec<String>> {
        let xml = reqwest::get(format!(
            "{}/{bucket}?list-type=2&prefix={prefix}&max-keys=1000",
            self.endpoint
        ))
        .await?
        .text()
        .await?;
        Ok(xml
            .split("<Key>")
            .skip(1)
            .filter_map(|s| s.split("</Key>").next())
            .map(str::to_owned)
            .collect())
    }

    /// The bytes stored at `key` (objects are private: the request is signed).
    pub async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>> {
        use object_store::ObjectStore;
        let store = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .build()?;
        let r = store.get(&object_store::path::Path::from(key)).await?;
        Ok(r.bytes().await?.to_vec())
    }
}

/// `name` in the folder of the running executable: the `ecabinet` binary beside a
/// benchmark tool built with it.
pub fn tool_sibling(name: &str) -> Result<std::path::PathBuf> {
    Ok(std::env::current_exe()?
        .parent()
        .context("tool directory")?
        .join(name))
}

/// The secretariat (`vanthu1`) logged in at `base`, and the demo's first meeting, started.
pub async fn started_demo_meeting(base: &str) -> Result<(Client, i64)> {
    let clerk = Client::logged_in(base, "vanthu1").await?;
    let meeting = clerk.get("/api/meetings").await?.body[0]["id"]
        .as_i64()
        .context("the demo has a meeting")?;
    clerk
        .ok_post(
            &format!("/api/meetings/{meeting}/start"),
            serde_json::json!({}),
        )
        .await?;
    Ok((clerk, meeting))
}

/// A poll of `meeting` asking `question`, prepared (not opened) by `clerk`.
pub async fn new_poll(clerk: &Client, meeting: i64, question: &str) -> Result<i64> {
    clerk
        .ok_post(
            &format!("/api/meetings/{meeting}/polls"),
            serde_json::json!({"question": question}),
        )
        .await?
        .body["id"]
        .as_i64()
        .context("poll id")
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The demo government, seeded into `db_url` by the `ecabinet seed` command.
pub async fn seed_with_binary(db_url: &str) -> Result<()> {
    let out = tokio::process::Command::new(server_binary()?)
        .arg("seed")
        .env("ECABINET_DATABASE_URL", db_url)
        .env_remove("ECABINET_TEST_POSTGRES")
        .env_remove("ECABINET_TEST_ALLOW_UNCONFINED")
        .env("ECABINET_LOG", "warn")
        .output()
        .await?;
    if !out.status.success() {
        bail!("seed: {out:?}");
    }
    Ok(())
}

/// The real `ecabinet` binary serving `db_url` on a fixed port, with a documents folder
/// and a log of its own kept across restarts: what the durability and scale-out tests
/// kill with SIGKILL.
pub struct ServerProcess {
    pub base: String,
    pub port: u16,
    db_url: String,
    files: tempfile::TempDir,
    log: std::path::PathBuf,
    env: Vec<(String, String)>,
    child: Option<tokio::process::Child>,
}

impl ServerProcess {
    /// Starts it and waits until `/healthz` answers. `env`: extra `ECABINET_*` settings
    /// (`ECABINET_DOCUMENTS_DIR` there makes nodes share one folder).
    pub async fn start(db_url: &str, env: &[(&str, &str)]) -> Result<ServerProcess> {
        let port = free_port()?;
        let files = tempfile::tempdir()?;
        let mut p = ServerProcess {
            base: format!("http://127.0.0.1:{port}"),
            port,
            db_url: db_url.to_owned(),
            log: files.path().join("server.log"),
            files,
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            child: None,
        };
        p.restart().await?;
        Ok(p)
    }

    /// Starts it again on the same port (after [`ServerProcess::kill`]).
    pub async fn restart(&mut self) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let mut cmd = tokio::process::Command::new(server_binary()?);
        cmd.arg("serve")
            .env("ECABINET_DATABASE_URL", &self.db_url)
            .env("ECABINET_DOCUMENTS_DIR", self.documents_dir())
            .env("ECABINET_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("ECABINET_LOG", "warn")
            .env_remove("ECABINET_TEST_POSTGRES")
            .env_remove("ECABINET_TEST_ALLOW_UNCONFINED")
            .env(
                "ECABINET_RENDER_REQUIRE_CONFINEMENT",
                (!allow_unconfined()).to_string(),
            )
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::from(log))
            .kill_on_drop(true);
        self.child = Some(cmd.spawn()?);
        for _ in 0..400 {
            if let Ok(r) = reqwest::get(format!("{}/healthz", self.base)).await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the server did not come up:\n{}", self.log_text())
    }

    /// SIGKILL, and waits until the process is gone.
    pub async fn kill(&mut self) -> Result<()> {
        if let Some(mut c) = self.child.take() {
            c.start_kill()?;
            c.wait().await?;
        }
        Ok(())
    }

    /// Its documents folder (unless `ECABINET_DOCUMENTS_DIR` named another).
    pub fn documents_dir(&self) -> std::path::PathBuf {
        self.files.path().join("documents")
    }

    /// What it logged so far (for failure messages).
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Its process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(|c| c.id())
    }
}

/// The `render-worker` processes whose parent is `parent`, found in `/proc`.
pub fn render_workers_of(parent: u32) -> Vec<u32> {
    let parent = parent.to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        let ppid = status
            .lines()
            .find_map(|l| l.strip_prefix("PPid:"))
            .map(str::trim);
        let cmd = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if ppid == Some(parent.as_str()) && cmd.split(|&b| b == 0).any(|a| a == b"render-worker") {
            found.push(pid);
        }
    }
    found
}

/// One mail as an SMTP client handed it over.
#[derive(Clone, Debug)]
pub struct Mail {
    /// `RCPT TO` addresses, in order.
    pub recipients: Vec<String>,
    /// The message as sent (headers and body, dot-unstuffed).
    pub data: String,
}

/// A local SMTP server that accepts every mail and keeps it, for asserting on reminders.
/// It speaks just enough SMTP for lettre: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
#[derive(Clone)]
pub struct MailSink {
    pub addr: SocketAddr,
    mails: Arc<std::sync::Mutex<Vec<Mail>>>,
}

impl MailSink {
    pub async fn start() -> Result<MailSink> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let sink = MailSink {
            addr: listener.local_addr()?,
            mails: Arc::default(),
        };
        let mails = sink.mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(smtp_session(stream, mails.clone()));
            }
        });
        Ok(sink)
    }

    /// The URL to configure as `smtp_url`.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Every mail received so far.
    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Waits until `n` mails have arrived; returns them.
    pub async fn wait_for(&self, n: usize) -> Result<Vec<Mail>> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let mails = self.mails();
            if mails.len() >= n {
                return Ok(mails);
            }
            if tokio::time::Instant::now() > deadline {
                bail!("{} mails arrived, expected {n}: {mails:?}", mails.len());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn smtp_session(stream: TcpStream, mails: Arc<std::sync::Mutex<Vec<Mail>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let mut recipients = Vec::new();
    if write.write_all(b"220 sink ESMTP\r\n").await.is_err() {
        return;
    }
    while let Ok(Some(line)) = lines.next_line().await {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-sink\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("MAIL FROM") {
            recipients.clear();
            b"250 ok\r\n"
        } else if upper.starts_with("RCPT TO") {
            let addr = line[8..]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>');
            recipients.push(addr.to_owned());
            b"250 ok\r\n"
        } else if upper == "DATA" {
            if write.write_all(b"354 go on\r\n").await.is_err() {
                return;
            }
            let mut data = String::new();
            while let Ok(Some(l)) = lines.next_line().await {
                if l == "." {
                    break;
                }
                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                data.push('\n');
            }
            if let Ok(mut m) = mails.lock() {
                m.push(Mail {
                    recipients: std::mem::take(&mut recipients),
                    data,
                });
            }
            b"250 queued\r\n"
        } else if upper == "QUIT" {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            b"250 ok\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}
