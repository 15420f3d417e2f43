/// The Netpbm format family of an image. Plain (ASCII) versus raw is `NetpbmImage.plain`,
/// so that "the same format" can be written back as it came.
public enum NetpbmFormat: Sendable, Equatable {
    /// Bilevel, P1/P4. Read as depth 1, maxval 1, where 0 is black and 1 white
    /// (libnetpbm's PAM convention, the reverse of the PBM file's bits).
    case pbm
    /// Grayscale, P2/P5.
    case pgm
    /// RGB, P3/P6.
    case ppm
    /// Portable Arbitrary Map, P7, with a tuple type (only raw exists).
    case pam
}
