//! Pseudonymisation: identifiers are replaced at ingest by a keyed hash
//! (HMAC-SHA-256), so the same child links across agencies while the
//! warehouse never holds the identifier. The key lives outside the data.

use std::path::Path;

use hmac::{Hmac, Mac};
use pqa_core::config::PrivacySettings;
use sha2::Sha256;

use crate::error::{Error, Result};

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
}

/// A pseudonymisation key.
#[derive(Clone)]
pub struct PseudonymKey {
    /// The HMAC keyed once; each identifier starts from a copy of it.
    keyed: Hmac<Sha256>,
    /// Whether this is the public sample key.
    pub is_sample: bool,
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
            is_sample,
        }
    }

    /// The pseudonym of an identifier: spaces removed and case folded first, so
    /// "943 476 5919" and "9434765919" give the same pseudonym.
    pub fn pseudonymise(&self, identifier: &str) -> Pseudonym {
        let mut mac = self.keyed.clone();
        if identifier
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b.is_ascii_lowercase())
        {
            // Nearly every identifier: no spaces, nothing to upper-case.
            mac.update(identifier.as_bytes());
        } else if identifier.is_ascii() {
            // The usual case, without copying: the pieces between spaces,
            // upper-cased only when they need it.
            for piece in identifier.split(|c: char| c.is_whitespace()) {
                if piece.bytes().any(|b| b.is_ascii_lowercase()) {
                    mac.update(piece.to_ascii_uppercase().as_bytes());
                } else {
                    mac.update(piece.as_bytes());
                }
            }
        } else {
            let canonical: String = identifier
                .chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_uppercase)
                .collect();
            mac.update(canonical.as_bytes());
        }
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let digest = mac.finalize().into_bytes();
        let mut pseudonym = [0u8; 32];
        for (pair, byte) in pseudonym.chunks_exact_mut(2).zip(&digest[..16]) {
            pair[0] = HEX[usize::from(byte >> 4)];
            pair[1] = HEX[usize::from(byte & 15)];
        }
        Pseudonym(pseudonym)
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
