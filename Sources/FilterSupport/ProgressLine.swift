import Foundation

/// A progress bar redrawn in place on a terminal; on a pipe or file, nothing until `finish`, so logs stay short.
public final class ProgressLine {
    let diagnostics: Diagnostics
    let enabled: Bool
    var lastDraw = Date.distantPast

    public init(diagnostics: Diagnostics) {
        self.diagnostics = diagnostics
        self.enabled = Diagnostics.stderrIsTerminal && !diagnostics.quiet
    }

    /// Redraws at most ten times a second.
    public func update(fraction: Double, label: String) {
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 || fraction >= 1 else { return }
        lastDraw = Date()
        let width = 30
        let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded())
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        diagnostics.raw("\r\(diagnostics.program): [\(bar)] \(Int(fraction * 100))% \(label)\u{1B}[K")
    }

    /// Clears the bar so the next message starts on a clean line.
    public func clear() {
        guard enabled else { return }
        diagnostics.raw("\r\u{1B}[K")
    }
}
