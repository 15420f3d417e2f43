import Foundation
import XCTest
import Engine
import ImageIO
import TestSupport

/// What stylize says about each image: the summary line (sizes, each stage's evaluations) and --verbose's parts of J.
final class StylizeMessageTests: XCTestCase {
    func run(_ arguments: [String], stdin: Data) throws -> CommandResult {
        let style = try TestImages.write([NetpbmImage(rgb: TestImages.pattern(width: 40, height: 32, seed: 5))], to: "message-style.ppm")
        let result = try CommandRunner.run("stylize", ["--style", style, "--tolerance", "0"] + arguments + ["--weights", try Fixtures.weightsPath()],
                                           stdin: stdin)
        XCTAssertEqual(result.status, 0, result.stderr)
        return result
    }

    /// The line up to ", J " (what follows holds J and the seconds, which vary).
    func summaries(_ stderr: String) -> [String] {
        stderr.components(separatedBy: "\n").filter { $0.contains("(written image)") }.map { $0.components(separatedBy: ", J ")[0] }
    }

    func testSummaryLineGivesSizesAndEachStage() throws {
        let big = try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 128, height: 96))])
        let sized = try run(["--size", "64", "--schedule", "0.5:2,1:4", "--iterations", "3"], stdin: big)
        XCTAssertEqual(summaries(sized.stderr), ["stylize: image 1: 128x96 in, 64x48 working, 64x48 out, evaluations 0.5:2 + 1:3 = 5"])
        let frame = NetpbmImage(rgb: TestImages.pattern(width: 40, height: 30))
        let stream = try run(["--schedule", "1:2", "--frame-iterations", "1"], stdin: try TestImages.bytes([frame, frame]))
        XCTAssertEqual(summaries(stream.stderr), [
            "stylize: image 1: 40x30 in, 40x30 working, 40x30 out, evaluations 1:2 = 2",
            "stylize: image 2: 40x30 in, 40x30 working, 40x30 out, evaluations 1:1 = 1, warm start from the previous image (--frame-iterations; flow, 100% held)",
        ])
    }

    /// A Gram file made at another size than the one it is used at is noted, once per working size.
    func testGramFileOfAnotherSizeIsNoted() throws {
        let style = try TestImages.write([NetpbmImage(rgb: TestImages.pattern(width: 40, height: 32, seed: 5))], to: "note-style.ppm")
        let gram = try CommandRunner.run("gram", ["--size", "40", "--weights", try Fixtures.weightsPath()], stdin: try CommandRunner.file(style))
        XCTAssertEqual(gram.status, 0, gram.stderr)
        let path = TestImages.path("note-40.gram")
        try gram.stdout.write(to: URL(fileURLWithPath: path))
        let frame = try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 40, height: 30))])
        let arguments = ["--gram", path, "--schedule", "1:1", "--weights", try Fixtures.weightsPath()]
        let other = try CommandRunner.run("stylize", arguments + ["--size", "32"], stdin: frame + frame)
        XCTAssertEqual(other.status, 0, other.stderr)
        XCTAssertEqual(other.stderr.components(separatedBy: "\n").filter { $0.contains("made at") },
                       ["stylize: \(path): made at 40 px, the style size here is 32 px (the working size): its textures keep their scale; gram --size 32 makes a matching file"])
        let same = try CommandRunner.run("stylize", arguments, stdin: frame)
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertFalse(same.stderr.contains("made at"), same.stderr)
    }

    /// One line per evaluation, each with J's parts and every style layer, in --style-layers order.
    func testVerbosePrintsThePartsOfJ() throws {
        let input = try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 40, height: 30))])
        let result = try run(["--schedule", "1:3", "--style-layers", "relu2_1,relu1_1", "--verbose"], stdin: input)
        let lines = result.stderr.components(separatedBy: "\n").filter { $0.contains(" evaluation ") }
        XCTAssertEqual(lines.count, 3, result.stderr)
        let pattern = #"^stylize: image 1 stage 1/1 40x30 evaluation [1-3]/3: J \S+ \(J_content \S+, J_style \S+ \(relu2_1 \S+, relu1_1 \S+\), J_tv \S+\)$"#
        for line in lines {
            XCTAssertNotNil(line.range(of: pattern, options: .regularExpression), line)
        }
        // First the kernel (names vary with the CPU and OPENBLAS_CORETYPE: the shape is checked).
        let first = result.stderr.components(separatedBy: "\n")[0]
        let kernel = #"^stylize: OpenBLAS \d+\.\d+\.\d+, kernel [A-Za-z0-9_]+( \((SSE|AVX|AVX2|AVX-512|AVX-512 BF16)\))?, CPU (SSE|AVX|AVX2|AVX-512|AVX-512 BF16)"#
            + #"( \(OpenBLAS picked [A-Za-z0-9_]+( \((SSE|AVX|AVX2|AVX-512|AVX-512 BF16)\))? for this CPU; set OPENBLAS_CORETYPE to choose\))?"#
            + #"( \(OPENBLAS_CORETYPE=\S+\)(; this CPU could run [A-Za-z]+ \([A-Z0-9 -]+\) kernels, faster: unset OPENBLAS_CORETYPE)?)?"#
            + #"; Winograd transforms: C (x86-64 \(SSE2\)|AVX2|AVX-512); backward products: (float32|bfloat16 \(oneDNN \S+ \S+\))$"#
        XCTAssertNotNil(first.range(of: kernel, options: .regularExpression), first)
        // The transforms' loops are those of this CPU's newest instruction set (cpuid in this process too), the
        // backward products bfloat16 where it has AVX-512 BF16 (--backward-precision auto).
        XCTAssertTrue(first.hasSuffix("; Winograd transforms: \(TransformLoops.best); backward products: \(BackwardProducts.best)"), first)
        let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].map { !$0.isEmpty } ?? false
        XCTAssertEqual(first.contains("(OPENBLAS_CORETYPE="), forced, first)
        // Nobody chose a kernel: stylize runs one of the CPU's own level, whatever OpenBLAS picked (BLASKernelChoice).
        if !forced {
            let level = InstructionLevel.cpu
            XCTAssertTrue(first.contains(" (\(level)), CPU \(level)"), first)
        }
        XCTAssertEqual(result.stderr.components(separatedBy: "\n").filter { $0.contains("OpenBLAS") }.count, 1, "once per run")
    }

    /// --backward-precision float32 keeps the products float32 on any CPU; bfloat16 runs where the CPU has AVX-512
    /// BF16 (elsewhere it is refused: OptionTests).
    func testBackwardPrecisionChoices() throws {
        let input = try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 24, height: 16))])
        func firstLine(_ precision: String) throws -> String {
            try run(["--schedule", "1:1", "--verbose", "--backward-precision", precision], stdin: input).stderr.components(separatedBy: "\n")[0]
        }
        let float32 = try firstLine("float32")
        XCTAssertTrue(float32.hasSuffix("; backward products: float32"), float32)
        if BackwardProducts.bfloat16.runsHere {
            let bfloat16 = try firstLine("bfloat16")
            XCTAssertTrue(bfloat16.contains("; backward products: bfloat16 (oneDNN "), bfloat16)
        }
    }

    /// --verbose names each stage's memory plan once, before its first evaluation: untiled with the history in
    /// memory by default; under a --memory too small for that (200 px untiled: 200² (1500 + 12 48) = 83 MB of
    /// the 73 MB left of 420M after the fixed 350 MiB), tiles of 128 px with the history paged (64 MB).
    func testVerboseNamesEachStagesMemoryPlan() throws {
        func plans(_ stderr: String) -> [String] {
            stderr.components(separatedBy: "\n").filter { $0.contains(" history pairs ") }
        }
        let small = try run(["--schedule", "1:2", "--verbose"],
                            stdin: try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 40, height: 30))]))
        XCTAssertEqual(plans(small.stderr), ["stylize: image 1 stage 1/1 40x30: untiled, 20 history pairs in memory"])
        let bounded = try run(["--schedule", "1:1", "--memory", "420M", "--verbose"],
                              stdin: try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 200, height: 200))]))
        let lines = plans(bounded.stderr)
        XCTAssertEqual(lines.count, 1, bounded.stderr)
        XCTAssertTrue(lines[0].hasPrefix("stylize: image 1 stage 1/1 200x200: tiles of 128 px, 10 history pairs paged to "), lines[0])
        XCTAssertTrue(lines[0].hasSuffix(" (with the content targets)"), lines[0])
    }

    /// Without --verbose the kernel is not named.
    func testKernelIsNamedOnlyWhenVerbose() throws {
        let input = try TestImages.bytes([NetpbmImage(rgb: TestImages.pattern(width: 40, height: 30))])
        let result = try run(["--schedule", "1:1"], stdin: input)
        XCTAssertFalse(result.stderr.contains("OpenBLAS"), result.stderr)
    }
}
