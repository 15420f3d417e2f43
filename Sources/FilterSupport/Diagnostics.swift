import ArgumentParser
import Foundation

/// Messages on standard error, in netpbm's style: "program: message".
/// Standard output carries only images, so everything a person reads goes here.
public struct Diagnostics: Sendable {
    public let program: String
    public var quiet = false

    public init(program: String, quiet: Bool = false) {
        self.program = program
        self.quiet = quiet
    }

    /// Whether standard error is a terminal (then a progress bar is drawn in place).
    public static var stderrIsTerminal: Bool { isatty(2) == 1 }

    public func message(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data("\(program): \(text)\n".utf8))
    }

    /// Writes raw text (progress bars redraw a line with "\r").
    public func raw(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Runs a command's work: an error is printed as "program: message" with exit status 1, except that
    /// standard output closed by its reader (`CommandError.isBrokenPipe`) ends the program quietly with
    /// status 0; images already written stay written.
    public func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch where CommandError.isBrokenPipe(error) {
            throw ExitCode.success
        } catch {
            fail("\(error)")
        }
    }

    /// Prints "program: message" and exits with status 1. Errors are never silenced by --quiet.
    public func fail(_ text: String) -> Never {
        FileHandle.standardError.write(Data("\(program): \(text)\n".utf8))
        exit(1)
    }
}
