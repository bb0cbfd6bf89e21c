//! The `ecabinet` command: serve, migrate, seed the demo, or all three at once (`demo`).

use clap::{Parser, Subcommand};
use ecabinet_server::accounts::PasswordHasher;
use ecabinet_server::platform::config::Config;
use ecabinet_server::{Application, seed};
use ecabinet_storage::Db;
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "ecabinet",
    version,
    about = "Paperless cabinet meetings and e-voting"
)]
struct Cli {
    /// TOML configuration file (see docs/configuration.md); ECABINET_* variables override it.
    #[arg(long, short, global = true, env = "ECABINET_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create the demo government in an empty database and exit.
    Seed,
    /// Migrate, seed the demo if the database is empty, print the logins, and serve.
    Demo,
    /// Recount an archive bundle offline: checks every signature, inclusion, tree head and
    /// outcome; prints a verdict and exits 1 on any mismatch (2 if it cannot be read).
    Verify {
        /// The bundle (JSON) exported from a meeting or a poll.
        bundle: PathBuf,
    },
    /// Render PDFs for the server (it starts these itself): jobs on stdin, events on
    /// stdout, one JSON object per line.
    #[command(hide = true)]
    RenderWorker {
        /// `libpdfium.so`.
        #[arg(long)]
        pdfium: PathBuf,
        /// Address-space limit, bytes.
        #[arg(long)]
        memory_limit: Option<u64>,
        /// Render even where the worker cannot confine itself.
        #[arg(long)]
        allow_unconfined: bool,
        /// Instead of rendering, try what a hostile PDF would and report it (JSON
        /// `ProbeTargets`; the tests').
        #[arg(long, hide = true, value_parser = probe_targets)]
        probe: Option<ecabinet_documents::worker::ProbeTargets>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match &cli.command {
        // Offline: no configuration, no database, nothing but the file.
        Command::Verify { bundle } => std::process::exit(verify(bundle)),
        // A worker limits its own memory first and never starts the async runtime.
        Command::RenderWorker {
            pdfium,
            memory_limit,
            allow_unconfined,
            probe,
        } => {
            return ecabinet_documents::worker::run(&ecabinet_documents::worker::Options {
                library: pdfium.clone(),
                memory_limit: *memory_limit,
                allow_unconfined: *allow_unconfined,
                probe: probe.clone(),
            });
        }
        _ => {}
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(cli))
}

fn probe_targets(s: &str) -> Result<ecabinet_documents::worker::ProbeTargets, String> {
    serde_json::from_str(s).map_err(|e| e.to_string())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info")))
        // Colour codes would be escaped like any control character: one event, one line.
        .with_ansi(false)
        .with_writer(ecabinet_server::platform::logline::OneLine(std::io::stdout))
        .init();
    if let Some(dir) = config
        .database_url
        .strip_prefix("sqlite://")
        .and_then(|p| std::path::Path::new(p.split('?').next().unwrap_or(p)).parent())
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    match cli.command {
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::Seed => {
            print_logins(seed_all(&db).await?);
            Ok(())
        }
        Command::Serve => serve(&config, db, false).await,
        Command::Verify { .. } | Command::RenderWorker { .. } => Ok(()),
        Command::Demo => {
            let logins = seed_all(&db).await?;
            serve(&config, db, true).await.map(|_| drop(logins))
        }
    }
}

/// The demo government and, on a database it just seeded, the demo's two agencies.
async fn seed_all(db: &Db) -> anyhow::Result<Option<Vec<seed::DemoLogin>>> {
    let hasher = PasswordHasher::default();
    let Some(mut logins) = seed::demo(db, &hasher).await? else {
        return Ok(None);
    };
    logins.extend(seed::demo_exchange(db, &hasher).await?);
    logins.extend(seed::demo_reporting(db, &hasher).await?);
    Ok(Some(logins))
}

fn verify(path: &std::path::Path) -> i32 {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {}: {e}", path.display());
            println!("verdict: NOT VERIFIED");
            return 2;
        }
    };
    // Meeting votes and written polls have bundles of their own; the format says which.
    let format = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(str::to_owned));
    if format.as_deref() == Some(ecabinet_archive::opinion::FORMAT_V1) {
        return verify_opinions(&bytes);
    }
    if format.as_deref() == Some(ecabinet_archive::minutes::FORMAT_V1) {
        return verify_minutes(&bytes);
    }
    let bundle = match ecabinet_archive::parse(&bytes) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            println!("verdict: NOT VERIFIED");
            return 2;
        }
    };
    let started = std::time::Instant::now();
    let verdict = ecabinet_archive::verify(&bundle);
    print!("{}", ecabinet_archive::describe(&verdict));
    let ballots: usize = bundle.polls.iter().map(|p| p.ballots.len()).sum();
    eprintln!(
        "checked {} polls, {ballots} ballots in {:.3} s",
        bundle.polls.len(),
        started.elapsed().as_secs_f64()
    );
    if verdict.ok() { 0 } else { 1 }
}

fn verify_minutes(bytes: &[u8]) -> i32 {
    use ecabinet_archive::minutes;
    let bundle: minutes::MinutesBundle = match serde_json::from_slice(bytes) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("not a readable minutes bundle: {e}");
            println!("verdict: NOT VERIFIED");
            return 2;
        }
    };
    let problems = minutes::verify(&bundle);
    print!("{}", minutes::describe(&bundle, &problems));
    if problems.is_empty() { 0 } else { 1 }
}

fn verify_opinions(bytes: &[u8]) -> i32 {
    use ecabinet_archive::opinion;
    let bundle: opinion::OpinionBundle = match serde_json::from_slice(bytes) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("not a readable opinion bundle: {e}");
            println!("verdict: NOT VERIFIED");
            return 2;
        }
    };
    let verdict = opinion::verify(&bundle);
    print!("{}", opinion::describe(&verdict));
    if verdict.ok() { 0 } else { 1 }
}

fn print_logins(logins: Option<Vec<seed::DemoLogin>>) {
    match logins {
        None => println!("the database already has accounts; nothing seeded"),
        Some(l) => println!("seeded {} demo accounts", l.len()),
    }
}

async fn serve(config: &Config, db: Db, demo: bool) -> anyhow::Result<()> {
    let app = Application::build_with_db(config, db).await?;
    let addr = app.local_addr()?;
    if demo {
        println!("\necabinet is running: http://{addr}/\n");
        println!("Demo logins (password for all: {}):", seed::DEMO_PASSWORD);
        for (username, display_name, _, role) in seed::demo_accounts() {
            if matches!(
                username.as_str(),
                "thutuong" | "ptt1" | "bt01" | "bt02" | "vanthu1" | "vanthu2" | "khach1" | "admin"
            ) {
                println!("  {username:<10} {:<12} {display_name}", role.as_str());
            }
        }
        println!("  (also ptt2..ptt4 and bt03..bt22: the other members)");
        println!(
            "  Reports: bchn (officer of Hà Nội; khach1 approves), bchcm, bchp, bcdn, bcct; vanthu2 receives;\n  the dashboard at /dashboard for members, the chair and the office"
        );
        println!(
            "  Document exchange: vanthu1 (clerk) and bt22 (leader) of {}, vtkhdt (clerk), bt06 (leader)\n  and cvkhdt (handler) of {}\n",
            seed::DEMO_ORGANS[0].1,
            seed::DEMO_ORGANS[1].1
        );
    } else {
        tracing::info!(%addr, "listening");
    }
    app.run_until(shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
