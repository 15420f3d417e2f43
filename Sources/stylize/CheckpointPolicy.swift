import ArgumentParser
import Foundation

/// When `--checkpoint` writes: after every `evaluations` evaluations of J, or once `seconds` have passed
/// since the last write, whichever comes first (at the first optimizer step after that: a step is one or
/// more evaluations), and after every image of a stream.
struct CheckpointPolicy: Equatable {
    var evaluations: Int?
    var seconds: Double?

    /// The default, "20,5m": frequent enough that a kill loses little (about 20 s of work at 512 px), rare
    /// enough that writing costs little (at 512 px an L-BFGS checkpoint is about 126 MB).
    static let defaultText = "20,5m"

    /// Parses "N" (evaluations), "Ns", "Nm" or "Nh" (time), or both separated by a comma: "20,5m".
    init(_ text: String) throws {
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let unit = item.last.map { "smh".contains($0) ? $0 : nil } ?? nil
            if let unit {
                let scale: Double = unit == "s" ? 1 : unit == "m" ? 60 : 3600
                guard seconds == nil, let value = Double(item.dropLast()), value > 0, value.isFinite else { throw Self.bad(text) }
                seconds = value * scale
            } else {
                guard evaluations == nil, let value = Int(item), value > 0 else { throw Self.bad(text) }
                evaluations = value
            }
        }
        guard evaluations != nil || seconds != nil else { throw Self.bad(text) }
    }

    static func bad(_ text: String) -> ValidationError {
        ValidationError("--checkpoint-every \"\(text)\": expected evaluations (20), a time (90s, 5m, 1h) or both (20,5m)")
    }

    /// Whether to write now, `evaluations` and `seconds` after the last write (or the start).
    func due(evaluations done: Int, seconds elapsed: Double) -> Bool {
        (evaluations.map { done >= $0 } ?? false) || (seconds.map { elapsed >= $0 } ?? false)
    }
}
