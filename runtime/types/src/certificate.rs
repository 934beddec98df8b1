//! Commit certificates: 2f+1 validator signatures on a committed block (written with the consensus core).
