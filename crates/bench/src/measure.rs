//! What a process costs: CPU time (all its threads) and resident memory, read from the kernel.

/// CPU time used by this process so far (user + system, every thread), in milliseconds.
pub fn cpu_ms() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes one rusage into the pointer it is given.
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
            return 0.0;
        }
        usage.assume_init()
    };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    ms(usage.ru_utime) + ms(usage.ru_stime)
}

/// A field of `/proc/self/status` in kB (`VmRSS`, `VmHWM`); 0 when it cannot be read.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Resident memory now, in kB.
pub fn rss_kb() -> u64 {
    status_kb("VmRSS")
}

/// Resident memory in kB after the allocator returned its free pages to the system (glibc `malloc_trim`): what is
/// really held, not what was freed and kept for reuse.
pub fn trimmed_rss_kb() -> u64 {
    // SAFETY: malloc_trim only releases free memory of the allocator's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
    rss_kb()
}

/// The most resident memory since the last [`reset_peak`] (or the start), in kB.
pub fn peak_kb() -> u64 {
    status_kb("VmHWM")
}

/// Starts a new peak from the resident memory now (Linux: `5` into `/proc/self/clear_refs`).
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
