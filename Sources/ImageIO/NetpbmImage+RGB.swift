/// Conversions between stored images and the float RGB working image.
///
/// Image processing works on `RGBImage` (0...255 whatever the maxval, always three
/// channels); these turn any readable image into one, and put a processed result back
/// into the input's own format so a filter's output looks like its input.
extension NetpbmImage {
    /// The color as float RGB in 0...255: samples scaled by 255/maxval, gray replicated
    /// to R, G and B, alpha dropped (it stays in `self`; see `alphaSamples`).
    public func rgb() -> RGBImage {
        precondition((1...65535).contains(maxval) && (1...4).contains(depth), "rgb(): bad maxval \(maxval) or depth \(depth)")
        let pixelCount = width * height
        precondition(samples.count == pixelCount * depth, "rgb(): sample count does not match size")
        let colorChannels = depth >= 3 ? 3 : 1
        // One exact conversion per possible sample value, when there are more samples to convert than values:
        // a 16-bit image of a few pixels would otherwise build 65536 entries for them (4 ms a tiny image
        // under AddressSanitizer, found by the speed of scripts/fuzz netpbm). Both ways give the same floats.
        let maxval = self.maxval
        let level = { (sample: Int) in Float(Double(sample) * 255 / Double(maxval)) }
        let table: [Float]? = maxval < pixelCount * colorChannels ? (0...maxval).map(level) : nil
        var pixels = [Float](repeating: 0, count: pixelCount * 3)
        samples.withUnsafeBufferPointer { input in
            pixels.withUnsafeMutableBufferPointer { output in
                for pixel in 0..<pixelCount {
                    let source = pixel * depth
                    for channel in 0..<3 {
                        let sample = Int(input[source + (colorChannels == 3 ? channel : 0)])
                        let clamped = min(sample, maxval)
                        output[pixel * 3 + channel] = table?[clamped] ?? level(clamped)
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// The alpha (opacity) samples, one per pixel at this image's maxval, or nil if the
    /// image has no alpha, so that alpha can be written back unchanged.
    public var alphaSamples: [UInt16]? {
        guard hasAlpha else { return nil }
        return stride(from: depth - 1, to: samples.count, by: depth).map { samples[$0] }
    }

    /// The maxval a painting of this image is written with: `max(255, maxval)`. A painting
    /// needs at least 8 bits per channel, so a PBM (maxval 1) or a PGM at maxval 15 gets 255;
    /// a 16-bit input keeps its depth.
    public var paintingMaxval: Int { max(255, maxval) }

    /// The same image (format family, plain/raw, alpha unchanged) with its color replaced, at
    /// maxval `paintingMaxval`: PGM becomes PPM, PAM GRAYSCALE becomes RGB and GRAYSCALE_ALPHA
    /// becomes RGB_ALPHA (alpha kept), PBM becomes PPM. Values are scaled by maxval/255, rounded
    /// to nearest (halves away from zero) and clamped to 0...maxval.
    ///
    /// Below maxval 255 (PBM, PAM BLACKANDWHITE, a PGM at maxval 15) the alpha is rescaled to
    /// the new maxval, rounded to nearest.
    public func replacingColor(with rgb: RGBImage) -> NetpbmImage {
        precondition(rgb.width == width && rgb.height == height && rgb.pixels.count == width * height * 3,
                     "replacingColor: \(rgb.width)x\(rgb.height) color for a \(width)x\(height) image")
        let newMaxval = paintingMaxval
        let alpha = alphaSamples.map { old in
            newMaxval == maxval ? old : old.map { Self.rescale($0, from: maxval, to: newMaxval) }
        }
        let newDepth = alpha == nil ? 3 : 4
        let newFormat: NetpbmFormat = format == .pam ? .pam : .ppm
        let newTupleType: String
        if format == .pam && depth >= 3 {
            newTupleType = tupleType
        } else {
            newTupleType = alpha == nil ? "RGB" : "RGB_ALPHA"
        }

        let pixelCount = width * height
        var newSamples = [UInt16](repeating: 0, count: pixelCount * newDepth)
        for pixel in 0..<pixelCount {
            for channel in 0..<3 {
                newSamples[pixel * newDepth + channel] =
                    Self.quantize(rgb.pixels[pixel * 3 + channel], maxval: newMaxval)
            }
            if let alpha {
                newSamples[pixel * newDepth + 3] = alpha[pixel]
            }
        }
        return NetpbmImage(width: width, height: height, depth: newDepth, maxval: newMaxval,
                           format: newFormat, tupleType: newTupleType, plain: plain,
                           samples: newSamples)
    }

    /// A raw PPM (P6) of the given float RGB image at `maxval` (rounded and clamped as in
    /// `replacingColor(with:)`).
    public init(rgb: RGBImage, maxval: Int = 255) {
        precondition((1...65535).contains(maxval), "NetpbmImage(rgb:): maxval \(maxval) out of 1...65535")
        self.init(width: rgb.width, height: rgb.height, depth: 3, maxval: maxval, format: .ppm,
                  tupleType: "RGB", plain: false,
                  samples: rgb.pixels.map { Self.quantize($0, maxval: maxval) })
    }

    /// A 0...255 float value as a sample at `maxval`: rounded, clamped, NaN as 0.
    static func quantize(_ value: Float, maxval: Int) -> UInt16 {
        let scaled = Double(value) * Double(maxval) / 255
        guard scaled > 0 else { return 0 }
        guard scaled < Double(maxval) else { return UInt16(maxval) }
        return UInt16(scaled.rounded(.toNearestOrAwayFromZero))
    }

    private static func rescale(_ sample: UInt16, from oldMaxval: Int, to newMaxval: Int) -> UInt16 {
        let value = (Double(sample) * Double(newMaxval) / Double(oldMaxval)).rounded()
        return UInt16(min(max(value, 0), Double(newMaxval)))
    }
}
