import Foundation
import DistillCore

/// Evaluation metrics (Jagielski et al. 2020 definitions).
public enum Metrics {
    /// `P[prediction = label]`.
    /// - Precondition: equal, non-zero lengths.
    public static func accuracy(_ predictions: [Int32], _ labels: [Int32]) -> Double {
        agreement(predictions, labels)
    }

    /// Fidelity: `P[argmax student(x) = argmax teacher(x)]`.
    public static func fidelity(student: [Int32], teacher: [Int32]) -> Double {
        agreement(student, teacher)
    }

    static func agreement(_ a: [Int32], _ b: [Int32]) -> Double {
        precondition(a.count == b.count && !a.isEmpty, "compare equal, non-empty prediction lists (\(a.count) vs \(b.count))")
        var same = 0
        for i in 0..<a.count where a[i] == b[i] { same += 1 }
        return Double(same) / Double(a.count)
    }
}
