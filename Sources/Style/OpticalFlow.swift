import COpticalFlow

/// A dense motion field: for each pixel (row-major) a displacement (dx, dy) in pixels, interleaved.
/// A flow from image A to image B says A(x, y) ≈ B(x + dx, y + dy).
public struct FlowField: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// 2 floats a pixel: dx, dy.
    public var vectors: [Float]

    public init(width: Int, height: Int, vectors: [Float]) {
        precondition(vectors.count == width * height * 2, "2 floats a pixel")
        self.width = width
        self.height = height
        self.vectors = vectors
    }

    /// The same displacement everywhere.
    public static func constant(width: Int, height: Int, dx: Float, dy: Float) -> FlowField {
        var vectors = [Float](repeating: 0, count: width * height * 2)
        for i in 0..<width * height { vectors[2 * i] = dx; vectors[2 * i + 1] = dy }
        return FlowField(width: width, height: height, vectors: vectors)
    }
}

/// How much work DIS spends on a flow (cv::DISOpticalFlow's presets). At about 512x384 on a 2-core machine
/// of the project's kind: ultrafast 2 ms a frame pair, fast 3.4-4.7 ms, medium 18-35 ms.
public enum FlowPreset: String, CaseIterable, Sendable {
    case ultrafast, fast, medium

    var code: Int32 {
        switch self {
        case .ultrafast: STZ_FLOW_ULTRAFAST
        case .fast: STZ_FLOW_FAST
        case .medium: STZ_FLOW_MEDIUM
        }
    }
}

/// Dense optical flow by OpenCV's DIS (Kroeger et al. 2016) on the images' luma.
public enum OpticalFlow {
    /// The flow from `from` to `to` (interleaved RGB, 0...255, both width x height): from(p) ≈ to(p + flow(p)).
    /// Throws (with OpenCV's reason) when DIS fails, e.g. on images under 8 px on a side.
    public static func dis(from: [Float], to: [Float], width: Int, height: Int, preset: FlowPreset = .medium) throws -> FlowField {
        precondition(from.count == width * height * 3 && to.count == from.count, "two RGB images of one size")
        var vectors = [Float](repeating: 0, count: width * height * 2)
        var message = [CChar](repeating: 0, count: Int(STZ_FLOW_MESSAGE_CAPACITY))
        let status = stz_dis_flow(from, to, Int32(width), Int32(height), preset.code, &vectors, &message, message.count)
        guard status == 0 else {
            throw StyleError.opticalFlow(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return FlowField(width: width, height: height, vectors: vectors)
    }
}
