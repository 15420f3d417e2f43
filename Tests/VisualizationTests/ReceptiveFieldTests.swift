import Engine
import TestSupport
import XCTest
@testable import Visualization

final class ReceptiveFieldTests: XCTestCase {
    /// VGG16 by hand, layer by layer: a 3x3 convolution (stride 1, padding 1) adds 2*jump to the field and
    /// moves its first pixel back by jump; a 2x2 pooling (stride 2) adds jump and doubles the jump; a ReLU
    /// changes nothing. (name, field, jump, first pixel of position 0)
    static let vgg16: [(String, Int, Int, Int)] = [
        ("conv1_1", 3, 1, -1), ("relu1_1", 3, 1, -1),      // 1 + 2*1
        ("conv1_2", 5, 1, -2), ("relu1_2", 5, 1, -2),      // 3 + 2*1
        ("pool1", 6, 2, -2),                               // 5 + 1, jump 2
        ("conv2_1", 10, 2, -4), ("relu2_1", 10, 2, -4),    // 6 + 2*2
        ("conv2_2", 14, 2, -6), ("relu2_2", 14, 2, -6),    // 10 + 2*2
        ("pool2", 16, 4, -6),                              // 14 + 2, jump 4
        ("conv3_1", 24, 4, -10), ("relu3_1", 24, 4, -10),  // 16 + 2*4
        ("conv3_2", 32, 4, -14), ("relu3_2", 32, 4, -14),
        ("conv3_3", 40, 4, -18), ("relu3_3", 40, 4, -18),
        ("pool3", 44, 8, -18),                             // 40 + 4, jump 8
        ("conv4_1", 60, 8, -26), ("relu4_1", 60, 8, -26),  // 44 + 2*8
        ("conv4_2", 76, 8, -34), ("relu4_2", 76, 8, -34),
        ("conv4_3", 92, 8, -42), ("relu4_3", 92, 8, -42),
        ("pool4", 100, 16, -42),                           // 92 + 8, jump 16
        ("conv5_1", 132, 16, -58), ("relu5_1", 132, 16, -58), // 100 + 2*16
        ("conv5_2", 164, 16, -74), ("relu5_2", 164, 16, -74),
        ("conv5_3", 196, 16, -90), ("relu5_3", 196, 16, -90),
        ("pool5", 212, 32, -90),                           // 196 + 16, jump 32
    ]

    func testVGG16FieldsMatchTheHandComputation() throws {
        let net = try Fixtures.vgg16()
        XCTAssertEqual(net.layers.map(\.name), Self.vgg16.map(\.0))
        for (name, size, jump, first) in Self.vgg16 {
            XCTAssertEqual(try net.receptiveField(of: name), ReceptiveField(size: size, jump: jump, first: first), name)
        }
    }

    /// Centers: position 0 of conv1_1 is centered on pixel 0; after each pooling on a half pixel
    /// (pool1's position 0 sees pixels -2...3, centered on 0.5, i.e. between pixels 0 and 1).
    func testCentersAndStarts() {
        let relu1_1 = ReceptiveField(size: 3, jump: 1, first: -1)
        XCTAssertEqual(relu1_1.center(0), 0)
        XCTAssertEqual(relu1_1.center(7), 7)
        XCTAssertEqual(relu1_1.start(7), 6)
        let pool1 = ReceptiveField(size: 6, jump: 2, first: -2)
        XCTAssertEqual(pool1.center(0), 0.5)
        XCTAssertEqual(pool1.center(3), 6.5)
        XCTAssertEqual(pool1.start(3), 4)
        let relu3_1 = ReceptiveField(size: 24, jump: 4, first: -10)
        XCTAssertEqual(relu3_1.center(0), 1.5)
        XCTAssertEqual(relu3_1.center(10), 41.5)
    }

    /// Duplicates: centers closer than half the field, i.e. d*jump < size/2 for d positions apart.
    func testDuplicateRadius() {
        XCTAssertEqual(ReceptiveField(size: 3, jump: 1, first: -1).duplicateRadius, 1)   // 1 < 1.5 <= 2
        XCTAssertEqual(ReceptiveField(size: 5, jump: 1, first: -2).duplicateRadius, 2)   // 2 < 2.5 <= 3
        XCTAssertEqual(ReceptiveField(size: 6, jump: 2, first: -2).duplicateRadius, 1)   // 2 < 3 <= 4
        XCTAssertEqual(ReceptiveField(size: 24, jump: 4, first: -10).duplicateRadius, 2) // 8 < 12 <= 12
        XCTAssertEqual(ReceptiveField(size: 196, jump: 16, first: -90).duplicateRadius, 6) // 96 < 98 <= 112
    }

    /// The computation follows the network's own layers, not a table: another block structure.
    func testFieldsFollowTheLayersOfAnyStack() throws {
        let net = try VGG(weights: SyntheticNetwork.file(blocks: [1, 3]))
        XCTAssertEqual(net.layers.map(\.name), ["conv1_1", "relu1_1", "pool1", "conv2_1", "relu2_1",
                                                "conv2_2", "relu2_2", "conv2_3", "relu2_3", "pool2"])
        let fields = ReceptiveField.fields(of: net.layers)
        XCTAssertEqual(fields.map(\.size), [3, 3, 4, 8, 8, 12, 12, 16, 16, 18])
        XCTAssertEqual(fields.map(\.jump), [1, 1, 2, 2, 2, 2, 2, 2, 2, 4])
        XCTAssertEqual(fields.map(\.first), [-1, -1, -1, -3, -3, -5, -5, -7, -7, -7])
    }
}
