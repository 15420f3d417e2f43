import Engine
import Foundation

/// Every activation up to the tap and the input gradient, Winograd (forced on every layer) against im2col.
func checkPaths(_ net: VGG, _ x: Tensor, depth: Int, tap: String) throws {
    let names = net.layers[...depth].map(\.name)
    var runs: [(VGG.Activations, Tensor)] = []
    for a in [ConvolutionAlgorithm.im2col, .winograd] {
        let net = net.using(a)
        let f = try net.forward(x, taps: names)
        runs.append((f, try net.backward(f, tapGradients: [tap: f.taps[tap]!])))
    }
    for name in names {
        let d = relativeDifference(runs[1].0.taps[name]!, runs[0].0.taps[name]!)
        print(String(format: "  check %-8@ winograd vs im2col: %.1e of the largest, %.1e in L2 norm", name as NSString, d.max, d.l2))
    }
    let d = relativeDifference(runs[1].1, runs[0].1)
    print(String(format: "  check input gradient: %.1e of the largest, %.1e in L2 norm", d.max, d.l2))
    // The same backward from im2col's forward (same ReLU masks and pooling windows): only the convolutions differ.
    let g = try net.using(.winograd).backward(runs[0].0, tapGradients: [tap: runs[0].0.taps[tap]!])
    let e = relativeDifference(g, runs[0].1)
    print(String(format: "  check input gradient, backward alone: %.1e of the largest, %.1e in L2 norm", e.max, e.l2))
}
