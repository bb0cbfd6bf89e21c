//! Configuration: built-in defaults, then an optional TOML file, then `ECABINET_*`
//! environment variables (e.g. `ECABINET_DATABASE_URL`). See `docs/configuration.md`.

use ecabinet_domain::document::Confidentiality;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything the server needs to start.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// `sqlite://path/file.db` (created if missing) or `postgres://user@host:port/db`.
    pub database_url: String,
    /// Folder holding the built site (`pkg/ecabinet.js`, `pkg/ecabinet_bg.wasm`, `fonts/`).
    pub site_root: PathBuf,
    /// Send the session cookie only over HTTPS. Turn on behind TLS.
    pub secure_cookies: bool,
    /// Log filter in `tracing_subscriber::EnvFilter` syntax.
    pub log: String,
    /// Idle time after which a login session expires, in minutes.
    pub session_idle_minutes: i64,
    /// Time after login at which a session ends however active it is, in hours; its
    /// WebSockets close then too.
    pub session_max_hours: i64,
    /// Folder of meeting documents: originals and rendered pages.
    pub documents_dir: PathBuf,
    /// `libpdfium.so` for the render workers; empty: `~/.cache/ecabinet/pdfium/libpdfium.so`
    /// (where `./x setup` puts it), else the system's library path.
    pub pdfium_library: PathBuf,
    /// The executable that runs `render-worker`; empty: this one.
    pub render_worker: PathBuf,
    /// Render worker processes (a document's pages are shared among them).
    pub render_workers: usize,
    /// Address-space limit of each render worker, MiB.
    pub render_memory_mb: u64,
    /// Longest wait for a file to open or for its next page, seconds; then the worker is
    /// killed and the file refused as too slow.
    pub render_page_timeout_secs: u64,
    /// Refuse every PDF rather than read it in a worker that cannot confine itself
    /// (Landlock and seccomp); off, such a worker still renders, with a warning.
    pub render_require_confinement: bool,
    /// On PostgreSQL, how often each node looks for renders a dead node left half-done
    /// and takes them over, seconds.
    pub render_adopt_secs: u64,
    /// Page widths rendered, pixels: the page view's first, then the thumbnails'.
    pub document_widths: Vec<u32>,
    /// Most pages a document may have.
    pub document_max_pages: u32,
    /// Largest upload, MiB.
    pub document_max_upload_mb: u64,
    /// The levels whose page text is extracted, searched and served (each text and
    /// snippet of a classified document logged); any other level's text never leaves the
    /// render worker, and its readers get page images only.
    pub document_text_levels: Vec<Confidentiality>,
    /// TrueType font with Vietnamese letters for the watermarks of classified pages.
    pub watermark_font: PathBuf,
    /// TrueType font with Vietnamese letters for PDF reports and minutes.
    pub report_font: PathBuf,
    /// SMTP server for reminders: `smtp://host:port` (plain), `smtp://host:587?tls=required`
    /// or `smtps://host:465`, with `user:password@` if needed. Empty: no e-mail.
    pub smtp_url: String,
    /// The sender of e-mail.
    pub mail_from: String,
    /// The address members open ecabinet at, for links in e-mail.
    pub public_url: String,
    /// First wait before retrying a delivery to a peer deployment, in ms; it doubles on
    /// each failure up to `exchange_retry_max_ms`.
    pub exchange_retry_ms: u64,
    /// Longest wait between two delivery attempts, in ms.
    pub exchange_retry_max_ms: u64,
    /// Every file (documents, rendered pages, exchanged files, signed minutes) in an
    /// S3-compatible object store, `s3://bucket[/prefix]`, shared by every node; empty:
    /// `documents_dir` holds them.
    /// Credentials: the `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` environment variables
    /// (or the machine's role). `documents_dir` stays the working folder of the renderer.
    pub object_store_url: String,
    /// The object store's address when it is not AWS (MinIO, Ceph…), e.g.
    /// `http://minio:9000`.
    pub object_store_endpoint: String,
    /// The object store's region (AWS), if not in `AWS_REGION`.
    pub object_store_region: String,
    /// The object store's access key, if not in `AWS_ACCESS_KEY_ID` (or a role).
    pub object_store_access_key_id: String,
    /// Its secret, if not in `AWS_SECRET_ACCESS_KEY`.
    pub object_store_secret_access_key: String,
    /// Behind a reverse proxy: the header that carries the client's address
    /// (`x-forwarded-for`: its last entry is used, the one the proxy added). Empty: the
    /// peer address of the connection. Only set it when every request comes through
    /// the proxy, or clients can claim any address.
    pub client_ip_header: String,
    /// The reverse proxies whose `client_ip_header` is believed: addresses or blocks
    /// (`["172.16.0.0/12"]`). A request from any other peer is counted by its own address.
    pub trusted_proxies: Vec<String>,
    /// Failed logins allowed in a row for one username before attempts are refused; one
    /// more is allowed per `login_failure_refill_secs`.
    pub login_failures_per_user: u32,
    /// Failed logins allowed in a row from one address (a room of tablets may share one).
    pub login_failures_per_address: u32,
    /// Seconds after which one more failed login is allowed again.
    pub login_failure_refill_secs: u64,
    /// WebSocket frames a connection may send per second, sustained.
    pub ws_frames_per_second: u32,
    /// WebSocket frames a connection may send at once above that rate.
    pub ws_frame_burst: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            database_url: "sqlite://data/ecabinet.db".into(),
            site_root: PathBuf::from("target/site"),
            secure_cookies: false,
            log: "info,ecabinet=debug,sqlx=warn".into(),
            session_idle_minutes: 12 * 60,
            session_max_hours: 24,
            documents_dir: PathBuf::from("data/documents"),
            pdfium_library: PathBuf::new(),
            render_worker: PathBuf::new(),
            render_workers: 2,
            render_memory_mb: 1536,
            render_page_timeout_secs: 30,
            render_require_confinement: true,
            render_adopt_secs: 30,
            document_widths: vec![1280, 240],
            document_max_pages: 1000,
            document_max_upload_mb: 200,
            document_text_levels: vec![Confidentiality::Normal, Confidentiality::Confidential],
            watermark_font: PathBuf::from("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
            report_font: PathBuf::from("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
            smtp_url: String::new(),
            mail_from: "ecabinet <no-reply@ecabinet.local>".into(),
            public_url: "http://localhost:3000".into(),
            exchange_retry_ms: 2_000,
            exchange_retry_max_ms: 300_000,
            object_store_url: String::new(),
            object_store_endpoint: String::new(),
            object_store_region: String::new(),
            object_store_access_key_id: String::new(),
            object_store_secret_access_key: String::new(),
            client_ip_header: String::new(),
            trusted_proxies: Vec::new(),
            login_failures_per_user: 5,
            login_failures_per_address: 30,
            login_failure_refill_secs: 60,
            ws_frames_per_second: 20,
            ws_frame_burst: 100,
        }
    }
}

