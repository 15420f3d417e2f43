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

    /// Gives the free pages kept by `reuseFreedMemory` back to the system, once a phase of the run is over.
    ///
    /// The reuse pays within a phase, where every evaluation asks for the same sizes again. Across phases it
    /// does not: the memory of the style's Grams and of a coarse stage (activations of another size) stays
    /// in the process, and the next stage's image-sized vectors are added above it. Measured on a 4096x4096
    /// print (README, "Big prints"): the resident size was 1.78 GB after the style's Grams and 2.58 GB in the
    /// 1024 px stage with about 1.5 GB of it live. `Stylizer` calls this before each stage. Costs one walk of
    /// the heap; the pages released are faulted in again when used. Returns whether any memory was released.
    @discardableResult
    public static func releaseFreedMemory() -> Bool {
        stylize_release_freed_memory() == 1
    }
}
