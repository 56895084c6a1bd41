import Foundation

/// A sweep that cannot be defined, run or collected. Each message names the
/// problem and the fix.
public struct SweepError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
