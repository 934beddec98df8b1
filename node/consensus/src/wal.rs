//! The write-ahead log of the current height and restoring a core after a restart.
//!
//! Rules:
//! - the log holds, in order, every input handed to the core since the last decision
//!   (except [`Input::Start`]) and every message the core itself signed (as
//!   [`Input::Proposal`] / [`Input::Vote`], appended when its broadcast effect is
//!   executed, i.e. after the safety record was persisted);
//! - a [`Effect::Decide`] empties it (after the driver stored the block, so a crash in
//!   between replays harmless messages of a finished height);
//! - on restart: [`Core::restore`] = a new core, `Start { height, safety }`, then every
//!   logged input. The core is deterministic, so it reaches the same round, step, locks
//!   and tallies. The safety guard refuses to sign anything below its record, so a replay
//!   re-signs at most the last signed message (byte-identical) and the own messages of
//!   earlier steps come back from the log instead.
//!
//! Provides: a restarted validator resumes its round with its locks (liveness), and
//! never signs a conflicting message even if the log is lost (safety rests on the
//! safety record alone). Requires: the driver writes each entry before acting on it.

use kuai_types::Keypair;
use serde::{Deserialize, Serialize};

use crate::effect::Effect;
use crate::input::Input;
use crate::safety::SafetyRecord;
use crate::state::Core;
use crate::types::{Config, Height, ValidatorSet};

/// The log of the current height; the driver mirrors it on disk.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wal {
    /// The height the entries belong to.
    pub height: Height,
    pub entries: Vec<Input>,
}

impl Wal {
    pub fn new(height: Height) -> Self {
        Wal {
            height,
            entries: Vec::new(),
        }
    }

    /// Call before handing `input` to the core.
    pub fn record_input(&mut self, input: &Input) {
        if !matches!(input, Input::Start { .. }) {
            self.entries.push(input.clone());
        }
    }

    /// Call while executing the effects of one `handle` call, in order.
    pub fn record_effect(&mut self, effect: &Effect) {
        match effect {
            Effect::BroadcastProposal(p) => self.entries.push(Input::Proposal(p.clone())),
            Effect::BroadcastVote(v) => self.entries.push(Input::Vote(v.clone())),
            Effect::Decide(d) => {
                self.height = d.height + 1;
                self.entries.clear();
            }
            _ => {}
        }
    }
}

impl Core {
    /// Rebuilds a core after a restart: starts it at `height` (one above the last
    /// committed block) with the persisted safety record, then replays `wal`. Returns the
    /// core and the effects of the replay: execute them (they re-arm the timers and
    /// re-send the last signed message) but do not log them again.
    pub fn restore(
        config: Config,
        validators: ValidatorSet,
        key: Keypair,
        height: Height,
        safety: Option<SafetyRecord>,
        wal: &Wal,
    ) -> (Core, Vec<Effect>) {
        let mut core = Core::new(config, validators, key);
        let mut effects = core.handle(Input::Start { height, safety });
        if wal.height == height {
            for input in &wal.entries {
                effects.extend(core.handle(input.clone()));
            }
        }
        (core, effects)
    }
}
