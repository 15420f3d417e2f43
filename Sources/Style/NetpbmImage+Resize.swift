import ImageIO

extension NetpbmImage {
    /// The same image (format, tuple type, maxval, plain/raw) at another size: every channel, color and
    /// alpha, resampled by `Resample.resize` (so shrinking averages, enlarging interpolates bilinearly),
    /// rounded to nearest and clamped to 0...maxval. A filter that writes its result at another size than
    /// its input keeps the input's alpha this way, resized with the picture.
    ///
    /// Resampling is a convex combination of the source samples (weights >= 0, summing to 1), so a constant
    /// plane stays exactly constant and no value leaves 0...maxval; a sample differs from the exact weighted
    /// mean by at most 0.5 (rounding) plus the float32 error of a sum of a few dozen products (< 1e-4 of maxval).
    public func resized(toWidth newWidth: Int, toHeight newHeight: Int) -> NetpbmImage {
        if newWidth == width && newHeight == height { return self }
        let values = Resample.resize(samples.map(Float.init), width: width, height: height, channels: depth,
                                     toWidth: newWidth, toHeight: newHeight)
        let top = Float(maxval)
        var image = self
        image.width = newWidth
        image.height = newHeight
        image.samples = values.map { UInt16(min(max($0.rounded(.toNearestOrAwayFromZero), 0), top)) }
        return image
    }
}
