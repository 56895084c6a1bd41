/// Fractions of the data for each part of an experiment.
///
/// - `teacherTrain`: the victim's private training data;
/// - `validation`: for early stopping / model selection;
/// - `attackerPool`: unlabelled inputs the attacker may send to the teacher API;
/// - `test`: held-out evaluation data (ignored when the source has an official test set).
///
/// Fractions are of the examples being split (the whole dataset, or only the
/// training part when there is an official test set).
public struct SplitFractions: Equatable, Sendable, CustomStringConvertible {
    public var teacherTrain: Double
    public var validation: Double
    public var attackerPool: Double
    public var test: Double

    public init(teacherTrain: Double, validation: Double, attackerPool: Double, test: Double) {
        self.teacherTrain = teacherTrain
        self.validation = validation
        self.attackerPool = attackerPool
        self.test = test
    }

    /// For the 1,797 digits: 809 / 180 / 449 / 359.
    public static let digits = SplitFractions(teacherTrain: 0.45, validation: 0.10, attackerPool: 0.25, test: 0.20)
    /// For Fashion-MNIST's 60,000 training images (official 10k test):
    /// 35,000 teacher / 5,000 validation / 20,000 attacker pool.
    public static let fashionMNIST = SplitFractions(teacherTrain: 35.0 / 60.0, validation: 5.0 / 60.0,
                                                    attackerPool: 20.0 / 60.0, test: 0)

    public var description: String {
        "teacher \(teacherTrain), validation \(validation), attacker pool \(attackerPool), test \(test)"
    }

    /// Checks the fractions: each used one finite and in (0, 1], and their sum ≤ 1.
    /// - Parameters:
    ///   - hasOfficialTest: when true, `test` is ignored.
    ///   - poolIsAbsolute: when true, `attackerPool` is ignored (a size is given instead).
    /// - Throws: `DatasetError.invalidSplit` naming the bad fraction.
    public func validate(hasOfficialTest: Bool, poolIsAbsolute: Bool = false) throws {
        // Named by the settings that hold them, so the message says which keys to change.
        var used: [(String, Double)] = [("data.teacherFraction", teacherTrain), ("data.validationFraction", validation)]
        if !poolIsAbsolute { used.append(("data.poolFraction", attackerPool)) }
        if !hasOfficialTest { used.append(("data.testFraction", test)) }
        for (label, value) in used where !(value.isFinite && value > 0 && value <= 1) {
            throw DatasetError.invalidSplit(reason: "split fraction \(label) = \(value) must be in (0, 1]\(label == "data.testFraction" ? " (this source has no official test set, so a test split is carved from it)" : "")")
        }
        let sum = used.reduce(0) { $0 + $1.1 }
        if sum > 1 + 1e-9 {
            throw DatasetError.invalidSplit(reason: "split fractions \(used.map { "\($0.0) \($0.1)" }.joined(separator: " + ")) sum to \(sum), more than 1; lower one of them\(hasOfficialTest ? "" : " (without an official test set the test split is one of the parts)")")
        }
    }
}
