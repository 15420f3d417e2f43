/// "Preserve colors": keep the content's colors and take only the luminance of the stylized image
/// (luminance-only transfer, Gatys et al. 2016), in the YCbCr space of JPEG (BT.601, full range).
public enum ColorPreservation {
    public static func apply(stylized: [Float], content: [Float]) -> [Float] {
        precondition(stylized.count == content.count)
        var out = stylized
        for p in stride(from: 0, to: out.count, by: 3) {
            let y = 0.299 * stylized[p] + 0.587 * stylized[p + 1] + 0.114 * stylized[p + 2]
            let (r, g, b) = (content[p], content[p + 1], content[p + 2])
            let cb = -0.168736 * r - 0.331264 * g + 0.5 * b
            let cr = 0.5 * r - 0.418688 * g - 0.081312 * b
            out[p] = y + 1.402 * cr
            out[p + 1] = y - 0.344136 * cb - 0.714136 * cr
            out[p + 2] = y + 1.772 * cb
        }
        return out
    }
}
