import Foundation
import XCTest
import Engine
import ImageIO
import TestSupport

/// --checkpoint as a person uses it: a run killed with SIGKILL and run again ends with the bytes of a run
/// that was not interrupted; a stream's finished images come back from the file; a file made for other
/// inputs, options or style, or one that is no checkpoint, is refused with the problem named.
final class CheckpointCommandTests: XCTestCase {
    /// Shallow layers and few evaluations at 40x30: two stages, so a checkpoint may fall in either.
    let method = ["--content-layer", "relu2_2", "--style-layers", "relu1_1,relu2_1"]

    func style(seed: Int = 5) throws -> String {
        try TestImages.write([NetpbmImage(rgb: TestImages.pattern(width: 40, height: 32, seed: seed))], to: "checkpoint-style-\(seed).ppm")
    }

    func content(seed: Int = 0) -> NetpbmImage { NetpbmImage(rgb: TestImages.pattern(width: 40, height: 30, seed: seed)) }

    func stylize(_ arguments: [String], stdin: Data) throws -> CommandResult {
        try CommandRunner.run("stylize", arguments + ["--weights", try Fixtures.weightsPath()], stdin: stdin)
    }

    func checkpointPath(_ name: String) -> String {
        let path = TestImages.path("\(name)-\(UUID().uuidString).ckpt")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testARunKilledMidWayAndRunAgainGivesTheSameBytes() throws {
        let input = try TestImages.write([content()], to: "checkpoint-kill-in.ppm")
        let arguments = method + ["--style", try style(), "--schedule", "0.5:4,1:8", "--weights", try Fixtures.weightsPath()]
        let whole = try stylize(arguments, stdin: try CommandRunner.file(input))
        XCTAssertEqual(whole.status, 0, whole.stderr)

        let checkpoint = checkpointPath("kill")
        let process = Process()
        process.executableURL = CommandRunner.productsDirectory.appendingPathComponent("stylize")
        process.arguments = arguments + ["--checkpoint", checkpoint, "--checkpoint-every", "2", "--quiet"]
        process.environment = CommandRunner.childEnvironment()
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Bounded: 120 s at most for the first checkpoint (a few evaluations of a debug build).
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint) && process.isRunning && Date() < deadline { usleep(2000) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, "killed before it ended")
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint), "a checkpoint was written before the kill")

        let again = try stylize(arguments + ["--checkpoint", checkpoint, "--verbose"], stdin: try CommandRunner.file(input))
        XCTAssertEqual(again.status, 0, again.stderr)
        let lines = again.stderr.split(separator: "\n").map(String.init)
        let resumed = try XCTUnwrap(lines.first { $0.hasPrefix("stylize: image 1: resuming from \(checkpoint) at stage ") }, again.stderr)
        // --verbose names the plan of every stage that runs, the resumed one too (mid-way: not at its evaluation 1).
        let stage = try XCTUnwrap(Int(resumed.split(separator: " ")[8].dropLast()), resumed)
        XCTAssertEqual(lines.filter { $0.contains(" history pairs ") }.map { $0.split(separator: " ")[4] },
                       (stage...2).map { "\($0)/2" }, again.stderr)
        XCTAssertEqual(again.stdout, whole.stdout, "the same bytes as the run that was not interrupted")
        XCTAssertEqual(again.stderr.split(separator: "\n").last.map { $0.split(separator: ",").prefix(4) },
                       whole.stderr.split(separator: "\n").last.map { $0.split(separator: ",").prefix(4) },
                       "the same summary: sizes, evaluations of each stage, J")
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint), "removed when the run ended well")
    }

    /// A stream whose second image is cut short fails after the first was finished: its checkpoint then holds
    /// that image; reruns with other options, inputs or style are refused, the same stream finishes it.
    func testAStreamResumesAfterItsFinishedImagesAndOtherRunsAreRefused() throws {
        let style = try style()
        let arguments = method + ["--style", style, "--schedule", "1:4", "--frame-iterations", "3"]
        let stream = try TestImages.bytes([content(), content(seed: 1)])
        let whole = try stylize(arguments, stdin: stream)
        XCTAssertEqual(whole.status, 0, whole.stderr)

        let checkpoint = checkpointPath("stream")
        let first = try TestImages.bytes([content()])
        let broken = first + Data("P6\n40 30\n255\n".utf8) + Data(count: 100)
        let failed = try stylize(arguments + ["--checkpoint", checkpoint, "--checkpoint-every", "1"], stdin: broken)
        XCTAssertEqual(failed.status, 1, failed.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint))

        let advice = "rerun with the same inputs, options, style and weights, or remove \(checkpoint) to start afresh"
        let otherOptions = try stylize(method + ["--style", style, "--schedule", "1:5", "--frame-iterations", "3", "--checkpoint", checkpoint], stdin: stream)
        XCTAssertEqual(otherOptions.status, 1)
        XCTAssertEqual(otherOptions.stderr, "stylize: checkpoint \(checkpoint): made with --schedule 1:4, not 1:5: \(advice)\n")
        XCTAssertEqual(otherOptions.stdout.count, 0)
        // The default schedule is named as such (the working size picks it), with --iterations' last stage.
        for (extra, named) in [([String](), "default"), (["--iterations", "5"], "default, last stage 5")] {
            let defaults = try stylize(method + ["--style", style, "--frame-iterations", "3", "--checkpoint", checkpoint] + extra, stdin: stream)
            XCTAssertEqual(defaults.stderr, "stylize: checkpoint \(checkpoint): made with --schedule 1:4, not \(named): \(advice)\n")
        }

        let otherStyle = try stylize(method + ["--style", try self.style(seed: 6), "--schedule", "1:4", "--frame-iterations", "3", "--checkpoint", checkpoint],
                                     stdin: stream)
        XCTAssertEqual(otherStyle.status, 1)
        XCTAssertTrue(otherStyle.stderr.hasPrefix("stylize: checkpoint \(checkpoint): made with --style hash "), otherStyle.stderr)
        XCTAssertTrue(otherStyle.stderr.hasSuffix(": \(advice)\n"), otherStyle.stderr)

        let otherInput = try stylize(arguments + ["--checkpoint", checkpoint], stdin: try TestImages.bytes([content(seed: 2), content(seed: 1)]))
        XCTAssertEqual(otherInput.status, 1)
        XCTAssertTrue(otherInput.stderr.hasPrefix("stylize: checkpoint \(checkpoint): made for other input: image 1 differs (hash "), otherInput.stderr)
        XCTAssertTrue(otherInput.stderr.hasSuffix(" here): \(advice)\n"), otherInput.stderr)
        XCTAssertEqual(otherInput.stdout.count, 0)

        let again = try stylize(arguments + ["--checkpoint", checkpoint], stdin: stream)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.hasPrefix("stylize: image 1: finished before, written again from \(checkpoint)\nstylize: image 2: "), again.stderr)
        XCTAssertEqual(again.stdout, whole.stdout, "image 1 from the file, image 2 warm-started from it as before")
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint))
    }

    /// Refused before the network is loaded and any input is read.
    func testAFileThatIsNoCheckpointIsRefusedBeforeAnyInputIsRead() throws {
        let checkpoint = checkpointPath("garbage")
        try Data("not a checkpoint".utf8).prefix(5).write(to: URL(fileURLWithPath: checkpoint))
        let result = try stylize(method + ["--style", try style(), "--checkpoint", checkpoint], stdin: try TestImages.bytes([content()]))
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "stylize: checkpoint \(checkpoint): not a stylize checkpoint: not a safetensors file (too short)\n")
        XCTAssertEqual(result.stdout.count, 0)
        try SafeTensorsFile(tensors: ["gram.relu1_1": NamedTensor(shape: [1, 1], values: [1])], metadata: ["format": "stylize-gram"])
            .write(to: checkpoint)
        let asGram = try stylize(method + ["--style", try style(), "--checkpoint", checkpoint], stdin: try TestImages.bytes([content()]))
        XCTAssertEqual(asGram.stderr, "stylize: checkpoint \(checkpoint): not a stylize checkpoint (no format=stylize-checkpoint in its metadata)\n")
        XCTAssertEqual(asGram.status, 1)
    }

    func testBadCheckpointIntervalsAreUsageErrors() throws {
        for value in ["0", "5x", "1,2", "m", "0.5", ",", "0s", "1s,2m"] {
            let result = try stylize(["--style", try style(), "--checkpoint", "c", "--checkpoint-every", value], stdin: Data())
            XCTAssertEqual(result.status, 64, value)
            XCTAssertEqual(result.stderr, "stylize: --checkpoint-every \"\(value)\": expected evaluations (20), a time (90s, 5m, 1h) or both (20,5m) (see stylize --help)\n", value)
        }
    }

    /// --progress-every on a pipe: one line per report after the first (every 1 ms here), in the documented form.
    func testProgressLinesOnAPipe() throws {
        let result = try stylize(method + ["--style", try style(), "--schedule", "1:4", "--progress-every", "0.001"], stdin: try TestImages.bytes([content()]))
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("stylize: image 1, stage") }
        XCTAssertEqual(lines.count, 3, result.stderr)
        let form = try NSRegularExpression(pattern: "^stylize: image 1, stage 1/1 40x30, evaluation [2-4]/4, J [0-9.]+e[0-9]+, RSS [0-9.]+ [MG]B, about [0-9]+ s left$")
        for line in lines {
            XCTAssertEqual(form.numberOfMatches(in: String(line), range: NSRange(line.startIndex..., in: line)), 1, String(line))
        }
    }
}
