import XCTest
import Engine
import EngineND
import TestSupport

/// Output sizes: floor((in + padLow + padHigh - k) / stride) + 1, with TensorFlow's "same", checked exactly on
/// real forward passes (not only on the geometry), and the tensor conversions.
final class NDShapeTests: XCTestCase {
    /// The classic 3-D stack: 14^3 x 1 -> 16 filters 5^3 x 1 (valid) -> 10^3 x 16 -> 32 filters 5^3 x 16 -> 6^3 x 32.
    func testVolumeStack() {
        let x = randomND(1, [14, 14, 14], seed: 1)
        let first = randomConv(1, 16, kernel: [5, 5, 5], seed: 2).forward(x)
        XCTAssertEqual(first.shape, [10, 10, 10])
        XCTAssertEqual(first.channels, 16)
        XCTAssertEqual(first.count, 10 * 10 * 10 * 16)
        let second = randomConv(16, 32, kernel: [5, 5, 5], seed: 3).forward(first)
        XCTAssertEqual(second.shape, [6, 6, 6])
        XCTAssertEqual(second.channels, 32)
    }

    /// 1-D: a length-14 single-channel signal with 16 filters of size 5 gives 10 x 16.
    func testSignal() {
        let y = randomConv(1, 16, kernel: [5], seed: 4).forward(randomND(1, [14], seed: 5))
        XCTAssertEqual(y.shape, [10])
        XCTAssertEqual(y.channels, 16)
    }

    /// 2-D 7x9, 3x3, stride 2, same: ceil(7/2) x ceil(9/2) = 4x5, padding 1 on each side of both dimensions
    /// ((4-1)*2+3-7 = 2 and (5-1)*2+3-9 = 2).
    func testSameWithStride() {
        let conv = randomConv(2, 3, kernel: [3, 3], stride: [2, 2], padding: .same, seed: 6)
        let y = conv.forward(randomND(2, [7, 9], seed: 7))
        XCTAssertEqual(y.shape, [4, 5])
        XCTAssertEqual(y.channels, 3)
        let g = conv.geometry(inputShape: [7, 9])
        XCTAssertEqual(g.padLow, [1, 1])
        XCTAssertEqual(g.padHigh, [1, 1])
    }

    /// Odd total padding goes to the high side, as in TensorFlow; stride 1 same keeps the size.
    func testSamePaddingSplit() {
        let g = WindowGeometry(input: [7, 10, 5], kernel: [4, 3, 2], stride: [1, 1, 1], padding: .same)
        XCTAssertEqual(g.output, [7, 10, 5])
        XCTAssertEqual(g.padLow, [1, 1, 0])
        XCTAssertEqual(g.padHigh, [2, 1, 1])
        // Stride larger than the kernel: ceil(10/4) = 3, total padding max(2*4+2-10, 0) = 0.
        let h = WindowGeometry(input: [10], kernel: [2], stride: [4], padding: .same)
        XCTAssertEqual(h.output, [3])
        XCTAssertEqual(h.padLow + h.padHigh, [0, 0])
        // 3-D same with strides (2, 1, 3) on 5x6x7: 3x6x3.
        let y = randomConv(1, 2, kernel: [3, 3, 3], stride: [2, 1, 3], padding: .same, seed: 8)
            .forward(randomND(1, [5, 6, 7], seed: 9))
        XCTAssertEqual(y.shape, [3, 6, 3])
    }

    func testValidAndExplicitWithStride() {
        // floor((13 - 4) / 3) + 1 = 4.
        XCTAssertEqual(randomConv(1, 1, kernel: [4], stride: [3], seed: 10).forward(randomND(1, [13], seed: 11)).shape, [4])
        // floor((8 + 2 + 1 - 3) / 2) + 1 = 5 and floor((7 + 0 + 3 - 5) / 1) + 1 = 6.
        let conv = randomConv(1, 1, kernel: [3, 5], stride: [2, 1], padding: .explicit(low: [2, 0], high: [1, 3]), seed: 12)
        XCTAssertEqual(conv.forward(randomND(1, [8, 7], seed: 13)).shape, [5, 6])
        // Pooling: 2x2x2 stride 2 valid on 5x6x7 -> 2x3x3; 3 stride 2 same on 9 -> 5.
        XCTAssertEqual(PoolND(.max, window: [2, 2, 2]).forward(randomND(2, [5, 6, 7], seed: 14)).shape, [2, 3, 3])
        XCTAssertEqual(PoolND(.average, window: [3], stride: [2], padding: .same).forward(randomND(1, [9], seed: 15)).shape, [5])
    }

    func testTensorConversions() {
        let image = randomTensor(3, 4, 5, seed: 16)
        let nd = NDTensor(image)
        XCTAssertEqual(nd.shape, [4, 5])
        XCTAssertEqual(nd[2, [3, 1]], image[2, 3, 1])
        XCTAssertEqual(Tensor(nd), image)
        let signal = randomND(2, [6], seed: 17)
        let row = Tensor(signal)
        XCTAssertEqual(row.shape, [2, 1, 6])
        XCTAssertEqual(row[1, 0, 4], signal[1, [4]])
    }
}
