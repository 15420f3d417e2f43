import Engine
import Foundation

/// Each convolution up to the tap, forward and backward, with both algorithms.
func layerTable(_ net: VGG, size: Int, depth: Int, repeats: Int) {
    var (w, h) = (size, size)
    print("  wall (cpu) ms: best of \(max(2, repeats))")
    print("  layer      shape                im2col fwd     wino fwd      im2col bwd    wino bwd       auto (fwd,bwd)")
    for layer in net.layers[...depth] {
        switch layer.kind {
        case .pool: (w, h) = (w / 2, h / 2)
        case .relu: break
        case .conv(let conv):
            var rng = SplitMix64(seed: 7)
            let x = Tensor(channels: conv.inChannels, height: h, width: w,
                           data: (0..<(conv.inChannels * w * h)).map { _ in Float.random(in: 0...1, using: &rng) })
            let g = Tensor(channels: conv.outChannels, height: h, width: w,
                           data: (0..<(conv.outChannels * w * h)).map { _ in Float.random(in: -1...1, using: &rng) })
            var times: [(wall: Double, cpu: Double)] = []
            for a in [ConvolutionAlgorithm.im2col, .winograd] {
                times += { (conv: Conv2D) in
                    _ = conv.forward(x)
                    _ = conv.backward(outputGradient: g)
                    var f = (wall: Double.infinity, cpu: Double.infinity), b = f
                    for _ in 0..<max(2, repeats) {
                        let tf = measure { _ = conv.forward(x) }
                        let tb = measure { _ = conv.backward(outputGradient: g) }
                        f = (min(f.wall, tf.wall), min(f.cpu, tf.cpu))
                        b = (min(b.wall, tb.wall), min(b.cpu, tb.cpu))
                    }
                    return [f, b]
                }(conv.using(a))
            }
            let autoF = Conv2D.prefersWinograd(inChannels: conv.inChannels, outChannels: conv.outChannels, width: w, height: h)
            let autoB = Conv2D.prefersWinograd(inChannels: conv.outChannels, outChannels: conv.inChannels, width: w, height: h)
            let shape = "\(conv.inChannels)->\(conv.outChannels) \(w)x\(h)"
            func cell(_ t: (wall: Double, cpu: Double)) -> String { String(format: "%6.1f (%6.1f)", t.wall * 1e3, t.cpu * 1e3) }
            print(String(format: "  %-10@ %-20@ %@ %@ %@ %@  %@,%@",
                         layer.name as NSString, shape as NSString, cell(times[0]), cell(times[2]), cell(times[1]), cell(times[3]),
                         (autoF ? "wino" : "im2col") as NSString, (autoB ? "wino" : "im2col") as NSString))
        }
    }
}
