//! Pseudonymisation: identifiers are replaced at ingest by a keyed hash
//! (HMAC-SHA-256), so the same child links across agencies while the
//! warehouse never holds the identifier. The key lives outside the data.

use std::path::Path;

use hmac::{Hmac, Mac};
use pqa_core::config::PrivacySettings;
use sha2::{Digest, Sha256};

use self::sha_ni::ShaNi;

use crate::error::{Error, Result};

mod sha_ni;

/// The published key used for synthetic sample data only.
pub const SAMPLE_KEY: &str = "pqa-sample-data-key-NOT-SECRET";

/// A pseudonym: the first 16 bytes of an identifier's keyed hash, as 32
/// lowercase hexadecimal digits. Held inline, so making one allocates nothing;
/// aligned as a word is, so that copying one (inside a row's values) is
/// copying four words, not bytes straddling them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(align(8))]
pub struct Pseudonym([u8; 32]);

impl Pseudonym {
    /// The pseudonym as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hexadecimal digits are ASCII")
    }

    /// The pseudonym of a keyed hash: its first 16 bytes as hexadecimal.
    fn from_digest(digest: &[u8]) -> Pseudonym {
        // Each byte's two digits at once.
        const PAIRS: [[u8; 2]; 256] = {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            let mut pairs = [[0u8; 2]; 256];
            let mut byte = 0;
            while byte < 256 {
                pairs[byte] = [HEX[byte >> 4], HEX[byte & 15]];
                byte += 1;
            }
            pairs
        };
        let mut pseudonym = [0u8; 32];
        for (pair, byte) in pseudonym.chunks_exact_mut(2).zip(&digest[..16]) {
            pair.copy_from_slice(&PAIRS[usize::from(*byte)]);
        }
        Pseudonym(pseudonym)
    }

    /// The pseudonym's 32 hexadecimal digits.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// An identifier in its canonical form (whitespace removed, case folded),
/// held until its pseudonym is made together with others': four keyed hashes
/// computed side by side take about twice as long as one, not four times
/// ([`PseudonymKey::pseudonymise_all`]).
/// Up to 31 bytes, inline; the last byte is the length. Never shown: its
/// `Debug` says nothing of it.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
#[repr(align(8))]
pub struct Identifier([u8; 32]);

impl Identifier {
    /// Longest canonical identifier held (NHS numbers are 10 characters,
    /// UPNs 13); a longer one is pseudonymised at once instead.
    const CAPACITY: usize = 31;

    /// The canonical form of `identifier`, or `None` when it is longer than
    /// [`Identifier::CAPACITY`] bytes.
    pub fn new(identifier: &str) -> Option<Identifier> {
        let mut held = Identifier([0; 32]);
        held.write(identifier).then_some(held)
    }

    /// Makes this the canonical form of `identifier`, in place; `false`
    /// (and this left holding nothing in particular) when that is longer than
    /// [`Identifier::CAPACITY`] bytes. Written where it is kept: made
    /// elsewhere and moved there, its bytes were written a piece at a time
    /// and at once read back whole, which stalled the processor on every
    /// identifier.
    pub fn write(&mut self, identifier: &str) -> bool {
        let held = &mut self.0;
        let mut len = 0;
        canonical(identifier, |piece| {
            let end = len + piece.len();
            if end <= Self::CAPACITY {
                held[len..end].copy_from_slice(piece);
            }
            len = end;
        });
        if len > Self::CAPACITY {
            return false;
        }
        held[len..Self::CAPACITY].fill(0);
        held[Self::CAPACITY] = len as u8;
        true
    }

    fn as_bytes(&self) -> &[u8] {
        &self.0[..usize::from(self.0[Self::CAPACITY])]
    }
}

impl std::fmt::Debug for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identifier(..)")
    }
}

