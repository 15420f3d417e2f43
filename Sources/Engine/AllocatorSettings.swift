import CAllocator

/// How the C allocator treats the large buffers of a network pass.
public enum AllocatorSettings {
    /// Keeps freed memory in the process for the next allocation instead of returning it to the system.
    ///
    /// Every evaluation of J allocates activations and gradients of tens of megabytes and frees them. glibc
    /// serves such sizes by mmap and unmaps them on free, so each evaluation faulted in and zeroed about
    /// 60 000 fresh pages. Taken from the heap and kept there (no mmap, no trimming), they are reused: measured
    /// on 20 evaluations at 512 px, minor page faults fell from 1.34 million to 0.1 million, system time from
    /// 7.4 s to 2.5 s and wall time by 12%, with the same peak RSS. The executables call this once at start.
    @discardableResult
    public static func reuseFreedMemory() -> Bool {
        stylize_reuse_freed_memory() == 1
    }
}
