import Dispatch

/// Runs `body` over 0..<count split into contiguous chunks, on all cores.
///
/// Element-wise passes (ReLU, pooling, im2col, losses) are memory-bound loops that are too short
/// to be worth a task each; chunking keeps the overhead to a few dispatches per call.
@inline(__always)
public func parallelChunks(_ count: Int, minChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
    let workers = ThreadSettings.workers
    if count <= minChunk || workers == 1 {
        if count > 0 { body(0..<count) }
        return
    }
    let chunks = min(workers * 4, (count + minChunk - 1) / minChunk)
    let size = (count + chunks - 1) / chunks
    withoutActuallyEscaping(body) { body in
        let work = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: chunks) { i in
            let start = i * size
            let end = min(count, start + size)
            if start < end { work.value(start..<end) }
        }
    }
}

/// Runs `body(i)` for every i in 0..<count, in parallel when there is more than one worker.
@inline(__always)
public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    if ThreadSettings.workers == 1 || count == 1 {
        for i in 0..<count { body(i) }
    } else {
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { work.value($0) }
        }
    }
}

/// Lets a closure over raw buffers cross into `concurrentPerform`: the callers hand each worker
/// a disjoint part of the output, which the compiler cannot see.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Σ body(range) over 0..<count split into contiguous chunks, on all cores.
///
/// The chunks depend only on `count` and the worker count, and their partial sums are added in order,
/// so the result is the same from run to run (a loss must not change with thread timing).
@inline(__always)
public func parallelSum(_ count: Int, minChunk: Int = 16384, _ body: (Range<Int>) -> Double) -> Double {
    let workers = ThreadSettings.workers
    if count <= minChunk || workers == 1 { return count > 0 ? body(0..<count) : 0 }
    let chunks = min(workers * 4, (count + minChunk - 1) / minChunk)
    let size = (count + chunks - 1) / chunks
    var partials = [Double](repeating: 0, count: chunks)
    partials.withUnsafeMutableBufferPointer { out in
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable((body, out))
            DispatchQueue.concurrentPerform(iterations: chunks) { i in
                let start = i * size
                let end = min(count, start + size)
                work.value.1[i] = start < end ? work.value.0(start..<end) : 0
            }
        }
    }
    return partials.reduce(0, +)
}
