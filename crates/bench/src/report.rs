//! The benchmark's report: the machine, the command, the tables, and the `fanout …` lines scripts read.

use crate::app::{median, Launch};
use crate::micro::{Keychain, Verification};
use crate::unlock::UnlockRun;
use crate::worker::{FanOutRun, RevocationRun, Sample};
use std::fmt::Write;

/// How the measured wallet pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The wallet's default fan-out: every hospital at once, its searches in parallel up to the per-origin cap.
    Parallel,
    /// One hospital at a time, one request at a time: what a sequential client does.
    Sequential,
}

/// One fan-out measurement.
pub struct Case {
    /// Hospitals.
    pub n: usize,
    /// Latency added to every hospital response.
    pub latency_ms: u64,
    /// How the wallet pushed.
    pub mode: Mode,
    /// What the worker measured.
    pub run: FanOutRun,
    /// CPU time the testbed spent while the worker ran (its sign-in and its connects).
    pub testbed_cpu_ms: f64,
}

/// One revocation measurement.
pub struct Revocation {
    /// Hospitals the consent was used at.
    pub n: usize,
    /// Latency added to every hospital response.
    pub latency_ms: u64,
    /// What the worker measured.
    pub run: RevocationRun,
}

/// One window, launched several times.
pub struct Startup {
    /// Which window, on which profile.
    pub label: String,
    /// Whether it is the minimal Tauri window the others are compared with.
    pub baseline: bool,
    /// Each launch.
    pub launches: Vec<Launch>,
}

/// One wallet, unlocked several times.
pub struct UnlockCase {
    /// What the wallet holds, in words.
    pub wallet: String,
    /// Each unlock.
    pub runs: Vec<UnlockRun>,
}

/// Everything measured in one run.
pub struct Report {
    command: String,
    /// The app's launches (needs a display).
    pub startups: Vec<Startup>,
    /// How long each window idled before its memory was read.
    pub idle_secs: u64,
    /// The load average (`/proc/loadavg`: 1, 5 and 15 minutes) before and after the launches.
    pub load: (String, String),
    /// Unlocks.
    pub unlocks: Vec<UnlockCase>,
    /// Fan-out measurements.
    pub cases: Vec<Case>,
    /// Revocation measurements.
    pub revocations: Vec<Revocation>,
    /// Ticket verification.
    pub verification: Option<Verification>,
    /// Keychain costs.
    pub keychain: Option<Keychain>,
    /// What the patient has at each hospital: resources, and kB of FHIR JSON.
    pub records_per_hospital: (f64, f64),
}

fn per_hospital_kb(sample: &Sample, n: usize) -> f64 {
    sample.rss_peak_kb.saturating_sub(sample.rss_before_kb) as f64 / n.max(1) as f64
}

/// What the merged record of a connect occupies per hospital, measured once everything else was given back.
fn record_per_hospital_kb(run: &FanOutRun, n: usize) -> f64 {
    run.held_kb.0.saturating_sub(run.held_kb.1) as f64 / n.max(1) as f64
}

/// A line of `/proc/cpuinfo`, `/proc/meminfo` or `/etc/os-release`.
fn system_field(file: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    let value = line.split_once([':', '='])?.1.trim().trim_matches('"');
    Some(value.to_string())
}

fn machine() -> String {
    let cpu = system_field("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let memory = system_field("/proc/meminfo", "MemTotal").unwrap_or_default();
    let os = system_field("/etc/os-release", "PRETTY_NAME").unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpu}, {cores} cores available, {memory} memory; {os}, Linux {}", kernel.trim())
}

impl Report {
    /// An empty report for a run started with `command`'s arguments.
    pub fn new(command: String) -> Self {
        Self {
            command,
            startups: Vec::new(),
            idle_secs: 0,
            load: (String::new(), String::new()),
            unlocks: Vec::new(),
            cases: Vec::new(),
            revocations: Vec::new(),
            verification: None,
            keychain: None,
            records_per_hospital: (0.0, 0.0),
        }
    }

    /// The wall time of the smallest size with the same latency and mode: what ratios are taken against.
    fn base(&self, case: &Case, second: bool) -> f64 {
        let same = self.cases.iter().filter(|c| c.latency_ms == case.latency_ms && c.mode == case.mode);
        let smallest = same.min_by_key(|c| c.n).map(|c| &c.run);
        let sample = smallest.and_then(|run| if second { run.second.as_ref() } else { Some(&run.first) });
        sample.map_or(f64::NAN, |s| s.wall_ms)
    }

