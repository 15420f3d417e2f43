import Foundation

/// What stylizing one image needs in memory, estimated from its header alone, so that an image (or a
/// `--size`) the machine cannot hold is refused before its samples or the network's activations are
/// allocated, with the estimate in the message.
///
/// The working-size part is fitted to the peak RSS measured by scripts/bench-stylize (README, "Speed and
/// memory": about 1.05 GB at 1024 px and 3.2 GB at 2048 px, square): 0.35 GB (weights, OpenBLAS, the
/// runtime) plus 700 bytes per working pixel (VGG's activations and their gradients, L-BFGS history). The
/// input-size part is counted from the copies the run makes, in phases that do not overlap: while the image is
/// optimized, its samples (2 bytes each) and its float RGB copy (12 bytes per pixel; at the working size it is
/// the content itself); afterwards, the copies that make the output (`outputBytes`). An estimate, good to a
/// factor of about 1.5: it only has to tell "fits easily" from "cannot fit". `check` refuses only what cannot
/// fit even in tiles with the shortest L-BFGS history (`MemoryPlan`).
public enum MemoryEstimate {
    public static let fixedBytes = 350 << 20
    public static let bytesPerWorkingPixel = 700
    /// The input's float RGB copy, held while it is optimized (besides its samples, 2 bytes each).
    public static let bytesPerInputPixel = 12
    /// A float RGB copy of an image, 12 bytes per pixel.
    static let copy = 12.0
    /// Histogram matching of a float RGB image (`HistogramMatching.match`, --colors content and histogram): its
    /// result (12 bytes per pixel), the selected pixels of both sides (Int, 8 + 8), one channel's order (Int, 8)
    /// and the sort's buffer (half of that, 4) and the reference's sorted channel (Float, 4).
    static let matchingBytesPerPixel = 44.0

    /// The input-size bytes held while an image of `depth` samples per pixel is optimized.
    public static func heldInputBytes(pixels: Double, depth: Int) -> Double {
        pixels * Double(2 * depth + bytesPerInputPixel)
    }

    /// The bytes of the phases before and after the optimization, beside the input held throughout
    /// (`heldInputBytes`), for an input of `input` pixels, `working` at the working size and `output` at the
    /// output size (the input's without --size, else the working size). The larger phase counts:
    /// - before (--colors histogram): the content matched to the style's palette at the working size;
    /// - after: the written image at the working size, kept for the next frame's warm start, and the content at
    ///   that size, kept with it (a copy of its own when the sizes differ or its colors were matched); the
    ///   written image resized to the output size when that differs; --colors luminance or content: the content
    ///   at the output size (a copy of its own when that is not the input's) and the colors applied, or matched;
    ///   the output's samples (2 bytes, at most 4 per pixel) and, when its size is not the input's, the input's
    ///   samples resized to carry its kind and alpha (float at both sizes, and the resized samples).
    /// Counted as made: the optimized image's vector is rounded in place into the written image, and an image
    /// at its own size is not copied by a resize.
    public static func outputBytes(input: Double, working: Double, output: Double, depth: Int,
                                   colors: ColorChoice = .default) -> Double {
        let before = colors == .histogram ? working * matchingBytesPerPixel : 0
        var after = working * copy
        if working != input || colors == .histogram { after += working * copy }
        if output != working { after += output * copy }
        if colors == .luminance || colors == .content {
            if output != input { after += output * copy }
            after += output * (colors == .content ? matchingBytesPerPixel : copy)
        }
        after += output * 8
        if output != input { after += Double(4 * depth) * (input + output) + Double(2 * depth) * output }
        return max(before, after)
    }

    /// The working size as `Stylizer.workingSize` picks it, in Double: a `--size` near Int.max must be
    /// refused here, not overflow.
    public static func working(width: Int, height: Int, requestedSize: Int?) -> (width: Double, height: Double) {
        let longest = Double(max(width, height))
        let scale = requestedSize.map { Double($0) / longest } ?? min(1, 512 / longest)
        return (max(1, (Double(width) * scale).rounded()), max(1, (Double(height) * scale).rounded()))
    }

    /// Bytes to stylize a `width` x `height` image of `depth` samples per pixel at this working size, untiled
    /// (the sizing of the README's figures); `resized`: written at the working size (--size), else at the input's.
    public static func stylize(width: Int, height: Int, depth: Int, working: (width: Double, height: Double),
                               resized: Bool = false, colors: ColorChoice = .default) -> Double {
        let input = Double(width) * Double(height), pixels = working.width * working.height
        return Double(fixedBytes) + heldInputBytes(pixels: input, depth: depth)
            + max(pixels * Double(bytesPerWorkingPixel),
                  outputBytes(input: input, working: pixels, output: resized ? pixels : input, depth: depth, colors: colors))
    }

    /// The memory this process may still use: the kernel's MemAvailable, or less if a cgroup (a container)
    /// limits it; nil if neither can be read (then nothing is refused).
    public static func available() -> Double? {
        var limits: [Double] = []
        if let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kB = Double(line.split(separator: " ").dropFirst().first ?? "") {
            limits.append(kB * 1024)
        }
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let limit = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)),
           let usedText = try? String(contentsOfFile: "/sys/fs/cgroup/memory.current", encoding: .utf8),
           let used = Double(usedText.trimmingCharacters(in: .whitespacesAndNewlines)) {
            limits.append(max(0, limit - used))
        }
        return limits.min()
    }

    /// Refuses an image that cannot be stylized within the budget even in tiles with the shortest history
    /// (`MemoryPlan`), naming both. `budget`: `--memory`, or nil for `MemorySize.defaultShare` of `available`
    /// (nil too: nothing is refused). The run that is admitted picks its plan per stage within the same budget.
    /// `colors`: --colors, whose copies count after the optimization (`outputBytes`).
    public static func check(width: Int, height: Int, depth: Int, requestedSize: Int?, colors: ColorChoice = .default,
                             budget: Double? = nil, available: Double? = MemoryEstimate.available()) throws {
        guard let allowed = budget ?? available.map({ $0 * MemorySize.defaultShare }) else { return }
        let working = working(width: width, height: height, requestedSize: requestedSize)
        let input = Double(width) * Double(height), pixels = working.width * working.height
        let fixed = Double(fixedBytes) + heldInputBytes(pixels: input, depth: depth)
        let output = outputBytes(input: input, working: pixels, output: requestedSize == nil ? input : pixels,
                                 depth: depth, colors: colors)
        guard output > allowed - fixed
                || MemoryPlan.choose(width: working.width, height: working.height, budget: allowed - fixed) == nil else { return }
        let needed = fixed + max(output, MemoryPlan.smallest(width: working.width, height: working.height))
        let size = String(format: "%.0fx%.0f", working.width, working.height)
        let limit = budget != nil ? "the \(gigabytes(allowed)) allowed (--memory)"
            : "the \(gigabytes(allowed)) allowed (--memory; default \(Int(MemorySize.defaultShare * 100))% of the \(gigabytes(available!)) available)"
        throw StyleError.insufficientMemory("a \(width)x\(height) image stylized at \(size) needs about "
                         + "\(gigabytes(needed)) of memory (estimated), more than \(limit)")
    }

    static func gigabytes(_ bytes: Double) -> String { String(format: "%.1f GB", bytes / Double(1 << 30)) }
}
