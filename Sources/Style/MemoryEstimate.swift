import Foundation

/// What stylizing one image needs in memory, estimated from its header alone, so that an image (or a
/// `--size`) the machine cannot hold is refused before its samples or the network's activations are
/// allocated, with the estimate in the message.
///
/// The working-size part is fitted to the peak RSS measured by scripts/bench-stylize (README, "Speed and
/// memory": about 1.05 GB at 1024 px and 3.2 GB at 2048 px, square): 0.35 GB (weights, OpenBLAS, the
/// runtime) plus 700 bytes per working pixel (VGG's activations and their gradients, L-BFGS history). The
/// input-size part is counted exactly, in two phases that do not overlap: while the image is optimized, its
/// samples (2 bytes each) and its float RGB copy (12 bytes per pixel; at the working size it is the content
/// itself); afterwards, the float RGB copies at the input size that make the output (the result resized, the
/// color reference, the colors applied, the written image: 4 x 12 bytes per pixel) and the output's samples.
/// An estimate, good to a factor of about 1.5: it only has to tell "fits easily" from "cannot fit".
/// `check` refuses only what cannot fit even in tiles with the shortest L-BFGS history (`MemoryPlan`).
public enum MemoryEstimate {
    public static let fixedBytes = 350 << 20
    public static let bytesPerWorkingPixel = 700
    /// The input's float RGB copy, held while it is optimized (besides its samples, 2 bytes each).
    public static let bytesPerInputPixel = 12
    /// The output's float RGB copies at the input size, made after the optimization (besides its samples).
    public static let bytesPerOutputPixel = 4 * 12

    /// The input-size bytes held while an image of `depth` samples per pixel is optimized.
    public static func heldInputBytes(pixels: Double, depth: Int) -> Double {
        pixels * Double(2 * depth + bytesPerInputPixel)
    }

    /// The input-size bytes of making the output, after the optimization's vectors are gone.
    public static func outputBytes(pixels: Double, depth: Int) -> Double {
        pixels * Double(2 * depth + bytesPerOutputPixel)
    }

    /// The working size as `Stylizer.workingSize` picks it, in Double: a `--size` near Int.max must be
    /// refused here, not overflow.
    public static func working(width: Int, height: Int, requestedSize: Int?) -> (width: Double, height: Double) {
        let longest = Double(max(width, height))
        let scale = requestedSize.map { Double($0) / longest } ?? min(1, 512 / longest)
        return (max(1, (Double(width) * scale).rounded()), max(1, (Double(height) * scale).rounded()))
    }

    /// Bytes to stylize a `width` x `height` image of `depth` samples per pixel at this working size.
    public static func stylize(width: Int, height: Int, depth: Int, working: (width: Double, height: Double)) -> Double {
        let input = Double(width) * Double(height)
        return Double(fixedBytes) + heldInputBytes(pixels: input, depth: depth)
            + max(working.width * working.height * Double(bytesPerWorkingPixel), outputBytes(pixels: input, depth: depth))
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
    public static func check(width: Int, height: Int, depth: Int, requestedSize: Int?, budget: Double? = nil,
                             available: Double? = MemoryEstimate.available()) throws {
        guard let allowed = budget ?? available.map({ $0 * MemorySize.defaultShare }) else { return }
        let working = working(width: width, height: height, requestedSize: requestedSize)
        let input = Double(width) * Double(height)
        let fixed = Double(fixedBytes) + heldInputBytes(pixels: input, depth: depth)
        let output = outputBytes(pixels: input, depth: depth)
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
