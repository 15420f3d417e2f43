import Foundation

/// Where `BoundedLBFGS` keeps its curvature pairs (issue 17: at 4096x4096 one pair is two 201 MB vectors).
public enum HistoryStorage: Sendable, Equatable {
    /// In the process's memory: 2 image-sized float vectors (24 bytes per pixel) per pair.
    case memory
    /// Paged to files in `directory`, unlinked as soon as they are made (nothing is left behind, whatever ends
    /// the process), their space reserved up front (`posix_fallocate`: a full disk is an error at the start,
    /// not a fault mid-run). The loops over the vectors give their pages back block by block (`PagedVector`,
    /// `Paging`), so they cost the process a few megabytes at a time; the kernel keeps the files' pages in its
    /// cache while memory is free and drops them first when it is not. The arithmetic is the same as in
    /// memory, so are the bits (`CurvatureHistoryTests`); the price is the reads: each step reads every
    /// history vector twice.
    case file(directory: String)
}

/// L-BFGS's curvature pairs (s, y, rho = 1 / s.y), oldest first, at most `capacity` of them, in memory or paged
/// to files (`HistoryStorage`, `PagedVector`). Vectors are lent to a body as buffers, so both storages run the
/// same `VectorMath` over the same values; a paged history's loops give their pages back as they go (`paging`).
final class CurvatureHistory {
    let length: Int
    let capacity: Int
    private(set) var rhos: [Double] = []
    /// y.y of the newest pair: the two-loop's initial scaling.
    private(set) var newestYY = 1.0
    private var arrays: [(s: [Float], y: [Float])] = []
    /// Paged: capacity + 1 pairs of vectors, one more than the pairs kept, for a candidate.
    private let files: [(s: PagedVector<Float>, y: PagedVector<Float>)]
    /// The slot in `files` of each pair, oldest first.
    private var slots: [Int] = []
    /// How loops over these vectors give their pages back (nil: in memory).
    let paging: Paging?

    var count: Int { rhos.count }

    /// `pager`: the run's vectors, whose paging releases the history's pages too (a new one when nil).
    init(length: Int, capacity: Int, storage: HistoryStorage, pager: VectorPager? = nil, pagingBlock: Int = Paging.defaultBlock) throws {
        self.length = length
        self.capacity = max(0, capacity)
        switch storage {
        case .memory:
            files = []
            paging = pager?.paging(block: pagingBlock)
        case .file:
            let pager = pager ?? VectorPager(storage: .memory)
            files = try (0...self.capacity).map { _ in
                (try pager.make(length, storage: storage, of: Float.self), try pager.make(length, storage: storage, of: Float.self))
            }
            paging = pager.paging(block: pagingBlock)
        }
    }

    func removeAll() {
        rhos.removeAll()
        arrays.removeAll()
        slots.removeAll()
    }

    /// Computes a candidate pair with `fill` (into spare room: the pairs kept are untouched; a paged history's
    /// `fill` should loop with `paging`) and keeps it, dropping the oldest beyond `capacity`, when
    /// `keep(s.y, y.y)` says so.
    func consider(_ fill: (_ s: UnsafeMutableBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) throws -> Void,
                  keep: (_ sy: Double, _ yy: Double) -> Bool) throws {
        func products(_ s: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> (Double, Double) {
            (VectorMath.dot(s, y, paging: paging), VectorMath.dot(y, y, paging: paging))
        }
        if !files.isEmpty {
            let spare = (0...capacity).first { !slots.contains($0) }!
            let (s, y) = (files[spare].s.buffer, files[spare].y.buffer)
            try fill(s, y)
            let (sy, yy) = products(UnsafeBufferPointer(s), UnsafeBufferPointer(y))
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
                try pair.s.read(into: s, paging: paging)
                try pair.y.read(into: y, paging: paging)
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
        if !files.isEmpty { return try body(UnsafeBufferPointer(which == 0 ? files[slots[k]].s.buffer : files[slots[k]].y.buffer)) }
        return try (which == 0 ? arrays[k].s : arrays[k].y).withUnsafeBufferPointer(body)
    }

    /// The pairs, oldest first (a checkpoint): in memory, the arrays themselves (shared, not copied); paged,
    /// where they lie in their files, read when the checkpoint is written (valid until the history changes).
    func pairs() -> [LBFGSPair] {
        (0..<count).map { k in
            if !files.isEmpty {
                let (s, y) = files[slots[k]]
                return LBFGSPair(s: StoredVector(lending: s), y: StoredVector(lending: y), rho: rhos[k])
            }
            return LBFGSPair(s: arrays[k].s, y: arrays[k].y, rho: rhos[k])
        }
    }
}

extension StoredVector {
    /// A vector's values where they lie (valid while they do not change), in pieces, each piece's pages given
    /// back after it is read (so a paged vector is read through one piece of memory).
    init(lending vector: PagedVector<Float>) {
        self.init(count: vector.count) { body in
            for start in stride(from: 0, to: vector.count, by: Self.piece) {
                let range = start..<min(start + Self.piece, vector.count)
                defer { vector.release(range) }
                try body(UnsafeBufferPointer(rebasing: vector.buffer[range]))
            }
        }
    }

    /// Copies the values into `buffer` (the optimizer's own vector, a history slot), giving back the pages of
    /// the run's paged vectors (`paging`) after each piece.
    func read(into buffer: UnsafeMutableBufferPointer<Float>, paging: Paging?) throws {
        precondition(buffer.count == count, "\(count) values read into \(buffer.count)")
        try withPieces { offset, piece in
            _ = UnsafeMutableBufferPointer(rebasing: buffer[offset..<(offset + piece.count)]).update(fromContentsOf: piece)
            paging?.release(offset..<(offset + piece.count))
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
        descriptor = try Self.unlinkedFile(in: directory, name: "stylize-history", bytes: stride * vectors)
    }

    deinit { close(descriptor) }

    /// A new file in `directory`, unlinked at once, with `bytes` reserved (`posix_fallocate`); its descriptor.
    static func unlinkedFile(in directory: String, name: String, bytes: Int) throws -> Int32 {
        var template = Array((directory + "/\(name)-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw StyleError.historyFile("cannot make a file in \(directory): \(String(cString: strerror(errno)))")
        }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        let status = posix_fallocate(fd, 0, off_t(bytes))
        guard status == 0 else {
            close(fd)
            throw StyleError.historyFile("cannot reserve \(MemoryEstimate.gigabytes(Double(bytes))) in \(directory): \(String(cString: strerror(status)))")
        }
        return fd
    }

    func withVector<R>(_ index: Int, _ body: (UnsafeMutableBufferPointer<Float>) throws -> R) throws -> R {
        guard let base = mmap(nil, stride, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, off_t(index * stride)),
              base != MAP_FAILED else {
            throw StyleError.historyFile("cannot map \(stride) bytes: \(String(cString: strerror(errno)))")
        }
        defer { munmap(base, stride) }
        return try body(UnsafeMutableBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: length))
    }
}
