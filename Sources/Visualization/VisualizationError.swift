/// What can go wrong in a visualization, with a message fit for "visualize: message" (`description`).
public enum VisualizationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A --units list that does not parse (`UnitSelection.parseUnits`).
    case badUnits(String)
    /// A unit index past the layer's channels.
    case noSuchUnit(Int, channels: Int)
    /// A patch count or tile size below 1.
    case badParameter(String)
    /// An image too small to reach the layer (`minimum` px on each side).
    case imageTooSmall(width: Int, height: Int, layer: String, minimum: Int)

    public var description: String {
        switch self {
        case .badUnits(let text): text
        case .noSuchUnit(let unit, let channels): "unit \(unit) does not exist: the layer has \(channels) units (0-\(channels - 1))"
        case .badParameter(let text): text
        case .imageTooSmall(let width, let height, let layer, let minimum):
            "\(width)x\(height) is too small for \(layer) (at least \(minimum)x\(minimum) px)"
        }
    }
}
