//! Placeholder: the consensus core is being written.
