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
#[derive(Debug)]
pub struct TupleTable<const N: usize> {
    ids: FxHashMap<[u32; N], u32>,
    values: Vec<[u32; N]>,
}

impl<const N: usize> Default for TupleTable<N> {
    fn default() -> Self {
        let mut table = TupleTable {
            ids: FxHashMap::default(),
            values: Vec::new(),
        };
        table.intern([0; N]);
        table
    }
}

impl<const N: usize> TupleTable<N> {
    pub fn intern(&mut self, tuple: [u32; N]) -> u32 {
        let next = self.values.len() as u32;
        let id = *self.ids.entry(tuple).or_insert(next);
        if id == next {
            self.values.push(tuple);
        }
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
}
