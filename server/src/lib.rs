//! The ecabinet server: HTTP API, WebSocket hub, server-side rendering of the Leptos app,
//! and the command line. `main.rs` only parses arguments; everything else is here so that
//! integration tests can start a real server in-process on a random port.
//!
//! One folder per bounded context (accounts, meetings, voting, documents, opinions,
//! minutes, exchange, reporting), each with its routes, use cases and its part of the
//! access policy, over `platform`, which every context uses and which knows none of them.
//! This file is the composition root: [`AppState`], which every handler receives, and the
//! wiring of the contexts' routers and background tasks (`cargo xtask rooms` checks that
//! no context imports another in a circle and none reaches into another's files).

pub mod accounts;
pub mod documents;
pub mod exchange;
pub mod meetings;
pub mod minutes;
pub mod opinions;
pub mod platform;
pub mod reporting;
pub mod seed;
mod topics;
pub mod voting;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::StatusCode;
use axum::routing::get;
use ecabinet_storage::{Db, SessionStore};
use leptos::config::LeptosOptions;
use platform::config::Config;
use platform::hub::Hub;
use std::future::Future;
use std::net::SocketAddr;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Pushes committed events to WebSocket subscribers.
    pub hub: Hub,
    /// Identity of the event log (see `meta.epoch`).
    pub epoch: String,
    /// Where the built site is and how it is named.
    pub leptos: LeptosOptions,
    /// Turns true when the server shuts down: WebSockets close with 1012 (service restart)
    /// so that clients reconnect and resume instead of hanging on a dead server.
    pub closing: tokio::sync::watch::Receiver<bool>,
    /// Signs ballot receipts and poll results.
    pub server_key: std::sync::Arc<ecabinet_crypto::SigningKey>,
    /// Takes ballots and closes polls, one writer for all.
    pub desk: voting::BallotDesk,
    /// Meeting documents: their folder and the render workers.
    pub documents: documents::Documents,
    /// The time deadlines and reminders follow (manual in tests).
    pub clock: platform::clock::Clock,
    /// Wakes the written-poll clock when a deadline is set or moved.
    pub opinion_clock: std::sync::Arc<tokio::sync::Notify>,
    /// Delivers queued mail.
    pub mailer: platform::mailer::Mailer,
    /// Where members open ecabinet, for links in e-mail.
    pub public_url: std::sync::Arc<str>,
    /// The TrueType font of PDF reports, if it could be read.
    pub report_font: Option<std::sync::Arc<Vec<u8>>>,
    /// Delivers exchanged documents and statuses to peer deployments.
    pub outbox: exchange::Outbox,
    /// What `/metrics` reports.
    pub metrics: platform::metrics::Metrics,
    /// Failed logins per username and address, or per known browser.
    pub login_limits: accounts::LoginLimits,
    /// How long a session lasts after its login, however active.
    pub session_max: std::time::Duration,
    /// Vouches for browsers a person has logged in on before.
    pub known_browsers: accounts::KnownBrowsers,
    /// Frames per second and burst allowed to one WebSocket.
    pub ws_frame_rate: (u32, u32),
    /// How often renders left by a dead node are looked for, seconds (PostgreSQL).
    pub render_adopt_secs: u64,
    /// Turns true once the node serves (migrated, rendering resumed) and false again when
    /// it begins to shut down: `/readyz`.
    pub ready: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos.clone()
    }
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: tokio::net::TcpListener,
    router: Router,
    state: AppState,
    closing: tokio::sync::watch::Sender<bool>,
}

impl Application {
    /// Connects and migrates the database, binds the port, and builds the routes.
    pub async fn build(config: &Config) -> anyhow::Result<Application> {
        let db = Db::connect(&config.database_url).await?;
        db.migrate().await?;
        Self::build_with_db(config, db).await
    }

    /// Like [`Application::build`] with an already migrated database.
    pub async fn build_with_db(config: &Config, db: Db) -> anyhow::Result<Application> {
        Self::build_with(config, db, platform::clock::Clock::system()).await
    }

