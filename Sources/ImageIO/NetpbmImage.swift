/// One Netpbm image exactly as stored: header fields and integer samples.
///
/// Samples stay integers at their own maxval so that an image can be read and written
/// back unchanged (and alpha can pass through untouched); `rgb()` gives the float view
/// that image processing works on.
public struct NetpbmImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Samples per pixel: 1 gray, 2 gray+alpha, 3 RGB, 4 RGB+alpha.
    public var depth: Int
    /// The sample value of full intensity, 1...65535.
    public var maxval: Int
    public var format: NetpbmFormat
    /// "RGB", "RGB_ALPHA", "GRAYSCALE", "GRAYSCALE_ALPHA", "BLACKANDWHITE", ...
    /// libnetpbm reports PPM, PGM and PBM input as "RGB", "GRAYSCALE" and "BLACKANDWHITE";
    /// only PAM output writes it.
    public var tupleType: String
    /// P3/P2/P1 (ASCII) rather than raw. Ignored for PAM, which has no plain variant.
    public var plain: Bool
    /// height*width*depth samples, each <= maxval: interleaved, row-major.
    public var samples: [UInt16]

    public init(width: Int, height: Int, depth: Int, maxval: Int, format: NetpbmFormat,
                tupleType: String, plain: Bool, samples: [UInt16]) {
        self.width = width
        self.height = height
        self.depth = depth
        self.maxval = maxval
        self.format = format
        self.tupleType = tupleType
        self.plain = plain
        self.samples = samples
    }

    /// Whether the last sample of each pixel is opacity: depth 2 (GRAYSCALE_ALPHA,
    /// BLACKANDWHITE_ALPHA) or 4 (RGB_ALPHA). Decided by depth, as the reader accepts
    /// only depths 1...4.
    public var hasAlpha: Bool { depth == 2 || depth == 4 }
}
