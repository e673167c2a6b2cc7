//! Sorting through one compiled sort.
//!
//! `slice::sort_unstable_by` is compiled once per element type and comparison, a few kilobytes
//! each in the phone's WebAssembly. [`sort_by`] finds the order on a list of indices with the
//! comparison behind a `dyn`, so the sort itself exists once, then moves the elements into place
//! with swaps. Ties keep the original order (the indices break them), so it is also stable.

use std::cmp::Ordering;

/// Sorts `v` by `cmp`; equal elements keep their order.
pub fn sort_by<T>(v: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    let mut idx = order(v.len(), &|a, b| cmp(&v[a], &v[b]));
    // Position k receives the element that was at idx[k]: follow each cycle once, swapping;
    // a finished position points at itself.
    for start in 0..idx.len() {
        let mut k = start;
        while idx[k] != start {
            let next = idx[k];
            v.swap(k, next);
            idx[k] = k;
            k = next;
        }
        idx[k] = k;
    }
}

/// Sorts `v` by a key; equal keys keep their order.
pub fn sort_by_key<T, K: Ord>(v: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `v` and removes repeated elements.
pub fn sort_dedup<T: Ord>(v: &mut Vec<T>) {
    sort_by(v, T::cmp);
    v.dedup();
}

/// The indices `0..n` in the order `cmp` gives them, ties by index.
#[inline(never)]
fn order(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_unstable_by(|&a, &b| cmp(a, b).then(a.cmp(&b)));
    idx
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard library's stable sort, for any input.
        #[test]
        fn sorts_like_the_standard_stable_sort(v in prop::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            let mut ours = v.clone();
            sort_by_key(&mut ours, |p| p.0);
            let mut std = v;
            std.sort_by_key(|p| p.0);
            prop_assert_eq!(ours, std);
        }

        #[test]
        fn sort_dedup_is_sorted_and_distinct(v in prop::collection::vec(any::<u8>(), 0..100)) {
            let mut ours = v.clone();
            sort_dedup(&mut ours);
            let mut std = v;
            std.sort_unstable();
            std.dedup();
            prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn moves_owned_values() {
        let mut v: Vec<String> = ["c", "a", "b", "a"].map(String::from).to_vec();
        sort_by(&mut v, |a, b| b.cmp(a));
        assert_eq!(v, ["c", "b", "a", "a"]);
    }
}
