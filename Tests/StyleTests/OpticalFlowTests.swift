import XCTest
import Engine
import TestSupport
@testable import Style

final class OpticalFlowTests: XCTestCase {
    /// Frame b is frame a's view moved by (dx, dy), so a(p) = b(p - (dx, dy)): the flow a -> b is -(dx, dy).
    /// DIS is approximate (patch matching plus a variational refinement on 8-bit luma): away from the
    /// 16 px border, where part of the patches leave the view, the mean error of "medium" (the default) is
    /// asserted under 0.25 px (a quarter pixel: a bilinear warp off by that moves a texture of this slope by
    /// a few levels), of the cheaper presets (fewer refinement iterations; 0.33 px seen on the 8.6 px shift)
    /// under 0.5 px; no vector of any preset is off by more than 1 px.
    func testRecoversAShift() throws {
        let (width, height) = (96, 64)
        let shifts = [(3, 0), (-2, 4), (7, -5)]
        let frames = views(seed: 3, bigWidth: 160, bigHeight: 120, width: width, height: height,
                           at: [(30, 25)] + shifts.map { (30 + $0.0, 25 + $0.1) })
        let a = frames[0]
        for preset in FlowPreset.allCases {
            for ((dx, dy), b) in zip(shifts, frames.dropFirst()) {
                let flow = try OpticalFlow.dis(from: a, to: b, width: width, height: height, preset: preset)
                var sum = 0.0, worst = 0.0, count = 0
                for y in 16..<(height - 16) {
                    for x in 16..<(width - 16) {
                        let i = y * width + x
                        let error = Double(hypot(flow.vectors[2 * i] + Float(dx), flow.vectors[2 * i + 1] + Float(dy)))
                        sum += error
                        worst = max(worst, error)
                        count += 1
                    }
                }
                XCTAssertLessThan(sum / Double(count), preset == .medium ? 0.25 : 0.5, "\(preset) shift (\(dx), \(dy))")
                XCTAssertLessThan(worst, 1, "\(preset) shift (\(dx), \(dy))")
            }
        }
    }

    func testTooSmallIsAnError() {
        let tiny = [Float](repeating: 100, count: 5 * 20 * 3)
        XCTAssertThrowsError(try OpticalFlow.dis(from: tiny, to: tiny, width: 5, height: 20)) {
            XCTAssertEqual("\($0)", "optical flow: 5x20 is too small for optical flow (at least 8x8)")
        }
    }
}
