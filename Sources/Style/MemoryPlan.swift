import Foundation

/// How one stage is run within a memory budget (`--memory`): untiled or in tiles of `tileSize` px
/// (`TiledObjective`), and how many L-BFGS history pairs are kept.
///
/// The model, in bytes, for P working pixels (`bytes`; the fixed part and the input-size copies are
/// `MemoryEstimate`'s):
///
///     untiled:  P (networkBytesPerPixel + 12 (vectors + 2 m))
///     tiled:    crop² networkBytesPerPixel + P (12 (vectors + 2 m) + contentTargetBytesPerPixel)
///
/// with 12 bytes per image-sized float RGB vector, `vectors` the ones the optimizer and the stage hold besides
/// the history (x, its gradient, the trial point and its gradient, the direction, the free mask, the two-loop's
/// Double vector (2), the objective's gradient and J_tv's, the content, the stage's start and target),
/// m history pairs of 2 vectors each, and crop = tile + 2 halo. The per-pixel network part is fitted to the
/// peak RSS measured by scripts/bench-print (README, "Big prints").
///
/// Which plan: the first of `preferences` that fits, so the history is shortened (20 -> 10 -> 5 pairs) before
/// the tiles (the halo's price grows as they shrink), and below 5 pairs only to fit at all.
public struct MemoryPlan: Sendable, Equatable {
    /// nil: untiled.
    public var tileSize: Int?
    public var history: Int
    /// The working-size part of the estimate.
    public var bytes: Double

    public static let networkBytesPerPixel = 520.0
    public static let vectorBytes = 12.0
    public static let vectors = 14.0
    /// a(C) at relu4_2, kept per tile: 512 channels over 64 pixels, 4 bytes.
    public static let contentTargetBytesPerPixel = 32.0
    /// The halo of VGG16 to relu5_1 (`VGG.halo(for:)`).
    public static let halo = 64

    /// Tried in order; nil tile size: untiled.
    public static let preferences: [(tile: Int?, history: Int)] = [
        (nil, 20), (1024, 20), (1024, 10), (512, 10), (512, 5), (256, 5), (256, 3), (128, 3), (128, 1),
    ]

    public static func estimate(width: Double, height: Double, tile: Int?, history: Int) -> Double {
        let pixels = width * height
        let state = pixels * vectorBytes * (vectors + 2 * Double(history))
        guard let tile, Double(tile) < max(width, height) else { return pixels * networkBytesPerPixel + state }
        let crop = Double(tile + 2 * halo)
        return min(crop, width) * min(crop, height) * networkBytesPerPixel + state + pixels * contentTargetBytesPerPixel
    }

    /// The first preference whose estimate fits `budget` bytes (the working-size part), or nil if none does.
    /// An image no larger than a tile runs untiled. `budget` nil: untiled with 20 pairs.
    public static func choose(width: Double, height: Double, budget: Double?) -> MemoryPlan? {
        let plans = preferences.compactMap { p -> MemoryPlan? in
            if let tile = p.tile, Double(tile) >= max(width, height) { return nil }
            return MemoryPlan(tileSize: p.tile, history: p.history,
                              bytes: estimate(width: width, height: height, tile: p.tile, history: p.history))
        }
        guard let budget else { return plans.first }
        return plans.first { $0.bytes <= budget }
    }

    /// The least memory any preference needs: what a refusal names.
    public static func smallest(width: Double, height: Double) -> Double {
        preferences.map { estimate(width: width, height: height, tile: $0.tile, history: $0.history) }.min()!
    }
}

/// `--memory SIZE`: bytes from "3G", "500M", "2048K" or a plain number of bytes (binary units, G = 2^30).
public enum MemorySize {
    public static func parse(_ text: String) -> Double? {
        let units: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
        var digits = Substring(text.uppercased())
        if digits.hasSuffix("B") { digits = digits.dropLast() }
        var scale = 1.0
        if let last = digits.last, let unit = units[last] {
            scale = unit
            digits = digits.dropLast()
        }
        guard let value = Double(digits), value.isFinite, value > 0 else { return nil }
        return value * scale
    }

    /// The default budget when --memory is not given: this share of the memory available (`MemoryEstimate.available`).
    public static let defaultShare = 0.75
}
