import Engine
import Foundation

/// Runs the PyTorch version of the pass (`program`, scripts/lib/torch_bench.py) with python3, same threads,
/// repeats and tap; returns its seconds per forward+backward, or nil (said on stdout) when it cannot run.
func torchSeconds(size: Int, program: String, repeats: Int, tap: String, weightsPath: String?) -> Double? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    var args = ["python3", program, "--threads", "\(ThreadSettings.workers)", "--repeat", "\(repeats)", "--tap", tap]
    if let weightsPath { args += ["--weights", weightsPath] }
    process.arguments = args + ["\(size)"]
    let output = Pipe()
    process.standardOutput = output
    do { try process.run() } catch {
        print("  torch: cannot run python3: \(error)")
        return nil
    }
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0,
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("torch \(size) ") }),
          let value = line.split(separator: " ").last.flatMap({ Double($0) }) else {
        print("  torch: failed (exit \(process.terminationStatus)); is torch installed? (pip install torch: the CPU wheel is enough)")
        return nil
    }
    return value
}