    /// Like [`Application::build_with_db`] with a given clock (tests move a manual one).
    pub async fn build_with(
        config: &Config,
        db: Db,
        clock: platform::clock::Clock,
    ) -> anyhow::Result<Application> {
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let leptos = LeptosOptions::builder()
            .output_name("ecabinet")
            .site_root(config.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();
        let (closing, closing_rx) = tokio::sync::watch::channel(false);
        let https = config
            .public_url
            .trim()
            .to_ascii_lowercase()
            .starts_with("https://");
        let trusted_proxies = config
            .trusted_proxies
            .iter()
            .map(|c| c.parse::<accounts::Cidr>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("trusted_proxies: {e}"))?;
        let metrics = platform::metrics::Metrics::default();
        let hub = Hub::new(metrics.clone());
        let server_key = std::sync::Arc::new(voting::load_server_key(&db).await?);
        let desk = voting::BallotDesk::start(db.clone(), hub.clone(), server_key.clone());
        let documents = documents_of(config, &db)?;
        let report_font = match std::fs::read(&config.report_font) {
            Ok(b) => Some(std::sync::Arc::new(b)),
            Err(e) => {
                tracing::warn!(font = %config.report_font.display(), error = %e,
                    "no report font: PDF reports cannot be made");
                None
            }
        };
        let state = AppState {
            clock,
            opinion_clock: Default::default(),
            mailer: platform::mailer::Mailer::new(&config.smtp_url, &config.mail_from)?,
            public_url: config.public_url.as_str().into(),
            report_font,
            outbox: exchange::Outbox::new(config.exchange_retry_ms, config.exchange_retry_max_ms)?,
            login_limits: accounts::LoginLimits::new(
                config.login_failures_per_user,
                config.login_failures_per_address,
                std::time::Duration::from_secs(config.login_failure_refill_secs),
                &config.client_ip_header,
                trusted_proxies,
                (db.engine() == ecabinet_storage::Engine::Postgres).then(|| db.clone()),
            ),
            session_max: std::time::Duration::from_secs(
                u64::try_from(config.session_max_hours.max(1)).unwrap_or(24) * 3600,
            ),
            known_browsers: accounts::KnownBrowsers::new(browsers_key(&db).await?, https),
            ws_frame_rate: (config.ws_frames_per_second, config.ws_frame_burst),
            render_adopt_secs: config.render_adopt_secs,
            ready: Default::default(),
            metrics,
            epoch: db.epoch().await?,
            db: db.clone(),
            hub,
            server_key,
            desk,
            documents,
            leptos,
            closing: closing_rx,
        };
        documents::resume_rendering(&state)
            .await
            .map_err(|e| anyhow::anyhow!("resuming document rendering: {e}"))?;
        // Over HTTPS the cookie is `__Host-`: browsers then refuse it unless it is Secure,
        // for the whole site and for this host only, so no sibling subdomain can plant or
        // shadow it.
        let sessions = SessionManagerLayer::new(SessionStore::new(db))
            .with_name(if https {
                "__Host-ecabinet_session"
            } else {
                "ecabinet_session"
            })
            .with_path("/")
            .with_secure(config.secure_cookies || https)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
                config.session_idle_minutes,
            )));
        let router: Router<AppState> = Router::new()
            .nest("/api", api())
            .merge(platform::web::router(&state))
            .route("/healthz", get(healthz))
            .route("/livez", get(livez))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics_text))
            .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
            .layer(sessions)
            // Outside the sessions: a forged request is refused before its cookie is read.
            .layer(axum::middleware::from_fn_with_state(
                platform::csrf::Origins::new(&config.public_url),
                platform::csrf::check,
            ));
        let router = with_security_headers(router, config.secure_cookies || https)
            .layer(TraceLayer::new_for_http())
            .with_state(state.clone());
        Ok(Application {
            listener,
            router,
            state,
            closing,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state (tests use the database through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then closes the database.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let sweeper = tokio::spawn(sweep_sessions(
            self.state.db.clone(),
            self.state.documents.clone(),
            self.state.login_limits.clone(),
        ));
        let opinion_clock = tokio::spawn(opinions::run_clock(self.state.clone()));
        let mailer = tokio::spawn(self.state.mailer.clone().run(self.state.db.clone()));
        let outbox = tokio::spawn(exchange::run_outbox(self.state.clone()));
        let report_clock = tokio::spawn(reporting::run_clock(self.state.clone()));
        let adopter = tokio::spawn(documents::run_adopter(self.state.clone()));
        let follower = self
            .state
            .db
            .wakeups()
            .map(|w| tokio::spawn(self.state.hub.clone().follow(self.state.db.clone(), w)));
        let closing = self.closing;
        let ready = self.state.ready.clone();
        ready.store(true, std::sync::atomic::Ordering::SeqCst);
        let signal = async move {
            shutdown.await;
            ready.store(false, std::sync::atomic::Ordering::SeqCst);
            let _ = closing.send(true);
        };
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let res = axum::serve(self.listener, service)
            .with_graceful_shutdown(signal)
            .await;
        if let Some(f) = follower {
            f.abort();
        }
        sweeper.abort();
        opinion_clock.abort();
        mailer.abort();
        outbox.abort();
        report_clock.abort();
        adopter.abort();
        self.state.db.close().await;
        res
    }
}

/// The `/api` router: each context's routes, and the WebSocket. Every route needs a
/// session except login; JSON bodies are capped, uploads count their own bytes.
fn api() -> Router<AppState> {
    Router::new()
        .merge(accounts::router())
        .merge(meetings::router())
        .merge(voting::router())
        .merge(documents::router())
        .merge(opinions::router())
        .merge(minutes::router())
        .merge(exchange::router())
        .merge(reporting::router())
        .route("/ws", get(platform::ws::upgrade))
        .layer(DefaultBodyLimit::max(platform::body::MAX_BODY_BYTES))
}

/// Headers every response carries (pages add their Content-Security-Policy in `web`).
/// Behind TLS (`secure_cookies`), browsers are also told to come back only over HTTPS.
fn with_security_headers(router: Router<AppState>, https: bool) -> Router<AppState> {
    use axum::http::{HeaderName, HeaderValue, header};
    use tower_http::set_header::SetResponseHeaderLayer;
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let router = if https {
        router.layer(set(
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        ))
    } else {
        router
    };
    router
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(header::REFERRER_POLICY, "same-origin"))
        .layer(set(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
        .layer(set(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        ))
}

/// The key of the known-browser cookies, made by the first node and shared by all.
async fn browsers_key(db: &Db) -> anyhow::Result<[u8; 32]> {
    let fresh = hex::encode(rand::random::<[u8; 32]>());
    let mut tx = db.write().await?;
    let stored = tx.meta_or_insert("known_browser_key", &fresh).await?;
    tx.commit().await?;
    platform::hex_array(&stored)
        .ok_or_else(|| anyhow::anyhow!("meta.known_browser_key is not 32 bytes of hex"))
}

/// The documents folder and the render worker pool, as configured.
fn documents_of(config: &Config, db: &Db) -> anyhow::Result<documents::Documents> {
    let program = if config.render_worker.as_os_str().is_empty() {
        std::env::current_exe()?
    } else {
        config.render_worker.clone()
    };
    let renderer = documents::Renderer::start(documents::RenderSettings {
        program,
        pdfium: config.pdfium_path(),
        workers: config.render_workers.max(1),
        memory_limit: config.render_memory_mb.saturating_mul(1024 * 1024),
        page_timeout: std::time::Duration::from_secs(config.render_page_timeout_secs.max(1)),
        max_pages: config.document_max_pages,
        widths: config.document_widths.clone(),
        require_confinement: config.render_require_confinement,
    });
    let watermark = match documents::Watermarker::load(&config.watermark_font) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(font = %config.watermark_font.display(), error = %e,
                "no watermark font: pages of classified documents cannot be served");
            None
        }
    };
    if config.document_widths.is_empty() {
        anyhow::bail!("document_widths must name at least one width");
    }
    let blobs = if config.object_store_url.is_empty() {
        platform::blobs::Blobs::local(config.documents_dir.clone())
    } else {
        platform::blobs::Blobs::s3(config).map_err(anyhow::Error::msg)?
    };
    Ok(documents::Documents::new(
        config.documents_dir.clone(),
        blobs,
        ecabinet_storage::RenderClaims::new(db.clone()),
        renderer,
        config.document_max_upload_mb.saturating_mul(1024 * 1024),
        watermark,
        &config.document_text_levels,
    ))
}

async fn sweep_sessions(db: Db, documents: documents::Documents, logins: accounts::LoginLimits) {
    let store = SessionStore::new(db);
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        documents::sweep_incoming(&documents).await;
        logins.forget_recovered().await;
        if let Err(e) = store.delete_expired().await {
            tracing::warn!(error = %e, "could not delete expired sessions");
        }
    }
}

async fn healthz(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> (StatusCode, &'static str) {
    match s.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// `GET /livez`: the process answers (restart it if not). Touches nothing else, so a
/// database outage does not make an orchestrator kill every node at once.
async fn livez() -> &'static str {
    "ok"
}

/// `GET /readyz`: this node may be sent traffic: it has started, is not shutting down,
/// and its database answers.
async fn readyz(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> (StatusCode, &'static str) {
    if !s.ready.load(std::sync::atomic::Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "not serving");
    }
    healthz(axum::extract::State(s)).await
}

/// `GET /metrics`: the Prometheus text format. Counts only, no names; like `/healthz` it
/// needs no session, so keep it off the public proxy (docs/deploy.md).
async fn metrics_text(
    axum::extract::State(s): axum::extract::State<AppState>,
) -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.render(),
    )
}
