import XCTest
import Engine
import ImageIO
import TestSupport
@testable import Style

/// --colors content and histogram, over the whole image and region by region.
final class ColorChoiceTests: XCTestCase {
    /// A 4x1 image, left two pixels one gray level, right two another.
    func image(_ left: Float, _ right: Float) -> [Float] {
        [left, left, left, left + 1, left + 1, left + 1, right, right, right, right + 1, right + 1, right + 1]
    }

    func halves() throws -> RegionalStyle {
        let mask = NetpbmImage(rgb: RGBImage(width: 4, height: 1, pixels: [0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255]))
        let labels = try LabelMask(image: mask, colors: [RegionColor(gray: 0), RegionColor(gray: 255)], name: "m")
        let target = StyleTarget(grams: [:], palette: image(200, 210))
        return RegionalStyle(mask: labels, regions: [StyledRegion(color: RegionColor(gray: 0), target: target),
                                                     StyledRegion(color: RegionColor(gray: 255), target: nil)])
    }

    /// `content`, per region: each half of the result takes the content's values of that half.
    func testContentColoursRegionByRegion() throws {
        let content = image(10, 100), result = image(250, 40)
        let out = ColorTransfer.after(result, content: content, width: 4, height: 1, goal: .regions(try halves()))
        XCTAssertEqual(out, content)
        // Over the whole image, the result's order decides: its bright left half takes the content's bright values.
        let whole = ColorTransfer.after(result, content: content, width: 4, height: 1, goal: .whole(StyleTarget(grams: [:])))
        XCTAssertEqual(whole, image(100, 10))
    }

    /// `histogram`, per region: a styled region's pixels take its style image's palette, a `none` region keeps its own.
    func testHistogramBeforePaintingRegionByRegion() throws {
        let content = image(10, 100)
        let out = try ColorTransfer.before(content, width: 4, height: 1, goal: .regions(try halves()))
        XCTAssertEqual(Array(out[0..<6]), [200, 200, 200, 211, 211, 211])
        XCTAssertEqual(Array(out[6..<12]), Array(content[6..<12]))
        XCTAssertThrowsError(try ColorTransfer.before(content, width: 4, height: 1, goal: .whole(StyleTarget(grams: [:])))) {
            XCTAssertEqual("\($0)", "--colors histogram needs the style's colours, and a Gram file has none: give the style image instead")
        }
    }
}
