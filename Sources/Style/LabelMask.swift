import ImageIO

/// A region's colour in a label map, 8 bits per channel (a PGM's gray level g is (g, g, g)).
public struct RegionColor: Hashable, Sendable, CustomStringConvertible {
    public var red: UInt8, green: UInt8, blue: UInt8
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        (self.red, self.green, self.blue) = (red, green, blue)
    }
    public init(gray: UInt8) { self.init(red: gray, green: gray, blue: gray) }

    /// "#rrggbb"; a gray "#808080" is also written so (`--region 128=...` names it).
    public var description: String {
        "#" + [red, green, blue].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    var vector: SIMD3<Float> { SIMD3(Float(red), Float(green), Float(blue)) }
}

/// A label map (`stylize --mask`, `gram --mask`): each region colour names a region, and each pixel gets one
/// weight in 0...1 per region (its guidance channel at the pixels, `Guidance` carries it to the layers).
///
/// A pixel of a region's colour has weight 1 there and 0 elsewhere (hard labels). A pixel of another colour is a
/// blend (a soft mask: a blurred label map): it is projected onto the segment between its two nearest
/// region colours, c = (1 - s) a + s b, and gets 1 - s for a and s for b, so the weights sum to 1 at every
/// pixel. A colour farther than `blendTolerance` levels from that segment is neither, and is refused; so is
/// a region colour that no pixel has. Values are compared in 0...255 (`NetpbmImage.rgb`, any maxval).
public struct LabelMask: Sendable {
    public let width: Int
    public let height: Int
    public let colors: [RegionColor]
    /// Per region (in `colors`' order), row-major `height` x `width` weights.
    public let channels: [[Float]]

    /// How far, in 0...255 levels, a blend may lie off the segment between two region colours: a blur
    /// rounded to 8 bits is off it by at most √3/2 ≈ 0.87 (half a level per channel); 1.5 leaves room for
    /// one more rounding (a blur at 16 bits, then converted).
    public static let blendTolerance: Float = 1.5

    /// Reads the weights of `colors` from `image`; `name` (the file) is in the messages.
    public init(image: NetpbmImage, colors: [RegionColor], name: String) throws {
        precondition(!colors.isEmpty)
        let rgb = image.rgb()
        let centres = colors.map(\.vector)
        var channels = [[Float]](repeating: [Float](repeating: 0, count: rgb.width * rgb.height), count: colors.count)
        var counts = [Int](repeating: 0, count: colors.count)
        var strays: [RegionColor: Int] = [:]
        for p in 0..<(rgb.width * rgb.height) {
            let c = SIMD3(rgb.pixels[3 * p], rgb.pixels[3 * p + 1], rgb.pixels[3 * p + 2])
            let order = centres.indices.sorted { Self.distance(c, centres[$0]) < Self.distance(c, centres[$1]) }
            let a = order[0]
            if Self.distance(c, centres[a]) < 0.5 {
                channels[a][p] = 1
                counts[a] += 1
                continue
            }
            if order.count > 1 {
                let b = order[1]
                let ab = centres[b] - centres[a]
                let s = min(max(((c - centres[a]) * ab).sum() / (ab * ab).sum(), 0), 1)
                if Self.distance(c, centres[a] + s * ab) <= Self.blendTolerance {
                    channels[a][p] = 1 - s
                    channels[b][p] = s
                    continue
                }
            }
            let q = c.rounded(.toNearestOrAwayFromZero)
            strays[RegionColor(red: UInt8(q.x), green: UInt8(q.y), blue: UInt8(q.z)), default: 0] += 1
        }
        if let missing = counts.indices.first(where: { counts[$0] == 0 }) {
            throw StyleError.mask("\(name): no pixel has the colour \(colors[missing]) of --region \(colors[missing])")
        }
        if !strays.isEmpty {
            let listed = strays.sorted { ($0.value, $1.key.description) > ($1.value, $0.key.description) }
            let shown = listed.prefix(3).map { "\($0.key) (\($0.value) pixel\($0.value == 1 ? "" : "s"))" }.joined(separator: ", ")
            throw StyleError.mask("\(name): colour\(listed.count == 1 ? "" : "s") \(shown)\(listed.count > 3 ? " and \(listed.count - 3) more" : "") "
                                  + "\(listed.count == 1 ? "is" : "are") neither a --region colour nor a blend of two: give each a --region (STYLE or none)")
        }
        self.width = rgb.width
        self.height = rgb.height
        self.colors = colors
        self.channels = channels
    }

