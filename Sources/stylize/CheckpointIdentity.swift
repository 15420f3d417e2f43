import Engine
import FilterSupport
import Foundation
import Style

extension StylizeRun {
    /// What a `--checkpoint` is valid for, in the order a mismatch is reported: the weights, each style (by
    /// the hash of its file's bytes, so a moved file still matches), every option that changes the result
    /// (`--schedule` as --iterations leaves it, or "default": the size picks it), the thread count, the convolution
    /// path and the backward products' format (they change how sums are cut or rounded, and so the last bits: same
    /// bytes need the same ones). Not in it: --checkpoint-every, --progress-every, --quiet, --verbose and the weights' path (their fingerprint is).
    func checkpointIdentity(options: StylizeOptions, network: VGG) throws -> [(key: String, value: String)] {
        func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "default" }
        func fileHash(_ path: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path) else { throw CommandError.badValue("\(path): cannot read file") }
            return "hash " + Checkpoint.hash(data)
        }
        func numbered(_ option: String, _ paths: [String]) throws -> [(key: String, value: String)] {
            try paths.enumerated().map { i, path in (paths.count == 1 ? option : "\(option) #\(i + 1)", try fileHash(path)) }
        }
        let start: String = switch command.initialization {
        case .content: "content"
        case .noise: "noise"
        case .file(let path): "file " + (try fileHash(path))
        }
        var identity: [(key: String, value: String)] = [("weights", "\(network.architecture) fingerprint \(network.fingerprint)")]
        identity += try numbered("--style", command.styleImages) + numbered("--gram", command.gramFiles)
        if let mask = command.mask {
            identity.append(("--mask", try fileHash(mask)))
            identity += try command.regionSpecs().enumerated().map { i, spec in
                ("--region #\(i + 1)", command.regions[i] + (try spec.style.map { ", " + (try fileHash($0)) } ?? ""))
            }
            identity.append(("--guidance", command.guidance.rawValue))
        }
        identity += [
            ("--style-blend", command.styleBlend ?? "default"),
            ("--style-scale", "\(command.styleScale)"),
            ("--content-layer", options.contentLayer),
            ("--style-layers", describeWeightedLayers(options.styleLayers)),
            ("--content-weight", number(options.contentWeight)),
            ("--style-weight", number(options.styleWeight)),
            ("--tv-weight", number(options.totalVariationWeight)),
            // The default is not one schedule: it depends on the working size (the print schedule above 1024 px).
            ("--schedule", options.scheduleIsDefault
                ? "default" + (options.finalEvaluations.map { ", last stage \($0)" } ?? "") : StylizeOptions.describe(options.schedule)),
            ("--optimizer", options.optimizer.rawValue),
            ("--learning-rate", "\(options.learningRate)"),
            ("--tolerance", "\(options.relativeTolerance)"),
            ("--init", start),
            ("--seed", "\(options.seed)"),
            ("--size", command.size.map { "\($0)" } ?? "default"),
            ("--memory", command.memory ?? "default"),
            ("--colors", (command.preserveColors ? ColorChoice.luminance : command.colors).rawValue),
            ("--pooling", command.pooling.rawValue),
            ("--temporal-weight", "\(command.temporalWeight)"),
            ("--frame-iterations", "\(command.frameIterations)"),
            ("--scene-cut", "\(command.sceneCut)"),
            ("--flow", command.flow.rawValue),
            ("--independent-frames", "\(command.independentFrames)"),
            ("--threads", "\(ThreadSettings.workers)"),
            ("STYLIZE_CONV", network.convolution.algorithm.rawValue),
            ("--backward-precision", network.convolution.backwardProducts.rawValue),
        ]
        return identity
    }
}
