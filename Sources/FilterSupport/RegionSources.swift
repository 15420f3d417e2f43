import Engine
import ImageIO
import Style

/// One `--region COLOR=STYLE[:WEIGHT]`: a colour of the label map, its style (a style image, a Gram file, or
/// nil for `none`: the region keeps the content's look) and its weight (default 1).
public struct RegionSpec: Equatable, Sendable {
    public var color: RegionColor
    public var style: String?
    public var weight: Double

    /// Parses the option's value. COLOR is `#rrggbb`, `R,G,B` or a gray level `G` (0...255); a trailing
    /// `:WEIGHT` (a number >= 0) is the weight, so a path may hold colons as long as it does not end in
    /// `:number`.
    public init(parsing text: String) throws {
        func fail(_ why: String) -> CommandError {
            .badValue("--region \"\(text)\": \(why); expected COLOR=STYLE[:WEIGHT], COLOR #rrggbb, R,G,B or a gray level, STYLE an image, a Gram file or none")
        }
        // Split on Unicode scalars, not Characters: a scalar that joins what follows into one grapheme (U+06DD,
        // a prepended concatenation mark) must not hide the ":" of a weight (found by scripts/fuzz region).
        let scalars = text.unicodeScalars
        func string(_ part: Substring.UnicodeScalarView) -> String { String(String.UnicodeScalarView(part)) }
        guard let equals = scalars.firstIndex(of: "=") else { throw fail("no =") }
        let colorText = string(scalars[..<equals])
        var style = string(scalars[scalars.index(after: equals)...])
        guard let color = Self.parseColor(colorText) else { throw fail("bad colour \"\(colorText)\"") }
        var weight = 1.0
        let styleScalars = style.unicodeScalars
        if let colon = styleScalars.lastIndex(of: ":") {
            let weightText = string(styleScalars[styleScalars.index(after: colon)...])
            if let w = Double(weightText) {
                guard w.isFinite, w >= 0 else { throw fail("bad weight \"\(weightText)\"") }
                weight = w
                style = string(styleScalars[..<colon])
            }
        }
        guard !style.isEmpty else { throw fail("no style") }
        self.color = color
        self.style = style == "none" ? nil : style
        self.weight = weight
    }

    /// `#rrggbb`, `R,G,B` or `G`, each 0...255.
    public static func parseColor(_ text: String) -> RegionColor? {
        if text.hasPrefix("#") {
            let hex = text.dropFirst()
            guard hex.count == 6, let value = UInt32(hex, radix: 16) else { return nil }
            return RegionColor(red: UInt8(value >> 16), green: UInt8((value >> 8) & 0xff), blue: UInt8(value & 0xff))
        }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { UInt8($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.allSatisfy({ $0 != nil }) else { return nil }
        switch parts.count {
        case 1: return RegionColor(gray: parts[0]!)
        case 3: return RegionColor(red: parts[0]!, green: parts[1]!, blue: parts[2]!)
        default: return nil
        }
    }
}

/// The options' checks of --mask and --region, shared by the command's `validate()`: one message per mistake.
public func checkRegions(_ specs: [RegionSpec]) throws {
    var seen: Set<RegionColor> = []
    for spec in specs where !seen.insert(spec.color).inserted {
        throw CommandError.badValue("--region: the colour \(spec.color) is given twice")
    }
    if !specs.isEmpty && specs.allSatisfy({ $0.style == nil }) {
        throw CommandError.badValue("--region: every region is none: nothing to paint")
    }
}

/// Reads a label map; a missing or unreadable file, or one that is no image, is named (once: libnetpbm's
/// messages hold the path) after the option.
public func readMask(_ path: String) throws -> NetpbmImage {
    do {
        guard let image = try NetpbmReader(path: path).next() else { throw CommandError.noImageInFile(path) }
        return image
    } catch let error as NetpbmError {
        throw CommandError.badValue("--mask: \(error.messageWithoutImage)")
    }
}

/// The regions of a run: the label map, read and checked against the --region colours now, and each styled
/// region's style (`StyleSources`, one per region), so that a bad one fails before any input is read.
public final class RegionSources {
    public let mask: LabelMask
    public let maskName: String
    let specs: [RegionSpec]
    let styles: [StyleSources?]
    let mode: GuidanceMode

    public init(maskPath: String, regions specs: [RegionSpec], mode: GuidanceMode, styleScale: Double,
                network: VGG, layers: [String], minimumSide: Int) throws {
        self.mask = try LabelMask(image: try readMask(maskPath), colors: specs.map(\.color), name: maskPath)
        self.maskName = maskPath
        self.specs = specs
        self.mode = mode
        self.styles = try specs.map { spec in
            try spec.style.map { path in
                let isGram = FileKind(path: path) == .safetensors
                return try StyleSources(styleImages: isGram ? [] : [path], gramFiles: isGram ? [path] : [], blend: nil,
                                        styleScale: isGram ? 1 : styleScale, network: network, layers: layers, minimumSide: minimumSide)
            }
        }
    }

    /// Refuses an input image of another aspect ratio than the mask.
    public func check(width: Int, height: Int, image: String) throws {
        try mask.checkShape(width: width, height: height, name: maskName, image: image)
    }

    /// The regional goal for a working size (its longest side), the style images scaled with it.
    public func goal(for stylizer: Stylizer, workingLongest: Int, note: (String) -> Void = { _ in }) throws -> StyleGoal {
        let regions = try zip(specs, styles).map { spec, style in
            StyledRegion(color: spec.color, target: try style?.target(for: stylizer, workingLongest: workingLongest, note: note),
                         weight: spec.weight)
        }
        return .regions(RegionalStyle(mask: mask, regions: regions, mode: mode))
    }
}