    /// One region's weights for `gram --mask`: with `label`, 1 at the pixels of exactly that colour and 0
    /// elsewhere (refused when no pixel has it); without, the gray level as a weight (mean of R, G, B / 255:
    /// white in, black out, gray partly).
    public static func weights(image: NetpbmImage, label: RegionColor?, name: String) throws -> [Float] {
        let rgb = image.rgb()
        let n = rgb.width * rgb.height
        guard let label else {
            return (0..<n).map { (rgb.pixels[3 * $0] + rgb.pixels[3 * $0 + 1] + rgb.pixels[3 * $0 + 2]) / (3 * 255) }
        }
        let weights: [Float] = (0..<n).map { p in
            distance(SIMD3(rgb.pixels[3 * p], rgb.pixels[3 * p + 1], rgb.pixels[3 * p + 2]), label.vector) < 0.5 ? 1 : 0
        }
        guard weights.contains(1) else { throw StyleError.mask("\(name): no pixel has the colour \(label) of --label") }
        return weights
    }

    /// Nearest sampling of one channel of `width` x `height` to another size.
    public static func nearest(_ channel: [Float], width: Int, height: Int, toWidth newWidth: Int, toHeight newHeight: Int) -> [Float] {
        if newWidth == width && newHeight == height { return channel }
        let xs = (0..<newWidth).map { min(width - 1, Int((Double($0) + 0.5) * Double(width) / Double(newWidth))) }
        let ys = (0..<newHeight).map { min(height - 1, Int((Double($0) + 0.5) * Double(height) / Double(newHeight))) }
        var out = [Float](repeating: 0, count: newWidth * newHeight)
        for (y, sy) in ys.enumerated() {
            for (x, sx) in xs.enumerated() { out[y * newWidth + x] = channel[sy * width + sx] }
        }
        return out
    }

    static func distance(_ a: SIMD3<Float>, _ b: SIMD3<Float>) -> Float {
        let d = a - b
        return (d * d).sum().squareRoot()
    }

    /// The channels at another size, by nearest sampling (a hard label stays hard; a blend keeps its weights).
    public func channels(width newWidth: Int, height newHeight: Int) -> [[Float]] {
        channels.map { Self.nearest($0, width: width, height: height, toWidth: newWidth, toHeight: newHeight) }
    }

    /// Refuses an image of another aspect ratio than the mask (it is not fitted: a fitted mask would put the
    /// regions elsewhere than drawn). Allowed: the rounding of one pixel at the smaller of the two sizes.
    public func checkShape(width imageWidth: Int, height imageHeight: Int, name: String, image: String) throws {
        try Self.checkShape(maskWidth: width, maskHeight: height, width: imageWidth, height: imageHeight, name: name, image: image)
    }

    public static func checkShape(maskWidth width: Int, maskHeight height: Int, width imageWidth: Int, height imageHeight: Int,
                                  name: String, image: String) throws {
        let maskIsSmaller = width * height <= imageWidth * imageHeight
        let (sw, sh, lw, lh) = maskIsSmaller ? (width, height, imageWidth, imageHeight) : (imageWidth, imageHeight, width, height)
        guard abs(Double(sh) - Double(sw) * Double(lh) / Double(lw)) <= 1 else {
            throw StyleError.mask("\(name) is \(width)x\(height), \(image) is \(imageWidth)x\(imageHeight): another aspect ratio "
                                  + "(masks are scaled, not fitted or cropped); make the mask at the image's shape")
        }
    }
}
