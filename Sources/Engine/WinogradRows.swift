// The rows the Winograd input transform reads (a tensor's, or a gradient unpooled on the fly), and the small
// vector helpers its transforms share.

/// Where the Winograd input transform reads the rows of its input.
protocol WinogradRows {
    var channels: Int { get }
    var height: Int { get }
    var width: Int { get }
    /// Elements xa ..< xb of row y of channel c (0 <= y < height, 0 <= xa <= xb <= width), at the returned
    /// pointer; `buffer` has room for xb - xa floats if the row has to be made.
    func row(_ c: Int, _ y: Int, from xa: Int, to xb: Int, buffer: UnsafeMutablePointer<Float>) -> UnsafePointer<Float>
}

/// The rows of a CHW tensor in memory.
struct DenseRows: WinogradRows {
    let base: UnsafePointer<Float>
    let channels: Int
    let height: Int
    let width: Int

    @inline(__always)
    func row(_ c: Int, _ y: Int, from xa: Int, to xb: Int, buffer: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        base + (c * height + y) * width + xa
    }
}

/// The input gradient of a 2x2 pooling (and of the ReLU before it, with `mask`), made row by row from the
/// output gradient and the pooling windows instead of being stored: a convolution's backward reads it straight
/// into its transform. Row y, column x gets the gradient of window (y/2, x/2) if (y, x) was that window's maximum
/// (max pooling) or a quarter of it (average), 0 in a dropped last row or column, and 0 where the mask is clear.
struct UnpooledRows: WinogradRows {
    let gradient: UnsafePointer<Float>
    /// The window maxima (PoolingWindows.argmax), nil for average pooling.
    let argmax: UnsafePointer<UInt8>?
    let mask: UnsafePointer<UInt64>?
    let channels: Int
    let height: Int
    let width: Int

    @inline(__always)
    func row(_ c: Int, _ y: Int, from xa: Int, to xb: Int, buffer: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let (oh, ow) = (height / 2, width / 2)
        let out = buffer - xa   // out[x] for x in xa ..< xb
        let py = y >> 1
        guard py < oh else {
            buffer.update(repeating: 0, count: xb - xa)
            return UnsafePointer(buffer)
        }
        let g = gradient + (c * oh + py) * ow
        let end = max(xa, min(xb, 2 * ow))   // columns from 2 * ow on were dropped by the pooling
        if let argmax {
            let a = argmax + (c * oh + py) * ow
            let left = UInt8(truncatingIfNeeded: (y & 1) * 2), right = left + 1
            var x = xa
            if x & 1 == 1 && x < end {   // a window's right column first
                out[x] = a[x >> 1] == right ? g[x >> 1] : 0
                x += 1
            }
            // Whole windows: both columns of window px.
            let pairs = (end - x) / 2
            let px0 = x >> 1
            for k in 0..<pairs {
                let px = px0 + k
                let value = g[px], index = a[px]
                out[2 * px] = index == left ? value : 0
                out[2 * px + 1] = index == right ? value : 0
            }
            x += 2 * pairs
            if x < end { out[x] = a[x >> 1] == left ? g[x >> 1] : 0 }
        } else {
            for x in xa..<end { out[x] = g[x >> 1] * 0.25 }
        }
        if end < xb { (out + end).update(repeating: 0, count: xb - end) }
        if let mask { applyMask(mask, bitOffset: (c * height + y) * width + xa, to: buffer, count: xb - xa) }
        return UnsafePointer(buffer)
    }
}

@inline(__always) func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}

@inline(__always) func load4(_ p: UnsafeMutablePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}

@inline(__always) func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
}

/// The 4x4 transpose: rows a, b, c, d in, columns out.
@inline(__always) func transpose(_ a: SIMD4<Float>, _ b: SIMD4<Float>, _ c: SIMD4<Float>, _ d: SIMD4<Float>)
    -> (SIMD4<Float>, SIMD4<Float>, SIMD4<Float>, SIMD4<Float>) {
    let ab = SIMD8(lowHalf: a, highHalf: b), cd = SIMD8(lowHalf: c, highHalf: d)
    let even = SIMD8(lowHalf: ab.evenHalf, highHalf: cd.evenHalf)   // a0 a2 b0 b2 c0 c2 d0 d2
    let odd = SIMD8(lowHalf: ab.oddHalf, highHalf: cd.oddHalf)      // a1 a3 b1 b3 c1 c3 d1 d3
    return (even.evenHalf, odd.evenHalf, even.oddHalf, odd.oddHalf)
}

/// The first two columns of the 4x4 block with rows a, b, c, d.
@inline(__always) func transposeFirstTwo(_ a: SIMD4<Float>, _ b: SIMD4<Float>, _ c: SIMD4<Float>, _ d: SIMD4<Float>)
    -> (SIMD4<Float>, SIMD4<Float>) {
    let ab = SIMD8(lowHalf: a, highHalf: b), cd = SIMD8(lowHalf: c, highHalf: d)
    let even = SIMD8(lowHalf: ab.evenHalf, highHalf: cd.evenHalf)
    let odd = SIMD8(lowHalf: ab.oddHalf, highHalf: cd.oddHalf)
    return (even.evenHalf, odd.evenHalf)
}
