import Foundation
import DistillCore

/// A sweep that cannot be defined, run or collected. Each message names the
/// problem and the fix.
public struct SweepError: Error, CustomStringConvertible, Equatable, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// A command-line argument or value as a message shows it: in backticks, cut to
    /// `QuotedInput.limit` characters (a 10,000-deep value must not become a 40 KB message).
    static func shown(_ argument: String) -> String { QuotedInput.quote(argument, delimiter: "`") }
}
