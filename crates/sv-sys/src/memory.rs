//! How the C allocator gives memory back to the system.

/// Serves every block of 128 KiB or more from a mapping of its own, which
/// goes back to the system when it is freed. glibc starts there but raises
/// the threshold on the fly (up to 32 MiB) each time such a block is freed;
/// from then on large buffers (an XML-RPC answer listing thousands of
/// processes, a big `/metrics` text) come from the heap, and once freed
/// their pages mostly stay with the daemon for the rest of its life. With
/// 5000 programs that residue was about 1.5 KB per program, a third of the
/// daemon's memory.
///
/// Fixing the mmap threshold also stops glibc from raising the trim
/// threshold with it, which then stays at 128 KiB: the top of the heap was
/// given back and taken again around every mid-sized answer, which halved
/// the throughput of `getAllProcessInfo` with 100 processes (wrk: about
/// 6,400 against 13,000 requests a second). It is set to 2 MiB. Does
/// nothing with other C libraries.
pub fn give_back_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a parameter of the allocator; it takes no
    // pointers and is safe to call at any time (glibc takes its own lock).
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 2 * 1024 * 1024);
    }
}

/// Gives the free pages inside the heap back to the system. Freed blocks
/// below the top of the heap stay with the daemon otherwise: starting 5000
/// programs leaves about 5 MB of them (the configuration's parse and the
/// spawns' temporaries, between blocks that live on), a quarter of its
/// memory. glibc's `malloc_trim` releases every whole free page (with
/// `MADV_DONTNEED`); it walks the free blocks, so it is called after bursts
/// of work, not on every turn. Does nothing with other C libraries.
pub fn give_back_free_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and only releases memory the
    // allocator holds free; glibc takes its own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}
