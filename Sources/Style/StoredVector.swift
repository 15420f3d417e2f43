/// An image-sized vector of a saved optimizer state: its values in memory, or a way to read them where they
/// are kept (the optimizer's own vector, a paged history's slot, a tensor of a checkpoint file), so that saving
/// or restoring a state holds one such vector at a time instead of all of them (issue 17: 22 of 201 MB at
/// 4096x4096).
///
/// A vector lent by the optimizer (`StoredVector(lending:)`: its point and gradient, a paged history's pairs)
/// is valid during the call that gets the state: a checkpoint is written from it then, before the next step.
///
/// The values are lent in consecutive pieces of at most `piece` values, so that a vector kept in a file (paged,
/// or a checkpoint's tensor) is read, written or copied through one piece of memory, not a whole vector.
public struct StoredVector: Sendable, Equatable {
    /// The most values lent at once: 4 MiB of floats.
    public static let piece = 1 << 20
    public let count: Int
    private let lend: @Sendable (_ body: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Void

    public init(_ values: [Float]) {
        count = values.count
        lend = { body in try values.withUnsafeBufferPointer(body) }
    }

    /// `lend` gives `body` the `count` values in order, in one or more consecutive pieces, each valid during its
    /// call.
    public init(count: Int, lend: @escaping @Sendable (_ body: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Void) {
        self.count = count
        self.lend = lend
    }

    /// Lends the values to `body` in consecutive pieces (from memory, or read for each call): `body` is given
    /// the offset of the piece's first value and the piece.
    public func withPieces(_ body: (_ offset: Int, UnsafeBufferPointer<Float>) throws -> Void) throws {
        var offset = 0
        try lend { piece in
            precondition(offset + piece.count <= count, "\(offset + piece.count) values lent for \(count)")
            try body(offset, piece)
            offset += piece.count
        }
        precondition(offset == count, "\(offset) values lent for \(count)")
    }

    /// The values in memory.
    public func values() throws -> [Float] {
        var copy: [Float] = []
        copy.reserveCapacity(count)
        try withPieces { copy.append(contentsOf: $1) }
        return copy
    }

    /// The same values (read for the comparison; a vector that cannot be read equals none).
    public static func == (a: StoredVector, b: StoredVector) -> Bool {
        guard a.count == b.count, let x = try? a.values(), let y = try? b.values() else { return false }
        return x == y
    }
}
