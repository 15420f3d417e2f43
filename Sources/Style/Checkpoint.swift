import Engine
import Foundation
import ImageIO

/// A run of stylize saved mid-way (`stylize --checkpoint FILE`), as safetensors with metadata, so that running
/// the same command again continues it and ends with the same bytes as a run that was not interrupted.
///
/// It holds: what must match for the saved state to be valid (`identity`: weights, style, every option that
/// changes the result, in order; and `inputs`, a hash of each image read so far), the outputs of the images of a
/// stream already finished (written again on resume, not redone), what the stream carries into its next image
/// (`FrameSequence.previous`), and the state of the image under way (`StylizerState`: stage, evaluations, the
/// previous stage's result, the optimizer's state with the L-BFGS pairs or Adam's moments).
///
/// Layout: metadata `format` = `stylize-checkpoint`, `format_version`, `identity_keys` (newline-separated)
/// and `identity.<key>`, `inputs` (comma-separated hashes), `finished`; the image under way: `stage`,
/// `stage_evaluations_before`, `ran` (scale:evaluations,...), `optimizer` (lbfgs or adam) and its scalars
/// (doubles written as Swift prints them, which reads back to the same bits). Tensors, float32, images as
/// [height, width, 3]: `output.<n>` (1-based), `stream.content`, `stream.output`, `stage.previous`,
/// `lbfgs.point`, `lbfgs.gradient`, `lbfgs.s.<k>`, `lbfgs.y.<k>` (k = 0 oldest), `adam.point`, `adam.m`,
/// `adam.v`, `adam.best`. Its size is about 4 bytes x 3 x pixels x (2 + 2 x pairs) for L-BFGS (memory 20:
/// 42 image-sized vectors, 126 MB at 512x512), 4 for Adam, plus the stream's and the finished images.
/// It is written tensor by tensor from where each is kept, and its L-BFGS pairs are read when they are
/// restored, one at a time (`StoredVector`), so that saving or resuming a big print does not hold the pairs
/// in memory: they are the history a paged run keeps on disk (`HistoryStorage.file`).
public struct Checkpoint: Sendable, Equatable {
    public static let formatName = "stylize-checkpoint"
    public static let version = "1"

    /// What the saved state is valid for, in the order mismatches are reported: (what, value), e.g.
    /// ("--schedule", "0.5:20,1:75") or ("weights", "vgg16 fingerprint 3f2a...").
    public var identity: [(key: String, value: String)]
    /// A hash of each input image read so far (`Checkpoint.hash`): the finished ones and the one under way.
    public var inputs: [String]
    /// The outputs of the finished images, at the output size, as they were written.
    public var finished: [RGBImage]
    /// The previous image's content and output at the working size (`FrameSequence.previous`).
    public var stream: (content: RGBImage, output: RGBImage)?
    /// The image after the finished ones, under way; nil when none is.
    public var inProgress: StylizerState?

    public init(identity: [(key: String, value: String)], inputs: [String] = [], finished: [RGBImage] = [],
                stream: (content: RGBImage, output: RGBImage)? = nil, inProgress: StylizerState? = nil) {
        self.identity = identity
        self.inputs = inputs
        self.finished = finished
        self.stream = stream
        self.inProgress = inProgress
    }

    public static func == (a: Checkpoint, b: Checkpoint) -> Bool {
        a.identity.map { "\($0.key)=\($0.value)" } == b.identity.map { "\($0.key)=\($0.value)" } && a.inputs == b.inputs
            && a.finished == b.finished && a.stream?.content == b.stream?.content && a.stream?.output == b.stream?.output
            && a.inProgress == b.inProgress
    }

