//! A throwaway PostgreSQL cluster from Debian's `postgresql` package, for the test suite,
//! the benchmarks and xtask: initdb into a temp folder (as the `postgres` user when we
//! are root, since initdb refuses root), a private port and socket folder, stopped and
//! deleted on drop. A chaos test can also crash it and start it again on the same port.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// How a cluster trades safety for speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// For test suites: no fsync and no waiting for the WAL at commit. A crash of the
    /// server (not of the machine) may lose the last acknowledged commits.
    Fast,
    /// Every acknowledged commit survives a crash of the server (`synchronous_commit`
    /// on); the disk is still not synced, as the machine itself never crashes in a test.
    CommitsSurviveCrash,
}

/// A running cluster.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    as_postgres: bool,
    durability: Durability,
}

fn find_bin() -> Result<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL is not installed (apt-get install postgresql); ./x setup does it")?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found
        .pop()
        .context("no initdb under /usr/lib/postgresql/*/bin")
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl Cluster {
    /// initdb + start with [`Durability::Fast`]; waits until it accepts connections.
    pub fn start() -> Result<Cluster> {
        Cluster::start_with(Durability::Fast)
    }

    /// initdb + start; waits until it accepts connections.
    pub fn start_with(durability: Durability) -> Result<Cluster> {
        // Several clusters may live in one process (a test starting its own beside the
        // suite's), so the folder is named by process and by a counter.
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let bin = find_bin()?;
        let dir = std::env::temp_dir().join(format!(
            "ecabinet-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let as_postgres = is_root();
        if as_postgres {
            let status = Command::new("chown")
                .arg("-R")
                .arg("postgres:postgres")
                .arg(&dir)
                .status()
                .context("running chown")?;
            if !status.success() {
                bail!("chown of {} failed", dir.display());
            }
        }
        let cluster = Cluster {
            bin,
            dir,
            port: free_port()?,
            as_postgres,
            durability,
        };
        cluster.pg(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        )?;
        cluster.resume()?;
        eprintln!("postgres: {}", cluster.url());
        Ok(cluster)
    }

    /// Kills the server the way a crash would (`pg_ctl stop -m immediate`: no checkpoint,
    /// every connection cut); [`Cluster::resume`] starts it again with crash recovery.
    pub fn crash(&self) -> Result<()> {
        self.pg(
            "pg_ctl",
            &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
        )
    }

    /// Starts the server (again) on its port; waits until it accepts connections.
    pub fn resume(&self) -> Result<()> {
        let mut opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c full_page_writes=off",
            self.port,
            self.dir.display()
        );
        if self.durability == Durability::Fast {
            opts.push_str(" -c synchronous_commit=off");
        }
        let log = self.dir.join("server.log");
        self.pg(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log.to_string_lossy(),
                "-o",
                &opts,
                "-w",
                "start",
            ],
        )
    }

    fn data(&self) -> String {
        self.dir.join("data").to_string_lossy().into_owned()
    }

    fn pg(&self, tool: &str, args: &[&str]) -> Result<()> {
        let exe = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args).current_dir(Path::new("/"));
        let out = cmd.output().with_context(|| format!("running {tool}"))?;
        if !out.status.success() {
            bail!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    /// Admin URL of the `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        // No pid file: stopped by a crash that was not resumed.
        if self.dir.join("data/postmaster.pid").exists()
            && let Err(e) = self.pg("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"])
        {
            eprintln!("postgres: stop failed: {e}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
