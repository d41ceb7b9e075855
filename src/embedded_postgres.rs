//! The embedded PostgreSQL cluster used when `DATABASE_URL` is unset: initialised, started and
//! stopped by this process under `HIJRAAH_DATA_DIR/postgres`, with the machine's PostgreSQL
//! binaries. PostgreSQL refuses to run as root, so as root its processes run as the `postgres`
//! system user (or `HIJRAAH_PG_USER`), which is given the cluster directory.

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, bail};

/// A running embedded cluster, shared by every hijraah process on its data dir (a server and the
/// commands run beside it). Each holds a shared lock on `postgres.users` while it uses the
/// cluster; the last to leave ([`EmbeddedPostgres::stop`], or drop) stops it. The kernel drops a
/// killed process's locks, so a cluster whose users all died (`kill -9`) is adopted by the next
/// process to start, and stopped when that one leaves: no cluster outlives its last user for
/// longer than it takes to start one again.
///
/// `postgres.start` serialises starting and stopping, so a process never joins a cluster that
/// the last user is stopping.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    cluster_dir: PathBuf,
    data_dir: PathBuf,
    run_as: Option<(u32, u32)>,
    port: u16,
    password: String,
    /// The shared lock that says this process uses the cluster; `None` once it has left.
    user: Option<fs::File>,
    /// Whether this process started the cluster (rather than joining or adopting it).
    started: bool,
}

impl EmbeddedPostgres {
    /// Initialises the cluster on first use, then starts it on a free loopback port.
    pub fn start(data_dir: &Path) -> anyhow::Result<Self> {
        let bin_dir = find_bin_dir().context(
            "no PostgreSQL binaries found (looked at `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH): \
             install PostgreSQL (for example `apt-get install postgresql`) or set DATABASE_URL",
        )?;
        fs::create_dir_all(data_dir).with_context(|| format!("cannot create data dir {}", data_dir.display()))?;
        let data_dir = data_dir
            .canonicalize()
            .with_context(|| format!("cannot resolve data dir {}", data_dir.display()))?;
        let cluster_dir = data_dir.join("postgres");
        let run_as = unprivileged_user()?;
        let password_file = data_dir.join("postgres.password");
        let password = match fs::read_to_string(&password_file) {
            Ok(password) => password.trim().to_owned(),
            Err(_) => {
                let password = crate::auth::random_secret();
                write_private(&password_file, &password)?;
                password
            }
        };
        let starting = lock_file(&data_dir.join("postgres.start"))?;
        starting.lock().context("cannot lock postgres.start")?;
        let user = lock_file(&data_dir.join("postgres.users"))?;
        user.lock_shared().context("cannot lock postgres.users")?;
        let mut embedded = Self {
            bin_dir,
            cluster_dir,
            data_dir,
            run_as,
            port: 0,
            password,
            user: Some(user),
            started: false,
        };
        if !embedded.cluster_dir.join("PG_VERSION").exists() {
            embedded.init()?;
        }
        // Running already: another process's (a `serve` beside this command), or one left by
        // processes that died; either way this process now uses it too.
        if let Some(port) = embedded.running_port() {
            embedded.port = port;
            return Ok(embedded);
        }
        embedded.port = free_port()?;
        embedded.run_pg_ctl_start()?;
        embedded.started = true;
        Ok(embedded)
    }

    /// Whether this process started the cluster, rather than finding it running.
    pub fn started_it(&self) -> bool {
        self.started
    }

    pub fn database_url(&self) -> String {
        format!("postgres://postgres:{}@127.0.0.1:{}/postgres", self.password, self.port)
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        // The cluster's processes must not inherit a working directory they cannot read.
        command.current_dir("/");
        command
    }

    fn init(&self) -> anyhow::Result<()> {
        fs::create_dir_all(&self.cluster_dir)?;
        fs::set_permissions(&self.cluster_dir, fs::Permissions::from_mode(0o700))?;
        let password_file = self.cluster_dir.with_extension("initpw");
        write_private(&password_file, &self.password)?;
        if let Some((uid, gid)) = self.run_as {
            chown_to(&self.cluster_dir, uid, gid)?;
            chown_to(&password_file, uid, gid)?;
            check_reachable(&self.cluster_dir, uid)?;
        }
        let output = self
            .command("initdb")
            .arg("-D")
            .arg(&self.cluster_dir)
            .args([
                "-U",
                "postgres",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ])
            .arg(format!("--pwfile={}", password_file.display()))
            .output()
            .context("cannot run initdb")?;
        let _ = fs::remove_file(&password_file);
        check(output, "initdb")
    }

