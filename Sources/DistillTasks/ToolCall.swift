import Foundation

/// A typed argument value of a tool call.
public enum ToolValue: Codable, Sendable, Hashable, CustomStringConvertible {
    case int(Int)
    case string(String)

    /// The value as written in a call: integers bare, strings double-quoted
    /// (with `\"` and `\\` escaped).
    public var description: String {
        switch self {
        case .int(let n): return String(n)
        case .string(let s):
            return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
    }
}

/// The type of a tool parameter, as listed in the system message.
public enum ToolParameterType: String, Codable, Sendable, Hashable {
    case int, str
}

/// A tool definition as the system message lists it: `weather(city:str,days:int)`.
public struct ToolDefinition: Codable, Sendable, Hashable {
    public var name: String
    public var parameters: [Parameter]
    public struct Parameter: Codable, Sendable, Hashable {
        public var name: String
        public var type: ToolParameterType
        public init(_ name: String, _ type: ToolParameterType) { self.name = name; self.type = type }
    }
    public init(_ name: String, _ parameters: [Parameter]) { self.name = name; self.parameters = parameters }

    /// The line of the system message that lists this tool.
    public var signature: String {
        "\(name)(" + parameters.map { "\($0.name):\($0.type.rawValue)" }.joined(separator: ",") + ")"
    }
}

/// A call of a tool, as a model writes it: `call: weather(city="Paris",days=3)`.
///
/// Two calls are equal when their names and their argument sets are equal
/// (argument order does not matter; values compare with their types, so
/// `days=3` and `days="3"` differ).
public struct ToolCall: Codable, Sendable, Hashable, CustomStringConvertible {
    public var name: String
    /// Arguments in the order written.
    public var arguments: [Argument]
    public struct Argument: Codable, Sendable, Hashable {
        public var name: String
        public var value: ToolValue
        public init(_ name: String, _ value: ToolValue) { self.name = name; self.value = value }
    }
    public init(_ name: String, _ arguments: [Argument]) { self.name = name; self.arguments = arguments }

    /// The marker that opens a call in the assistant's text.
    public static let marker = "call: "

    /// The text of the call (without the marker), arguments in the order given.
    public var description: String {
        "\(name)(" + arguments.map { "\($0.name)=\($0.value)" }.joined(separator: ",") + ")"
    }

    /// The line the assistant writes to make this call.
    public var line: String { ToolCall.marker + description }

    /// The call with its arguments sorted by name: the form grading compares.
    public var canonical: String {
        "\(name)(" + arguments.sorted { $0.name < $1.name }.map { "\($0.name)=\($0.value)" }.joined(separator: ",") + ")"
    }

    /// The value of the argument called `name`, if given (the first, if repeated).
    public subscript(argument name: String) -> ToolValue? {
        arguments.first { $0.name == name }?.value
    }

    public static func == (a: ToolCall, b: ToolCall) -> Bool { a.canonical == b.canonical }
    public func hash(into h: inout Hasher) { h.combine(canonical) }

    /// Whether the call names a tool of `tools` with exactly its parameters,
    /// each once and of its type. A call that fails this is to an unlisted
    /// tool (for example a decoy seen elsewhere) or malformed.
    public func matches(_ tools: [ToolDefinition]) -> Bool {
        guard let tool = tools.first(where: { $0.name == name }),
              tool.parameters.count == arguments.count else { return false }
        for p in tool.parameters {
            guard arguments.filter({ $0.name == p.name }).count == 1, let v = self[argument: p.name] else { return false }
            switch (p.type, v) {
            case (.int, .int), (.str, .string): continue
            default: return false
            }
        }
        return true
    }
}
