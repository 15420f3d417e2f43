import CBLAS
import Foundation

/// How many cores the engine uses: OpenBLAS's threads for sgemm and the workers of the element-wise loops.
public enum ThreadSettings {
    nonisolated(unsafe) private static var configured: Int = ProcessInfo.processInfo.activeProcessorCount

    /// The number of workers used by parallel element-wise loops.
    public static var workers: Int { configured }

    /// Sets the thread count for both OpenBLAS and the element-wise loops (at least 1).
    public static func set(_ count: Int) {
        configured = max(1, count)
        openblas_set_num_threads(Int32(configured))
    }

    /// Runs `body` with OpenBLAS single-threaded, for loops whose own workers each call sgemm on their
    /// part of the work (the Winograd convolution): OpenBLAS's thread pool would only add hand-offs and
    /// spinning threads competing with those workers. The previous thread count is restored after.
    public static func withSingleThreadedBLAS<R>(_ body: () throws -> R) rethrows -> R {
        let previous = openblas_get_num_threads()
        if previous == 1 { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previous) }
        return try body()
    }
}
