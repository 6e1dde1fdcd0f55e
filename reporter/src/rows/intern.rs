//! String interning: the reporter keeps every string of the lake once and handles `u32` ids.
//! Id 0 is the empty string, which also stands for "null".

use rustc_hash::FxHashMap;

#[derive(Debug)]
pub struct Interner {
    ids: FxHashMap<Box<str>, u32>,
    values: Vec<Box<str>>,
}

impl Default for Interner {
    fn default() -> Self {
        let mut interner = Interner {
            ids: FxHashMap::default(),
            values: Vec::new(),
        };
        interner.intern("");
        interner
    }
}

impl Interner {
    pub fn intern(&mut self, value: &str) -> u32 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(value.into());
        self.ids.insert(value.into(), id);
        id
    }

    pub fn get(&self, id: u32) -> &str {
        self.values.get(id as usize).map(|v| &**v).unwrap_or("")
    }

    /// Id of a value already interned, without adding it.
    pub fn lookup(&self, value: &str) -> Option<u32> {
        self.ids.get(value).copied()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.len() <= 1
    }

    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|v| &**v)
    }
}

/// Interning of fixed-size tuples of string ids (a hit's campaign fields, its device and geo).
///
/// Hits repeat a few tuples over and over (internal navigation, a visitor's device), so a small
/// direct-mapped cache of recent tuples, under a cheaper hash, answers most lookups before the
/// hash map is asked.
#[derive(Debug)]
pub struct TupleTable<const N: usize> {
    ids: FxHashMap<[u32; N], u32>,
    values: Vec<[u32; N]>,
    /// Slot (by `recent_slot`) → id + 1 of a tuple interned recently; 0 is empty.
    recent: Box<[u32; RECENT_SLOTS]>,
}

const RECENT_SLOTS: usize = 1024;

/// Independent multiplies (not a chain), so the slot costs a few cycles.
fn recent_slot<const N: usize>(tuple: &[u32; N]) -> usize {
    const MULTIPLIERS: [u32; 16] = [
        0x9e37_79b1,
        0x85eb_ca77,
        0xc2b2_ae3d,
        0x27d4_eb2f,
        0x1656_67b1,
        0xd3a2_646c,
        0xfd70_46c5,
        0xb55a_4f09,
        0x68e3_1da4,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
        0xcbbb_9d5d,
    ];
    let h = tuple
        .iter()
        .zip(MULTIPLIERS.iter().cycle())
        .fold(0u32, |h, (&x, &m)| h.wrapping_add(x.wrapping_mul(m)));
    (h >> (32 - RECENT_SLOTS.trailing_zeros())) as usize
}

impl<const N: usize> Default for TupleTable<N> {
    fn default() -> Self {
        let mut table = TupleTable {
            ids: FxHashMap::default(),
            values: Vec::new(),
            recent: Box::new([0; RECENT_SLOTS]),
        };
        table.intern([0; N]);
        table
    }
}

impl<const N: usize> TupleTable<N> {
    pub fn intern(&mut self, tuple: [u32; N]) -> u32 {
        let slot = recent_slot(&tuple);
        let cached = self.recent[slot];
        let same = |v: &[u32; N]| v.iter().zip(&tuple).all(|(a, b)| a == b);
        if cached != 0 && self.values.get(cached as usize - 1).is_some_and(same) {
            return cached - 1;
        }
        let next = self.values.len() as u32;
        let id = *self.ids.entry(tuple).or_insert(next);
        if id == next {
            self.values.push(tuple);
        }
        self.recent[slot] = id + 1;
        id
    }

    pub fn get(&self, id: u32) -> [u32; N] {
        self.values.get(id as usize).copied().unwrap_or([0; N])
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.len() <= 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_zero_is_empty() {
        let mut strings = Interner::default();
        assert_eq!(strings.intern(""), 0);
        let a = strings.intern("/pricing");
        assert_eq!(strings.intern("/pricing"), a);
        assert_ne!(strings.intern("/"), a);
        assert_eq!(strings.get(a), "/pricing");
        assert_eq!(strings.get(999), "");
        let mut tuples = TupleTable::<2>::default();
        assert_eq!(tuples.intern([0, 0]), 0);
        let t = tuples.intern([1, 2]);
        assert_eq!(tuples.intern([1, 2]), t);
        assert_eq!(tuples.get(t), [1, 2]);
    }

    #[test]
    fn the_recent_cache_never_answers_for_another_tuple() {
        // Far more tuples than cache slots, so slots are shared and overwritten; each tuple
        // keeps its one id, in first-seen order, whichever way it is looked up.
        let tuple = |i: u32| [(i + 1) % 97, (i + 1) / 97, i.wrapping_mul(2_654_435_761) >> 20];
        let mut table = TupleTable::<3>::default();
        let ids: Vec<u32> = (0..20_000).map(|i| table.intern(tuple(i))).collect();
        assert_eq!(table.len(), 20_001);
        for round in 0..2 {
            for i in (0..20_000u32).rev().step_by(1 + round) {
                assert_eq!(table.intern(tuple(i)), ids[i as usize]);
                assert_eq!(table.get(ids[i as usize]), tuple(i));
            }
        }
        assert_eq!(table.len(), 20_001, "nothing interned twice");
    }
}