    /// The port of the cluster's running postmaster, if one is running.
    fn running_port(&self) -> Option<u16> {
        let status = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.cluster_dir)
            .arg("status")
            .output()
            .ok()?;
        if !status.status.success() {
            return None;
        }
        // postmaster.pid: pid, data dir, start time, port, ...
        let pid_file = fs::read_to_string(self.cluster_dir.join("postmaster.pid")).ok()?;
        pid_file.lines().nth(3)?.trim().parse().ok()
    }

    fn run_pg_ctl_start(&self) -> anyhow::Result<()> {
        let log = self.cluster_dir.join("server.log");
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c max_connections=200",
            self.port,
            self.cluster_dir.display()
        );
        let output = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.cluster_dir)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .output()
            .context("cannot run pg_ctl start")?;
        check(output, "pg_ctl start").with_context(|| format!("see {}", log.display()))
    }

    /// This process is done with the cluster: the last user to leave stops it (fast shutdown:
    /// running transactions are rolled back, nothing committed is lost). Returns whether it
    /// stopped the cluster; `false` when another process still uses it.
    pub fn stop(&mut self) -> anyhow::Result<bool> {
        let Some(user) = self.user.take() else {
            return Ok(false);
        };
        let starting = lock_file(&self.data_dir.join("postgres.start"))?;
        starting.lock().context("cannot lock postgres.start")?;
        drop(user);
        let users = lock_file(&self.data_dir.join("postgres.users"))?;
        match users.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Ok(false),
            Err(fs::TryLockError::Error(error)) => return Err(error).context("cannot lock postgres.users"),
        }
        if self.running_port().is_none() {
            return Ok(false);
        }
        self.pg_ctl_stop()?;
        Ok(true)
    }

    fn pg_ctl_stop(&self) -> anyhow::Result<()> {
        let output = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.cluster_dir)
            .args(["-m", "fast", "-w", "stop"])
            .output()
            .context("cannot run pg_ctl stop")?;
        check(output, "pg_ctl stop")
    }

    /// Stops the cluster and starts it again on the same port (what an operator's restart or a
    /// failover looks like to the server: every connection is dropped, the address stays), whoever
    /// else uses it.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        let starting = lock_file(&self.data_dir.join("postgres.start"))?;
        starting.lock().context("cannot lock postgres.start")?;
        self.pg_ctl_stop()?;
        self.run_pg_ctl_start()
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        if let Err(error) = self.stop() {
            tracing::error!(error = %format!("{error:#}"), "embedded postgres did not stop cleanly");
        }
    }
}

/// A lock file in the data dir (its contents unused: the lock is the open file's).
fn lock_file(path: &Path) -> anyhow::Result<fs::File> {
    fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))
}

fn check(output: Output, what: &str) -> anyhow::Result<()> {
    if output.status.success() {
        return Ok(());
    }
    bail!(
        "{what} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim(),
        String::from_utf8_lossy(&output.stdout).trim()
    )
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

fn chown_to(path: &Path, uid: u32, gid: u32) -> anyhow::Result<()> {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).with_context(|| format!("cannot chown {}", path.display()))
}

/// Every directory above the cluster must be searchable by the user running PostgreSQL.
fn check_reachable(cluster_dir: &Path, uid: u32) -> anyhow::Result<()> {
    for ancestor in cluster_dir.ancestors().skip(1) {
        let metadata = fs::metadata(ancestor)?;
        let mode = metadata.mode();
        let searchable = mode & 0o001 != 0 || (metadata.uid() == uid && mode & 0o100 != 0);
        if !searchable {
            bail!(
                "the embedded PostgreSQL runs as an unprivileged user (uid {uid}) that cannot enter {}: \
                 set HIJRAAH_DATA_DIR to a directory outside it (for example /var/lib/hijraah) or set DATABASE_URL",
                ancestor.display()
            );
        }
    }
    Ok(())
}

/// As root, the uid and gid to run PostgreSQL as; otherwise none (we run it as ourselves).
fn unprivileged_user() -> anyhow::Result<Option<(u32, u32)>> {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .and_then(|id| id.parse::<u32>().ok());
    if euid != Some(0) {
        return Ok(None);
    }
    let name = std::env::var("HIJRAAH_PG_USER").unwrap_or_else(|_| "postgres".to_owned());
    let passwd = fs::read_to_string("/etc/passwd").context("cannot read /etc/passwd")?;
    for line in passwd.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() >= 4 && fields[0] == name {
            let uid = fields[2].parse().context("bad uid in /etc/passwd")?;
            let gid = fields[3].parse().context("bad gid in /etc/passwd")?;
            return Ok(Some((uid, gid)));
        }
    }
    bail!(
        "running as root, and PostgreSQL refuses to run as root: create the `{name}` system user \
         (or name another with HIJRAAH_PG_USER), or set DATABASE_URL"
    )
}

fn find_bin_dir() -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if has_tools(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_tools(dir))
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Some(dir);
    }
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|dir| has_tools(dir))
}

/// A port free on loopback right now (PostgreSQL binds it a moment later).
fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("cannot find a free port")?;
    Ok(listener.local_addr()?.port())
}
