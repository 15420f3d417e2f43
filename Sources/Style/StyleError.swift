/// What can go wrong in the style method, with a message fit for "program: message" (`description`).
public enum StyleError: Error, CustomStringConvertible, Equatable, Sendable {
    /// An image smaller than the deepest layer used needs (`minimum` px on each side). `name` is the style
    /// image's path, or nil for the content; `atScale` when it is the size after scaling a style image.
    case imageTooSmall(name: String?, width: Int, height: Int, minimum: Int, atScale: Bool)
    /// The style target has no Gram matrix for a layer the objective uses.
    case missingGram(layer: String)
    /// The style target's Gram matrix for a layer does not have the network's C x C entries.
    case gramSize(layer: String, entries: Int, channels: Int)
    /// A Gram file that cannot be read, is malformed, or was made with other weights, preprocessing or layers.
    case gramFile(name: String, problem: String)
    /// Styles or Gram files that cannot be blended.
    case blend(String)
    /// A --schedule that does not parse (`Stage.parseSchedule`).
    case badSchedule(String)
    /// An image (or a --size) whose estimated memory exceeds what is available (`MemoryEstimate.check`).
    case insufficientMemory(String)
    /// A tile size the network's poolings cannot align (`TiledObjective`).
    case badTileSize(String)
    /// OpenCV's optical flow failed (`OpticalFlow.dis`), with its reason.
    case opticalFlow(String)
    /// A label map (`LabelMask`) that does not fit the regions or the image, the message saying how.
    case mask(String)
    /// A styled region with no unit at a style layer once its guidance is carried there (`Guidance`).
    case emptyRegion(color: String, layer: String, width: Int, height: Int, mode: GuidanceMode)
    /// `--colors histogram` with a style that has no pixels (a Gram file).
    case noPalette
    /// A saved state (`StylizerState`) that does not fit the stages of this image: a damaged checkpoint.
    case checkpointState(String)
    /// The file that L-BFGS pages its history to (`HistoryStorage.file`) cannot be made or mapped.
    case historyFile(String)

    public var description: String {
        switch self {
        case .imageTooSmall(let name, let width, let height, let minimum, let atScale):
            (name.map { "\($0): style image" } ?? "image") + " is \(width)x\(height)" + (atScale ? " at this scale" : "")
                + "; it must be at least \(minimum) px on each side"
        case .missingGram(let layer): "the style has no Gram matrix for \(layer)"
        case .gramSize(let layer, let entries, let channels):
            "the style's Gram matrix for \(layer) has \(entries) entries, the network needs \(channels)x\(channels)"
        case .gramFile(let name, let problem): name.isEmpty ? problem : "\(name): \(problem)"
        case .blend(let text): text
        case .badSchedule(let text): text
        case .insufficientMemory(let text): text
        case .badTileSize(let text): text
        case .opticalFlow(let reason): "optical flow: \(reason)"
        case .mask(let text): text
        case .noPalette: "--colors histogram needs the style's colours, and a Gram file has none: give the style image instead"
        case .emptyRegion(let color, let layer, let width, let height, let mode):
            "region \(color) has no unit at \(layer) at \(width)x\(height) (--guidance \(mode.rawValue)"
                + (mode == .erode ? ": no unit there sees only that region" : "")
                + "); give it more pixels, a larger --size, "
                + (mode == .downsample ? "" : "--guidance \(mode == .erode ? "dilate or " : "")downsample, ")
                + "or --style-layers without \(layer)"
        case .checkpointState(let text): "the checkpoint does not fit this image: \(text)"
        case .historyFile(let text): "L-BFGS history file: \(text)"
        }
    }
}
