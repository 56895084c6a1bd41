import Foundation

/// Errors in composing or running attacks; each names the fix. (Naming and
/// parameter errors are `ComponentError`s.)
public enum AttackError: Error, CustomStringConvertible, Equatable {
    case invalidValue(component: String, parameter: String, value: String, expected: String)
    case malformedSpec(String, String)
    /// The component cannot run with this budget, pool, data or combination.
    case incompatible(component: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidValue(c, p, v, e):
            return "attack '\(c)': \(p)=\(v) is invalid; expected \(e)"
        case let .malformedSpec(t, why):
            return "cannot read attack '\(t)': \(why); write it as name or name:key=value,key=value"
        case let .incompatible(c, why):
            return "attack '\(c)' cannot run here: \(why)"
        }
    }
}
