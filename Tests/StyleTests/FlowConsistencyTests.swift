import XCTest
@testable import Style

final class FlowConsistencyTests: XCTestCase {
    /// The normalized Gaussian taps of σ 0.8 at offsets 0, 1, 2 (FlowConsistency's blur).
    let taps: [Float] = {
        let t = (0...2).map { exp(-Float($0 * $0) / (2 * 0.64)) }
        let total = t[0] + 2 * t[1] + 2 * t[2]
        return t.map { $0 / total }
    }()

    /// A camera pan: frame t is frame t-1 moved 3 px left, so 3 columns of new content enter at the right.
    /// Weight 1 inside, 0 on the new columns, and the blur's ramp between: k0 on the last old column
    /// (2 of its 5 taps fall on -1 values), 1 - 2 k2 on the one before.
    func testPureShift() {
        let (width, height) = (20, 6)
        let backward = FlowField.constant(width: width, height: height, dx: 3, dy: 0)
        let forward = FlowField.constant(width: width, height: height, dx: -3, dy: 0)
        let (weights, verdicts) = FlowConsistency.weights(backward: backward, forward: forward)
        // Sums of 5 products of size <= 1: within 5 eps of the exact value; 1e-5 leaves room.
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                XCTAssertEqual(verdicts[i], x >= width - 3 ? .disoccluded : .reliable, "(\(x), \(y))")
                let expected: Float = x >= width - 3 ? 0 : x == width - 4 ? taps[0] : x == width - 5 ? 1 - 2 * taps[2] : 1
                XCTAssertEqual(weights[i], expected, accuracy: 1e-5, "(\(x), \(y))")
            }
        }
    }

    /// An object moving 4 px right over a still background: the strip it uncovered is a disocclusion, its
    /// edges in the backward flow are motion boundaries, the rest is reliable.
    func testMovingObject() {
        let (width, height, s) = (24, 12, Float(4))
        let (left, right, top, bottom) = (10, 18, 3, 9)   // the object in frame t: columns 10..<18, rows 3..<9
        func inObject(_ x: Int, _ y: Int, shift: Int) -> Bool { x >= left - shift && x < right - shift && y >= top && y < bottom }
        var backward = FlowField.constant(width: width, height: height, dx: 0, dy: 0)
        var forward = backward
        for y in 0..<height {
            for x in 0..<width {
                if inObject(x, y, shift: 0) { backward.vectors[2 * (y * width + x)] = -s }   // came from 4 px left
                if inObject(x, y, shift: 4) { forward.vectors[2 * (y * width + x)] = s }     // goes 4 px right
            }
        }
        let verdicts = FlowConsistency.check(backward: backward, forward: forward)
        for y in 0..<height {
            for x in 0..<width {
                let v = verdicts[y * width + x]
                let uncovered = x >= left - 4 && x < left && y >= top && y < bottom
                // Central differences of the backward flow are nonzero one pixel either side of its edges
                // (across a vertical edge only on the object's rows, across a horizontal one on its columns).
                let nearEdge = ((top..<bottom).contains(y) && [left - 1, left, right - 1, right].contains(x))
                    || ((left..<right).contains(x) && [top - 1, top, bottom - 1, bottom].contains(y))
                if uncovered {
                    XCTAssertEqual(v, .disoccluded, "(\(x), \(y))")
                } else if nearEdge {
                    XCTAssertEqual(v, .motionBoundary, "(\(x), \(y))")
                } else {
                    XCTAssertEqual(v, .reliable, "(\(x), \(y))")
                }
            }
        }
    }
}