    /// The report in Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Machine: {}.\n", machine());
        let arguments = if self.command.is_empty() { String::new() } else { format!(" -- {}", self.command) };
        let display = if self.startups.is_empty() { "" } else { "xvfb-run -a " };
        let _ = writeln!(
            out,
            "Command: `{display}scripts/with-keyring.sh cargo run --release -p tessera-bench{arguments}`\n"
        );
        self.app_markdown(&mut out);
        self.unlock_markdown(&mut out);
        if !self.cases.is_empty() {
            self.fan_out_markdown(&mut out);
        }
        out
    }

    /// The app's startup and idle memory, next to the minimal window.
    fn app_markdown(&self, out: &mut String) {
        if self.startups.is_empty() {
            return;
        }
        let launches = self.startups.iter().map(|s| s.launches.len()).max().unwrap_or(0);
        let _ = writeln!(out, "### The app: launch to first screen, idle memory\n");
        let _ = writeln!(
            out,
            "Medians of {launches} launches of each window, taken in turn (after one launch of each that is not \
             counted). First screen: from spawning the process to the report its page sends after the frame that \
             follows its first screen. Memory: {} s after the first screen, every process of the tree (the app and \
             the WebKitGTK processes it starts), VmRSS summed and PSS summed.\n",
            self.idle_secs
        );
        let _ = writeln!(
            out,
            "| window | first screen ms | range ms | idle RSS MB (tree) | idle PSS MB (tree) | processes (RSS MB) |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        let mb = |kb: f64| kb / 1024.0;
        for startup in &self.startups {
            let first = median(startup.launches.iter().map(|l| l.first_screen_ms));
            let low = startup.launches.iter().map(|l| l.first_screen_ms).fold(f64::INFINITY, f64::min);
            let high = startup.launches.iter().map(|l| l.first_screen_ms).fold(0.0, f64::max);
            let rss = median(startup.launches.iter().map(|l| l.rss_kb as f64));
            let pss = median(startup.launches.iter().map(|l| l.pss_kb as f64));
            // The processes of the launch whose tree's memory is nearest the median.
            let typical = startup
                .launches
                .iter()
                .min_by(|a, b| (a.rss_kb as f64 - rss).abs().total_cmp(&(b.rss_kb as f64 - rss).abs()));
            let processes = typical.map_or(String::new(), |l| {
                let named: Vec<String> =
                    l.processes.iter().map(|(name, kb)| format!("{name} {:.0}", mb(*kb as f64))).collect();
                named.join(", ")
            });
            let _ = writeln!(
                out,
                "| {} | {first:.0} | {low:.0}–{high:.0} | {:.1} | {:.1} | {processes} |",
                startup.label,
                mb(rss),
                mb(pss),
            );
        }
        let _ = writeln!(
            out,
            "\nLoad average (1, 5, 15 min) before the launches: {}; after: {}.",
            self.load.0, self.load.1
        );
        let Some(baseline) = self.startups.iter().find(|s| s.baseline) else { return };
        let base_first = median(baseline.launches.iter().map(|l| l.first_screen_ms));
        let base_rss = median(baseline.launches.iter().map(|l| l.rss_kb as f64));
        let base_pss = median(baseline.launches.iter().map(|l| l.pss_kb as f64));
        let _ = writeln!(out);
        for startup in self.startups.iter().filter(|s| !s.baseline) {
            let first = median(startup.launches.iter().map(|l| l.first_screen_ms));
            let rss = median(startup.launches.iter().map(|l| l.rss_kb as f64));
            let pss = median(startup.launches.iter().map(|l| l.pss_kb as f64));
            let _ = writeln!(
                out,
                "- {}: first screen {:+.0} ms against the minimal window (target: within 150 ms); idle RSS {:.2}× \
                 (target: ≤ 1.2×), PSS {:.2}×.",
                startup.label,
                first - base_first,
                rss / base_rss,
                pss / base_pss,
            );
        }
    }

    /// Unlocking with 20 grants.
    fn unlock_markdown(&self, out: &mut String) {
        if self.unlocks.is_empty() {
            return;
        }
        let runs = self.unlocks.iter().map(|u| u.runs.len()).max().unwrap_or(0);
        let _ = writeln!(out, "\n### Unlock with 20 grants\n");
        let _ = writeln!(
            out,
            "Medians of {runs} unlocks, each in a process of its own that opened the wallet and locked it; times from \
             the call to `unlock`. What the window does on Unlock: `unlock` (the install's key from the keychain), \
             `wallet_status`, the people (the screen shown: the target's measure), and only once they are drawn the \
             grants list for the rail's badge. Afterwards, still unlocked: every ticket read from the keychain \
             alone, and the grants listed again.\n"
        );
        let _ = writeln!(
            out,
            "| wallet | grants (tickets) | people | unlocked ms | status ms | people ready ms | range ms | badge ready \
             ms | CPU ms | tickets from keychain ms | grants again ms |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|");
        for case in &self.unlocks {
            let m = |f: fn(&UnlockRun) -> f64| median(case.runs.iter().map(f));
            let low = case.runs.iter().map(|r| r.people_ms).fold(f64::INFINITY, f64::min);
            let high = case.runs.iter().map(|r| r.people_ms).fold(0.0, f64::max);
            let (grants, tickets, people) = case.runs.first().map_or((0, 0, 0), |r| (r.grants, r.tickets, r.people));
            let _ = writeln!(
                out,
                "| {} | {grants} ({tickets}) | {people} | {:.1} | {:.1} | {:.0} | {low:.0}–{high:.0} | {:.0} | {:.0} | \
                 {:.1} | {:.0} |",
                case.wallet,
                m(|r| r.unlocked_ms),
                m(|r| r.status_ms),
                m(|r| r.people_ms),
                m(|r| r.grants_ms),
                m(|r| r.cpu_ms),
                m(|r| r.held_tickets_ms),
                m(|r| r.grants_again_ms),
            );
        }
    }

    /// The fan-out, revocation, verification and keychain sections.
    fn fan_out_markdown(&self, out: &mut String) {
        let _ = writeln!(out, "### Fan-out (caregiver's ticket, the patient seen at every hospital)\n");
        let (resources, kb) = self.records_per_hospital;
        let _ = writeln!(
            out,
            "Each hospital holds {resources:.0} resources about the patient ({kb:.0} kB of FHIR JSON); every one is \
             read, checked, normalised and kept (for export) in the merged record.\n"
        );
        let _ = writeln!(
            out,
            "| N | latency ms | mode | 1st wall ms | 1st ratio | CPU ms/hospital | RSS kB/hospital (peak) | \
             record kB/hospital | 2nd wall ms | 2nd ratio | 2nd CPU ms/hospital | testbed CPU ms/hospital | \
             connected |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for case in &self.cases {
            let first = &case.run.first;
            let n = case.n.max(1) as f64;
            let second = match &case.run.second {
                Some(second) => format!(
                    "{:.0} | {:.2} | {:.2}",
                    second.wall_ms,
                    second.wall_ms / self.base(case, true),
                    second.cpu_ms / n
                ),
                None => "— | — | —".to_string(),
            };
            let done = case.run.second.as_ref().map_or(first.done, |s| s.done.min(first.done));
            let _ = writeln!(
                out,
                "| {} | {} | {:?} | {:.0} | {:.2} | {:.2} | {:.1} | {:.1} | {second} | {:.2} | {done}/{} |",
                case.n,
                case.latency_ms,
                case.mode,
                first.wall_ms,
                first.wall_ms / self.base(case, false),
                first.cpu_ms / n,
                per_hospital_kb(first, case.n),
                record_per_hospital_kb(&case.run, case.n),
                case.testbed_cpu_ms / n,
                first.hospitals,
            );
        }
        if !self.revocations.is_empty() {
            let _ = writeln!(out, "\n### Revocation of one ticket used at N hospitals (research consent)\n");
            let _ = writeln!(
                out,
                "| N | latency ms | connect wall ms | revoke wall ms | ratio | last hospital step at ms | ratio | \
                 hospitals revoked |"
            );
            let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
            for r in &self.revocations {
                let same = self.revocations.iter().filter(|o| o.latency_ms == r.latency_ms);
                let base = same.min_by_key(|o| o.n).map(|o| &o.run);
                let (wall, steps) = base.map_or((f64::NAN, f64::NAN), |b| (b.revoke.wall_ms, b.hospitals_done_ms));
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.0} | {:.0} | {:.2} | {:.0} | {:.2} | {}/{} |",
                    r.n,
                    r.latency_ms,
                    r.run.connect.wall_ms,
                    r.run.revoke.wall_ms,
                    r.run.revoke.wall_ms / wall,
                    r.run.hospitals_done_ms,
                    r.run.hospitals_done_ms / steps,
                    r.run.revoke.done,
                    r.run.revoke.hospitals,
                );
            }
        }
        if let Some(v) = &self.verification {
            let _ = writeln!(
                out,
                "\n### Ticket verification\n\n{:.0} tickets parsed and verified (ES256) per second on one thread \
                 ({} bytes each).",
                v.per_second, v.ticket_bytes
            );
        }
        if let Some(k) = &self.keychain {
            let _ = writeln!(
                out,
                "\n### Keychain (Secret Service: gnome-keyring)\n\nMean of {} items: write a new item {:.1} ms, \
                 rewrite an existing one {:.1} ms, read {:.1} ms (one after another), read {:.1} ms each ({} at once), \
                 delete {:.1} ms.",
                k.items, k.write_ms, k.rewrite_ms, k.read_ms, k.read_parallel_ms, k.items, k.delete_ms
            );
        }
        let _ = writeln!(out, "\n### Lines for scripts\n\n```");
        for case in self.cases.iter().filter(|c| c.mode == Mode::Parallel) {
            let first = &case.run.first;
            let _ = writeln!(
                out,
                "fanout n={} latency_ms={} ratio={:.2} cpu_ms_per_hospital={:.2} rss_kb_per_hospital={:.1}",
                case.n,
                case.latency_ms,
                first.wall_ms / self.base(case, false),
                first.cpu_ms / case.n.max(1) as f64,
                per_hospital_kb(first, case.n),
            );
        }
        let _ = writeln!(out, "```");
    }
}
