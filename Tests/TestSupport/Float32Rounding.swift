import Engine
import XCTest

/// Bounds on float32 rounding error, derived rather than fitted, so that they hold for any x86-64 CPU, any
/// kernel OpenBLAS picks and any thread count (each changes only the order and blocking of the sums).
///
/// The model (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., §3.1 and Lemma 3.3): a float32
/// sum of n terms, computed in any order, with or without FMA, differs from the exact sum by at most
/// γ_n Σ|terms|, γ_n = n·u / (1 - n·u), u = 2⁻²⁴ (the unit roundoff). A chain of steps whose error bounds are
/// γ_a, γ_b, ... relative to the sum of absolute values stays within γ_(a+b+...) of the computation done on
/// absolute values. So a bound is always "γ of the number of roundings along the longest chain, times the
/// same computation on absolute values", element by element. Two float32 evaluations differ by at most the
/// sum of their two bounds.
public enum Float32Rounding {
    /// The unit roundoff of float32: 2⁻²⁴.
    public static let unit = 0x1p-24

    /// γ_n = n·u / (1 - n·u).
    public static func gamma(_ n: Int) -> Double { Double(n) * unit / (1 - Double(n) * unit) }

    /// For each output of a 3x3 "same" convolution (zero padding 1): |b| + Σ|w||x| in float64, the
    /// magnitude that its direct float32 sum's rounding is relative to.
    public static func directMagnitudes(_ x: Tensor, weight: [Float], bias: [Float]?, outChannels: Int) -> [Double] {
        var out = [Double](repeating: 0, count: outChannels * x.height * x.width)
        for o in 0..<outChannels {
            for y in 0..<x.height {
                for xx in 0..<x.width {
                    var sum = abs(Double(bias?[o] ?? 0))
                    for i in 0..<x.channels {
                        for ky in 0..<3 where (0..<x.height).contains(y + ky - 1) {
                            for kx in 0..<3 where (0..<x.width).contains(xx + kx - 1) {
                                sum += abs(Double(weight[((o * x.channels + i) * 3 + ky) * 3 + kx]))
                                    * abs(Double(x[i, y + ky - 1, xx + kx - 1]))
                            }
                        }
                    }
                    out[(o * x.height + y) * x.width + xx] = sum
                }
            }
        }
        return out
    }

    /// The bound on |direct float32 convolution - exact|, per output: a sum of 9·Cin products and the bias
    /// (9·Cin + 1 roundings), and 1 more for the exact value's own rounding to float32 when it is compared as
    /// a Float.
    public static func directBound(_ x: Tensor, weight: [Float], bias: [Float]?, outChannels: Int) -> [Double] {
        let g = gamma(9 * x.channels + 2)
        return directMagnitudes(x, weight: weight, bias: bias, outChannels: outChannels).map { $0 * g }
    }

    /// For each output of a 3x3 "same" convolution computed by Winograd F(4x4, 3x3) (Lavin and Gray):
    /// |b| + [|Aᵀ| (Σ_c (|G| |g_oc| |Gᵀ|) ⊙ (|Bᵀ| |d_c| |B|)) |A|], the same computation on absolute values,
    /// in float64, with the matrices of the paper written out here (not read from Engine).
    public static func winogradMagnitudes(_ x: Tensor, weight: [Float], bias: [Float]?, outChannels: Int) -> [Double] {
        let bt: [[Double]] = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                              [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
        let g: [[Double]] = [[1.0 / 4, 0, 0], [-1.0 / 6, -1.0 / 6, -1.0 / 6], [-1.0 / 6, 1.0 / 6, -1.0 / 6],
                             [1.0 / 24, 1.0 / 12, 1.0 / 6], [1.0 / 24, -1.0 / 12, 1.0 / 6], [0, 0, 1]]
        let at: [[Double]] = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]
        /// |P| |m| |Q|ᵀ for P (r x k), m (k x k), Q (r x k).
        func sandwich(_ p: [[Double]], _ m: [[Double]], _ q: [[Double]]) -> [[Double]] {
            let left = p.map { row in (0..<m[0].count).map { j in zip(row, m).reduce(0) { $0 + abs($1.0) * $1.1[j] } } }
            return left.map { row in q.map { qr in zip(row, qr).reduce(0) { $0 + $1.0 * abs($1.1) } } }
        }
        let (h, w, cin) = (x.height, x.width, x.channels)
        let (tilesY, tilesX) = ((h + 3) / 4, (w + 3) / 4)
        let kernels = (0..<outChannels).map { o in
            (0..<cin).map { i in
                sandwich(g, (0..<3).map { ky in (0..<3).map { kx in abs(Double(weight[((o * cin + i) * 3 + ky) * 3 + kx])) } }, g)
            }
        }
        var out = [Double](repeating: 0, count: outChannels * h * w)
        for ty in 0..<tilesY {
            for tx in 0..<tilesX {
                let inputs = (0..<cin).map { c in
                    sandwich(bt, (0..<6).map { a in
                        (0..<6).map { b in
                            let (y, xx) = (4 * ty + a - 1, 4 * tx + b - 1)
                            return (0..<h).contains(y) && (0..<w).contains(xx) ? abs(Double(x[c, y, xx])) : 0
                        }
                    }, bt)
                }
                for o in 0..<outChannels {
                    var m = [[Double]](repeating: [Double](repeating: 0, count: 6), count: 6)
                    for c in 0..<cin {
                        for a in 0..<6 { for b in 0..<6 { m[a][b] += kernels[o][c][a][b] * inputs[c][a][b] } }
                    }
                    let y = sandwich(at, m, at)
                    for i in 0..<4 where 4 * ty + i < h {
                        for j in 0..<4 where 4 * tx + j < w {
                            out[(o * h + 4 * ty + i) * w + 4 * tx + j] = y[i][j] + abs(Double(bias?[o] ?? 0))
                        }
                    }
                }
            }
        }
        return out
    }

