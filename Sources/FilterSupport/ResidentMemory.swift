import Foundation

/// The memory this process holds in RAM now (resident set size), for the progress line.
public enum ResidentMemory {
    /// Bytes resident, from /proc/self/statm (its second field, in pages); nil where that file cannot be read
    /// (not Linux), so that callers leave the figure out rather than show a wrong one.
    public static func current() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
