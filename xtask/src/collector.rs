//! A real `voce-collector` for the tasks that need one (the demo, the curl walk, the bench): how
//! to build it (with both database backends, and the `voce-devtools` binaries beside it), its
//! command with the right environment, the database prepared with the pilot registry, the demo
//! seeder on the same database, and a running server that stops when dropped.

use std::ffi::OsString;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::tools::{root, run, target_dir};

/// The cargo features of every build of the collector that xtask makes: both backends, as in a
/// release (`sqlite` is the default), so that one build serves every task and backend.
pub const FEATURES: [&str; 2] = ["--features", "voce-collector/postgres"];

/// Builds `voce-collector` and the `voce-devtools` binaries (`voce-seed`, `voce-bench`) of
/// `profile` (`debug` or `release`), with [`FEATURES`].
pub fn build(profile: &str) -> Result<()> {
    let mut cmd = Command::new("cargo");
    cmd.args(["build", "-p", "voce-collector", "-p", "voce-devtools"])
        .args(FEATURES);
    if profile == "release" {
        cmd.arg("--release");
    }
    run(&mut cmd)
}

/// How to run one collector: which build, which database, which address, what else to set.
pub struct Collector {
    binary: PathBuf,
    seeder: PathBuf,
    bind: String,
    env: Vec<(&'static str, OsString)>,
}

impl Collector {
    /// The collector of `profile` (`debug` or `release`) on `database_url`, with its keys in
    /// `keys_dir`, listening on `bind`, serving the widget built in `target/widget/`.
    pub fn new(profile: &str, database_url: &str, keys_dir: PathBuf, bind: &str) -> Collector {
        Collector {
            binary: target_dir().join(profile).join("voce-collector"),
            seeder: target_dir().join(profile).join("voce-seed"),
            bind: bind.to_owned(),
            env: vec![
                ("VOCE_DATABASE_URL", database_url.into()),
                ("VOCE_KEYS_DIR", keys_dir.into()),
                ("VOCE_BIND", bind.into()),
                // The admin listener on a free port: several collectors may run side by side.
                ("VOCE_ADMIN_BIND", "127.0.0.1:0".into()),
                ("VOCE_WIDGET_DIR", root().join("target/widget").into()),
            ],
        }
    }

    /// Sets one more environment variable.
    pub fn env(mut self, key: &'static str, value: impl Into<OsString>) -> Collector {
        self.env.push((key, value.into()));
        self
    }

    /// The binary.
    pub fn binary(&self) -> &PathBuf {
        &self.binary
    }

    /// The environment the collector runs with (for tools run beside it).
    pub fn environment(&self) -> impl Iterator<Item = (&'static str, &OsString)> {
        self.env.iter().map(|(k, v)| (*k, v))
    }

    /// A command of the collector, in the workspace root, with its environment.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(&self.binary);
        cmd.current_dir(root())
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// The demo seeder (`voce-seed` of `voce-devtools`, built by [`build`]) on this collector's
    /// database, in the workspace root, with its environment; give it `--responses N` and more.
    pub fn seed_command(&self) -> Command {
        let mut cmd = Command::new(&self.seeder);
        cmd.current_dir(root())
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Migrates the database and imports the pilot registry.
    pub fn prepare(&self) -> Result<()> {
        run(self.command().arg("migrate"))?;
        run(self
            .command()
            .args(["registry", "import", "examples/registry/pilot.toml"]))
    }

    /// Starts `serve` and waits until it listens.
    pub fn serve(&self) -> Result<Running> {
        let running = Running(
            self.command()
                .arg("serve")
                .spawn()
                .context("starting voce-collector serve")?,
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(&self.bind).is_err() {
            if Instant::now() > deadline {
                bail!("voce-collector did not listen on {} within 30 s", self.bind);
            }
            sleep(Duration::from_millis(100));
        }
        Ok(running)
    }
}

/// A running collector; dropping it stops the process.
pub struct Running(Child);

impl Running {
    /// The process id.
    pub fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
