import Foundation

/// Where `BoundedLBFGS` keeps its curvature pairs (issue 17: at 4096x4096 one pair is two 201 MB vectors).
public enum HistoryStorage: Sendable, Equatable {
    /// In the process's memory: 2 image-sized float vectors (24 bytes per pixel) per pair.
    case memory
    /// Paged to a file in `directory`, unlinked as soon as it is made (nothing is left behind, whatever ends
    /// the process), its space reserved up front (`posix_fallocate`: a full disk is an error at the start, not
    /// a fault mid-run). Each vector is mapped only while it is read or written, so the pairs cost the process
    /// at most two vectors of memory at a time; the kernel keeps the file's pages in its cache while memory is
    /// free and drops them first when it is not. The arithmetic is the same as in memory, so are the bits
    /// (`CurvatureHistoryTests`); the price is the reads: each step reads every vector twice.
    case file(directory: String)
}

/// L-BFGS's curvature pairs (s, y, rho = 1 / s.y), oldest first, at most `capacity` of them, in memory or paged
/// to a file (`HistoryStorage`). Vectors are lent to a body as buffers, so both storages run the same
/// `VectorMath` over the same values.
final class CurvatureHistory {
    let length: Int
    let capacity: Int
    private(set) var rhos: [Double] = []
    /// y.y of the newest pair: the two-loop's initial scaling.
    private(set) var newestYY = 1.0
    private var arrays: [(s: [Float], y: [Float])] = []
    private let file: MappedSlots?
    /// The file's slot of each pair, oldest first; the file has one slot more, for a candidate pair.
    private var slots: [Int] = []

    var count: Int { rhos.count }

    init(length: Int, capacity: Int, storage: HistoryStorage) throws {
        self.length = length
        self.capacity = max(0, capacity)
        switch storage {
        case .memory: file = nil
        case .file(let directory): file = try MappedSlots(directory: directory, vectors: 2 * (self.capacity + 1), length: length)
        }
    }

    func removeAll() {
        rhos.removeAll()
        arrays.removeAll()
        slots.removeAll()
    }

    /// Computes a candidate pair with `fill` (into spare room: the pairs kept are untouched) and keeps it,
    /// dropping the oldest beyond `capacity`, when `keep(s.y, y.y)` says so.
    func consider(_ fill: (_ s: UnsafeMutableBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) throws -> Void,
                  keep: (_ sy: Double, _ yy: Double) -> Bool) throws {
        func products(_ s: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> (Double, Double) {
            (VectorMath.dot(s, y), VectorMath.dot(y, y))
        }
        if let file {
            let spare = (0...capacity).first { !slots.contains($0) }!
            let (sy, yy) = try file.withVector(2 * spare) { s in
                try file.withVector(2 * spare + 1) { y in
                    try fill(s, y)
                    return products(UnsafeBufferPointer(s), UnsafeBufferPointer(y))
                }
            }
            guard capacity > 0, keep(sy, yy) else { return }
            append(rho: 1 / sy, yy: yy)
            slots.append(spare)
            if slots.count > capacity { slots.removeFirst() }
        } else {
            var s = [Float](repeating: 0, count: length), y = s
            try s.withUnsafeMutableBufferPointer { ps in try y.withUnsafeMutableBufferPointer { py in try fill(ps, py) } }
            let (sy, yy) = s.withUnsafeBufferPointer { ps in y.withUnsafeBufferPointer { py in products(ps, py) } }
            guard capacity > 0, keep(sy, yy) else { return }
            append(rho: 1 / sy, yy: yy)
            arrays.append((s, y))
            if arrays.count > capacity { arrays.removeFirst() }
        }
    }

    private func append(rho: Double, yy: Double) {
        rhos.append(rho)
        newestYY = yy
        if rhos.count > capacity { rhos.removeFirst() }
    }

    /// Restores saved pairs (a resumed run), oldest first; the newest `capacity` are kept. Each vector is
    /// read straight into its place (`StoredVector`: one at a time from a checkpoint file).
    func restore(_ pairs: [LBFGSPair]) throws {
        removeAll()
        for pair in pairs.suffix(capacity) {
            precondition(pair.s.count == length && pair.y.count == length)
            try consider({ s, y in
                try pair.s.withValues { _ = s.update(fromContentsOf: $0) }
                try pair.y.withValues { _ = y.update(fromContentsOf: $0) }
            }, keep: { _, _ in true })
            rhos[rhos.count - 1] = pair.rho
        }
    }

    func withS<R>(_ k: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        try vector(k, 0, body)
    }

    func withY<R>(_ k: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        try vector(k, 1, body)
    }

    private func vector<R>(_ k: Int, _ which: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        if let file { return try file.withVector(2 * slots[k] + which) { try body(UnsafeBufferPointer($0)) } }
        return try (which == 0 ? arrays[k].s : arrays[k].y).withUnsafeBufferPointer(body)
    }

    /// The pairs, oldest first (a checkpoint): in memory, the arrays themselves (shared, not copied); with a
    /// file, where they lie in it, read when the checkpoint is written (valid until the history changes).
    func pairs() -> [LBFGSPair] {
        (0..<count).map { k in
            if let file {
                let (slot, length) = (slots[k], length)
                let vector = { (which: Int) in
                    StoredVector(count: length) { body in try file.withVector(2 * slot + which) { try body(UnsafeBufferPointer($0)) } }
                }
                return LBFGSPair(s: vector(0), y: vector(1), rho: rhos[k])
            }
            return LBFGSPair(s: arrays[k].s, y: arrays[k].y, rho: rhos[k])
        }
    }
}

/// Equal vectors of `length` floats in an unlinked file, each mapped only for the length of a call (each call
/// maps its own view, so calls from several threads do not share one).
final class MappedSlots: Sendable {
    let descriptor: Int32
    let length: Int
    /// Bytes from one vector to the next: its size rounded up to a page, as mmap's offsets must be.
    let stride: Int

    init(directory: String, vectors: Int, length: Int) throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        self.length = length
        stride = (length * MemoryLayout<Float>.stride + page - 1) / page * page
        var template = Array((directory + "/stylize-history-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw StyleError.historyFile("cannot make a file in \(directory): \(String(cString: strerror(errno)))")
        }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        let bytes = stride * vectors
        let status = posix_fallocate(fd, 0, off_t(bytes))
        guard status == 0 else {
            close(fd)
            throw StyleError.historyFile("cannot reserve \(MemoryEstimate.gigabytes(Double(bytes))) in \(directory): \(String(cString: strerror(status)))")
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    func withVector<R>(_ index: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> R) throws -> R {
        guard let base = mmap(nil, stride, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, off_t(index * stride)),
              base != MAP_FAILED else {
            throw StyleError.historyFile("cannot map \(stride) bytes: \(String(cString: strerror(errno)))")
        }
        defer { munmap(base, stride) }
        return try body(UnsafeMutableBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: length))
    }
}
