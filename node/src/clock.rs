//! Where block time comes from. The engine asks a [`Clock`]; production uses the wall
//! clock. The dev chain's [`DevClock`] can be pinned to past times while it seeds a
//! history (so deadlines that passed weeks ago are really overdue on chain), then
//! released to the wall clock. Block time still only moves forward: the chain takes
//! `max(clock, parent time + 1)`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub trait Clock: Send + Sync {
    fn now_ms(&self) -> u64;
}

pub fn wall_clock_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[derive(Default)]
pub struct WallClock;

impl Clock for WallClock {
    fn now_ms(&self) -> u64 {
        wall_clock_ms()
    }
}

/// The wall clock, unless pinned to a fixed time.
#[derive(Default)]
pub struct DevClock {
    pinned: AtomicU64,
}

impl DevClock {
    pub fn pin(&self, time_ms: u64) {
        self.pinned.store(time_ms, Ordering::SeqCst);
    }

    pub fn release(&self) {
        self.pinned.store(0, Ordering::SeqCst);
    }
}

impl Clock for DevClock {
    fn now_ms(&self) -> u64 {
        match self.pinned.load(Ordering::SeqCst) {
            0 => wall_clock_ms(),
            t => t,
        }
    }
}
