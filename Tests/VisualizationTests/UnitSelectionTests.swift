import XCTest
@testable import Visualization

final class UnitSelectionTests: XCTestCase {
    func testParseUnits() throws {
        XCTAssertEqual(try UnitSelection.parseUnits("0,5,12-20", channels: 64), [0, 5, 12, 13, 14, 15, 16, 17, 18, 19, 20])
        XCTAssertEqual(try UnitSelection.parseUnits(" 7 , 3-4 ,63", channels: 64), [7, 3, 4, 63])
        XCTAssertEqual(try UnitSelection.parseUnits("9", channels: 10), [9])
        XCTAssertEqual(try UnitSelection.parseUnits("4-4", channels: 10), [4])
        XCTAssertEqual(try UnitSelection.parseUnits("5,3-6,5", channels: 10), [5, 3, 4, 6], "a unit named twice appears once, first place")
    }

    func testParseUnitsErrors() {
        let cases: [(String, String)] = [
            ("", "empty item"),
            ("1,,2", "empty item"),
            ("1,", "empty item"),
            ("a", "bad unit \"a\""),
            ("-3", "bad unit \"-3\""),
            ("1-2-3", "bad unit \"1-2-3\""),
            ("5-2", "bad range \"5-2\""),
            ("3-", "bad unit \"3-\""),
            ("64", "unit 64 does not exist: the layer has 64 units (0-63)"),
            ("60-70", "unit 70 does not exist"),
            ("1.5", "bad unit \"1.5\""),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try UnitSelection.parseUnits(text, channels: 64), text) { error in
                XCTAssertTrue("\(error)".contains(message), "\"\(text)\": \(error)")
            }
        }
    }

    func testTopUnits() {
        let maxima: [Float] = [3, 9, 0, 9, 5, 1]
        XCTAssertEqual(UnitSelection.topUnits(maxima: maxima, count: 1), [1])
        XCTAssertEqual(UnitSelection.topUnits(maxima: maxima, count: 3), [1, 3, 4], "ties by unit index")
        XCTAssertEqual(UnitSelection.topUnits(maxima: maxima, count: 100), [1, 3, 4, 0, 5, 2], "more than there are: all")
        XCTAssertEqual(UnitSelection.top(2).resolve(maxima: maxima), [1, 3])
        XCTAssertEqual(UnitSelection.units([5, 0]).resolve(maxima: maxima), [5, 0])
        XCTAssertEqual(UnitSelection.defaultTop, 16)
    }
}
