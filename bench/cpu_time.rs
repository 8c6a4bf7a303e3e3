//! The CPU time this process has used, for the benches that report rates per
//! CPU-second (`benches/throughput.rs`, `bench/client_loop.rs`).

use std::time::Duration;

/// The CPU time this process has used so far.
#[cfg(unix)]
pub fn cpu_time() -> Duration {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable `timespec`
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut time) };
    if status != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(time.tv_sec).unwrap_or(0),
        u32::try_from(time.tv_nsec).unwrap_or(0),
    )
}

/// The CPU time is not read on this platform: zero, and the callers report
/// elapsed time in its place.
#[cfg(not(unix))]
pub fn cpu_time() -> Duration {
    Duration::ZERO
}
