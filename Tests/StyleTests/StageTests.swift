import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

/// The coarse-to-fine schedule as text (--schedule).
final class StageTests: XCTestCase {
    func testScheduleParsing() throws {
        XCTAssertEqual(try Stage.parseSchedule("0.25:10,0.5:20,1:30"),
                       [Stage(scale: 0.25, evaluations: 10), Stage(scale: 0.5, evaluations: 20), Stage(scale: 1, evaluations: 30)])
        XCTAssertThrowsError(try Stage.parseSchedule("1:10,0.5:20")) { XCTAssertEqual("\($0)", "schedule \"1:10,0.5:20\": scales must increase and end at 1") }
        XCTAssertThrowsError(try Stage.parseSchedule("0.5")) { XCTAssertEqual("\($0)", "bad schedule entry \"0.5\": expected SCALE:EVALUATIONS with 0 < SCALE <= 1") }
    }
}