/// Hands `sink` the canonical form of `identifier` a piece at a time: spaces
/// removed and case folded, so "943 476 5919" and "9434765919" are one
/// identifier. Copies only what must change.
fn canonical(identifier: &str, mut sink: impl FnMut(&[u8])) {
    if identifier
        .bytes()
        .all(|b| b.is_ascii_graphic() && !b.is_ascii_lowercase())
    {
        // Nearly every identifier: no spaces, nothing to upper-case.
        sink(identifier.as_bytes());
    } else if identifier.is_ascii() {
        // The usual case, without copying: the pieces between spaces,
        // upper-cased only when they need it.
        for piece in identifier.split(|c: char| c.is_whitespace()) {
            if piece.bytes().any(|b| b.is_ascii_lowercase()) {
                sink(piece.to_ascii_uppercase().as_bytes());
            } else {
                sink(piece.as_bytes());
            }
        }
    } else {
        let canonical: String = identifier
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect();
        sink(canonical.as_bytes());
    }
}

/// A pseudonymisation key.
#[derive(Clone)]
pub struct PseudonymKey {
    /// The HMAC keyed once; each identifier starts from a copy of it.
    keyed: Hmac<Sha256>,
    /// The HMAC's two keyed SHA-256 states, where the processor's SHA
    /// instructions can hash several identifiers at once.
    lanes: Option<Lanes>,
    /// Whether this is the public sample key.
    pub is_sample: bool,
}

/// HMAC-SHA-256 with the key already absorbed: the states after the inner
/// (key XOR 0x36…) and outer (key XOR 0x5c…) key blocks.
#[derive(Clone, Copy)]
struct Lanes {
    sha: ShaNi,
    inner: [u32; 8],
    outer: [u32; 8],
}

/// Identifiers hashed side by side. Per identifier, on the AMD EPYC measured:
/// ~120 ns one at a time with the `hmac` crate, ~61 ns four at a time
/// (`examples/pseudonyms.rs`); a copy of this code with the lanes varied
/// took ~106 ns in one lane, ~76 ns in two and no less in eight than in four.
const LANES: usize = 4;

impl Lanes {
    fn new(sha: ShaNi, key: &[u8]) -> Lanes {
        // HMAC (RFC 2104): a key longer than a block is hashed first.
        let hashed;
        let key = if key.len() > 64 {
            hashed = Sha256::digest(key);
            &hashed[..]
        } else {
            key
        };
        let keyed = |pad: u8| {
            let mut block = [pad; 64];
            for (b, k) in block.iter_mut().zip(key) {
                *b ^= k;
            }
            let mut state = [SHA256_IV];
            sha.compress(&mut state, &[words(&block)]);
            state[0]
        };
        Lanes {
            sha,
            inner: keyed(0x36),
            outer: keyed(0x5c),
        }
    }

    /// The HMACs of `N` identifiers: two blocks each (the identifier after
    /// the inner key block, then the inner hash after the outer one), every
    /// lane's block compressed together.
    fn pseudonyms<const N: usize>(self, identifiers: [Identifier; N]) -> [Pseudonym; N] {
        let mut states = [self.inner; N];
        let blocks = identifiers.map(|id| last_block(&id));
        self.sha.compress(&mut states, &blocks);
        let blocks = states.map(|inner| {
            let mut block = [0u32; 16];
            block[..8].copy_from_slice(&inner);
            block[8] = 0x8000_0000;
            block[15] = (64 + 32) * 8;
            block
        });
        let mut states = [self.outer; N];
        self.sha.compress(&mut states, &blocks);
        states.map(|state| {
            let mut digest = [0u8; 16];
            for (bytes, word) in digest.chunks_exact_mut(4).zip(state) {
                bytes.copy_from_slice(&word.to_be_bytes());
            }
            Pseudonym::from_digest(&digest)
        })
    }
}

/// SHA-256's initial state.
const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// A block's sixteen big-endian words.
fn words(block: &[u8; 64]) -> [u32; 16] {
    std::array::from_fn(|i| {
        u32::from_be_bytes([
            block[4 * i],
            block[4 * i + 1],
            block[4 * i + 2],
            block[4 * i + 3],
        ])
    })
}

