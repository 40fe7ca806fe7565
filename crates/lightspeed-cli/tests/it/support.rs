//! Running the built `lightspeed` binary in a scratch folder, and a daemon in the background.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_lightspeed");

/// The repository's examples folder.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// A scratch folder, removed when dropped. On a RAM disk when there is one: the state store
/// syncs every write to disk, which would make these tests slow on a busy disk.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A new, empty folder named after the test.
    pub fn new(name: &str) -> Scratch {
        let shm = Path::new("/dev/shm");
        let base =
            if shm.is_dir() && std::fs::metadata(shm).is_ok_and(|m| !m.permissions().readonly()) {
                shm.to_path_buf()
            } else {
                std::env::temp_dir()
            };
        let dir = base.join(format!("lightspeed-cli-it-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        Scratch(dir)
    }

    /// A path in it.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes a file in it.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("folder");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    /// Copies the quickstart's data and mapping into it (`data/`, `mappings/`).
    pub fn quickstart_data(&self) {
        for name in [
            "data/pim-catalog.csv",
            "mappings/ecom.json",
            "mappings/xseries-primary.json",
            "data/fulfillment-requests.json",
        ] {
            let text = std::fs::read_to_string(examples().join(name)).expect("example data");
            self.write(name, &text);
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a command did.
#[derive(Debug)]
pub struct Out {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Out {
    /// Standard output as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }

    /// Both streams, for assertion messages.
    pub fn all(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A command in `dir` (its `lightspeed.toml` is the default config), without the caller's
/// logging settings.
pub fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .args(args)
        .env_remove("RUST_LOG")
        .envs(env.iter().copied())
        .stdin(Stdio::null());
    cmd
}

/// Runs the binary to the end (blocking: call it from a multi-thread runtime with
/// `block_in_place` when an emulator of the test serves it).
pub fn lightspeed(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let out = command(dir, args, env).output().expect("the binary runs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// [`lightspeed`] from an async test whose runtime serves an emulator.
pub fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    tokio::task::block_in_place(|| lightspeed(dir, args, env))
}

/// A daemon in the background; its output lines are collected as they come.
pub struct Daemon {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    answered: Vec<usize>,
    stderr: Arc<Mutex<String>>,
    /// Its listener's base URL.
    pub url: String,
}

impl Daemon {
    /// Starts `lightspeed [args] daemon [daemon_args]` and waits until it listens.
    pub fn start(dir: &Path, args: &[&str], daemon_args: &[&str], env: &[(&str, &str)]) -> Daemon {
        let mut all: Vec<&str> = args.to_vec();
        all.push("daemon");
        all.extend(["--listen", "127.0.0.1:0"]);
        all.extend(daemon_args);
        let mut child = command(dir, &all, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the daemon starts");
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let mut daemon = Daemon {
            child,
            lines: rx,
            seen: Vec::new(),
            answered: Vec::new(),
            stderr,
            url: String::new(),
        };
        let line = daemon.wait_for(|l| l.contains("listening on http://"));
        daemon.url = line
            .split("listening on ")
            .nth(1)
            .map(|u| u.trim().to_string())
            .or_else(|| {
                serde_json::from_str::<serde_json::Value>(&line)
                    .ok()
                    .and_then(|v| v["address"].as_str().map(str::to_string))
            })
            .expect("the listening line has the address");
        daemon
    }

    /// Waits (at most 30 s) for an output line that `matches`, and answers it. Lines come in
    /// the order the daemon's jobs end, so a line seen while waiting for another is kept for
    /// a later wait; each line is answered once.
    pub fn wait_for(&mut self, matches: impl Fn(&str) -> bool) -> String {
        if let Some(i) =
            (0..self.seen.len()).find(|i| !self.answered.contains(i) && matches(&self.seen[*i]))
        {
            self.answered.push(i);
            return self.seen[i].clone();
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if matches(&line) {
                        self.answered.push(self.seen.len() - 1);
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no such line from the daemon within 30 s\n--- stdout\n{}\n--- stderr\n{}",
                    self.seen.join("\n"),
                    self.stderr.lock().unwrap()
                ),
            }
        }
    }

    /// Standard error so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Every line so far.
    pub fn seen(&self) -> String {
        self.seen.join("\n")
    }

    /// Sends SIGTERM and waits for the end; answers the exit code and every output line.
    pub fn stop(mut self) -> (i32, String, String) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("the daemon ends");
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        let stderr = self.stderr.lock().unwrap().clone();
        (status.code().unwrap_or(-1), self.seen.join("\n"), stderr)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// A small clean catalog (three products, nothing broken) and its mapping, with `extra`
/// appended to the config.
pub fn small_catalog(scratch: &Scratch, connection: &str, extra: &str) {
    scratch.write(
        "data/pim.csv",
        "sku;name;price;brand\nX-1;Wallet;10,00;Acme\nX-2;Watch;20,00;Acme\nX-3;Belt;30,00;Acme\n",
    );
    scratch.write(
        "mappings/m.json",
        r#"{"key": "sku", "source_locale": {"decimal_separator": ","},
           "product_mappings": [{"pim_attribute": "name", "lightspeed_field": "title"},
                                {"pim_attribute": "brand", "lightspeed_field": "brand"}],
           "variant_mappings": [{"pim_attribute": "sku", "lightspeed_field": "sku"},
                                {"pim_attribute": "price", "lightspeed_field": "price_incl", "transformation": "parse_number"}]}"#,
    );
    scratch.write(
        "lightspeed.toml",
        &format!(
            r#"
{connection}

[jobs.shop]
kind = "catalog"
connection = "shop"
source = "data/pim.csv"
mapping = "mappings/m.json"
create_missing = true
{extra}
"#
        ),
    );
}

/// An eCom connection for `--emulator` (its credentials are never read).
pub const EMULATED_SHOP: &str = r#"
[emulator]
time_compression = 3000

[connections.shop]
kind = "ecom"
key_env = "UNUSED_KEY"
secret_env = "UNUSED_SECRET"
cluster = "eu1"
language = "nl"
"#;