    /// 64-bit FNV-1a over an image's size and the bits of its values, in hex: what identifies an input.
    public static func hash(_ image: RGBImage) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func add(_ word: UInt64) { hash = (hash ^ word) &* 0x0000_0100_0000_01B3 }
        add(UInt64(image.width))
        add(UInt64(image.height))
        for v in image.pixels { add(UInt64(v.bitPattern)) }
        return String(hash, radix: 16)
    }

    /// 64-bit FNV-1a over bytes (a style file), in hex.
    public static func hash(_ data: Data) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return String(hash, radix: 16)
    }

    /// The first entry of `identity` (in this run's order) whose value differs from the file's, as
    /// (what, the file's value, this run's value); nil when all match.
    public func mismatch(with identity: [(key: String, value: String)]) -> (key: String, saved: String, now: String)? {
        let saved = Dictionary(self.identity.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        for (key, value) in identity where saved[key] != value {
            return (key, saved[key] ?? "nothing", value)
        }
        return nil
    }

    // MARK: - Safetensors

    /// The file's metadata and tensors, each as a shape and where its values are (`StoredVector`).
    func contents() -> (metadata: [String: String], tensors: [String: (shape: [Int], values: StoredVector)]) {
        var meta = ["format": Self.formatName, "format_version": Self.version,
                    "identity_keys": identity.map(\.key).joined(separator: "\n"),
                    "inputs": inputs.joined(separator: ","), "finished": "\(finished.count)"]
        for (key, value) in identity { meta["identity.\(key)"] = value }
        var tensors: [String: (shape: [Int], values: StoredVector)] = [:]
        func put(_ name: String, _ image: RGBImage) { tensors[name] = ([image.height, image.width, 3], StoredVector(image.pixels)) }
        func put(_ name: String, _ vector: [Float]) { tensors[name] = ([vector.count], StoredVector(vector)) }
        func put(_ name: String, _ vector: StoredVector) { tensors[name] = ([vector.count], vector) }
        for (i, image) in finished.enumerated() { put("output.\(i + 1)", image) }
        if let stream {
            put("stream.content", stream.content)
            put("stream.output", stream.output)
        }
        if let state = inProgress {
            meta["stage"] = "\(state.stage)"
            meta["stage_evaluations_before"] = "\(state.evaluations)"
            meta["ran"] = state.ran.map { "\($0.scale):\($0.evaluations)" }.joined(separator: ",")
            if let previous = state.previousResult { put("stage.previous", previous) }
            switch state.optimizer {
            case .lbfgs(let s):
                meta["optimizer"] = OptimizerKind.lbfgs.rawValue
                meta["lbfgs.value"] = "\(s.value)"
                meta["lbfgs.slow_steps"] = "\(s.slowSteps)"
                meta["lbfgs.evaluations"] = "\(s.evaluations)"
                meta["lbfgs.rho"] = s.history.map { "\($0.rho)" }.joined(separator: ",")
                put("lbfgs.point", s.point)
                put("lbfgs.gradient", s.gradient)
                for (k, pair) in s.history.enumerated() {
                    put("lbfgs.s.\(k)", pair.s)
                    put("lbfgs.y.\(k)", pair.y)
                }
            case .adam(let s):
                meta["optimizer"] = OptimizerKind.adam.rawValue
                meta["adam.step"] = "\(s.step)"
                meta["adam.best_value"] = "\(s.bestValue)"
                put("adam.point", s.point)
                put("adam.m", s.firstMoment)
                put("adam.v", s.secondMoment)
                put("adam.best", s.best)
            }
        }
        return (meta, tensors)
    }

    /// The whole file in memory (its vectors read from where they are kept).
    public var safeTensors: SafeTensorsFile {
        get throws {
            let (metadata, tensors) = contents()
            return SafeTensorsFile(tensors: try tensors.mapValues { NamedTensor(shape: $0.shape, values: try $0.values.values()) },
                                   metadata: metadata)
        }
    }

    /// Writes the file atomically and durably: a temporary file beside it (FILE.tmp-PID), flushed to disk, then
    /// renamed over FILE, so that a kill or a power cut at any moment leaves the old checkpoint or the new one.
    /// The tensors are written one at a time from where they are kept (a paged history's file too), so that
    /// writing costs at most one image-sized vector of memory besides the run's.
    public func write(to path: String) throws {
        let temporary = "\(path).tmp-\(getpid())"
        do {
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw CheckpointError(path: path, problem: "cannot create \(temporary): \(String(cString: strerror(errno)))")
            }
            defer { close(fd) }
            let (metadata, tensors) = contents()
            try SafeTensorsFile.write(metadata: metadata, tensors: tensors.mapValues { tensor in
                TensorWriteSource(shape: tensor.shape) { body in try tensor.values.withPieces { try body($1) } }
            }, to: fd)
            guard fsync(fd) == 0 else {
                throw CheckpointError(path: path, problem: "cannot write: \(String(cString: strerror(errno)))")
            }
            guard rename(temporary, path) == 0 else {
                throw CheckpointError(path: path, problem: "cannot rename \(temporary) to it: \(String(cString: strerror(errno)))")
            }
        } catch let error as CheckpointError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CheckpointError(path: path, problem: "cannot write: \(error)")
        }
    }

    /// Reads a checkpoint; a file that is not one, is truncated or is inconsistent is refused, saying what is wrong.
    /// The L-BFGS pairs are not read now but when they are restored, one vector at a time (`StoredVector`).
    public init(path: String) throws {
        let reader: SafeTensorsReader
        do {
            reader = try SafeTensorsReader(path: path)
        } catch let error as EngineError {
            // EngineError.from(path) already names the file: keep only its problem.
            let text = error.description
            throw CheckpointError(path: path, problem: "not a stylize checkpoint: " + (text.hasPrefix("\(path): ") ? String(text.dropFirst(path.count + 2)) : text))
        }
        try self.init(tensors: reader, path: path)
    }

    public init(file: SafeTensorsFile, path: String) throws {
        try self.init(tensors: file, path: path)
    }

    init(tensors file: some CheckpointTensors, path: String) throws {
        func fail(_ problem: String) -> CheckpointError { CheckpointError(path: path, problem: problem) }
        let meta = file.metadata
        guard meta["format"] == Self.formatName else { throw fail("not a stylize checkpoint (no format=\(Self.formatName) in its metadata)") }
        guard meta["format_version"] == Self.version else {
            throw fail("checkpoint version \(meta["format_version"] ?? "?"), this program reads version \(Self.version)")
        }
        func text(_ key: String) throws -> String {
            guard let value = meta[key] else { throw fail("metadata \(key) is missing") }
            return value
        }
        func integer(_ key: String) throws -> Int {
            guard let value = Int(try text(key)), value >= 0 else { throw fail("metadata \(key) is not a count") }
            return value
        }
        func double(_ text: String, _ key: String) throws -> Double {
            guard let value = Double(text) else { throw fail("metadata \(key) is not a number") }
            return value
        }
        func checkVector(_ name: String) throws {
            guard let shape = file.shape(name) else { throw fail("tensor \(name) is missing") }
            guard shape.count == 1 else { throw fail("tensor \(name) has shape \(shape), expected one dimension") }
        }
        func stored(_ name: String) throws -> StoredVector {
            try checkVector(name)
            return file.stored(name)
        }
        func vector(_ name: String) throws -> [Float] {
            try checkVector(name)
            return try file.values(name)
        }
        func image(_ name: String) throws -> RGBImage {
            guard let shape = file.shape(name) else { throw fail("tensor \(name) is missing") }
            guard shape.count == 3, shape[2] == 3, shape[0] > 0, shape[1] > 0 else {
                throw fail("tensor \(name) has shape \(shape), expected [height, width, 3]")
            }
            return RGBImage(width: shape[1], height: shape[0], pixels: try file.values(name))
        }
        let keys = try text("identity_keys").split(separator: "\n").map(String.init)
        identity = try keys.map { ($0, try text("identity.\($0)")) }
        inputs = try text("inputs").split(separator: ",").map(String.init)
        let finishedCount = try integer("finished")
        finished = try (0..<finishedCount).map { try image("output.\($0 + 1)") }
        stream = file.shape("stream.content") == nil ? nil : (try image("stream.content"), try image("stream.output"))
        guard let kind = meta["optimizer"] else {
            inProgress = nil
            guard inputs.count == finishedCount else { throw fail("\(inputs.count) input hashes for \(finishedCount) finished images") }
            return
        }
        guard inputs.count == finishedCount + 1 else {
            throw fail("\(inputs.count) input hashes for \(finishedCount) finished images and one under way")
        }
        let ran = try text("ran").split(separator: ",").map { item -> Stage in
            let parts = item.split(separator: ":")
            guard parts.count == 2, let scale = Double(parts[0]), let count = Int(parts[1]) else { throw fail("metadata ran is malformed") }
            return Stage(scale: scale, evaluations: count)
        }
        let optimizer: OptimizerState
        switch OptimizerKind(rawValue: kind) {
        case .lbfgs:
            let rhos = try text("lbfgs.rho").split(separator: ",").map { try double(String($0), "lbfgs.rho") }
            let history = try rhos.enumerated().map { k, rho in LBFGSPair(s: try stored("lbfgs.s.\(k)"), y: try stored("lbfgs.y.\(k)"), rho: rho) }
            let state = LBFGSState(point: try stored("lbfgs.point"), value: try double(try text("lbfgs.value"), "lbfgs.value"),
                                   gradient: try stored("lbfgs.gradient"), history: history,
                                   slowSteps: try integer("lbfgs.slow_steps"), evaluations: try integer("lbfgs.evaluations"))
            let n = state.point.count
            guard n > 0, n % 3 == 0, state.gradient.count == n, history.allSatisfy({ $0.s.count == n && $0.y.count == n }) else {
                throw fail("the L-BFGS vectors differ in length")
            }
            optimizer = .lbfgs(state)
        case .adam:
            let state = AdamState(step: try integer("adam.step"), point: try vector("adam.point"), firstMoment: try vector("adam.m"),
                                  secondMoment: try vector("adam.v"), best: try vector("adam.best"),
                                  bestValue: try double(try text("adam.best_value"), "adam.best_value"))
            let n = state.point.count
            guard n > 0, n % 3 == 0, [state.firstMoment, state.secondMoment, state.best].allSatisfy({ $0.count == n }) else {
                throw fail("the Adam vectors differ in length")
            }
            optimizer = .adam(state)
        case nil:
            throw fail("unknown optimizer \(kind)")
        }
        inProgress = StylizerState(stage: try integer("stage"), evaluations: try integer("stage_evaluations_before"), ran: ran,
                                   previousResult: file.shape("stage.previous") == nil ? nil : try image("stage.previous"),
                                   optimizer: optimizer)
    }
}

