import Foundation

/// How one stage is run within a memory budget (`--memory`): untiled or in tiles of `tileSize` px
/// (`TiledObjective`), how many L-BFGS history pairs are kept, whether they are paged to files
/// (`HistoryStorage.file`) instead of held in memory, and whether the step's own vectors are paged too
/// (`BoundedLBFGS.vectorStorage`).
///
/// The model, in bytes, for P working pixels (`bytes`; the fixed part and the input-size copies are
/// `MemoryEstimate`'s):
///
///     untiled:  P (networkBytesPerPixel + 12 v)
///     tiled:    crop² networkBytesPerPixel + P (12 v + c)  [+ P keptTapBytesPerPixel + n crop² keptStateBytesPerCropPixel]
///
/// where the bracket counts when every crop's forward state is kept from pass 1 to pass 2 (n crops:
/// `TiledObjective.keepsForwardPasses`, each crop's forward run once instead of twice).
/// with 12 bytes per image-sized float RGB vector, crop = tile + 2 halo, c the content targets'
/// `contentTargetBytesPerPixel` (0 when they are paged with the history: `TensorStore`), and v the vectors held
/// at the peak of an L-BFGS step (`stateVectors`), the larger of its two phases:
///
/// - the line search: x, its gradient, the direction, the trial point, the objective's gradient of it (the
///   rejected trials' gradients are let go first) and J_tv's, the free mask (1 byte per value, counted whole)
///   and the stage's content: 8;
/// - the two-loop recursion: x, the gradient, the free mask, its Double vector (2) and the direction it
///   makes, the content: 7, and two history vectors mapped at a time when the history is paged (the file's
///   pages are the kernel's cache, not the process's memory);
///
/// plus, in memory, the history's 2 m vectors in both phases. With the step's vectors paged too, only the
/// stage's content is held whole (1), plus `pagedStateBytes` for the blocks the loops walk (`Paging`) and the
/// crop's rows of the point and gradient. The network part, per pixel of the crop (or of
/// the image, untiled), is what the peaks measured take beyond the rest of the model (README, "Big prints"):
/// about 1300 bytes for crops of 1152 px (the 2048 px stage of a 4096 px print), 1550 for a whole image of
/// 1024 px (its 1024 px stage), 1220 between crops of 384 and 640 px (scripts/bench-print at 1024 px): VGG's
/// activations kept for backward, their gradients, the Winograd domain's inputs and outputs of a layer.
/// 1500 is taken, at the high end: a plan must not pass the budget.
///
/// Which plan: the first of `preferences` that fits. Below untiled, tiles of 1024 px first keep every crop's
/// forward state (the time of an untiled evaluation and the halo's, for about 350 bytes a pixel instead of the
/// untiled network's 1500), then run the forward twice. The history is shortened from 20 to 10 pairs, then paged
/// (paging costs no J, the same bits, and its reads cost less than smaller tiles' halos: README, "Big
/// prints"), then the tiles shrink to 512 px with the history paged, then the step's vectors are paged as
/// well (the same bits again) before the tiles shrink further; only without room on disk for the files
/// (`diskBytes`) is the history shortened below 10 pairs to fit in memory.
public struct MemoryPlan: Sendable, Equatable {
    /// nil: untiled.
    public var tileSize: Int?
    public var history: Int
    public var pagedHistory = false
    /// The step's own vectors paged too (then the history is paged as well).
    public var pagedVectors = false
    /// Every crop's forward state kept from pass 1 for pass 2 (`TiledObjective.keepsForwardPasses`).
    public var keptForwardPasses = false
    /// The working-size part of the estimate.
    public var bytes: Double
    /// The paged files (0 when all is in memory).
    public var fileBytes = 0.0

    /// Whether the allocator should return large blocks when they are freed (`AllocatorSettings.adopt`): for a
    /// tiled plan of two passes per crop, whose crops' blocks come and go in changing sizes. Untiled images,
    /// and plans that keep each crop's forward state (memory to spare: README, "Big prints"), keep freed
    /// memory for reuse.
    public var returnsLargeBlocks: Bool {
        Self.returnsLargeBlocks(tiled: tileSize != nil, keptForwardPasses: keptForwardPasses)
    }

    /// The same rule for a run that is not planned (stylize-bench print sets its tiling by hand).
    public static func returnsLargeBlocks(tiled: Bool, keptForwardPasses: Bool) -> Bool {
        tiled && !keptForwardPasses
    }

    public static let networkBytesPerPixel = 1500.0
    public static let vectorBytes = 12.0
    public static let lineSearchVectors = 8.0
    public static let twoLoopVectors = 7.0

    /// The image-sized vectors at the peak of a step (the model above).
    public static func stateVectors(history: Int, paged: Bool, vectors: Bool = false) -> Double {
        if vectors { return 1 }
        return paged ? max(lineSearchVectors, twoLoopVectors + 2) : max(lineSearchVectors, twoLoopVectors) + 2 * Double(history)
    }
    /// With the step's vectors paged: each worker's block of every vector a loop walks (2^20 values, a few of
    /// them at 4-8 bytes), and the crop's rows of the point and the gradient between two releases.
    public static let pagedStateBytes = 128.0 * 1_048_576
    /// The step's own paged vectors: x, g, the direction, the trial point and its gradient, the two-loop's Double
    /// vector (2) and the free mask (a quarter).
    public static let pagedStepVectors = 7.25
    /// a(C) at relu4_2, kept per tile: 512 channels over 64 pixels, 4 bytes.
    public static let contentTargetBytesPerPixel = 32.0
    /// The halo of VGG16 to relu5_1 (`VGG.halo(for:)`).
    public static let halo = 64
    /// The crops' forward states kept for pass 2 (`CropState`), at the default layers: the taps' interiors but
    /// relu1_1's (which pass 2 computes again), per image pixel: relu2_1, relu3_1, relu4_1, relu4_2, relu5_1,
    /// 4 (128/4 + 256/16 + 2 512/64 + 512/256) = 264 bytes;
    public static let keptTapBytesPerPixel = 264.0
    /// and per crop pixel, the ReLU masks (266 bits: 33 bytes) and the max poolings' windows (a byte per
    /// output: 30), rounded up.
    public static let keptStateBytesPerCropPixel = 64.0

