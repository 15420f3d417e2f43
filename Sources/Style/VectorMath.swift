import Engine

/// The optimizers' and losses' element-wise work over vectors with one entry per pixel value, split over
/// all cores. Sums add per-chunk partial sums in a fixed order, so results do not depend on thread timing.
enum VectorMath {
    /// The chunk below which a loop stays on one core: smaller passes cost less than a hand-off.
    static let minChunk = 32768

    /// Σ a[i] b[i], accumulated in Double.
    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in mixedDot(pa, pb) } }
    }

    /// Σ a[i] b[i] for a Float and a Double vector.
    static func dot(_ a: [Float], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in mixedDot(pa, pb) } }
    }

    /// The same for a vector in memory that is not an array (`CurvatureHistory`'s mapped file): the same
    /// chunks and order, so the same bits as the array's.
    static func dot(_ a: UnsafeBufferPointer<Float>, _ b: [Double]) -> Double {
        b.withUnsafeBufferPointer { pb in mixedDot(a, pb) }
    }

    static func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Double { mixedDot(a, b) }

    /// One body for both: a protocol (not a closure) widens the elements, so each specialization is a plain
    /// loop. A closure would be called per element, since parallelSum's body is opaque to this module.
    private static func mixedDot<Element: WidensToDouble>(_ pa: UnsafeBufferPointer<Float>, _ pb: UnsafeBufferPointer<Element>) -> Double {
        precondition(pa.count == pb.count)
        return parallelSum(pa.count, minChunk: minChunk) { range in
            var sum = 0.0
            for i in range { sum += Double(pa[i]) * pb[i].widened }
            return sum
        }
    }

    /// y[i] += a x[i] where the mask m is not 0: an update restricted to the entries where m is 1.
    static func maskedAdd(_ a: Double, _ x: [Float], mask m: [UInt8], to y: inout [Double]) {
        x.withUnsafeBufferPointer { maskedAdd(a, $0, mask: m, to: &y) }
    }

    static func maskedAdd(_ a: Double, _ px: UnsafeBufferPointer<Float>, mask m: [UInt8], to y: inout [Double]) {
        precondition(px.count == y.count && m.count == y.count)
        m.withUnsafeBufferPointer { pm in
            y.withUnsafeMutableBufferPointer { py in
                parallelChunks(py.count, minChunk: minChunk) { range in
                    for i in range where pm[i] != 0 { py[i] += a * Double(px[i]) }
                }
            }
        }
    }

    /// out[i] = f(i) for every i, on all cores.
    static func fill<Element>(_ out: inout [Element], _ f: (Int) -> Element) {
        out.withUnsafeMutableBufferPointer { fill($0, f) }
    }

    static func fill<Element>(_ po: UnsafeMutableBufferPointer<Element>, _ f: (Int) -> Element) {
        parallelChunks(po.count, minChunk: minChunk) { range in
            for i in range { po[i] = f(i) }
        }
    }

    /// y[i] += a x[i].
    static func add(_ a: Float, _ x: [Float], to y: inout [Float]) {
        precondition(x.count == y.count)
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                parallelChunks(py.count, minChunk: minChunk) { range in
                    for i in range { py[i] += a * px[i] }
                }
            }
        }
    }

    /// x[i] *= a.
    static func scale(_ x: inout [Float], by a: Float) {
        x.withUnsafeMutableBufferPointer { px in
            parallelChunks(px.count, minChunk: minChunk) { range in
                for i in range { px[i] *= a }
            }
        }
    }

    /// Σ f(i) over 0..<count, accumulated in Double, on all cores.
    static func sum(_ count: Int, _ f: (Int) -> Double) -> Double {
        parallelSum(count, minChunk: minChunk) { range in
            var sum = 0.0
            for i in range { sum += f(i) }
            return sum
        }
    }
}

/// A vector element that VectorMath accumulates in Double.
protocol WidensToDouble {
    var widened: Double { get }
}

extension Float: WidensToDouble {
    @inline(__always) var widened: Double { Double(self) }
}

extension Double: WidensToDouble {
    @inline(__always) var widened: Double { self }
}
