import Foundation

/// An image-sized vector of the optimizer (x, its gradient, the direction, a history pair...), in the
/// process's memory or paged to an unlinked file (`HistoryStorage.file`; issue 17: at 8192x8192 one float RGB
/// vector is 805 MB, and an L-BFGS step holds nine).
///
/// A paged vector's file is mapped whole and shared (`MAP_SHARED`), so its values are an ordinary buffer for
/// as long as the vector lives; what bounds the memory is that the loops over it give its pages back as they
/// go (`Paging.release`): the kernel keeps them in its cache while memory is free (a later read is a minor
/// fault) and writes them to the file and drops them when it is not. The file is unlinked as soon as it is made
/// and its room reserved up front (`posix_fallocate`: a full disk is an error at the start, not a fault mid-run).
/// A new vector's values are 0 in both storages.
public final class PagedVector<Element: BitwiseCopyable>: ReleasablePages, @unchecked Sendable {
    public let count: Int
    /// The values, valid while the vector lives.
    public let buffer: UnsafeMutableBufferPointer<Element>
    /// The file's mapping (nil: in memory).
    private let mapping: (base: UnsafeMutableRawPointer, bytes: Int)?
    private static var pageSize: Int { Int(sysconf(Int32(_SC_PAGESIZE))) }

    public init(count: Int, storage: HistoryStorage) throws {
        self.count = count
        switch storage {
        case .memory:
            buffer = .allocate(capacity: count)
            buffer.initialize(repeating: Self.zero)
            mapping = nil
        case .file(let directory):
            let page = Self.pageSize
            let bytes = max(page, (count * MemoryLayout<Element>.stride + page - 1) / page * page)
            let fd = try MappedSlots.unlinkedFile(in: directory, name: "stylize-vector", bytes: bytes)
            defer { close(fd) }
            guard let base = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), base != MAP_FAILED else {
                throw StyleError.historyFile("cannot map \(bytes) bytes: \(String(cString: strerror(errno)))")
            }
            mapping = (base, bytes)
            buffer = UnsafeMutableBufferPointer(start: base.assumingMemoryBound(to: Element.self), count: count)
        }
    }

    private static var zero: Element {
        withUnsafeTemporaryAllocation(of: Element.self, capacity: 1) { p in
            UnsafeMutableRawBufferPointer(p).initializeMemory(as: UInt8.self, repeating: 0)
            return p[0]
        }
    }

    deinit {
        if let mapping { munmap(mapping.base, mapping.bytes) } else { buffer.deallocate() }
    }

    public var isPaged: Bool { mapping != nil }

    /// Gives back the pages lying wholly inside the values `range` (a paged vector; in memory, nothing). Their
    /// values stay: the next read finds them in the kernel's cache or in the file.
    public func release(_ range: Range<Int>) {
        guard let mapping, !range.isEmpty else { return }
        let page = Self.pageSize
        let start = (range.lowerBound * MemoryLayout<Element>.stride + page - 1) / page * page
        let end = range.upperBound == count ? mapping.bytes : range.upperBound * MemoryLayout<Element>.stride / page * page
        if end > start { madvise(mapping.base + start, end - start, MADV_DONTNEED) }
    }

    /// The values in a new array.
    public func array() -> [Element] { Array(buffer) }
}

/// A vector whose pages can be given back (`PagedVector` of any element), as `VectorPager` keeps them.
protocol ReleasablePages: AnyObject {
    func release(_ range: Range<Int>)
}

/// How the loops over paged vectors give their pages back (`VectorMath`): each worker's chunk is walked in
/// blocks of `block` values, and after each block the pages of that block's values are released in every
/// paged vector of the run. The blocks lie inside the chunks, walked in order with one accumulator, so sums
/// add the same terms in the same order as without paging: the same bits.
public struct Paging: Sendable {
    /// 2^20 values per block: 4 MB of each Float vector, 8 MB of a Double one, per worker.
    public static let defaultBlock = 1 << 20
    public var block: Int
    let release: @Sendable (Range<Int>) -> Void

    public init(block: Int = Paging.defaultBlock, release: @escaping @Sendable (Range<Int>) -> Void) {
        precondition(block > 0)
        self.block = block
        self.release = release
    }

    /// Gives back the pages of every index in the vectors' range (between two loops: an objective's tiles).
    public func releaseAll(_ count: Int) { release(0..<count) }
}

extension Optional where Wrapped == Paging {
    /// `body` over `range` in blocks, releasing each block's pages after it; without paging, one call.
    @inline(__always)
    func blocks(_ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        guard let paging = self else { return body(range) }
        var start = range.lowerBound
        while start < range.upperBound {
            let end = min(range.upperBound, start + paging.block)
            body(start..<end)
            paging.release(start..<end)
            start = end
        }
    }
}

/// The paged vectors of one optimizer run, so that `Paging.release` reaches all of them. Vectors are made
/// and let go between the parallel loops (by the optimizer's thread), never during one.
public final class VectorPager: @unchecked Sendable {
    public let storage: HistoryStorage
    private let lock = NSLock()
    private var vectors: [Weak] = []
    private struct Weak { weak var vector: (any ReleasablePages)? }

    public init(storage: HistoryStorage) { self.storage = storage }

    /// A new vector of `count` zeros in this pager's storage.
    public func make<Element>(_ count: Int, of: Element.Type = Element.self) throws -> PagedVector<Element> {
        try make(count, storage: storage)
    }

    /// A new vector in `storage`, released with the others when paged.
    public func make<Element>(_ count: Int, storage: HistoryStorage, of: Element.Type = Element.self) throws -> PagedVector<Element> {
        let vector = try PagedVector<Element>(count: count, storage: storage)
        if vector.isPaged {
            lock.lock()
            vectors.removeAll { $0.vector == nil }
            vectors.append(Weak(vector: vector))
            lock.unlock()
        }
        return vector
    }

    /// The paging of the loops over this run's vectors; nil when none is paged (the loops then run whole).
    public func paging(block: Int = Paging.defaultBlock) -> Paging? {
        lock.lock()
        defer { lock.unlock() }
        guard !vectors.isEmpty || storage != .memory else { return nil }
        return Paging(block: block) { [self] range in
            lock.lock()
            let live = vectors
            lock.unlock()
            for v in live { v.vector?.release(range) }
        }
    }
}
