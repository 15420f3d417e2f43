/// An image-sized vector of a saved optimizer state: its values in memory, or a way to read them where they
/// are kept (the optimizer's own vector, a paged history's slot, a tensor of a checkpoint file), so that saving
/// or restoring a state holds one such vector at a time instead of all of them (issue 17: 22 of 201 MB at
/// 4096x4096).
///
/// A vector lent by the optimizer (`StoredVector(lending:)`: its point and gradient, a paged history's pairs)
/// is valid during the call that gets the state: a checkpoint is written from it then, before the next step.
public struct StoredVector: Sendable, Equatable {
    public let count: Int
    private let lend: @Sendable (_ body: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Void

    public init(_ values: [Float]) {
        count = values.count
        lend = { body in try values.withUnsafeBufferPointer(body) }
    }

    /// `lend` gives `body` the `count` values in one buffer, valid during the call.
    public init(count: Int, lend: @escaping @Sendable (_ body: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Void) {
        self.count = count
        self.lend = lend
    }

    /// Lends the values to `body` (from memory, or read for the call).
    public func withValues(_ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        try lend { values in
            precondition(values.count == count, "\(values.count) values lent for \(count)")
            try body(values)
        }
    }

    /// The values in memory.
    public func values() throws -> [Float] {
        var copy: [Float] = []
        try withValues { copy = Array($0) }
        return copy
    }

    /// The same values (read for the comparison; a vector that cannot be read equals none).
    public static func == (a: StoredVector, b: StoredVector) -> Bool {
        guard a.count == b.count, let x = try? a.values(), let y = try? b.values() else { return false }
        return x == y
    }
}
