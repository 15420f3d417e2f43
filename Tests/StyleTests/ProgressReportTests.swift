import XCTest
import FilterSupport

/// The progress line's form, and the time-left estimate from the rate of work done.
final class ProgressReportTests: XCTestCase {
    func testTheLineNamesStageSizeEvaluationMemoryAndTimeLeft() {
        var report = ProgressReport(image: 2, stage: 2, stages: 3, width: 1024, height: 768, evaluation: 12, evaluations: 75,
                                    cost: 6.1e6, residentBytes: 1_214_000_000, secondsLeft: 250.4)
        XCTAssertEqual(report.line, "image 2, stage 2/3 1024x768, evaluation 12/75, J 6.1e6, RSS 1.21 GB, about 4 min 10 s left")
        report.residentBytes = 849_600_000
        report.secondsLeft = nil
        XCTAssertEqual(report.line, "image 2, stage 2/3 1024x768, evaluation 12/75, J 6.1e6, RSS 850 MB", "no estimate yet: left out")
        report.residentBytes = nil
        XCTAssertEqual(report.line, "image 2, stage 2/3 1024x768, evaluation 12/75, J 6.1e6")
    }

    func testDurations() {
        XCTAssertEqual(ProgressReport.duration(0.4), "0 s")
        XCTAssertEqual(ProgressReport.duration(59.4), "59 s")
        XCTAssertEqual(ProgressReport.duration(60), "1 min 0 s")
        XCTAssertEqual(ProgressReport.duration(3599), "59 min 59 s")
        XCTAssertEqual(ProgressReport.duration(7500), "2 h 5 min")
        XCTAssertEqual(ProgressReport.duration(-3), "0 s")
    }

    /// Work left over the rate since the first report: 300 units done in 10 s, 600 left: 20 s.
    func testTimeLeftIsWorkLeftOverTheRateSoFar() {
        var estimate = TimeLeft()
        XCTAssertNil(estimate.update(workLeft: 900, now: 100), "no rate from one report")
        XCTAssertNil(estimate.update(workLeft: 900, now: 105), "no work done yet")
        XCTAssertEqual(try XCTUnwrap(estimate.update(workLeft: 600, now: 110)), 20, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(estimate.update(workLeft: 0, now: 130)), 0, accuracy: 1e-9)
    }

    func testResidentMemoryIsReadOnLinux() throws {
        let bytes = try XCTUnwrap(ResidentMemory.current())
        // This test process holds at least its code and the XCTest runtime (several MB), and less than the machine.
        XCTAssertGreaterThan(bytes, 1_000_000)
        XCTAssertLessThan(bytes, Int(ProcessInfo.processInfo.physicalMemory))
    }
}
