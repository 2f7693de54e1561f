//! Freed memory given back to the system between the phases of a run.

/// Returns the allocator's free pages to the system (glibc's `malloc_trim`): a phase that
/// frees many small blocks (the leave-one-out errors, the estimation windows) leaves them
/// resident in the allocator's arenas, and the next phase's large arrays are new mappings,
/// so without it the resident set holds both. Elsewhere it does nothing.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's own heaps to the
    // system; it is safe to call from any thread at any time (its result is not needed).
    unsafe {
        libc::malloc_trim(0);
    }
}
