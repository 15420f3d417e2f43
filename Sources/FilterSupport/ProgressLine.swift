import Foundation

/// A progress bar redrawn in place on a terminal. On a pipe or file, nothing by default, so logs stay short;
/// with `every` seconds (`--progress-every`), a plain line that often, for the logs of long runs.
public final class ProgressLine {
    let diagnostics: Diagnostics
    let enabled: Bool
    /// Seconds between plain lines when stderr is not a terminal; nil: none.
    let every: Double?
    var lastDraw = Date.distantPast
    var lastLine: Date? = nil

    public init(diagnostics: Diagnostics, every: Double? = nil) {
        self.diagnostics = diagnostics
        self.enabled = Diagnostics.stderrIsTerminal && !diagnostics.quiet
        self.every = Diagnostics.stderrIsTerminal ? nil : every
    }

    /// Redraws at most ten times a second (terminal); prints `label` as a line every `every` seconds (pipe).
    public func update(fraction: Double, label: String) {
        if let every {
            let now = Date()
            // The first line comes `every` seconds after the first report, so short runs print none.
            guard let last = lastLine else { lastLine = now; return }
            if now.timeIntervalSince(last) >= every {
                lastLine = now
                diagnostics.message(label)
            }
            return
        }
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 || fraction >= 1 else { return }
        lastDraw = Date()
        let width = 10
        let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded())
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        // Cut to the terminal's width: a line that wraps cannot be redrawn in place by "\r".
        let line = String("\(diagnostics.program): [\(bar)] \(Int(fraction * 100))% \(label)".prefix(max(20, Self.columns - 1)))
        diagnostics.raw("\r\(line)\u{1B}[K")
    }

    /// The width of the terminal on stderr; 80 when it cannot be asked.
    static var columns: Int {
        var size = winsize()
        return ioctl(2, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }

    /// Clears the bar so the next message starts on a clean line; the next image's lines start anew.
    public func clear() {
        lastLine = nil
        guard enabled else { return }
        diagnostics.raw("\r\u{1B}[K")
    }
}
