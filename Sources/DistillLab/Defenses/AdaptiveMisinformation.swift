import Foundation
import DistillCore
import DistillNN
import DistillData

/// Adaptive misinformation (Kariyappa & Qureshi, "Defending Against Model
/// Stealing Attacks with Adaptive Misinformation", CVPR 2020).
///
/// Queries the teacher is unsure about look out-of-distribution (as
/// extraction queries often are); for them the oracle blends in the answer of a
/// *misinformation model* m trained to put little mass on the true class:
/// `q = (1 − h)·p + h·softmax(m(x))`, `h = σ(ν·(τ − max p))`.
/// With ν = 10⁴ the switch is nearly a step at `max p = τ`: confident
/// (in-distribution) answers are unchanged, unsure ones become misinformation.
/// Deterministic at query time (`randomized` is false).
public final class AdaptiveMisinformation: ResponseDefense {
    public let name = "adaptive-misinformation"
    /// The model whose softmax replaces unsure answers.
    public let misinformationModel: MLP
    /// τ: the confidence below which answers are replaced.
    public let threshold: Double
    /// ν: the sharpness of the switch.
    public let sharpness: Double

    let chunk = 256
    let activations: MLPActivations

    /// - Throws: `DefenseError.invalidValue` for τ outside [0, 1] or ν ≤ 0.
    public init(misinformationModel: MLP, threshold tau: Double = 0.99, sharpness nu: Double = 1e4) throws {
        guard tau.isFinite, tau >= 0, tau <= 1 else {
            throw DefenseError.invalidValue(defense: "adaptive-misinformation", parameter: "tau", value: "\(tau)", expected: "a number in [0, 1]")
        }
        guard nu.isFinite, nu > 0 else {
            throw DefenseError.invalidValue(defense: "adaptive-misinformation", parameter: "nu", value: "\(nu)", expected: "a positive number")
        }
        self.misinformationModel = misinformationModel
        threshold = tau; sharpness = nu
        activations = MLPActivations(for: misinformationModel, capacity: chunk)
    }

    /// `h = σ(ν·(τ − max p))`, computed without overflow for large |ν·(τ − max p)|.
    public static func misinformationWeight(maxProbability: Double, threshold tau: Double, sharpness nu: Double) -> Double {
        let x = nu * (tau - maxProbability)
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }

    /// Blends every response with the misinformation model's softmax.
    /// - Complexity: one forward of m per 256 rows (sgemm) plus O(K) per row; no per-row allocation.
    public func apply(to responses: Matrix, queries: Matrix, rng: inout RandomStream) throws {
        let m = misinformationModel, k = m.classCount
        guard responses.cols == k, queries.cols == m.inputSize, responses.rows == queries.rows else {
            throw DefenseError.incompatible(defense: name,
                reason: "responses \(responses.rows)×\(responses.cols) and queries \(queries.rows)×\(queries.cols) do not fit the \(m.architecture) misinformation model")
        }
        var start = 0
        while start < queries.rows {
            let rows = min(chunk, queries.rows - start)
            let mis = m.forward(queries.row(start), batch: rows, activations: activations)
            Kernels.softmaxRows(mis, mis, rows: rows, cols: k)
            for i in 0..<rows {
                let pr = responses.row(start + i), mr = mis + i * k
                var top: Float = 0
                for j in 0..<k { top = max(top, pr[j]) }
                let h = Float(Self.misinformationWeight(maxProbability: Double(top), threshold: threshold, sharpness: sharpness))
                for j in 0..<k { pr[j] = (1 - h) * pr[j] + h * mr[j] }
            }
            start += rows
        }
    }
}

/// The architecture of adaptive misinformation's model.
public enum MisinformationArchitecture: String, Codable, Sendable, CaseIterable {
    /// The teacher's widths (the paper's choice).
    case teacher
    /// The surrogate/student widths of the context (cheaper).
    case surrogate
}

extension AdaptiveMisinformation {
    /// Builds the defense for a trained teacher: trains the misinformation model
    /// on the owner's data with `Objective.misinformation` (`−log(1 − softmax(m(x))_y)`),
    /// deterministically from streams derived from `context.seed`.
    /// - Complexity: `epochs` epochs over the owner's data.
    public static func make(context: DefenseContext, threshold tau: Double, sharpness nu: Double,
                            architecture: MisinformationArchitecture, epochs: Int) throws -> AdaptiveMisinformation {
        let hidden = architecture == .teacher ? Array(context.teacher.sizes.dropFirst().dropLast()) : context.surrogateHidden
        let sizes = try OwnerModels.sizes(hidden: hidden, context: context, defense: "adaptive-misinformation")
        let model = try OwnerModels.make(sizes: sizes, context: context, label: "misinformation-model",
                                         objective: .misinformation, epochs: epochs, defense: "adaptive-misinformation")
        return try AdaptiveMisinformation(misinformationModel: model, threshold: tau, sharpness: nu)
    }
}

extension MisinformationArchitecture: ParameterChoice {}

extension AdaptiveMisinformation {
    static let tauParameter = Parameter<Double>("tau", default: 0.99, "confidence threshold τ", range: .closed(0, 1))
    static let nuParameter = Parameter<Double>("nu", default: 1e4, "sharpness ν of the switch", range: .positive,
                                               expected: "a positive number")
    static let modelParameter = Parameter<MisinformationArchitecture>("model", default: .teacher,
        "misinformation model widths: teacher or surrogate (student-sized)")
    static let epochsParameter = Parameter<Int>("epochs", default: 10, "training epochs of the misinformation model",
                                                range: .atLeast(1), expected: "a positive integer")

    /// The misinformation model is trained once per run in `fit` and shared by every oracle's instance.
    public static let component = Component<DefenseFitter>(ComponentDescriptor(
        kind: .defense, name: "adaptive-misinformation",
        summary: "answers unsure queries (max p below τ) with a model trained to avoid the true class: q = (1−h)·p + h·softmax(m(x)), h = σ(ν(τ − max p))",
        parameters: [tauParameter, nuParameter].map(\.declaration) + [modelParameter.declaration, epochsParameter.declaration],
        reference: "Kariyappa & Qureshi, Defending Against Model Stealing Attacks with Adaptive Misinformation, CVPR 2020")) { p in
        { context in
            let fitted = try make(context: context, threshold: p[tauParameter], sharpness: p[nuParameter],
                                  architecture: p[modelParameter], epochs: p[epochsParameter])
            return { try AdaptiveMisinformation(misinformationModel: fitted.misinformationModel,
                                                threshold: fitted.threshold, sharpness: fitted.sharpness) }
        }
    }
}
