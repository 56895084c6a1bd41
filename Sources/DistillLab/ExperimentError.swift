import Foundation

/// Errors in setting up an experiment; each names the problem and the fix.
public enum ExperimentError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    case outputExists(String)

    public var description: String {
        switch self {
        case let .invalid(s): return s
        case let .outputExists(p): return "\(p) already exists and results are never overwritten; choose another output folder"
        }
    }
}
