import Dispatch

/// Runs `body` over 0..<count split into contiguous chunks, on all cores.
///
/// Element-wise passes (ReLU, pooling, im2col, losses) are memory-bound loops that are too short
/// to be worth a task each; chunking keeps the overhead to a few dispatches per call.
@inline(__always)
public func parallelChunks(_ count: Int, minChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
    ChunkLayout(count: count, minChunk: minChunk).run { _, range in body(range) }
}

/// How `parallelChunks` and `parallelSum` cut 0..<count: a single chunk when the loop is short or there
/// is one worker, else up to 4 chunks per worker of at least `minChunk` items each. It depends only on
/// `count`, `minChunk` and the worker count, never on timing.
struct ChunkLayout {
    let count: Int
    let chunks: Int
    let size: Int

    init(count: Int, minChunk: Int) {
        let workers = ThreadSettings.workers
        self.count = count
        chunks = count <= minChunk || workers == 1 ? 1 : min(workers * 4, (count + minChunk - 1) / minChunk)
        size = (count + chunks - 1) / chunks
    }

    /// Calls `body(chunk, range)` for every non-empty chunk, concurrently when there are several.
    @inline(__always)
    func run(_ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        if chunks == 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        let (count, size) = (count, size)
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { i in
                let start = i * size
                let end = min(count, start + size)
                if start < end { work.value(i, start..<end) }
            }
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
    let layout = ChunkLayout(count: count, minChunk: minChunk)
    var partials = [Double](repeating: 0, count: layout.chunks)
    partials.withUnsafeMutableBufferPointer { out in
        layout.run { chunk, range in out[chunk] = body(range) }
    }
    return partials.reduce(0, +)
}
