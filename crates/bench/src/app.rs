//! The desktop app measured as a person meets it: from launch to the first screen, then its resident memory once
//! idle, next to a minimal Tauri window (`crates/bench-window`) built in the same run with the same release profile
//! and measured the same way.
//!
//! Each launch spawns the binary (in a process group of its own) with `TESSERA_BENCH_READY=FILE`; its page tells
//! Rust, after the frame that follows its first screen, and Rust appends the time to FILE. Memory is the whole
//! process tree: the app and WebKitGTK's processes (web content, network), which it starts as its children.

use anyhow::{anyhow, bail, Context};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The environment variable under which both windows report their first screen.
pub const READY_ENV: &str = "TESSERA_BENCH_READY";

/// How long a window may take to show its first screen before the launch counts as failed.
const FIRST_SCREEN_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a window may take to end once asked to, before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the ready file is looked at.
const POLL: Duration = Duration::from_millis(2);

/// The two release binaries measured.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// Tessera's window (`tessera-app`).
    pub tessera: PathBuf,
    /// The minimal Tauri window (`bench-window`).
    pub minimal: PathBuf,
}

/// The workspace's root folder (where `Cargo.toml`, `ui/` and `target/` are).
pub fn workspace() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// The built UI (`ui/dist`, embedded in the app) must report its first screen; a UI built before that never would.
fn check_ui(workspace: &Path) -> anyhow::Result<()> {
    let assets = workspace.join("ui/dist/assets");
    let entries = std::fs::read_dir(&assets)
        .with_context(|| format!("{} is missing: run `npm --prefix ui run build` first", assets.display()))?;
    let reports = entries.filter_map(|e| e.ok()).any(|entry| {
        let path = entry.path();
        path.extension().is_some_and(|x| x == "js")
            && std::fs::read_to_string(&path).is_ok_and(|text| text.contains("first_screen"))
    });
    if !reports {
        bail!("ui/dist was built before the window reported its first screen: run `npm --prefix ui run build` first");
    }
    Ok(())
}

/// Builds `tessera-app` and `bench-window` with the release profile, now, in one cargo call (one tauri for both),
/// and returns where the binaries are.
pub fn build(workspace: &Path) -> anyhow::Result<Binaries> {
    check_ui(workspace)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("tessera-bench: building tessera-app and bench-window (release)");
    let output = Command::new(cargo)
        .current_dir(workspace)
        .args(["build", "--release", "-p", "tessera-app", "-p", "bench-window"])
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()
        .context("cargo could not be started")?;
    if !output.status.success() {
        bail!("cargo build --release -p tessera-app -p bench-window failed ({})", output.status);
    }
    let mut found: HashMap<String, PathBuf> = HashMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let name = message.pointer("/target/name").and_then(|n| n.as_str());
        let executable = message.get("executable").and_then(|e| e.as_str());
        if let (Some(name), Some(executable)) = (name, executable) {
            found.insert(name.to_string(), PathBuf::from(executable));
        }
    }
    let mut take = |name: &str| found.remove(name).ok_or_else(|| anyhow!("cargo built no {name} binary"));
    Ok(Binaries { tessera: take("tessera-app")?, minimal: take("bench-window")? })
}

/// One launch, measured.
#[derive(Debug, Clone, Serialize)]
pub struct Launch {
    /// From just before the process was spawned to the first screen's report.
    pub first_screen_ms: f64,
    /// The resident memory (`VmRSS`) of every process of the tree, summed, once idle.
    pub rss_kb: u64,
    /// The proportional set size (`Pss`: shared pages divided among the processes sharing them), summed: the tree's
    /// own share of memory, without the libraries counted once per process.
    pub pss_kb: u64,
    /// Each process of the tree: its name and resident memory.
    pub processes: Vec<(String, u64)>,
}

/// Launches `binary` with `env`, waits for its first screen, lets it idle for `idle`, measures its process tree,
/// then ends it (the whole process group) and waits until every process of the tree is gone. `scratch` receives the
/// ready file and the process's standard error.
pub fn launch(binary: &Path, env: &[(&str, &Path)], scratch: &Path, idle: Duration) -> anyhow::Result<Launch> {
    std::fs::create_dir_all(scratch)?;
    let ready = scratch.join("ready");
    let _ = std::fs::remove_file(&ready);
    let log_path = scratch.join("stderr.log");
    let log = std::fs::File::create(&log_path)?;
    let mut command = Command::new(binary);
    command.env(READY_ENV, &ready).stdin(Stdio::null()).stdout(Stdio::null()).stderr(log);
    for (name, value) in env {
        command.env(name, value);
    }
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let started = SystemTime::now();
    let mut child = command.spawn().with_context(|| format!("{} could not be started", binary.display()))?;
    let result = measure(&mut child, &ready, &log_path, started, idle);
    let tree = descendants(child.id());
    stop(&mut child);
    wait_gone(&tree);
    result
}