    /// One way to run a stage. nil tile size: untiled. `paged`: the history (and the content targets) paged;
    /// `vectors`: the step's vectors paged too; `kept`: every crop's forward state kept for pass 2.
    public struct Preference: Sendable {
        public var tile: Int?
        public var history: Int
        public var paged = false
        public var vectors = false
        public var kept = false
    }

    /// Tried in order.
    public static let preferences: [Preference] = [
        .init(tile: nil, history: 20), .init(tile: 1024, history: 20, kept: true), .init(tile: 1024, history: 20),
        .init(tile: 1024, history: 10), .init(tile: 1024, history: 10, paged: true), .init(tile: 512, history: 10, paged: true),
        .init(tile: 1024, history: 10, paged: true, vectors: true), .init(tile: 512, history: 10, paged: true, vectors: true),
        .init(tile: 256, history: 10, paged: true), .init(tile: 256, history: 10, paged: true, vectors: true),
        .init(tile: 128, history: 10, paged: true), .init(tile: 128, history: 10, paged: true, vectors: true),
        .init(tile: 512, history: 5), .init(tile: 256, history: 5), .init(tile: 256, history: 3), .init(tile: 128, history: 3),
        .init(tile: 128, history: 1),
    ]

    /// The paged history's files: one pair more than the pairs, for the candidate (`CurvatureHistory`), and the
    /// step's vectors when they are paged.
    public static func fileBytes(width: Double, height: Double, history: Int, vectors: Bool = false) -> Double {
        width * height * vectorBytes * (2 * Double(history + 1) + (vectors ? pagedStepVectors : 0))
    }

    public static func estimate(width: Double, height: Double, tile: Int?, history: Int, paged: Bool = false,
                                vectors: Bool = false, kept: Bool = false) -> Double {
        let pixels = width * height
        let state = pixels * vectorBytes * stateVectors(history: history, paged: paged, vectors: vectors)
            + (vectors ? pagedStateBytes : 0)
        guard let tile, Double(tile) < max(width, height) else { return pixels * networkBytesPerPixel + state }
        let (crop, side) = (Double(tile + 2 * halo), Double(tile))
        let cropArea = min(crop, width) * min(crop, height)
        let crops = (width / side).rounded(.up) * (height / side).rounded(.up)
        return cropArea * networkBytesPerPixel + state + (paged ? 0 : pixels * contentTargetBytesPerPixel)
            + (kept ? pixels * keptTapBytesPerPixel + crops * cropArea * keptStateBytesPerCropPixel : 0)
    }

    static func estimate(width: Double, height: Double, _ p: Preference) -> Double {
        estimate(width: width, height: height, tile: p.tile, history: p.history, paged: p.paged, vectors: p.vectors, kept: p.kept)
    }

    /// For --verbose: "untiled, 20 history pairs in memory", "tiles of 512 px, 10 history pairs paged to /tmp
    /// (with the content targets and the step's vectors)".
    public func describe(directory: String) -> String {
        let tiles = (tileSize.map { "tiles of \($0) px" } ?? "untiled") + (keptForwardPasses ? " (each crop's forward kept for its backward)" : "")
        guard pagedHistory else { return "\(tiles), \(history) history pairs in memory" }
        let also = [tileSize != nil ? "the content targets" : nil, pagedVectors ? "the step's vectors" : nil].compactMap { $0 }
        return "\(tiles), \(history) history pairs paged to \(directory)" + (also.isEmpty ? "" : " (with \(also.joined(separator: " and ")))")
    }

    /// The first preference whose estimate fits `budget` bytes (the working-size part), or nil if none does.
    /// An image no larger than a tile runs untiled. `budget` nil: untiled with 20 pairs. A paged history is
    /// chosen only if its file takes at most half of `diskBytes` (the free space where it would be made).
    public static func choose(width: Double, height: Double, budget: Double?, diskBytes: Double = .infinity) -> MemoryPlan? {
        let plans = preferences.compactMap { p -> MemoryPlan? in
            if let tile = p.tile, Double(tile) >= max(width, height) { return nil }
            let file = p.paged ? fileBytes(width: width, height: height, history: p.history, vectors: p.vectors) : 0
            if p.paged && file > diskBytes / 2 { return nil }
            return MemoryPlan(tileSize: p.tile, history: p.history, pagedHistory: p.paged, pagedVectors: p.vectors,
                              keptForwardPasses: p.kept, bytes: estimate(width: width, height: height, p), fileBytes: file)
        }
        guard let budget else { return plans.first }
        return plans.first { $0.bytes <= budget }
    }

    /// The least memory any preference needs: what a refusal names.
    public static func smallest(width: Double, height: Double) -> Double {
        preferences.map { estimate(width: width, height: height, $0) }.min()!
    }

    /// The free bytes of the file system holding `directory` (nil if it cannot be read).
    public static func freeDiskBytes(at directory: String) -> Double? {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return nil }
        return Double(info.f_bavail) * Double(info.f_frsize)
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
