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
}
