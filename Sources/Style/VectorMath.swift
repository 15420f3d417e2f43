import Engine

/// The optimizers' and losses' element-wise work over vectors with one entry per pixel value, split over
/// all cores. Sums add per-chunk partial sums in a fixed order, so results do not depend on thread timing.
enum VectorMath {
    /// The chunk below which a loop stays on one core: smaller passes cost less than a hand-off.
    static let minChunk = 32768

    /// Σ a[i] b[i], accumulated in Double.
    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in mixedDot(pa, pb, paging: nil) } }
    }

    /// Σ a[i] b[i] for a Float and a Double vector.
    static func dot(_ a: [Float], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in mixedDot(pa, pb, paging: nil) } }
    }

    /// The same for vectors in memory that is not an array (`PagedVector`, a mapped file): the same chunks and
    /// order, so the same bits as the arrays'. With `paging`, each chunk is walked in blocks whose pages are
    /// given back after them (`Paging`): the same terms in the same order, so the same bits again.
    static func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Double>, paging: Paging? = nil) -> Double {
        mixedDot(a, b, paging: paging)
    }

    static func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>, paging: Paging? = nil) -> Double {
        mixedDot(a, b, paging: paging)
    }

    /// One body for both: a protocol (not a closure) widens the elements, so each specialization is a plain
    /// loop. A closure would be called per element, since parallelSum's body is opaque to this module.
    private static func mixedDot<Element: WidensToDouble>(_ pa: UnsafeBufferPointer<Float>, _ pb: UnsafeBufferPointer<Element>,
                                                          paging: Paging?) -> Double {
        precondition(pa.count == pb.count)
        return parallelSum(pa.count, minChunk: minChunk) { range in
            var sum = 0.0
            paging.blocks(range) { block in
                for i in block { sum += Double(pa[i]) * pb[i].widened }
            }
            return sum
        }
    }

    /// y[i] += a x[i] where the mask m is not 0: an update restricted to the entries where m is 1.
    static func maskedAdd(_ a: Double, _ x: [Float], mask m: [UInt8], to y: inout [Double]) {
        x.withUnsafeBufferPointer { px in
            m.withUnsafeBufferPointer { pm in y.withUnsafeMutableBufferPointer { maskedAdd(a, px, mask: pm, to: $0) } }
        }
    }

    static func maskedAdd(_ a: Double, _ px: UnsafeBufferPointer<Float>, mask pm: UnsafeBufferPointer<UInt8>,
                          to py: UnsafeMutableBufferPointer<Double>, paging: Paging? = nil) {
        precondition(px.count == py.count && pm.count == py.count)
        parallelChunks(py.count, minChunk: minChunk) { range in
            paging.blocks(range) { block in
                for i in block where pm[i] != 0 { py[i] += a * Double(px[i]) }
            }
        }
    }

    /// out[i] = f(i) for every i, on all cores.
    static func fill<Element>(_ out: inout [Element], _ f: (Int) -> Element) {
        out.withUnsafeMutableBufferPointer { fill($0, f) }
    }

    static func fill<Element>(_ po: UnsafeMutableBufferPointer<Element>, paging: Paging? = nil, _ f: (Int) -> Element) {
        parallelChunks(po.count, minChunk: minChunk) { range in
            paging.blocks(range) { block in
                for i in block { po[i] = f(i) }
            }
        }
    }

    /// y[i] += a x[i].
    static func add(_ a: Float, _ x: [Float], to y: inout [Float]) {
        precondition(x.count == y.count)
        x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { add(a, px, to: $0) } }
    }

    static func add(_ a: Float, _ px: UnsafeBufferPointer<Float>, to py: UnsafeMutableBufferPointer<Float>, paging: Paging? = nil) {
        precondition(px.count == py.count)
        parallelChunks(py.count, minChunk: minChunk) { range in
            paging.blocks(range) { block in
                for i in block { py[i] += a * px[i] }
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
    static func sum(_ count: Int, paging: Paging? = nil, _ f: (Int) -> Double) -> Double {
        parallelSum(count, minChunk: minChunk) { range in
            var sum = 0.0
            paging.blocks(range) { block in
                for i in block { sum += f(i) }
            }
            return sum
        }
    }

    /// max |v[i]|, on all cores.
    static func largestMagnitude(_ v: UnsafeBufferPointer<Float>, paging: Paging? = nil) -> Float {
        // A maximum does not depend on the order, so any cut will do: 8 contiguous parts.
        let parts = 8
        var partials = [Float](repeating: 0, count: parts)
        partials.withUnsafeMutableBufferPointer { out in
            let size = (v.count + parts - 1) / parts
            parallelFor(parts) { c in
                let range = min(v.count, c * size)..<min(v.count, (c + 1) * size)
                var largest: Float = 0
                paging.blocks(range) { block in
                    for i in block { largest = max(largest, abs(v[i])) }
                }
                out[c] = largest
            }
        }
        return partials.max()!
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
