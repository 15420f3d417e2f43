import Engine

/// N-d im2col ("vol2col") and its adjoint, col2im, over a tile of output rows.
///
/// A convolution of any rank becomes one matrix product once every window of the input is laid out as a
/// column: out (outChannels x positions) = weight (outChannels x inChannels*window) * col (inChannels*window
/// x positions). Working on a tile of leading output rows at a time keeps `col` bounded however large the
/// signal, image or volume. The column matrix of a tile of `rows` has n = rows.count * leadingRowSize columns,
/// in output memory order, and one row per (channel, kernel offset): row c * windowSize + w, the same order
/// as a weight laid out [outChannels, inChannels, k_0, ..., k_{N-1}].
enum Vol2Col {
    /// Number of columns of the tile `rows`.
    static func columns(_ g: WindowGeometry, rows: Range<Int>) -> Int { rows.count * g.leadingRowSize }

    /// col[c * windowSize + w, p] = input[c, position(p) * stride + offsets(w) - padLow], 0 in the padding.
    static func gather(_ src: UnsafePointer<Float>, channels: Int, geometry g: WindowGeometry, rows: Range<Int>,
                       into col: UnsafeMutablePointer<Float>) {
        let n = columns(g, rows: rows), volume = g.inputVolume, step = g.stride[g.rank - 1]
        for channel in 0..<channels {
            let plane = src + channel * volume
            let block = col + channel * g.windowSize * n
            g.forEachRun(rows: rows) { w, line, length, input, lo, hi in
                let dst = block + w * n + line * length
                guard let input, lo < hi else {
                    dst.update(repeating: 0, count: length)
                    return
                }
                if lo > 0 { dst.update(repeating: 0, count: lo) }
                let from = plane + input
                if step == 1 {
                    (dst + lo).update(from: from, count: hi - lo)
                } else {
                    for j in 0..<(hi - lo) { dst[lo + j] = from[j * step] }
                }
                if hi < length { (dst + hi).update(repeating: 0, count: length - hi) }
            }
        }
    }

    /// The adjoint of `gather`: input[c, position(p) * stride + offsets(w) - padLow] += col[c * windowSize + w, p]
    /// (padding discarded). Accumulates into `dst`, which the caller zeroes first; tiles whose input rows overlap
    /// must not run at the same time.
    static func scatterAdd(_ col: UnsafePointer<Float>, channels: Int, geometry g: WindowGeometry, rows: Range<Int>,
                           into dst: UnsafeMutablePointer<Float>) {
        let n = columns(g, rows: rows), volume = g.inputVolume, step = g.stride[g.rank - 1]
        for channel in 0..<channels {
            let plane = dst + channel * volume
            let block = col + channel * g.windowSize * n
            g.forEachRun(rows: rows) { w, line, length, input, lo, hi in
                guard let input, lo < hi else { return }
                let from = block + w * n + line * length + lo
                let to = plane + input
                if step == 1 {
                    for j in 0..<(hi - lo) { to[j] += from[j] }
                } else {
                    for j in 0..<(hi - lo) { to[j * step] += from[j] }
                }
            }
        }
    }
}
