import Engine
@testable import Style

/// A smooth random texture (noise on a coarse grid, upsampled bilinearly): something flow can follow.
func texture(width: Int, height: Int, seed: UInt64, cell: Int = 6) -> [Float] {
    var rng = SplitMix64(seed: seed)
    let (cw, ch) = (width / cell + 2, height / cell + 2)
    let coarse = (0..<(cw * ch * 3)).map { _ in Float.random(in: 0...255, using: &rng) }
    return Resample.resize(coarse, width: cw, height: ch, toWidth: width, toHeight: height)
}

/// A frame cut from a larger image at (x, y).
func crop(_ big: [Float], bigWidth: Int, x: Int, y: Int, width: Int, height: Int) -> [Float] {
    var out: [Float] = []
    for row in y..<(y + height) { out += big[((row * bigWidth + x) * 3)..<((row * bigWidth + x + width) * 3)] }
    return out
}
