import Foundation

/// Errors of a defense that cannot work with these values or this teacher;
/// each names the fix. (Naming and parameter errors are `ComponentError`s.)
public enum DefenseError: Error, CustomStringConvertible, Equatable {
    case invalidValue(defense: String, parameter: String, value: String, expected: String)
    case incompatible(defense: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidValue(d, p, v, e):
            return "defense '\(d)': \(p)=\(v) is invalid; expected \(e)"
        case let .incompatible(d, why):
            return "defense '\(d)' cannot be used here: \(why)"
        }
    }
}

