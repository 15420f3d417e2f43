import Foundation

/// The target named by STYLIZE_FUZZ_TARGET (scripts/fuzz sets it); libFuzzer owns the command line.
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["STYLIZE_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("stylize-fuzz: set STYLIZE_FUZZ_TARGET to one of \(names)\n".utf8))
        exit(2)
    }
    return target
}()

#if FUZZING
/// libFuzzer's driver (scripts/fuzz builds with libFuzzer's instrumentation, AddressSanitizer and -DFUZZING).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// The process entry: SwiftPM links an executable's main under this name (so that tests can link the
/// module), and libFuzzer's own main is replaced by it; libFuzzer then owns the command line.
@_cdecl("stylize_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    _ = selectedTarget
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        selectedTarget.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
}
#else
/// Without libFuzzer: `STYLIZE_FUZZ_TARGET=T stylize-fuzz FILE...` runs each file through the target
/// once (replaying a corpus or a crash input in an ordinary build or a debugger).
@main
struct Replay {
    static func main() {
        let target = selectedTarget
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("stylize-fuzz: cannot read \(path)\n".utf8))
                exit(1)
            }
            data.withUnsafeBytes { target.run($0) }
            print("\(path): ok")
        }
    }
}
#endif
