import FilterSupport
import Foundation
import ImageIO
import Style

/// `--checkpoint FILE` over one run: reads FILE if it is there (refusing one made for other inputs, options,
/// style or weights), writes it as `CheckpointPolicy` says, and removes it when the run ends well.
///
/// A stream of several images: FILE holds every image finished so far (its output, written again on a rerun
/// without being redone, so the rerun's standard output is the whole stream again), what the stream carries
/// into the next image, and the state of the image under way. A rerun must get the same images on stdin:
/// each is checked against its hash as it is read.
final class CheckpointSession {
    let path: String
    let policy: CheckpointPolicy
    let diagnostics: Diagnostics
    /// What FILE held when the run started; nil: no file, a fresh start.
    let restored: Checkpoint?
    /// What the next write holds (the finished images and the stream so far).
    var current: Checkpoint
    var lastWrite = Date()
    /// Evaluations made since the last write, and those of the image under way when last seen.
    var unsaved = 0
    var imageEvaluations = 0
    /// Whether the file holds the image under way (written during it): then its end is written too, so that a
    /// rerun finds it finished rather than resuming it with nothing left to do.
    var fileHoldsImageUnderWay = false

    /// Reads FILE when it is there, before the network is loaded, so that a damaged one fails at once.
    init(path: String, policy: CheckpointPolicy, diagnostics: Diagnostics) throws {
        self.path = path
        self.policy = policy
        self.diagnostics = diagnostics
        current = Checkpoint(identity: [])
        restored = FileManager.default.fileExists(atPath: path) ? try Checkpoint(path: path) : nil
    }

    /// What this run is (`StylizeRun.checkpointIdentity`), known once the network and styles are loaded: a file
    /// made for another is refused, naming the first difference.
    func adopt(identity: [(key: String, value: String)]) throws {
        current.identity = identity
        if let restored, let (key, saved, now) = restored.mismatch(with: identity) {
            throw CheckpointError(path: path, problem: "made with \(key) \(saved), not \(now): " + Self.advice(path))
        }
    }

    static func advice(_ path: String) -> String {
        "rerun with the same inputs, options, style and weights, or remove \(path) to start afresh"
    }

    /// Image `index` (1-based) of standard input has been read: its output when the checkpoint finished it
    /// (write that, and skip the image), else nil. The stream's state is restored into `frames` before the
    /// first image that is not finished.
    func begin(index: Int, input: RGBImage, frames: inout FrameSequence) throws -> RGBImage? {
        let hash = Checkpoint.hash(input)
        current.inputs.append(hash)
        imageEvaluations = 0
        guard let restored, index <= restored.inputs.count else { return nil }
        guard restored.inputs[index - 1] == hash else {
            throw CheckpointError(path: path, problem: "made for other input: image \(index) differs (hash \(restored.inputs[index - 1]) there, \(hash) here): "
                                  + Self.advice(path))
        }
        if index <= restored.finished.count {
            current.finished.append(restored.finished[index - 1])
            if index == restored.finished.count {
                frames.previous = restored.stream
                current.stream = restored.stream
            }
            return restored.finished[index - 1]
        }
        if let state = restored.inProgress {
            imageEvaluations = state.evaluations + state.optimizer.evaluations
            diagnostics.message("image \(index): resuming from \(path) at stage \(state.stage + 1), evaluation \(state.optimizer.evaluations) of the stage")
        }
        return nil
    }

    /// What `Stylizer.run` gets for image `index`: the saved state when the checkpoint was made during it.
    func stylizerCheckpoint(index: Int) -> StylizerCheckpoint {
        let resume = restored.flatMap { $0.inputs.count == index && $0.finished.count == index - 1 ? $0.inProgress : nil }
        return StylizerCheckpoint(resume: resume, due: { [self] in due(imageEvaluations: $0) }) { [self] state in
            var file = current
            file.inProgress = state
            try write(file)
            fileHoldsImageUnderWay = true
        }
    }

    /// Image `index` is done after `evaluations`: its output and the stream's state join the checkpoint,
    /// written if due or if the file holds this image under way (else with the next write: a kill before it
    /// redoes this image).
    func finish(output: RGBImage, evaluations: Int, frames: FrameSequence) throws {
        current.finished.append(output)
        current.stream = frames.previous
        if due(imageEvaluations: evaluations) || fileHoldsImageUnderWay {
            try write(current)
            fileHoldsImageUnderWay = false
        }
    }

    func due(imageEvaluations done: Int) -> Bool {
        unsaved += done - imageEvaluations
        imageEvaluations = done
        return policy.due(evaluations: unsaved, seconds: Date().timeIntervalSince(lastWrite))
    }

    /// The run ended well: the checkpoint has served.
    func complete() {
        try? FileManager.default.removeItem(atPath: path)
    }

    func write(_ checkpoint: Checkpoint) throws {
        try checkpoint.write(to: path)
        lastWrite = Date()
        unsaved = 0
    }
}
