//! Cookieless visitor ids: a keyed hash of (daily salt, site, IP, User-Agent), as Plausible does.
//!
//! The salt is 128 random bits per UTC day. Once a day's salt is deleted, nobody (the operator
//! included) can recompute that day's ids from an IP and User-Agent, and ids of two days cannot be
//! linked. Salt storage and rotation live in `salt_store`; this file is the pure hashing part.

use std::hash::Hasher;

use siphasher::sip::SipHasher24;

/// A day's secret salt.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Salt(pub [u8; 16]);

impl std::fmt::Debug for Salt {
    // Never print the secret, even in logs of a failing test.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Salt(..)")
    }
}

impl Salt {
    /// A fresh random salt from the platform's CSPRNG (`crypto.getRandomValues` in the Worker).
    pub fn random() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 16];
        getrandom::getrandom(&mut bytes)?;
        Ok(Salt(bytes))
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        Some(Salt(bytes.try_into().ok()?))
    }
}

/// The 64-bit visitor id of one (site, IP, User-Agent) under a day's salt.
pub fn visitor_id(salt: &Salt, site: &str, ip: &str, user_agent: &str) -> u64 {
    let mut hasher = SipHasher24::new_with_key(&salt.0);
    // Length-prefix each part so ("ab","c") and ("a","bc") cannot collide; the prefix is 8 bytes
    // everywhere (`write_usize` would hash 4 on wasm32 and 8 natively: other ids for one input).
    for part in [site, ip, user_agent] {
        hasher.write_u64(part.len() as u64);
        hasher.write(part.as_bytes());
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const UA: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

    #[test]
    fn stable_within_a_day_and_distinct_across_inputs() {
        let day1 = Salt([7; 16]);
        let id = visitor_id(&day1, "example.com", "203.0.113.9", UA);
        assert_eq!(id, visitor_id(&day1, "example.com", "203.0.113.9", UA));
        let others = [
            visitor_id(&day1, "example.org", "203.0.113.9", UA),
            visitor_id(&day1, "example.com", "203.0.113.10", UA),
            visitor_id(&day1, "example.com", "203.0.113.9", "curl/8.0"),
            visitor_id(&day1, "example.co", "m203.0.113.9", UA),
        ];
        assert!(others.iter().all(|other| *other != id));
    }

    /// The hashed input is the same bytes on every target (the Worker runs on wasm32): each part
    /// after its length as 8 little-endian bytes.
    #[test]
    fn hashes_a_fixed_width_layout() {
        let salt = Salt([3; 16]);
        let mut input = Vec::new();
        for part in ["example.com", "203.0.113.9", UA] {
            input.extend_from_slice(&(part.len() as u64).to_le_bytes());
            input.extend_from_slice(part.as_bytes());
        }
        let expected = SipHasher24::new_with_key(&salt.0).hash(&input);
        assert_eq!(visitor_id(&salt, "example.com", "203.0.113.9", UA), expected);
    }

    #[test]
    fn changes_when_the_day_salt_changes() {
        let ids: Vec<u64> = (0..50u8)
            .map(|day| visitor_id(&Salt([day; 16]), "example.com", "2001:db8::1", UA))
            .collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "every day gives a different id");
    }

    #[test]
    fn random_salts_differ_and_debug_hides_them() {
        let (a, b) = (Salt::random().unwrap(), Salt::random().unwrap());
        assert_ne!(a, b);
        assert_eq!(format!("{a:?}"), "Salt(..)");
        assert_eq!(Salt::from_slice(&[1; 15]), None);
    }
}
