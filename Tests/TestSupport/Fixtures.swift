import Foundation
import XCTest
import Engine
import FilterSupport

/// Paths shared by the test targets: the repository, its fixtures/ folder, the weights file.
public enum Fixtures {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    /// fixtures/ in the repository: sample images (fixtures/README.md gives their sources and licences)
    /// and reference values from an independent implementation.
    public static let directory = repository.appendingPathComponent("fixtures")
    public static func reference(_ path: String) -> String { directory.appendingPathComponent("reference/\(path)").path }
    public static func image(_ name: String) -> String { directory.appendingPathComponent("images/\(name)").path }

    /// The real weights; a missing file fails the test with the way to get it (never a silent skip).
    public static func weightsPath() throws -> String {
        let path = try WeightsLocator.resolve(nil)
        guard FileManager.default.fileExists(atPath: path) else {
            throw EngineError.file(path: path, problem: "weights missing: run scripts/fetch-weights")
        }
        return path
    }

    nonisolated(unsafe) private static var cachedNet: VGG?
    public static func vgg16() throws -> VGG {
        if let net = cachedNet { return net }
        let net = try VGG(path: try weightsPath(), convolution: try .fromEnvironment())
        cachedNet = net
        return net
    }
}

public func randomTensor(_ c: Int, _ h: Int, _ w: Int, seed: UInt64, range: ClosedRange<Float> = -1...1) -> Tensor {
    var rng = SplitMix64(seed: seed)
    return Tensor(channels: c, height: h, width: w, data: (0..<(c * h * w)).map { _ in Float.random(in: range, using: &rng) })
}

public func dot(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
}

/// Largest |a-b| relative to the largest |b|.
public func maxRelativeError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count)
    let scale = b.reduce(0) { max($0, abs(Double($1))) }
    let diff = zip(a, b).reduce(0) { max($0, abs(Double($1.0) - Double($1.1))) }
    return diff / max(scale, 1e-30)
}

/// Central finite difference of the scalar f at a few coordinates of x, checked against `analytic`, relative
/// to max(1e-3, |numeric|).
///
/// The tolerances the tests pass (1e-3, 1e-4) are far above what is left: the functions checked are linear
/// (⟨conv(x), r⟩), quadratic (total variation, the temporal term) or piecewise so with the step inside one
/// piece, so the central difference has no truncation error, only the float32 rounding of f(x ± h), of random
/// sign: about √k·u·Σ|terms| / 2h, under 1e-5 of the entries here (k and the terms under 10³, h ≥ 0.01,
/// entries of size 0.1 or more). A wrong gradient (a transposed kernel, a missing factor 2) is off by O(1).
public func checkFiniteDifferences(_ x: Tensor, analytic: [Float], coordinates: [Int], step: Float,
                            tolerance: Double, file: StaticString = #filePath, line: UInt = #line,
                            _ f: (Tensor) -> Double) {
    for i in coordinates {
        var plus = x, minus = x
        plus.data[i] += step
        minus.data[i] -= step
        let numeric = (f(plus) - f(minus)) / (2 * Double(step))
        let error = abs(numeric - Double(analytic[i])) / max(1e-3, abs(numeric))
        XCTAssertLessThan(error, tolerance, "coordinate \(i): numeric \(numeric) vs analytic \(analytic[i])", file: file, line: line)
    }
}