impl Config {
    /// Where `libpdfium.so` is: as configured, else `./x setup`'s copy, else the name alone
    /// (the dynamic loader's search path).
    pub fn pdfium_path(&self) -> PathBuf {
        if !self.pdfium_library.as_os_str().is_empty() {
            return self.pdfium_library.clone();
        }
        if let Some(home) = std::env::var_os("HOME") {
            let cached = Path::new(&home).join(".cache/ecabinet/pdfium/libpdfium.so");
            if cached.exists() {
                return cached;
            }
        }
        PathBuf::from("libpdfium.so")
    }

    /// Loads defaults → `file` (if given) → environment.
    pub fn load(file: Option<&Path>) -> Result<Config, Box<figment::Error>> {
        use figment::Figment;
        use figment::providers::{Env, Format, Serialized, Toml};
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(f) = file {
            fig = fig.merge(Toml::file_exact(f));
        }
        fig.merge(Env::prefixed("ECABINET_"))
            .extract()
            .map_err(Box::new)
    }
}

#[cfg(test)]
// figment's Jail closures must return its (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment_override_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "c.toml",
                "database_url = \"sqlite://x.db\"\nlisten = \"127.0.0.1:4000\"",
            )?;
            jail.set_env("ECABINET_LISTEN", "127.0.0.1:5000");
            jail.set_env(
                "ECABINET_TRUSTED_PROXIES",
                r#"["172.16.0.0/12", "10.0.0.1"]"#,
            );
            let c = Config::load(Some(Path::new("c.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.database_url, "sqlite://x.db");
            assert_eq!(c.listen.port(), 5000);
            assert_eq!(c.session_idle_minutes, 720);
            assert_eq!(c.trusted_proxies, vec!["172.16.0.0/12", "10.0.0.1"]);
            Ok(())
        });
    }

    #[test]
    fn text_levels_default_to_the_two_lowest_and_can_be_set() {
        figment::Jail::expect_with(|jail| {
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert_eq!(
                c.document_text_levels,
                [Confidentiality::Normal, Confidentiality::Confidential]
            );
            jail.create_file(
                "c.toml",
                "document_text_levels = [\"normal\", \"confidential\", \"secret\"]",
            )?;
            let c = Config::load(Some(Path::new("c.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(
                c.document_text_levels,
                [
                    Confidentiality::Normal,
                    Confidentiality::Confidential,
                    Confidentiality::Secret
                ]
            );
            jail.set_env("ECABINET_DOCUMENT_TEXT_LEVELS", r#"["normal"]"#);
            let c = Config::load(Some(Path::new("c.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.document_text_levels, [Confidentiality::Normal]);
            jail.set_env("ECABINET_DOCUMENT_TEXT_LEVELS", "[]");
            let c = Config::load(None).map_err(|e| e.to_string())?;
            assert!(c.document_text_levels.is_empty(), "no text at all");
            jail.set_env("ECABINET_DOCUMENT_TEXT_LEVELS", r#"["mat"]"#);
            assert!(Config::load(None).is_err(), "an unknown level is refused");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_an_error() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("c.toml", "databse_url = \"typo\"")?;
            assert!(Config::load(Some(Path::new("c.toml"))).is_err());
            Ok(())
        });
    }
}
