/// The lab's own components, in listing order. A plug-in registers its own
/// with `ComponentRegistry.shared.register(_:)` instead.
enum BuiltinComponents {
    static let defenses: [Component<DefenseFitter>] = [
        LabelOnlyDefense.component, TopKDefense.component, RoundingDefense.component, HighConfidenceDefense.component,
        GaussianNoiseDefense.component, TemperatureDefense.component, LabelSmoothingDefense.component,
        ReverseSigmoidDefense.component,
        PredictionPoisoning.component(.standard), PredictionPoisoning.component(.argmaxPreserving),
        AdaptiveMisinformation.component,
        KeyedCanary.component, PeriodicSignal.component,
    ]
    static let strategies: [Component<QueryStrategy>] = [
        RandomPoolStrategy.component, OutOfDistributionStrategy.component, JacobianAugmentationStrategy.component,
        ActiveLearningStrategy.component,
    ]
    static let counters: [Component<AttackCounter>] = [
        AverageRepeats.component, ArgmaxLabels.component, EnsembleFilter.component,
    ]
    static let detectors: [Component<ExtractionDetector>] = [PradaDetector.component]
}
