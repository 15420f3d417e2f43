import Engine

/// The part of the input image one position of a layer's output sees, in input pixels.
///
/// Computed layer by layer from the network: a layer with kernel k, stride s and padding p turns
/// (size r, jump j, first f) into (r + (k-1)*j, j*s, f - p*j). VGG's 3x3 convolutions have k=3, s=1, p=1;
/// its 2x2 poolings k=2, s=2, p=0; ReLUs change nothing. The input itself is (1, 1, 0).
///
/// Position i (a row or a column) of the layer then sees input pixels `first + i*jump ...
/// first + i*jump + size - 1` (some of them outside the image: padding), centered on
/// `first + i*jump + (size-1)/2`, which is a half-integer after a pooling.
public struct ReceptiveField: Sendable, Equatable, CustomStringConvertible {
    /// Side of the (square) field in input pixels.
    public var size: Int
    /// Input pixels between neighbouring positions of the layer (the product of the strides).
    public var jump: Int
    /// The input coordinate of the first pixel of position 0's field (negative: it starts in the padding).
    public var first: Int

    public init(size: Int, jump: Int, first: Int) {
        self.size = size
        self.jump = jump
        self.first = first
    }

    /// One input pixel: what the network input itself sees.
    public static let input = ReceptiveField(size: 1, jump: 1, first: 0)

    /// The field after one more layer with the given kernel, stride and zero padding.
    public func through(kernel: Int, stride: Int, padding: Int) -> ReceptiveField {
        ReceptiveField(size: size + (kernel - 1) * jump, jump: jump * stride, first: first - padding * jump)
    }

    /// The field after a layer of the VGG stack.
    public func through(_ kind: LayerKind) -> ReceptiveField {
        switch kind {
        case .conv: return through(kernel: 3, stride: 1, padding: 1)
        case .pool: return through(kernel: 2, stride: 2, padding: 0)
        case .relu: return self
        }
    }

    /// The fields of every layer of a stack, in order (element i is layer i's output).
    public static func fields(of layers: [Layer]) -> [ReceptiveField] {
        var field = ReceptiveField.input
        return layers.map { layer in
            field = field.through(layer.kind)
            return field
        }
    }

    /// The input coordinate of the first pixel (row or column) of position i's field.
    public func start(_ i: Int) -> Int { first + i * jump }

    /// The input coordinate of the center of position i's field (x.5 when the size is even).
    public func center(_ i: Int) -> Double { Double(first + i * jump) + Double(size - 1) / 2 }

    /// The largest distance, in positions of the layer, at which two positions are duplicates:
    /// their centers are closer than half the field (d * jump < size / 2) in both directions.
    public var duplicateRadius: Int { (size - 1) / (2 * jump) }

    public var description: String { "\(size) px, jump \(jump), first pixel \(first)" }
}

extension VGG {
    /// The receptive field of the output of layer `index`.
    public func receptiveField(at index: Int) -> ReceptiveField {
        ReceptiveField.fields(of: Array(layers[...index])).last!
    }

    /// The receptive field of the named layer's output.
    public func receptiveField(of layer: String) throws -> ReceptiveField {
        receptiveField(at: try index(of: layer))
    }
}
