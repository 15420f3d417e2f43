import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs an executable of the package with its standard input or output on a pseudo-terminal (posix_openpt,
/// no `script` and no terminal of the test's own needed, so it works in CI with no stdin), the other
/// streams on pipes, to test what the filters do when a person forgot a redirection.
public enum TerminalRunner {
    public enum Stream { case stdin, stdout, stderr }

    /// `terminal` is the stream on the pseudo-terminal. With stdin there, an end of input (Ctrl-D) is typed
    /// at once, so a program that reads waits for nothing. `stdin` feeds a pipe when stdout is the terminal.
    /// Returns the status, what came on the stdout pipe (nothing when stdout is the terminal), stderr, and
    /// what the terminal showed. `columns` sets the terminal's width (TIOCSWINSZ), 0: the default.
    public static func run(_ program: String, _ arguments: [String], terminal: Stream, stdin: Data = Data(),
                           environment: [String: String] = [:], columns: Int = 0) throws -> (result: CommandResult, terminal: Data) {
        let master = PTY.openpt(O_RDWR | O_NOCTTY)
        guard master >= 0, PTY.grantpt(master) == 0, PTY.unlockpt(master) == 0, let name = PTY.ptsname(master) else {
            throw POSIXError(.ENOTTY)
        }
        let slave = open(String(cString: name), O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw POSIXError(.ENOTTY) }
        defer { close(master) }
        if columns > 0 {
            var size = winsize(ws_row: 24, ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        }
        let slaveHandle = FileHandle(fileDescriptor: slave, closeOnDealloc: true)

        let process = Process()
        process.executableURL = CommandRunner.productsDirectory.appendingPathComponent(program)
        process.arguments = arguments
        process.environment = CommandRunner.childEnvironment(environment)
        let input = Pipe(), output = Pipe(), errors = Pipe()
        switch terminal {
        case .stdin:
            process.standardInput = slaveHandle
            process.standardOutput = output
        case .stdout:
            process.standardInput = input
            process.standardOutput = slaveHandle
        case .stderr:
            process.standardInput = input
            process.standardOutput = output
        }
        process.standardError = terminal == .stderr ? slaveHandle : errors
        try process.run()
        try slaveHandle.close()
        // The pipe the child did not get must be closed here, or reading it would wait forever.
        if terminal == .stdout { try output.fileHandleForWriting.close() }
        if terminal == .stderr { try errors.fileHandleForWriting.close() }
        if terminal == .stdin {
            var eof: UInt8 = 4  // VEOF, Ctrl-D, in canonical mode: the next read returns 0 bytes
            _ = write(master, &eof, 1)
        } else {
            try? input.fileHandleForWriting.write(contentsOf: stdin)
        }
        try? input.fileHandleForWriting.close()
        nonisolated(unsafe) var errorData = Data(), outData = Data()
        // The semaphore orders the readers' writes before the reads below (as in CommandRunner).
        let drained = DispatchSemaphore(value: 0)
        Thread {
            errorData = errors.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }.start()
        Thread {
            outData = output.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }.start()
        // The terminal's side: read until every holder of the slave end is gone (read then fails with EIO).
        var shown = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(master, &buffer, buffer.count)
            if n <= 0 { break }
            shown.append(contentsOf: buffer[0..<n])
        }
        process.waitUntilExit()
        drained.wait()
        drained.wait()
        return (CommandResult(status: process.terminationStatus, stdout: outData,
                              stderr: String(decoding: errorData, as: UTF8.self)), shown)
    }
}

/// glibc's pseudo-terminal calls, which Swift's Glibc module hides (they need _XOPEN_SOURCE), looked up by name.
private enum PTY {
    typealias IntCall = @convention(c) (Int32) -> Int32
    typealias NameCall = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
    static func symbol<T>(_ name: String, as type: T.Type) -> T {
        guard let pointer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { fatalError("no \(name) in libc") }
        return unsafeBitCast(pointer, to: type)
    }
    static let openpt = symbol("posix_openpt", as: IntCall.self)
    static let grantpt = symbol("grantpt", as: IntCall.self)
    static let unlockpt = symbol("unlockpt", as: IntCall.self)
    static let ptsname = symbol("ptsname", as: NameCall.self)
}
