import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reusable float buffers for the convolutions' scratch (im2col columns, Winograd tiles).
///
/// With glibc's default settings, fresh multi-megabyte allocations come straight from mmap, and touching their
/// pages costs page faults and kernel zeroing on every layer of every pass; keeping a few buffers alive avoids
/// that. (The executables also keep freed memory in the heap, `AllocatorSettings.reuseFreedMemory`, which does
/// the same for every other buffer. Measured since, interleaved runs of stylize-bench on a loaded machine:
/// without the pool a pass at 512 px, the default working size, took 3% more CPU time (3-8% per pair) and
/// 8 MB more peak RSS; at 256 px 6% less. Kept for the common size.) At most one
/// buffer per concurrent user is kept, so what stays allocated is bounded by `ConvolutionSettings.scratchBudget` plus
/// the small per-worker line buffers.
public final class ScratchPool: @unchecked Sendable {
    public static let shared = ScratchPool()

    private let lock = NSLock()
    private var free: [UnsafeMutableBufferPointer<Float>] = []

    /// A buffer of at least `count` floats, uninitialized; give it back with `recycle`.
    func take(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
        lock.lock()
        if let i = free.firstIndex(where: { $0.count >= count }) {
            let buffer = free.remove(at: i)
            lock.unlock()
            return buffer
        }
        // None is large enough: replace the largest one rather than keeping both.
        let dropped = free.isEmpty ? nil : free.removeLast()
        lock.unlock()
        dropped?.deallocate()
        return UnsafeMutableBufferPointer<Float>.allocate(capacity: max(count, 1))
    }

    func recycle(_ buffer: UnsafeMutableBufferPointer<Float>) {
        lock.lock()
        free.append(buffer)
        free.sort { $0.count < $1.count }
        lock.unlock()
    }

    /// Runs `body` with a scratch buffer of at least `count` floats.
    public func with<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let buffer = take(count)
        defer { recycle(buffer) }
        return try body(buffer.baseAddress!)
    }
}

/// A shared counter handing out work items to the workers of one parallel loop.
final class WorkCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let limit: Int

    init(_ limit: Int) { self.limit = limit }

    func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < limit else { return nil }
        next += 1
        return next - 1
    }
}

extension Array where Element == Float {
    /// An array of `count` floats filled by `body`, which must write every element (no zero fill first).
    public static func filled(count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { body(buffer.baseAddress!) }
            initialized = count
        }
    }
}
