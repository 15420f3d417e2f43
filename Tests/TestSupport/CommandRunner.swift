import Foundation

/// What a run of one of the project's executables produced.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: String
}

/// Runs the built executables (stylize, gram, visualize) the way a shell pipeline does: bytes on stdin,
/// images on stdout, messages on stderr.
public enum CommandRunner {
    /// The folder `swift build` put the executables in (the test bundle sits beside them).
    public static var productsDirectory: URL {
        Bundle.main.bundleURL
    }

    /// The environment for a child: this process's, with `extra` on top. Under AddressSanitizer the suite runs
    /// with leak checking off (XCTest's and Foundation's objects alive at exit are not ours), and
    /// `STYLIZE_CHILD_ASAN_OPTIONS`, when set (scripts/test-sanitized address), replaces ASAN_OPTIONS in the
    /// children: our executables' exits are checked for leaks there.
    public static func childEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        if let options = env["STYLIZE_CHILD_ASAN_OPTIONS"] { env["ASAN_OPTIONS"] = options }
        for (key, value) in extra { env[key] = value }
        return env
    }

    /// Runs `program` (an executable of the package, or an absolute path such as /bin/bash).
    public static func run(_ program: String, _ arguments: [String], stdin: Data = Data(),
                           environment: [String: String] = [:]) throws -> CommandResult {
        let process = Process()
        process.executableURL = program.hasPrefix("/") ? URL(fileURLWithPath: program) : productsDirectory.appendingPathComponent(program)
        process.arguments = arguments
        process.environment = childEnvironment(environment)
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Feed stdin and drain both outputs at once, so no pipe fills up and stalls the child.
        let writer = Thread {
            try? input.fileHandleForWriting.write(contentsOf: stdin)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        // The semaphore orders the reader's write before the read here (polling isFinished does not, and
        // ThreadSanitizer reported that as a race).
        nonisolated(unsafe) var errorData = Data()
        let errorRead = DispatchSemaphore(value: 0)
        Thread {
            errorData = errors.fileHandleForReading.readDataToEndOfFile()
            errorRead.signal()
        }.start()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorRead.wait()
        return CommandResult(status: process.terminationStatus, stdout: outData,
                             stderr: String(decoding: errorData, as: UTF8.self))
    }

    public static func file(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }
}
