/// Histogram matching of interleaved RGB pixels, one channel at a time (Gatys et al. 2017, section 5.2, use
/// the per-channel form among the colour transfers they cite): each selected source value is replaced by the
/// reference's value at the same quantile, so the selected pixels take the reference's distribution of each
/// channel.
///
/// A source value v held by the sorted positions i0..<i1 of the n selected pixels is at the quantile
/// q = ((i0 + i1 - 1) / 2) / (n - 1) (0.5 for n = 1), the middle of its run, so equal values stay equal and the
/// order of values is kept (monotone); the reference's value at q is read from its m sorted values by linear
/// interpolation at q (m - 1). Pixels not selected are unchanged. Exact up to one float32 interpolation.
public enum HistogramMatching {
    /// `source` with its selected pixels matched to the selected pixels of `reference`. A selection nil: every
    /// pixel. No selected pixel on either side: `source` unchanged.
    public static func match(_ source: [Float], to reference: [Float], sourceSelection: [Bool]? = nil,
                             referenceSelection: [Bool]? = nil) -> [Float] {
        let chosen = (0..<(source.count / 3)).filter { sourceSelection?[$0] ?? true }
        let references = (0..<(reference.count / 3)).filter { referenceSelection?[$0] ?? true }
        guard !chosen.isEmpty, !references.isEmpty else { return source }
        var out = source
        for c in 0..<3 {
            let sortedReference = references.map { reference[3 * $0 + c] }.sorted()
            let order = chosen.sorted { source[3 * $0 + c] < source[3 * $1 + c] }
            var start = 0
            while start < order.count {
                let value = source[3 * order[start] + c]
                var end = start + 1
                while end < order.count && source[3 * order[end] + c] == value { end += 1 }
                let q = order.count == 1 ? 0.5 : Double(start + end - 1) / 2 / Double(order.count - 1)
                let matched = quantile(sortedReference, q)
                for i in start..<end { out[3 * order[i] + c] = matched }
                start = end
            }
        }
        return out
    }

    /// The value at quantile q of sorted values, linearly interpolated.
    static func quantile(_ sorted: [Float], _ q: Double) -> Float {
        let position = q * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = min(low + 1, sorted.count - 1)
        let t = Float(position - Double(low))
        return sorted[low] + t * (sorted[high] - sorted[low])
    }
}
