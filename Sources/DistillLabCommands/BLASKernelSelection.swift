import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Debian's OpenBLAS 0.3.21 does not recognise recent AMD CPUs and falls back
/// to its AVX2 (Haswell) kernels. It picks kernels in a load-time constructor,
/// so `setenv` in `main` is too late: where the CPU has AVX-512 we re-exec once
/// with `OPENBLAS_CORETYPE=SkylakeX` (about 1.9× faster sgemm). A user's own
/// `OPENBLAS_CORETYPE` is respected; `DISTILL_LAB_NO_REEXEC=1` disables this.
public enum BLASKernelSelection {
    public static func reexecWithBestKernelsIfNeeded() {
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env["DISTILL_LAB_NO_REEXEC"] == nil else { return }
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return }
        let set = Set(flags.split(separator: " ").map(String.init))
        guard set.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]) else { return }
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed: carry on with the default kernels.
        unsetenv("OPENBLAS_CORETYPE")
    }
}
