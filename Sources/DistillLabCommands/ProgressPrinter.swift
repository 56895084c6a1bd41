import Foundation
import DistillLab

/// Progress on standard error: a live line per epoch on a terminal, one line
/// per finished model otherwise, nothing with --quiet but warnings.
final class ProgressPrinter {
    let enabled: Bool
    let live: Bool
    var lineOpen = false

    init(enabled: Bool, live: Bool) { self.enabled = enabled; self.live = live }

    func handle(_ event: ExperimentEvent) {
        // A warning names a setting that probably spoils the results: --quiet does not hide it.
        if case let .warning(text) = event {
            closeLine()
            printError("warning: \(text)")
            return
        }
        guard enabled else { return }
        switch event {
        case .warning:
            return  // printed above
        case let .stage(text):
            closeLine()
            printError("• \(text)")
        case let .epoch(model, m, total):
            guard live else { return }
            var text = String(format: "  %@ epoch %d/%d  loss %.4f  train %.3f", model, m.epoch, total, m.trainLoss, m.trainAccuracy)
            if let v = m.validationAccuracy { text += String(format: "  val %.3f", v) }
            text += String(format: "  lr %.4g  %.0f ex/s", m.learningRate, m.examplesPerSecond)
            printError("\r\u{1B}[2K" + text, terminator: "")
            lineOpen = true
        case let .modelDone(r):
            closeLine()
            var text = String(format: "  %@ %@: test accuracy %.4f", r.role, r.architecture, r.testAccuracy)
            if let f = r.fidelity { text += String(format: ", fidelity %.4f", f) }
            // Students train in milliseconds: "%.1f s" printed them as 0.0 s.
            let time = r.trainSeconds < 1 ? String(format: "%.0f ms", r.trainSeconds * 1000) : String(format: "%.1f s", r.trainSeconds)
            // A loaded teacher (zero epochs) has no epoch or training time to report.
            if r.epochs > 0 { text += String(format: " (epoch %d, %@, %@)", r.selectedEpoch, r.selection.rawValue, time) }
            printError(text)
        }
    }

    func closeLine() {
        if lineOpen { printError(""); lineOpen = false }
    }

    func finish() { closeLine() }
}
