/// Global motion between consecutive frames, as one integer translation: enough for pans and camera
/// shake, the commonest motion in frame streams, and cheap (a search on a 4x-reduced copy, then a
/// refinement at full size).
public struct Shift: Sendable, Equatable {
    public var dx: Int
    public var dy: Int
    public init(dx: Int, dy: Int) {
        self.dx = dx
        self.dy = dy
    }
    public static let zero = Shift(dx: 0, dy: 0)
}

public enum MotionEstimate {
    /// The shift d for which current(x) ≈ previous(x - d), searched within `radius` px (default: 1/8 of the
    /// longest side), with its mean absolute difference (0..255) over the overlap.
    public static func shift(from previous: [Float], to current: [Float], width: Int, height: Int,
                             radius: Int? = nil) -> (shift: Shift, difference: Float) {
        let r = radius ?? max(2, max(width, height) / 8)
        let factor = 4
        let (sw, sh) = (max(1, width / factor), max(1, height / factor))
        var best = Shift.zero
        if sw >= 8 && sh >= 8 {
            let a = Resample.resize(previous, width: width, height: height, toWidth: sw, toHeight: sh)
            let b = Resample.resize(current, width: width, height: height, toWidth: sw, toHeight: sh)
            best = search(a, b, width: sw, height: sh, around: .zero, radius: max(1, r / factor)).shift
            best = Shift(dx: best.dx * factor, dy: best.dy * factor)
        }
        return search(previous, current, width: width, height: height, around: best, radius: best == .zero && (sw < 8 || sh < 8) ? r : factor)
    }

    static func search(_ previous: [Float], _ current: [Float], width: Int, height: Int,
                       around center: Shift, radius: Int) -> (shift: Shift, difference: Float) {
        var best = (shift: center, difference: Float.infinity)
        for dy in (center.dy - radius)...(center.dy + radius) {
            for dx in (center.dx - radius)...(center.dx + radius) {
                let d = meanDifference(previous, current, width: width, height: height, shift: Shift(dx: dx, dy: dy))
                // Prefer the smaller shift on ties, so still frames stay at zero.
                if d < best.difference - 1e-4 || (abs(d - best.difference) <= 1e-4 && abs(dx) + abs(dy) < abs(best.shift.dx) + abs(best.shift.dy)) {
                    best = (Shift(dx: dx, dy: dy), d)
                }
            }
        }
        return best
    }

    /// Mean |current(x) - previous(x - d)| over the pixels where both exist (infinity if under a quarter overlaps).
    static func meanDifference(_ previous: [Float], _ current: [Float], width: Int, height: Int, shift: Shift) -> Float {
        let x0 = max(0, shift.dx), x1 = min(width, width + shift.dx)
        let y0 = max(0, shift.dy), y1 = min(height, height + shift.dy)
        guard (x1 - x0) * (y1 - y0) * 4 >= width * height else { return .infinity }
        var sum: Float = 0
        for y in y0..<y1 {
            let rowC = y * width, rowP = (y - shift.dy) * width
            for x in x0..<x1 {
                let c = (rowC + x) * 3, p = (rowP + x - shift.dx) * 3
                sum += abs(current[c] - previous[p]) + abs(current[c + 1] - previous[p + 1]) + abs(current[c + 2] - previous[p + 2])
            }
        }
        return sum / Float(3 * (x1 - x0) * (y1 - y0))
    }

    /// previous moved by the shift: out(x) = previous(x - d); `fill` where x - d falls outside, with a mask of valid pixels.
    public static func warp(_ previous: [Float], width: Int, height: Int, by shift: Shift, fill: [Float]) -> (pixels: [Float], valid: [Bool]) {
        var out = fill
        var valid = [Bool](repeating: false, count: width * height)
        for y in 0..<height {
            let sy = y - shift.dy
            guard sy >= 0 && sy < height else { continue }
            for x in 0..<width {
                let sx = x - shift.dx
                guard sx >= 0 && sx < width else { continue }
                let (o, s) = ((y * width + x) * 3, (sy * width + sx) * 3)
                out[o] = previous[s]; out[o + 1] = previous[s + 1]; out[o + 2] = previous[s + 2]
                valid[y * width + x] = true
            }
        }
        return (out, valid)
    }
}