    /// The bound on |Winograd float32 convolution - exact|, per output. Roundings along the longest chain:
    /// input transform, two passes of at most 4 roundings each (the coefficients 1, 2, 4 and 5 are exact
    /// in float32): 8; the kernel transform, computed in double and rounded once: 1; the products and their
    /// sum over Cin channels (sgemm): Cin; output transform, two passes of at most 5 roundings (coefficients
    /// 1, 2, 4, 8: exact): 10; the bias: 1; the exact value's rounding to float32: 1. In all Cin + 21.
    public static func winogradBound(_ x: Tensor, weight: [Float], bias: [Float]?, outChannels: Int) -> [Double] {
        let g = gamma(x.channels + 21)
        return winogradMagnitudes(x, weight: weight, bias: bias, outChannels: outChannels).map { $0 * g }
    }

    /// The unit roundoff of bfloat16 (8 significant bits): 2⁻⁸.
    public static let bfloat16Unit = 0x1p-8

    /// The bound on |Winograd convolution with bfloat16 products - exact|, per output: the float32 chain of
    /// `winogradBound`, with both operands of each product rounded once more, to bfloat16 (the transformed
    /// kernel and the transformed input, each within 2⁻⁸ relative; their product is exact in float32 and summed
    /// in float32): (1 + 2⁻⁸)² (1 + γ_(Cin+21)) - 1 times the same computation on absolute values. (A value
    /// below 2⁻¹²⁶ becomes 0, an absolute error of at most 2⁻¹²⁶ that the tests' data does not reach.)
    public static func winogradBFloat16Bound(_ x: Tensor, weight: [Float], bias: [Float]?, outChannels: Int) -> [Double] {
        let g = (1 + bfloat16Unit) * (1 + bfloat16Unit) * (1 + gamma(x.channels + 21)) - 1
        return winogradMagnitudes(x, weight: weight, bias: bias, outChannels: outChannels).map { $0 * g }
    }

    /// Asserts |a_i - b_i| <= bound_i for every i and returns the largest ratio |a_i - b_i| / bound_i
    /// (below 1 when the assertion holds), for the test to print.
    @discardableResult
    public static func assertWithin(_ a: [Float], _ b: [Float], bound: [Double], _ label: String = "",
                                    file: StaticString = #filePath, line: UInt = #line) -> Double {
        XCTAssertEqual(a.count, b.count, label, file: file, line: line)
        XCTAssertEqual(a.count, bound.count, label, file: file, line: line)
        var worst = 0.0, worstIndex = 0
        for i in 0..<min(a.count, b.count, bound.count) {
            let difference = abs(Double(a[i]) - Double(b[i]))
            let ratio = difference == 0 ? 0 : difference / bound[i]
            if ratio > worst { (worst, worstIndex) = (ratio, i) }
        }
        XCTAssertLessThanOrEqual(worst, 1, "\(label): element \(worstIndex) differs by \(worst) times its rounding bound",
                                 file: file, line: line)
        return worst
    }
}