/// The last (and only) block of an identifier's inner hash, which follows
/// the key's block: the identifier, SHA-256's padding and the whole length
/// in bits. Built from all 32 bytes the identifier is held in (zero past its
/// end, but for the length in the last), so nothing is copied by length.
fn last_block(identifier: &Identifier) -> [u32; 16] {
    let len = usize::from(identifier.0[Identifier::CAPACITY]);
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(&identifier.0);
    block[Identifier::CAPACITY] = 0;
    block[len] = 0x80;
    block[56..].copy_from_slice(&((64 + len as u64) * 8).to_be_bytes());
    words(&block)
}

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PseudonymKey")
            .field("is_sample", &self.is_sample)
            .finish_non_exhaustive()
    }
}

impl PseudonymKey {
    /// A key from raw text.
    pub fn new(key: &str) -> Result<PseudonymKey> {
        let key = key.trim();
        if key.len() < 16 {
            return Err(Error::Key(
                "the pseudonymisation key must be at least 16 characters".into(),
            ));
        }
        Ok(PseudonymKey::keyed(key.as_bytes(), false))
    }

    /// The key from the environment variable, else the key file, else the
    /// sample key when the project allows it; `None` when there is none.
    pub fn from_settings(
        settings: &PrivacySettings,
        project_root: &Path,
    ) -> Result<Option<PseudonymKey>> {
        if let Ok(key) = std::env::var(&settings.key_env) {
            return PseudonymKey::new(&key).map(Some);
        }
        if let Some(file) = &settings.key_file {
            let path = project_root.join(file);
            let key = std::fs::read_to_string(&path).map_err(|e| {
                Error::Key(format!("cannot read the key file {}: {e}", path.display()))
            })?;
            return PseudonymKey::new(&key).map(Some);
        }
        if settings.sample_key {
            return Ok(Some(PseudonymKey::keyed(SAMPLE_KEY.as_bytes(), true)));
        }
        Ok(None)
    }

    fn keyed(key: &[u8], is_sample: bool) -> PseudonymKey {
        PseudonymKey {
            keyed: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length"),
            lanes: ShaNi::detect().map(|sha| Lanes::new(sha, key)),
            is_sample,
        }
    }

    /// The pseudonym of an identifier: spaces removed and case folded first, so
    /// "943 476 5919" and "9434765919" give the same pseudonym.
    pub fn pseudonymise(&self, identifier: &str) -> Pseudonym {
        self.hmac(|mac| canonical(identifier, |piece| mac.update(piece)))
    }

    /// The pseudonyms of many identifiers, in order: the same as
    /// [`PseudonymKey::pseudonymise`] gives each, made four at a time where
    /// the processor has SHA instructions (a national ingest hashes tens of
    /// millions of identifiers, and one at a time this was its largest cost).
    pub fn pseudonymise_all(&self, identifiers: &[Identifier]) -> Vec<Pseudonym> {
        let mut pseudonyms = Vec::with_capacity(identifiers.len());
        let Some(lanes) = self.lanes else {
            pseudonyms.extend(
                identifiers
                    .iter()
                    .map(|id| self.hmac(|mac| mac.update(id.as_bytes()))),
            );
            return pseudonyms;
        };
        let mut groups = identifiers.chunks_exact(LANES);
        for group in &mut groups {
            let group: &[Identifier; LANES] = group.try_into().expect("chunks of LANES");
            pseudonyms.extend(lanes.pseudonyms(*group));
        }
        for id in groups.remainder() {
            pseudonyms.extend(lanes.pseudonyms([*id]));
        }
        pseudonyms
    }

