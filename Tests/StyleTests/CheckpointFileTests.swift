import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

/// The checkpoint file: every field back bit for bit, and files that are not checkpoints, truncated or
/// inconsistent refused with a message naming the problem.
final class CheckpointFileTests: XCTestCase {
    func path(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).ckpt").path
    }

    func image(_ width: Int, _ height: Int, _ seed: Float) -> RGBImage {
        RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { Float($0 % 251) + seed / 7 })
    }

    func full() -> Checkpoint {
        let n = 4 * 3 * 3
        let v = { (seed: Float) in (0..<n).map { Float($0) * seed + 1 / 3 } }
        let state = StylizerState(stage: 1, evaluations: 7, ran: [Stage(scale: 0.5, evaluations: 7)], previousResult: image(2, 1, 1),
                                  optimizer: .lbfgs(LBFGSState(point: v(1), value: 1.0 / 3, gradient: v(-2),
                                                               history: [LBFGSPair(s: v(3), y: v(4), rho: 0.1), LBFGSPair(s: v(5), y: v(6), rho: 1e-300)],
                                                               slowSteps: 2, evaluations: 5)))
        return Checkpoint(identity: [("weights", "vgg16 fingerprint 12ab"), ("--schedule", "0.5:7,1:9")], inputs: ["a1", "b2", "c3"],
                          finished: [image(4, 3, 1), image(5, 2, 2)], stream: (image(4, 3, 3), image(4, 3, 4)), inProgress: state)
    }

    func testEveryFieldComesBackExactly() throws {
        let file = path("full")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try full().write(to: file)
        XCTAssertEqual(try Checkpoint(path: file), full())
        let adam = Checkpoint(identity: [("k", "v")], inputs: ["x"],
                              inProgress: StylizerState(stage: 0, evaluations: 0, ran: [], previousResult: nil,
                                                        optimizer: .adam(AdamState(step: 3, point: [1, 2, 3], firstMoment: [0.1, 0.2, 0.3],
                                                                                   secondMoment: [4, 5, 6], best: [7, 8, 9], bestValue: .pi))))
        try adam.write(to: file)
        XCTAssertEqual(try Checkpoint(path: file), adam)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(file).tmp-\(getpid())"), "the temporary file is renamed")
    }

    /// A checkpoint of a paged history (issue 17: at print size its pairs are most of the file) is written
    /// from the history's file, pair by pair, and read back lazily: the pairs are read when restored, so a
    /// file cut short after it was opened shows in the tensor it cut (the last pair), not in those before it.
    /// The bytes are those of the same state with its pairs in memory.
    func testPairsAreWrittenFromAndReadIntoWhereTheyAreKept() throws {
        let n = 4 * 3 * 3
        let history = try CurvatureHistory(length: n, capacity: 2, storage: .file(directory: NSTemporaryDirectory()))
        for k in 1...3 {
            try history.consider({ s, y in
                for i in 0..<n { (s[i], y[i]) = (Float(i) / Float(k), Float(k) + 1 / 3) }
            }, keep: { _, _ in true })
        }
        func checkpoint(_ pairs: [LBFGSPair]) -> Checkpoint {
            Checkpoint(identity: [("k", "v")], inputs: ["h"],
                       inProgress: StylizerState(stage: 0, evaluations: 0, ran: [], previousResult: nil,
                                                 optimizer: .lbfgs(LBFGSState(point: (0..<n).map(Float.init), value: 2,
                                                                              gradient: [Float](repeating: -1, count: n),
                                                                              history: pairs, slowSteps: 0, evaluations: 4))))
        }
        let paged = checkpoint(history.pairs())
        let inMemory = checkpoint(try history.pairs().map { LBFGSPair(s: try $0.s.values(), y: try $0.y.values(), rho: $0.rho) })
        let (a, b) = (path("paged"), path("memory"))
        defer { for p in [a, b] { try? FileManager.default.removeItem(atPath: p) } }
        try paged.write(to: a)
        try inMemory.write(to: b)
        XCTAssertEqual(FileManager.default.contents(atPath: a), FileManager.default.contents(atPath: b))
        XCTAssertEqual(FileManager.default.contents(atPath: a), try inMemory.safeTensors.serialized())
        let read = try Checkpoint(path: a)
        XCTAssertEqual(read, inMemory)
        // The last tensor in the file is lbfgs.y.1: cut into it, the point still reads, that pair does not.
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: a)[.size] as? Int)
        XCTAssertEqual(truncate(a, off_t(size - 4)), 0)
        guard case .lbfgs(let state)? = read.inProgress?.optimizer else { return XCTFail("an L-BFGS state") }
        XCTAssertEqual(try state.point.values(), (0..<n).map(Float.init))
        XCTAssertEqual(try state.history[0].y.values(), try inMemory.lbfgsPairs[0].y.values())
        XCTAssertThrowsError(try state.history[1].y.values()) { error in
            XCTAssertEqual("\(error)", "\(a): ends early (truncated?)")
        }
    }

    /// Vectors longer than a piece (`StoredVector.piece`) are written from a paged vector and read back lazily
    /// piece by piece: the file's bytes are those of the same state in memory, and every value comes back.
    func testVectorsOfSeveralPiecesRoundTrip() throws {
        let n = 2 * StoredVector.piece + 7
        let x = try PagedVector<Float>(count: n, storage: .file(directory: NSTemporaryDirectory()))
        for i in 0..<n { x.buffer[i] = Float(i % 4099) / 7 }
        let values = x.array()
        func checkpoint(_ point: StoredVector) -> Checkpoint {
            Checkpoint(identity: [("k", "v")], inputs: ["h"],
                       inProgress: StylizerState(stage: 0, evaluations: 0, ran: [], previousResult: nil,
                                                 optimizer: .lbfgs(LBFGSState(point: point, value: 2, gradient: StoredVector(values.reversed()),
                                                                              history: [], slowSteps: 0, evaluations: 4))))
        }
        let (a, b) = (path("pieces-paged"), path("pieces-memory"))
        defer { for p in [a, b] { try? FileManager.default.removeItem(atPath: p) } }
        try checkpoint(StoredVector(lending: x)).write(to: a)
        try checkpoint(StoredVector(values)).write(to: b)
        XCTAssertEqual(FileManager.default.contents(atPath: a), FileManager.default.contents(atPath: b))
        guard case .lbfgs(let state)? = try Checkpoint(path: a).inProgress?.optimizer else { return XCTFail("an L-BFGS state") }
        var pieces = 0
        try state.point.withPieces { _, _ in pieces += 1 }
        XCTAssertEqual(pieces, 3)
        XCTAssertEqual(try state.point.values(), values)
        XCTAssertEqual(try state.gradient.values(), values.reversed())
    }

    func testMismatchNamesTheFirstDifferenceInThisRunsOrder() {
        let saved = full()
        XCTAssertNil(saved.mismatch(with: saved.identity))
        let now = [(key: "weights", value: "vgg16 fingerprint 12ab"), (key: "--schedule", value: "1:30"), (key: "--seed", value: "1")]
        XCTAssertEqual(saved.mismatch(with: now)?.key, "--schedule")
        XCTAssertEqual(saved.mismatch(with: now)?.saved, "0.5:7,1:9")
        XCTAssertEqual(saved.mismatch(with: now)?.now, "1:30")
        XCTAssertEqual(saved.mismatch(with: [(key: "--seed", value: "1")])?.saved, "nothing", "an option the file does not know")
    }

    func testFilesThatAreNoCheckpointsAreRefused() throws {
        let file = path("bad")
        defer { try? FileManager.default.removeItem(atPath: file) }
        func refusal(_ data: Data) -> String {
            try? data.write(to: URL(fileURLWithPath: file))
            do { _ = try Checkpoint(path: file); return "accepted" } catch { return "\(error)" }
        }
        XCTAssertEqual(refusal(Data("hello".utf8)), "checkpoint \(file): not a stylize checkpoint: not a safetensors file (too short)")
        XCTAssertEqual(refusal(SafeTensorsFile(metadata: ["format": "stylize-gram"]).serialized()),
                       "checkpoint \(file): not a stylize checkpoint (no format=stylize-checkpoint in its metadata)")
        XCTAssertEqual(refusal(SafeTensorsFile(metadata: ["format": "stylize-checkpoint", "format_version": "9"]).serialized()),
                       "checkpoint \(file): checkpoint version 9, this program reads version 1")
        // One tensor only, so the truncated one is known.
        let finished = try Checkpoint(identity: [("k", "v")], inputs: ["h"], finished: [image(4, 3, 1)]).safeTensors.serialized()
        XCTAssertEqual(refusal(finished.prefix(finished.count - 5)),
                       "checkpoint \(file): not a stylize checkpoint: tensor output.1: data lies outside the file (truncated?)")
        XCTAssertEqual(refusal(finished.prefix(20)), "checkpoint \(file): not a stylize checkpoint: not a safetensors file (bad header length)")
        var meta = try full().safeTensors
        meta.tensors["lbfgs.y.1"] = NamedTensor(shape: [5], values: [1, 2, 3, 4, 5])
        XCTAssertEqual(refusal(meta.serialized()), "checkpoint \(file): the L-BFGS vectors differ in length")
        meta = try full().safeTensors
        meta.metadata["inputs"] = "a1"
        XCTAssertEqual(refusal(meta.serialized()), "checkpoint \(file): 1 input hashes for 2 finished images and one under way")
        meta = try full().safeTensors
        meta.tensors["lbfgs.s.0"] = nil
        XCTAssertEqual(refusal(meta.serialized()), "checkpoint \(file): tensor lbfgs.s.0 is missing")
    }

    func testHashesTellImagesApart() {
        let a = image(4, 3, 1)
        var b = a
        b.pixels[17] += 1
        XCTAssertNotEqual(Checkpoint.hash(a), Checkpoint.hash(b))
        XCTAssertNotEqual(Checkpoint.hash(image(4, 3, 1)), Checkpoint.hash(RGBImage(width: 3, height: 4, pixels: a.pixels)), "the size counts")
        XCTAssertEqual(Checkpoint.hash(Data("a".utf8)), "af63dc4c8601ec8c", "64-bit FNV-1a of \"a\" (its published test vector)")
    }
}

extension Checkpoint {
    var lbfgsPairs: [LBFGSPair] {
        guard case .lbfgs(let state)? = inProgress?.optimizer else { return [] }
        return state.history
    }
}
