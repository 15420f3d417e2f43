import Foundation

/// What the progress line says about a long run: the image, the stage and its size, the evaluation, J, the
/// memory in use and the time left, e.g.
/// `image 1, stage 2/2 1024x768, evaluation 12/75, J 6.1e6, RSS 1.21 GB, about 4 min 10 s left`.
public struct ProgressReport: Sendable, Equatable {
    public var image: Int
    public var stage: Int
    public var stages: Int
    public var width: Int
    public var height: Int
    public var evaluation: Int
    public var evaluations: Int
    public var cost: Double
    /// Resident memory in bytes; nil: not known (left out).
    public var residentBytes: Int?
    /// Estimated seconds left in this image (`TimeLeft`); nil: not known yet (left out).
    public var secondsLeft: Double?

    public init(image: Int, stage: Int, stages: Int, width: Int, height: Int, evaluation: Int, evaluations: Int,
                cost: Double, residentBytes: Int?, secondsLeft: Double?) {
        self.image = image
        self.stage = stage
        self.stages = stages
        self.width = width
        self.height = height
        self.evaluation = evaluation
        self.evaluations = evaluations
        self.cost = cost
        self.residentBytes = residentBytes
        self.secondsLeft = secondsLeft
    }

    public var line: String {
        var parts = ["image \(image)", "stage \(stage)/\(stages) \(width)x\(height)", "evaluation \(evaluation)/\(evaluations)",
                     "J \(scientific(cost))"]
        if let residentBytes { parts.append("RSS \(Self.bytes(residentBytes))") }
        if let secondsLeft { parts.append("about \(Self.duration(secondsLeft)) left") }
        return parts.joined(separator: ", ")
    }

    /// "850 MB", "1.21 GB" (decimal units, as `free -h` and the README's figures).
    public static func bytes(_ count: Int) -> String {
        count >= 1_000_000_000 ? String(format: "%.2f GB", Double(count) / 1e9) : String(format: "%.0f MB", Double(count) / 1e6)
    }

    /// "42 s", "4 min 10 s", "2 h 5 min": seconds rounded to whole ones, two units at most.
    public static func duration(_ seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded())
        if total < 60 { return "\(total) s" }
        if total < 3600 { return "\(total / 60) min \(total % 60) s" }
        return "\(total / 3600) h \((total % 3600) / 60) min"
    }
}

/// The time left in a run, from the rate at which its work (pixel-evaluations: an evaluation's time grows with
/// its stage's pixels) has been done since the first report: work left / (work done / seconds). An estimate:
/// a stage that converges early ends sooner, and the first evaluations of a stage (before the memory is warm)
/// are slower than the rest.
public struct TimeLeft: Sendable {
    var start: (time: Double, workLeft: Double)? = nil

    public init() {}

    /// Seconds left given the work left now, at `now` (seconds on any steady clock); nil until some work has
    /// been seen done.
    public mutating func update(workLeft: Double, now: Double) -> Double? {
        guard let start else {
            start = (now, workLeft)
            return nil
        }
        let done = start.workLeft - workLeft, elapsed = now - start.time
        guard done > 0, elapsed > 0 else { return nil }
        return workLeft * elapsed / done
    }
}