/// A checkpoint file that cannot be read or written, or does not fit this run.
public struct CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "checkpoint \(path): \(problem)" }
}

/// What a checkpoint is read from: a whole file in memory (`SafeTensorsFile`), or a file read one tensor at a
/// time when it is needed (`SafeTensorsReader`).
protocol CheckpointTensors {
    var metadata: [String: String] { get }
    func shape(_ name: String) -> [Int]?
    /// The values of tensor `name`, which `shape` found, read now.
    func values(_ name: String) throws -> [Float]
    /// Tensor `name`, which `shape` found, read when it is used (a file's piece by piece).
    func stored(_ name: String) -> StoredVector
}

extension SafeTensorsFile: CheckpointTensors {
    func shape(_ name: String) -> [Int]? { tensors[name]?.shape }
    func values(_ name: String) -> [Float] { tensors[name]!.values }
    func stored(_ name: String) -> StoredVector { StoredVector(values(name)) }
}

extension SafeTensorsReader: CheckpointTensors {
    func shape(_ name: String) -> [Int]? { entries[name]?.shape }
    func values(_ name: String) throws -> [Float] {
        guard let values = try values(named: name) else { preconditionFailure("tensor \(name) was found") }
        return values
    }
    func stored(_ name: String) -> StoredVector {
        let count = entries[name]!.count
        return StoredVector(count: count) { body in
            var piece = [Float](repeating: 0, count: min(count, StoredVector.piece))
            for start in stride(from: 0, to: count, by: StoredVector.piece) {
                let range = start..<min(start + StoredVector.piece, count)
                try piece.withUnsafeMutableBufferPointer { buffer in
                    let part = UnsafeMutableBufferPointer(rebasing: buffer[0..<range.count])
                    try self.read(name, range, into: part)
                    try body(UnsafeBufferPointer(part))
                }
            }
        }
    }
}
