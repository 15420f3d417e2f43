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

    /// Undoes `reuseFreedMemory` for blocks of 32 MB and more: each is mapped when allocated and unmapped when
    /// freed, as glibc does by default (but with a fixed threshold: glibc's own rises with the blocks freed).
    ///
    /// For a big print, whose stages run in tiles (`MemoryPlan`), the reuse costs more memory than it saves
    /// time: image-sized vectors (50 MB at 2048 px, 201 MB at 4096 px) and a crop's activations (hundreds of MB)
    /// are made and freed in changing order, and the heap cannot hand a freed block's room to a larger one.
    /// Measured in the 2048 px stage of a 4096x4096 print (tiles of 1024 px): 3.59 GB of heap for 2.33 GB in
    /// use. The executables call this instead of `reuseFreedMemory` when the image's plan asks for it (`adopt`).
    @discardableResult
    public static func returnLargeBlocks() -> Bool {
        stylize_return_large_blocks() == 1
    }

    /// The policy for one image: large blocks returned when its plan asks for it (`MemoryPlan.returnsLargeBlocks`:
    /// a big print in tiles of two passes), freed memory kept for reuse otherwise. The executables call this
    /// once they know the image's plan.
    @discardableResult
    public static func adopt(returningLargeBlocks: Bool) -> Bool {
        returningLargeBlocks ? returnLargeBlocks() : reuseFreedMemory()
    }

    /// Gives the free pages kept by `reuseFreedMemory` back to the system, once a phase of the run is over.
    ///
    /// The reuse pays within a phase, where every evaluation asks for the same sizes again. Across phases it
    /// does not: the memory of the style's Grams and of a coarse stage (activations of another size) stays
    /// in the process, and the next stage's image-sized vectors are added above it. Measured on a 4096x4096
    /// print (README, "Big prints"): 1.78 GB resident after the style's Grams (in tiles of 1024 px), which the
    /// 512 px stage then kept; released first, that stage held 1.34 GB. `Stylizer` calls this before each
    /// stage. Costs one walk of the heap; the pages released are faulted in again when used. Returns whether
    /// any memory was released.
    @discardableResult
    public static func releaseFreedMemory() -> Bool {
        stylize_release_freed_memory() == 1
    }
}
