import CBLAS
import Foundation

/// The kernel OpenBLAS runs when nobody chose one, made to fit the CPU.
///
/// Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) picks its kernel at load time from the CPU's family and model
/// numbers, as known in 2022. On a newer CPU it does not know it falls back to its oldest x86-64 kernel,
/// Prescott (SSE2), whatever the CPU can run: seen here on an Intel Xeon of family 6 model 207 (Emerald
/// Rapids, AVX-512 with BF16), where a 512 px pass took 1.54 s with Prescott against 0.565 s with Cooperlake,
/// the kernel OpenBLAS runs on a Sapphire Rapids or a Zen 4 (`scripts/bench-engine`).
///
/// The rule (`replacement`): when `OPENBLAS_CORETYPE` is not set and the kernel OpenBLAS picked is of an older
/// instruction level than the CPU's (`InstructionLevel.cpu`, from cpuid and the OS's saved state), the
/// kernel OpenBLAS itself names for that level is run instead. A set `OPENBLAS_CORETYPE` is always kept: it is a
/// user's or a machine's choice (this project's test machines set it, and its tests and CI keep it).
///
/// How (`reinitialize`): OpenBLAS exports the two functions its own load-time constructor uses,
/// `gotoblas_dynamic_quit` (forget the kernel) and `gotoblas_dynamic_init` (pick one, reading
/// `OPENBLAS_CORETYPE`). Run before the process's first product, with the variable set for that call alone,
/// they do what setting the variable before the process started would have done: the buffers and threads
/// OpenBLAS made at load do not depend on the kernel (the same library runs any kernel forced by the variable).
/// A library without these symbols, or without the kernel's table (`gotoblas_COOPERLAKE`, ...), is left as is.
public enum BLASKernelChoice {
    /// The kernel OpenBLAS had picked when `adoptCPUKernel` replaced it, nil when it kept it.
    /// Written once, before the process's first product.
    nonisolated(unsafe) public private(set) static var replaced: String?
    private static let once = NSLock()
    nonisolated(unsafe) private static var adopted = false

    /// The kernel to run instead of `pick` (OpenBLAS's own choice), or nil to keep it: nil when
    /// `OPENBLAS_CORETYPE` is set (`coreType`), when `pick` is not a name of OpenBLAS's x86-64 list, or when it
    /// is of `cpu`'s level already (or newer: never replaced by an older one).
    public static func replacement(for pick: String, coreType: String?, cpu: InstructionLevel) -> String? {
        guard coreType == nil, let level = InstructionLevel(kernel: pick), level < cpu else { return nil }
        return cpu.kernelName
    }

    /// Applies `replacement` to this process once; later calls do nothing. Each executable calls it before its
    /// first product (`NetworkOptions.loadNetwork`). Returns the kernel that was replaced, nil when kept.
    @discardableResult
    public static func adoptCPUKernel() -> String? {
        once.lock()
        defer { once.unlock() }
        if adopted { return replaced }
        adopted = true
        let current = BLASKernel.current()
        guard let name = replacement(for: current.name, coreType: current.coreType, cpu: current.cpu) else { return nil }
        guard reinitialize(as: name) else { return nil }
        replaced = current.name
        return replaced
    }

    /// Makes OpenBLAS pick kernel `name` again as if `OPENBLAS_CORETYPE=name` had been set at load, and says
    /// whether it now runs it. Only before the process's first product, or between products with no other
    /// thread in OpenBLAS. False, with the kernel unchanged, when the library lacks the functions or the
    /// kernel's table; `OPENBLAS_CORETYPE` is as it was after the call.
    public static func reinitialize(as name: String) -> Bool {
        guard let library = dlopen(nil, RTLD_NOW) else { return false }
        defer { dlclose(library) }
        typealias Procedure = @convention(c) () -> Void
        guard let quit = dlsym(library, "gotoblas_dynamic_quit"), let initialize = dlsym(library, "gotoblas_dynamic_init"),
              dlsym(library, "gotoblas_" + name.uppercased()) != nil else { return false }
        let previous = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        setenv("OPENBLAS_CORETYPE", name, 1)
        unsafeBitCast(quit, to: Procedure.self)()
        unsafeBitCast(initialize, to: Procedure.self)()
        if let previous { setenv("OPENBLAS_CORETYPE", previous, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
        return BLASKernel.current().name.lowercased() == name.lowercased()
    }
}
