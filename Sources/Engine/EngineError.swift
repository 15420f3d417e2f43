/// What can go wrong in the engine, with a message fit for "program: message" (`description`).
public enum EngineError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A layer name the network does not have; `available` lists its relu layers (conv* and pool* exist too).
    case unknownLayer(String, available: [String])
    /// A file that is missing, unreadable or unwritable: its path and why.
    case file(path: String, problem: String)
    /// A safetensors file, its metadata, or a weights file whose contents are not what is expected;
    /// the text names the file when it is known.
    case malformed(String)
    /// `backward` was given activations from a forward pass that did not keep them, or no gradient at all.
    case backward(String)

    public var description: String {
        switch self {
        case .unknownLayer(let name, let available):
            "unknown layer \"\(name)\" (this network has \(available.joined(separator: ", ")), conv*, pool*)"
        case .file(let path, let problem): "\(path): \(problem)"
        case .malformed(let text): text
        case .backward(let text): text
        }
    }

    /// The same error with its text prefixed by the file it came from (for `.malformed`).
    func from(_ source: String) -> EngineError {
        if case .malformed(let text) = self { return .malformed("\(source): \(text)") }
        return self
    }
}
