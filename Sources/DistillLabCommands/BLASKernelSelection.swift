import Foundation
import DistillCore
#if canImport(Glibc)
import Glibc
#endif

/// Which OpenBLAS kernels a run uses. OpenBLAS picks them in a load-time
/// constructor from `OPENBLAS_CORETYPE`, so `setenv` in `main` is too late: the
/// process re-execs itself once with the variable set.
///
/// - `DISTILL_LAB_BLAS=best` (the default): where the CPU has AVX-512, the
///   SkylakeX kernels (Debian's OpenBLAS 0.3.21 does not recognise recent AMD
///   CPUs and would fall back to AVX2; SkylakeX sgemm is about 1.9× faster).
/// - `DISTILL_LAB_BLAS=pinned`: the Haswell (AVX2) kernels on every CPU, so
///   results are bit-identical on any x86-64 machine with AVX2 (same seed,
///   thread count and OpenBLAS build). Slower where AVX-512 exists.
///
/// A user's own `OPENBLAS_CORETYPE` is respected; `DISTILL_LAB_NO_REEXEC=1`
/// disables the re-exec. The mode is recorded in settings.json (`blasMode`).
public enum BLASKernelSelection {
    /// The kernel family pinned mode uses: AVX2 + FMA, which every x86-64 CPU since 2013/2015 runs.
    public static let pinnedCore = "Haswell"

    public static func reexecWithBestKernelsIfNeeded() {
        let env = ProcessInfo.processInfo.environment
        let mode = env["DISTILL_LAB_BLAS"] ?? "best"
        guard ["best", "pinned"].contains(mode) else {
            fail("DISTILL_LAB_BLAS=\(QuotedInput.quote(mode)) is not a BLAS mode; use best (the fastest kernels for this CPU) or pinned (Haswell kernels everywhere, bit-identical across AVX2 machines)")
        }
        let flags = cpuFlags()
        if mode == "pinned" {
            if let core = env["OPENBLAS_CORETYPE"] {
                guard core.lowercased() == pinnedCore.lowercased() else {
                    fail("DISTILL_LAB_BLAS=pinned uses OPENBLAS_CORETYPE=\(pinnedCore), but OPENBLAS_CORETYPE=\(QuotedInput.quote(core)) is set; unset it or drop DISTILL_LAB_BLAS=pinned")
                }
                return  // already pinned (this is the re-exec'd process, or the user pinned it)
            }
            if let flags, !flags.isSuperset(of: ["avx2", "fma"]) {
                fail("DISTILL_LAB_BLAS=pinned needs a CPU with AVX2 and FMA (the Haswell kernels); this CPU has neither both, so run without it")
            }
            reexec(core: pinnedCore)
            return
        }
        guard env["OPENBLAS_CORETYPE"] == nil, env["DISTILL_LAB_NO_REEXEC"] == nil, let flags else { return }
        guard flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]) else { return }
        reexec(core: "SkylakeX")
    }

    private static func cpuFlags() -> Set<String>? {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return nil }
        return Set(line.split(separator: " ").map(String.init))
    }

    private static func reexec(core: String) {
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("DISTILL_LAB_BLAS_REEXEC", "1", 1)  // the core type is ours, not the user's
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed: carry on with the default kernels.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv("DISTILL_LAB_BLAS_REEXEC")
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        exit(2)
    }
}
