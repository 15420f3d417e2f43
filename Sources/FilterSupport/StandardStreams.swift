import Foundation

/// What the filters do when a standard stream is a terminal rather than a file or a pipe.
public enum StandardStreams {
    /// Refuses, before any work, to write binary images (or a Gram file) into a terminal, where they
    /// would show as garbage and could leave the terminal in a strange state.
    public static func refuseTerminalOutput() throws {
        guard isatty(1) == 0 else { throw CommandError.standardOutputIsTerminal }
    }

    /// Says on stderr (unless quiet) that the program waits for `what` on standard input when that is a
    /// terminal, as a person who forgot `< photo.ppm` would otherwise see nothing happen.
    public static func announceTerminalInput(_ what: String, diagnostics: Diagnostics) {
        guard isatty(0) == 1 else { return }
        diagnostics.message("reading \(what) from standard input, a terminal (give a file: < photo.ppm; Ctrl-D ends)")
    }
}
