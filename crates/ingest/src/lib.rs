//! Ingest: agency files in, typed Arrow rows and reasons out.
//!
//! `read` turns bytes into cells, `map` turns cells into a dataset's rows
//! (types, codes, checks, pseudonymisation, lineage) and rejects, `claim`
//! decides which feed a file belongs to. Nothing here writes anywhere.

pub mod claim;
pub mod coerce;
pub mod error;
pub mod map;
pub mod privacy;
pub mod read;

pub use claim::{Claim, Claims, InboxFile, list_inbox};
pub use error::{Error, Result};
pub use map::{Mapped, Reject, Submission};
pub use privacy::PseudonymKey;

use sha2::{Digest, Sha256};

/// Reads a file's bytes and maps them through the submission's feed.
pub fn ingest_bytes(bytes: &[u8], submission: &Submission) -> Result<Mapped> {
    let sheet = read::read(bytes, &submission.feed.source)?;
    map::map_sheet(&sheet, submission)
}

/// The SHA-256 of a file's bytes, as lowercase hex: how a submission is
/// recognised when it arrives again.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
