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

    /// How every executable starts: parse, validate, run; one form and one status per kind of failure.
    ///
    /// - `--help` and friends print to stdout, status 0 (as ArgumentParser does).
    /// - A usage error (an unknown option, a missing or bad value, a failed `validate()`) prints
    ///   "program: message (see program --help)" and exits 64 (EX_USAGE), before any input is read.
    /// - Errors of the run print "program: message" and exit 1 (`run`, `fail`).
    public static func main<Command: ParsableCommand>(_ type: Command.Type, program: String) -> Never {
        do {
            var command = try type.parseAsRoot()
            try command.run()
            exit(0)
        } catch {
            guard type.exitCode(for: error) == .validationFailure, !(error is ExitCode) else { type.exit(withError: error) }
            let message = type.message(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
            FileHandle.standardError.write(Data("\(program): \(message) (see \(program) --help)\n".utf8))
            exit(ExitCode.validationFailure.rawValue)
        }
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