    /// The pseudonym of what `feed` gives the keyed HMAC, one at a time.
    fn hmac(&self, feed: impl FnOnce(&mut Hmac<Sha256>)) -> Pseudonym {
        let mut mac = self.keyed.clone();
        feed(&mut mac);
        Pseudonym::from_digest(&mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_identifier_same_pseudonym_whatever_the_spacing() {
        let key = PseudonymKey::new("a-test-key-of-some-length").unwrap();
        assert_eq!(
            key.pseudonymise("943 476 5919"),
            key.pseudonymise("9434765919")
        );
        assert_ne!(
            key.pseudonymise("9434765919"),
            key.pseudonymise("9434765918")
        );
        assert_eq!(key.pseudonymise("x").as_str().len(), 32);
    }

    #[test]
    fn pseudonyms_are_the_keyed_hash_of_the_canonical_identifier() {
        let key = PseudonymKey::new("a-test-key-of-some-length").unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(b"a-test-key-of-some-length").unwrap();
        mac.update(b"AB1234C");
        let expected = hex::encode(&mac.finalize().into_bytes()[..16]);
        for spelling in ["AB1234C", "ab 1234 c", " Ab1234c\t", "AB\u{0B}1234C"] {
            assert_eq!(
                key.pseudonymise(spelling).as_str(),
                expected,
                "{spelling:?}"
            );
        }
        // Outside ASCII, case is folded the Unicode way.
        assert_eq!(key.pseudonymise("é 1"), key.pseudonymise("É1"));
    }

    #[test]
    fn pseudonyms_made_together_are_those_made_one_at_a_time() {
        // Keys of a block's length and longer are hashed differently by
        // HMAC; counts that are not a multiple of four leave a remainder;
        // identifiers of 29 to 31 bytes fill the room they are held in.
        let keys = [
            "a-test-key-of-some-length".to_string(),
            "k".repeat(64),
            "k".repeat(65),
            "a much longer key ".repeat(9),
        ];
        let spellings: Vec<String> = (0..40)
            .map(|i| match i % 4 {
                0 => format!("A{:012}", i * 7919),
                1 => format!("{} {} {}", 900 + i, 476, 5919 - i),
                2 => "x".repeat(31 - i % 3),
                _ => format!("é{i}"),
            })
            .collect();
        for key in &keys {
            let key = PseudonymKey::new(key).unwrap();
            let without_lanes = PseudonymKey {
                lanes: None,
                ..key.clone()
            };
            for count in [0, 1, 3, 4, 5, 9, 40] {
                let ids: Vec<Identifier> = spellings[..count]
                    .iter()
                    .map(|s| Identifier::new(s).unwrap())
                    .collect();
                let expected: Vec<Pseudonym> = spellings[..count]
                    .iter()
                    .map(|s| key.pseudonymise(s))
                    .collect();
                assert_eq!(key.pseudonymise_all(&ids), expected, "{count} identifiers");
                assert_eq!(without_lanes.pseudonymise_all(&ids), expected);
            }
        }
    }

    #[test]
    fn identifiers_are_held_canonical_up_to_31_bytes_and_never_shown() {
        let id = Identifier::new(" ab 1234 c").unwrap();
        assert_eq!(id, Identifier::new("AB1234C").unwrap());
        assert_eq!(id.as_bytes(), b"AB1234C");
        assert_eq!(
            Identifier::new(&"9".repeat(31)).unwrap().as_bytes().len(),
            31
        );
        assert_eq!(Identifier::new(&"9".repeat(32)), None);
        assert_eq!(Identifier::new(&format!("{} 9", "9".repeat(31))), None);
        assert_eq!(Identifier::new("").unwrap().as_bytes(), b"");
        assert!(!format!("{id:?}").contains("1234"));
    }

    #[test]
    fn different_keys_give_different_pseudonyms() {
        let a = PseudonymKey::new("first-key-0123456789").unwrap();
        let b = PseudonymKey::new("second-key-0123456789").unwrap();
        assert_ne!(a.pseudonymise("123"), b.pseudonymise("123"));
    }

    #[test]
    fn short_keys_are_refused_and_debug_hides_the_key() {
        assert!(PseudonymKey::new("short").is_err());
        let key = PseudonymKey::new("a-test-key-of-some-length").unwrap();
        assert!(!format!("{key:?}").contains("a-test-key"));
    }
}
