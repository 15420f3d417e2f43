import Foundation

/// Per-pixel temporal weights from the forward-backward consistency check of Ruder, Dosovitskiy and Brox
/// (2016, "Artistic style transfer for videos", eqs. 5 and 6; their consistencyChecker.cpp), for frame t:
///
/// - `backward` is the flow from frame t to frame t-1 (w), `forward` from frame t-1 to frame t (ŵ).
/// - Disocclusion (content new in frame t): |w + ŵ(p + w)|² ≥ 0.01 (|w|² + |ŵ(p + w)|²) + 0.5, with ŵ
///   sampled bilinearly; also where p + w falls outside frame t-1.
/// - Motion boundary: |∇w_x|² + |∇w_y|² > 0.01 |w|² + 0.002 (central differences, edges replicated).
/// - Weights: 1 elsewhere, 0 at motion boundaries, -1 at disocclusions, then a Gaussian blur of σ 0.8
///   (radius 2, edges replicated) and clipping to [0, 1], as theirs: the negative value makes the blur
///   spread into the reliable side, so a new region and about 1 px around it get 0, the next pixel about
///   0.5, the one after about 0.96.
///
/// Deviation from their code: a sample point exactly on the last column or row counts as inside (theirs
/// needs both bilinear neighbours, so it marks the last column and row unreliable even for zero flow).
public enum FlowConsistency {
    /// What the check found at a pixel, before the blur.
    public enum Verdict: UInt8, Sendable { case reliable, motionBoundary, disoccluded }

    public static func weights(backward: FlowField, forward: FlowField) -> (weights: [Float], verdicts: [Verdict]) {
        precondition(backward.width == forward.width && backward.height == forward.height, "two flows of one size")
        let verdicts = check(backward: backward, forward: forward)
        let raw = verdicts.map { v -> Float in
            switch v {
            case .reliable: 1
            case .motionBoundary: 0
            case .disoccluded: -1
            }
        }
        let blurred = GaussianBlur.apply(raw, width: backward.width, height: backward.height, sigma: 0.8, radius: 2)
        return (blurred.map { min(max($0, 0), 1) }, verdicts)
    }

    static func check(backward w: FlowField, forward f: FlowField) -> [Verdict] {
        let (width, height) = (w.width, w.height)
        let warped = FlowWarp.warp(f.vectors, channels: 2, by: w)  // ŵ(p + w(p))
        let v = w.vectors
        var verdicts = [Verdict](repeating: .reliable, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                let (u, vv) = (v[2 * i], v[2 * i + 1])
                let (sx, sy) = (Float(x) + u, Float(y) + vv)
                guard sx >= 0, sy >= 0, sx <= Float(width - 1), sy <= Float(height - 1) else {
                    verdicts[i] = .disoccluded
                    continue
                }
                let (fu, fv) = (warped[2 * i], warped[2 * i + 1])
                let (su, sv) = (u + fu, vv + fv)
                if su * su + sv * sv >= 0.01 * (u * u + vv * vv + fu * fu + fv * fv) + 0.5 {
                    verdicts[i] = .disoccluded
                    continue
                }
                let (xl, xr) = (max(x - 1, 0), min(x + 1, width - 1))
                let (yu, yd) = (max(y - 1, 0), min(y + 1, height - 1))
                var edge: Float = 0
                for c in 0..<2 {
                    let gx = 0.5 * (v[2 * (y * width + xr) + c] - v[2 * (y * width + xl) + c])
                    let gy = 0.5 * (v[2 * (yd * width + x) + c] - v[2 * (yu * width + x) + c])
                    edge += gx * gx + gy * gy
                }
                if edge > 0.01 * (u * u + vv * vv) + 0.002 { verdicts[i] = .motionBoundary }
            }
        }
        return verdicts
    }
}

/// A separable Gaussian blur of a one-channel image, edges replicated, kernel normalized to sum 1.
enum GaussianBlur {
    static func apply(_ image: [Float], width: Int, height: Int, sigma: Float, radius: Int) -> [Float] {
        let taps = (-radius...radius).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
        let total = taps.reduce(0, +)
        let kernel = taps.map { $0 / total }
        var middle = [Float](repeating: 0, count: image.count), out = middle
        for y in 0..<height {
            for x in 0..<width {
                var s: Float = 0
                for k in -radius...radius { s += kernel[k + radius] * image[y * width + min(max(x + k, 0), width - 1)] }
                middle[y * width + x] = s
            }
        }
        for y in 0..<height {
            for x in 0..<width {
                var s: Float = 0
                for k in -radius...radius { s += kernel[k + radius] * middle[min(max(y + k, 0), height - 1) * width + x] }
                out[y * width + x] = s
            }
        }
        return out
    }
}