fn measure(child: &mut Child, ready: &Path, log: &Path, started: SystemTime, idle: Duration) -> anyhow::Result<Launch> {
    let waiting = Instant::now();
    let reported_us = loop {
        let line = std::fs::read_to_string(ready).unwrap_or_default();
        if let Some(first) = line.lines().next().filter(|_| line.ends_with('\n')) {
            break first.trim().parse::<u128>().with_context(|| format!("unreadable first-screen report {first:?}"))?;
        }
        if let Some(status) = child.try_wait()? {
            bail!("the window ended before its first screen ({status}); its errors: {}", tail(log));
        }
        if waiting.elapsed() > FIRST_SCREEN_TIMEOUT {
            bail!(
                "no first screen within {} s (is DISPLAY a working X server?); its errors: {}",
                FIRST_SCREEN_TIMEOUT.as_secs(),
                tail(log)
            );
        }
        std::thread::sleep(POLL);
    };
    let started_us = started.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
    let first_screen_ms = reported_us.saturating_sub(started_us) as f64 / 1000.0;
    std::thread::sleep(idle);
    if let Some(status) = child.try_wait()? {
        bail!("the window ended while idle ({status}); its errors: {}", tail(log));
    }
    let mut processes = Vec::new();
    let (mut rss_kb, mut pss_kb) = (0, 0);
    for pid in descendants(child.id()) {
        let rss = status_kb(pid, "VmRSS");
        rss_kb += rss;
        pss_kb += pss_kb_of(pid);
        processes.push((name(pid), rss));
    }
    Ok(Launch { first_screen_ms, rss_kb, pss_kb, processes })
}

/// The last lines a window wrote to its standard error.
fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let last = lines[lines.len().saturating_sub(5)..].join(" | ");
    if last.is_empty() {
        "none".into()
    } else {
        last
    }
}

/// Asks the window's process group to end (SIGTERM), then kills it if it has not ended in time.
fn stop(child: &mut Child) {
    let Ok(group) = libc::pid_t::try_from(child.id()) else { return };
    // SAFETY: kill only sends a signal; the group is the one this process created for the child.
    unsafe {
        libc::kill(-group, libc::SIGTERM);
    }
    let asked = Instant::now();
    while asked.elapsed() < STOP_TIMEOUT {
        if matches!(child.try_wait(), Ok(Some(_)) | Err(_)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: as above.
    unsafe {
        libc::kill(-group, libc::SIGKILL);
    }
    let _ = child.wait();
}

/// Waits (a few seconds at most) until none of `pids` is running any more, so that the next launch starts alone.
fn wait_gone(pids: &[u32]) {
    let asked = Instant::now();
    while asked.elapsed() < STOP_TIMEOUT {
        if pids.iter().all(|pid| stat(*pid).is_none_or(|(state, _)| state == 'Z')) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A process's state and parent, from `/proc/PID/stat`.
fn stat(pid: u32) -> Option<(char, u32)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid …`; comm may hold spaces and parentheses, so read after the last ')'.
    let mut rest = text.get(text.rfind(')')? + 1..)?.split_whitespace();
    let state = rest.next()?.chars().next()?;
    let parent = rest.next()?.parse().ok()?;
    Some((state, parent))
}

/// `root` and every process below it, root first.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        if let Some((_, parent)) = stat(pid) {
            children.entry(parent).or_default().push(pid);
        }
    }
    let mut tree = vec![root];
    let mut next = 0;
    while next < tree.len() {
        let mut below = children.remove(&tree[next]).unwrap_or_default();
        below.sort_unstable();
        tree.extend(below);
        next += 1;
    }
    tree
}

/// A field of `/proc/PID/status` in kB; 0 when the process is gone.
fn status_kb(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    kb_field(&text, field)
}

/// The proportional set size of a process in kB (`/proc/PID/smaps_rollup`); 0 when it cannot be read.
fn pss_kb_of(pid: u32) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    kb_field(&text, "Pss")
}

fn kb_field(text: &str, field: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// A process's name (`/proc/PID/comm`).
fn name(pid: u32) -> String {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    let comm = comm.trim();
    if comm.is_empty() {
        format!("pid {pid}")
    } else {
        comm.to_string()
    }
}

/// The median of `values` (the mean of the middle two for an even count); NaN for none.
pub fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.into_iter().collect();
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}
