import Engine
import Foundation

/// The same pass in another framework, for `--vs-torch` and `--vs-tensorflow`: `python` runs `program`
/// (scripts/lib/torch_bench.py, scripts/lib/tensorflow_bench.py) with the same threads, repeats, tap and
/// weights; it prints "NAME SIZE VARIANT SECONDS" per variant (best of the repeats). Returns the seconds per
/// variant in the order printed, or [] (said on stdout) when it cannot run.
func peerSeconds(_ name: String, python: String, program: String, size: Int, repeats: Int, tap: String,
                 weightsPath: String?, install: String) -> [(variant: String, seconds: Double)] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    var args = [python, program, "--threads", "\(ThreadSettings.workers)", "--repeat", "\(repeats)", "--tap", tap]
    if let weightsPath { args += ["--weights", weightsPath] }
    process.arguments = args + ["\(size)"]
    let output = Pipe()
    process.standardOutput = output
    do { try process.run() } catch {
        print("  \(name): cannot run \(python): \(error)")
        return []
    }
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let results: [(variant: String, seconds: Double)] = text.split(separator: "\n").compactMap { line in
        let f = line.split(separator: " ")
        guard f.count == 4, f[0] == name, f[1] == "\(size)", let s = Double(f[3]) else { return nil }
        return (String(f[2]), s)
    }
    guard process.terminationStatus == 0, !results.isEmpty else {
        print("  \(name): failed (exit \(process.terminationStatus)); is it installed? (\(install))")
        return []
    }
    return results
}
