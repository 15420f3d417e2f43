import Foundation

/// Where the filters find the network weights: `--weights FILE`, else `$STYLIZE_WEIGHTS`,
/// else `${XDG_DATA_HOME:-$HOME/.local/share}/stylize/vgg16.safetensors` (where scripts/fetch-weights writes).
/// Command-line policy: the engine itself only ever opens the path it is given.
public enum WeightsLocator {
    public static var defaultPath: String {
        let env = ProcessInfo.processInfo.environment
        let dataHome = env["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((env["HOME"] ?? NSHomeDirectory()) + "/.local/share")
        return dataHome + "/stylize/vgg16.safetensors"
    }

    /// The path to use, and an error that says how to get weights when there are none.
    public static func resolve(_ explicit: String?) throws -> String {
        if let explicit { return explicit }
        if let env = ProcessInfo.processInfo.environment["STYLIZE_WEIGHTS"], !env.isEmpty { return env }
        let path = defaultPath
        guard FileManager.default.fileExists(atPath: path) else { throw CommandError.noWeights(path: path) }
        return path
    }
}
