//! Columns of per-event values (one column per τ, window or day), gathered in parallel by
//! chunks of events and joined in event order: the values, and their order, of one pass
//! over the events, so sums and quantiles over a column are those of a sequential pass.
//!
//! At a million events a pass per column (21 passes over the results for the AR spread of
//! each event day) costs seconds, and so does growing million-value columns by doubling;
//! one pass with every column at once, on every core, into columns sized once, does not.

use rayon::prelude::*;

/// Events one task gathers.
pub const CHUNK: usize = 4096;

/// `width` columns from `items`: `each(item, push)` calls `push(k, v)` for each value `v`
/// the item adds to column `k` (`k >= width` is left out). Items are gathered in parallel
/// by chunks of `chunk` and each column holds its values in item order.
pub fn columns_in_order<T: Sync>(
    items: &[T],
    width: usize,
    chunk: usize,
    each: impl Fn(&T, &mut dyn FnMut(usize, f64)) + Sync,
) -> Vec<Vec<f64>> {
    let parts: Vec<Vec<Vec<f64>>> = items
        .par_chunks(chunk.max(1))
        .map(|chunk| {
            let mut at: Vec<Vec<f64>> = vec![Vec::new(); width];
            for item in chunk {
                each(item, &mut |k, v| {
                    if let Some(col) = at.get_mut(k) {
                        col.push(v);
                    }
                });
            }
            at
        })
        .collect();
    // Each column sized once: growing a million-value column by doubling copies it.
    let mut at: Vec<Vec<f64>> = (0..width)
        .map(|k| Vec::with_capacity(parts.iter().map(|p| p[k].len()).sum()))
        .collect();
    for part in parts {
        for (all, mine) in at.iter_mut().zip(part) {
            all.extend(mine);
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chunks of any size give the columns of one pass in order; values pushed to a column
    /// past `width` are left out.
    #[test]
    fn columns_in_chunks_equal_one_pass() {
        let items: Vec<usize> = (0..50).collect();
        let kept = |i: usize, k: usize| !(i + k).is_multiple_of(7);
        let each = |i: &usize, push: &mut dyn FnMut(usize, f64)| {
            for k in 0..6 {
                if kept(*i, k) {
                    push(k, (i * 10 + k) as f64);
                }
            }
        };
        let want: Vec<Vec<f64>> = (0..5)
            .map(|k| {
                items
                    .iter()
                    .filter(|i| kept(**i, k))
                    .map(|i| (i * 10 + k) as f64)
                    .collect()
            })
            .collect();
        assert!(want.iter().all(|c| c.len() > 30));
        for chunk in [1, 3, 50, 4096] {
            assert_eq!(columns_in_order(&items, 5, chunk, each), want, "{chunk}");
        }
    }
}
