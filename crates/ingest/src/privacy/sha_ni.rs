//! SHA-256's compression function on the processor's SHA instructions, for
//! several messages at once.
//!
//! Each round of one compression waits for the round before it, so a single
//! message leaves the SHA unit idle most of the time: the `sha2` crate runs
//! its blocks one after another, and a pseudonym (an HMAC: two blocks) took
//! ~120 ns. Four identifiers' blocks interleaved round by round take ~61 ns
//! an identifier (`examples/pseudonyms.rs`, BENCHMARKS.md). This is the usual
//! SHA-NI sequence (Intel's white paper, as in the `sha2` crate), with each
//! step done for every lane before the next.

/// Proof that this processor has the SHA extensions: only [`ShaNi::detect`]
/// makes one, so [`ShaNi::compress`] never runs their instructions where
/// they do not exist.
#[derive(Clone, Copy, Debug)]
pub(super) struct ShaNi(());

impl ShaNi {
    /// `Some` when the processor has the SHA extensions (and the SSE levels
    /// the sequence also uses).
    pub(super) fn detect() -> Option<ShaNi> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("sha")
            && std::arch::is_x86_feature_detected!("sse4.1")
            && std::arch::is_x86_feature_detected!("ssse3")
        {
            return Some(ShaNi(()));
        }
        None
    }

    /// Compresses one block into each state: `states[i]` takes `blocks[i]`
    /// (sixteen big-endian words, already read from the block's bytes).
    pub(super) fn compress<const N: usize>(
        self,
        states: &mut [[u32; 8]; N],
        blocks: &[[u32; 16]; N],
    ) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a `ShaNi` exists only where `detect` found the features
        // `x86::compress` is compiled for.
        unsafe {
            x86::compress(states, blocks)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            // Never reached: no `ShaNi` is made off x86-64. (The blocks hold
            // identifiers, so they are not shown.)
            let _ = (states, blocks);
            unreachable!("SHA extensions used off x86-64")
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    /// SHA-256's round constants.
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];

    /// # Safety
    /// The processor must have the SHA, SSSE3 and SSE4.1 extensions.
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    pub(super) unsafe fn compress<const N: usize>(
        states: &mut [[u32; 8]; N],
        blocks: &[[u32; 16]; N],
    ) {
        // The instructions keep the state as ABEF and CDGH.
        let mut abef = [_mm_setzero_si128(); N];
        let mut cdgh = [_mm_setzero_si128(); N];
        // The message schedule's last sixteen words, four to a register.
        let mut w = [[_mm_setzero_si128(); 4]; N];
        for lane in 0..N {
            // SAFETY (of the loads and stores here and below): each reads or
            // writes 16 bytes inside a `[u32; 8]` or `[u32; 16]`; the
            // unaligned forms need no alignment.
            let state = states[lane].as_ptr().cast::<__m128i>();
            let dcba = unsafe { _mm_loadu_si128(state) };
            let hgfe = unsafe { _mm_loadu_si128(state.add(1)) };
            let cdab = _mm_shuffle_epi32(dcba, 0xB1);
            let efgh = _mm_shuffle_epi32(hgfe, 0x1B);
            abef[lane] = _mm_alignr_epi8(cdab, efgh, 8);
            cdgh[lane] = _mm_blend_epi16(efgh, cdab, 0xF0);
            let block = blocks[lane].as_ptr().cast::<__m128i>();
            for (i, words) in w[lane].iter_mut().enumerate() {
                *words = unsafe { _mm_loadu_si128(block.add(i)) };
            }
        }
        let (abef_before, cdgh_before) = (abef, cdgh);
        // Sixteen steps of four rounds, each done for every lane before the
        // next, so the lanes' rounds overlap. Written out (a loop over the
        // steps was not unrolled, and kept the schedule in memory).
        macro_rules! step {
            ($step:literal) => {
                let k = _mm_set_epi32(
                    K[4 * $step + 3] as i32,
                    K[4 * $step + 2] as i32,
                    K[4 * $step + 1] as i32,
                    K[4 * $step] as i32,
                );
                for lane in 0..N {
                    let w = &mut w[lane];
                    if $step >= 4 {
                        // The next four schedule words, from the last sixteen.
                        let [w0, w1, w2, w3] = [0, 1, 2, 3].map(|i| w[($step + i) % 4]);
                        let t =
                            _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4));
                        w[$step % 4] = _mm_sha256msg2_epu32(t, w3);
                    }
                    let wk = _mm_add_epi32(w[$step % 4], k);
                    cdgh[lane] = _mm_sha256rnds2_epu32(cdgh[lane], abef[lane], wk);
                    abef[lane] =
                        _mm_sha256rnds2_epu32(abef[lane], cdgh[lane], _mm_shuffle_epi32(wk, 0x0E));
                }
            };
        }
        step!(0);
        step!(1);
        step!(2);
        step!(3);
        step!(4);
        step!(5);
        step!(6);
        step!(7);
        step!(8);
        step!(9);
        step!(10);
        step!(11);
        step!(12);
        step!(13);
        step!(14);
        step!(15);
        for lane in 0..N {
            let abef = _mm_add_epi32(abef[lane], abef_before[lane]);
            let cdgh = _mm_add_epi32(cdgh[lane], cdgh_before[lane]);
            let feba = _mm_shuffle_epi32(abef, 0x1B);
            let dchg = _mm_shuffle_epi32(cdgh, 0xB1);
            let state = states[lane].as_mut_ptr().cast::<__m128i>();
            unsafe {
                _mm_storeu_si128(state, _mm_blend_epi16(feba, dchg, 0xF0));
                _mm_storeu_si128(state.add(1), _mm_alignr_epi8(dchg, feba, 8));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::{SHA256_IV, words};
    use sha2::{Digest, Sha256};

    /// SHA-256 of a message of at most 55 bytes (one block), through `compress`.
    fn one_block_sha256<const N: usize>(sha: ShaNi, messages: [&[u8]; N]) -> [[u8; 32]; N] {
        let mut states = [SHA256_IV; N];
        let blocks = messages.map(|m| {
            let mut bytes = [0u8; 64];
            bytes[..m.len()].copy_from_slice(m);
            bytes[m.len()] = 0x80;
            bytes[56..].copy_from_slice(&(m.len() as u64 * 8).to_be_bytes());
            words(&bytes)
        });
        sha.compress(&mut states, &blocks);
        states.map(|s| {
            let mut digest = [0u8; 32];
            for (bytes, word) in digest.chunks_exact_mut(4).zip(s) {
                bytes.copy_from_slice(&word.to_be_bytes());
            }
            digest
        })
    }

    #[test]
    fn every_lane_is_sha256_of_its_own_block() {
        let Some(sha) = ShaNi::detect() else {
            eprintln!("this processor has no SHA extensions: nothing to test");
            return;
        };
        let messages: Vec<Vec<u8>> = (0..=55u8)
            .map(|n| (0..n).map(|i| i.wrapping_mul(7).wrapping_add(n)).collect())
            .collect();
        for four in messages.chunks(4) {
            let lanes: [&[u8]; 4] = std::array::from_fn(|i| four[i % four.len()].as_slice());
            let digests = one_block_sha256(sha, lanes);
            for (message, digest) in lanes.iter().zip(digests) {
                assert_eq!(
                    digest[..],
                    Sha256::digest(message)[..],
                    "{} bytes",
                    message.len()
                );
            }
        }
        let [one] = one_block_sha256(sha, [b"abc".as_slice()]);
        assert_eq!(
            hex::encode(one),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
