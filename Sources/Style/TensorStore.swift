import Engine

/// Tensors kept for later, in memory or paged to a file (`HistoryStorage`): `TiledObjective`'s content
/// targets (a(C) at relu4_2 on each tile's interior, 32 bytes per pixel: 537 MB at 4096x4096), which each
/// evaluation reads one tile at a time. Paged, one tile's tensor is in the process's memory at a time; the
/// values, and so J, are the same bits either way.
final class TensorStore: Sendable {
    private let tensors: [Tensor]
    private let shapes: [TensorShape]
    private let file: MappedSlots?

    struct TensorShape: Sendable { var channels: Int, height: Int, width: Int }

    /// The tensors `make(0)`, ..., `make(count - 1)`, made in order and stored as each is made. `largest`: the
    /// most values any of them has (a slot of the file).
    init(count: Int, largest: Int, storage: HistoryStorage, make: (Int) throws -> Tensor) throws {
        switch storage {
        case .memory: file = nil
        case .file(let directory): file = count == 0 ? nil : try MappedSlots(directory: directory, vectors: count, length: largest)
        }
        var tensors: [Tensor] = [], shapes: [TensorShape] = []
        for index in 0..<count {
            let tensor = try make(index)
            if let file {
                precondition(tensor.data.count <= file.length)
                try file.withVector(index) { slot in
                    _ = UnsafeMutableBufferPointer(rebasing: slot[..<tensor.data.count]).update(fromContentsOf: tensor.data)
                }
            } else {
                tensors.append(tensor)
            }
            shapes.append(TensorShape(channels: tensor.channels, height: tensor.height, width: tensor.width))
        }
        (self.tensors, self.shapes) = (tensors, shapes)
    }

    var count: Int { shapes.count }

    subscript(_ index: Int) -> Tensor {
        get throws {
            guard let file else { return tensors[index] }
            let shape = shapes[index]
            return try file.withVector(index) {
                Tensor(channels: shape.channels, height: shape.height, width: shape.width,
                       data: Array($0[..<(shape.channels * shape.height * shape.width)]))
            }
        }
    }
}
