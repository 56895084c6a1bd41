import DistillCore

/// One tool the tool-use suite can offer: its definition, how a user asks for
/// it (with the arguments that request means), how it answers, and the final
/// answer the assistant gives from its result.
public struct CatalogueTool: Sendable {
    public let definition: ToolDefinition
    /// A request in words and its arguments; `conversions` allows phrasings whose
    /// arguments must be converted ("in 2 weeks" -> days=14) rather than copied.
    let request: @Sendable (inout RandomStream, _ conversions: Bool) -> (String, [ToolCall.Argument])
    /// The tool's result for well-typed arguments (a function of the call alone).
    let result: @Sendable (ToolCall) -> String
    /// The final answer (after "answer: ") given the call and its result.
    let answer: @Sendable (ToolCall, String) -> String
}

extension RandomStream {
    mutating func pick<T>(_ items: [T]) -> T { items[int(below: items.count)] }
}

/// The tool catalogue the suite draws the offered tools from.
public enum ToolCatalogue {
    static let cities = ["Paris", "Rome", "Oslo", "Lima", "Tokyo", "Cairo", "Delhi", "Berlin", "Madrid",
                         "Dublin", "Quito", "Seoul", "Hanoi", "Lagos", "Vienna", "Prague", "Boston",
                         "Denver", "Sydney", "Nairobi", "New York", "Cape Town", "Mexico City", "Bogota"]
    static let items = ["lamp", "chair", "kettle", "bike", "desk", "radio", "clock", "sofa", "phone", "tent",
                        "mug", "rug", "camera", "guitar"]
    static let chores = ["call mom", "pay rent", "buy milk", "water plants", "feed the cat", "book dentist",
                         "renew passport", "pack bags"]
    static let numberWords = ["two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                              "eleven", "twelve"]
    static let currencies: [(word: String, code: String, per100: Int)] = [
        ("euros", "EUR", 92), ("pounds", "GBP", 79), ("yen", "JPY", 15_000), ("francs", "CHF", 88),
        ("rupees", "INR", 8_300), ("pesos", "MXN", 1_700),
    ]
    static let skies = ["sunny", "cloudy", "rain", "snow", "windy", "fog"]

    /// The integer argument `name` of `call` (0 when absent: results are only
    /// computed for calls that match the tool's definition).
    static func int(_ call: ToolCall, _ name: String) -> Int {
        if case .int(let n)? = call[argument: name] { return n }
        return 0
    }
    static func str(_ call: ToolCall, _ name: String) -> String {
        if case .string(let s)? = call[argument: name] { return s }
        return ""
    }
    /// A deterministic number in `range` from the call (its canonical text's hash).
    static func draw(_ call: ToolCall, _ range: ClosedRange<Int>, salt: String = "") -> Int {
        range.lowerBound + Int(stableHash(call.canonical + salt) % UInt64(range.count))
    }
    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Every tool, in a fixed order (12 tools).
    public static let tools: [CatalogueTool] = [
        CatalogueTool(
            definition: ToolDefinition("weather", [.init("city", .str), .init("days", .int)]),
            request: { s, conv in
                let city = s.pick(cities)
                if conv, s.int(below: 2) == 0 {
                    let (when, days) = s.pick([("today", 0), ("tomorrow", 1), ("in a week", 7), ("in two weeks", 14)])
                    return ("Weather in \(city) \(when)?", [.init("city", .string(city)), .init("days", .int(days))])
                }
                let days = 2 + s.int(below: 8)
                return ("Weather in \(city) in \(days) days?", [.init("city", .string(city)), .init("days", .int(days))])
            },
            result: { c in "\(skies[draw(c, 0...(skies.count - 1))]) \(draw(c, -5...34, salt: "t"))C" },
            answer: { _, r in r }),
        CatalogueTool(
            definition: ToolDefinition("timer", [.init("minutes", .int)]),
            request: { s, conv in
                if conv, s.int(below: 2) == 0 {
                    if s.int(below: 3) == 0 { return ("Set a timer for half an hour.", [.init("minutes", .int(30))]) }
                    let h = 1 + s.int(below: 5)
                    return ("Set a timer for \(h) hour\(h == 1 ? "" : "s").", [.init("minutes", .int(60 * h))])
                }
                let m = 2 + s.int(below: 88)
                return ("Set a timer for \(m) minutes.", [.init("minutes", .int(m))])
            },
            result: { c in "timer \(int(c, "minutes"))m started" },
            answer: { c, _ in "timer set for \(int(c, "minutes")) min" }),
        CatalogueTool(
            definition: ToolDefinition("add", [.init("a", .int), .init("b", .int)]),
            request: { s, conv in
                let a = 10 + s.int(below: 990), b = 10 + s.int(below: 990)
                let text = conv && s.int(below: 2) == 0 ? "Add \(a) and \(b)." : "What is \(a) plus \(b)?"
                return (text, [.init("a", .int(a)), .init("b", .int(b))])
            },
            result: { c in "\(int(c, "a") + int(c, "b"))" },
            answer: { _, r in r }),
        CatalogueTool(
            definition: ToolDefinition("mul", [.init("a", .int), .init("b", .int)]),
            request: { s, conv in
                let a = 10 + s.int(below: 990)
                if conv, s.int(below: 2) == 0 {
                    let (word, b) = s.pick([("Double", 2), ("Triple", 3)])
                    return ("\(word) \(a).", [.init("a", .int(a)), .init("b", .int(b))])
                }
                let b = 2 + s.int(below: 98)
                return ("What is \(a) times \(b)?", [.init("a", .int(a)), .init("b", .int(b))])
            },
            result: { c in "\(int(c, "a") * int(c, "b"))" },
            answer: { _, r in r }),
        CatalogueTool(
            definition: ToolDefinition("ship", [.init("city", .str), .init("grams", .int)]),
            request: { s, conv in
                let city = s.pick(cities)
                if conv, s.int(below: 2) == 0 {
                    let kg = 1 + s.int(below: 20)
                    return ("Ship a \(kg) kg parcel to \(city).", [.init("city", .string(city)), .init("grams", .int(1000 * kg))])
                }
                let g = 50 + 10 * s.int(below: 95)
                return ("Ship \(g) grams to \(city).", [.init("city", .string(city)), .init("grams", .int(g))])
            },
            result: { c in "\(draw(c, 3...40) + int(c, "grams") / 500) eur" },
            answer: { _, r in r }),
        CatalogueTool(
            definition: ToolDefinition("clock", [.init("city", .str)]),
            request: { s, _ in
                let city = s.pick(cities)
                return ("What time is it in \(city)?", [.init("city", .string(city))])
            },
            result: { c in "\(two(draw(c, 0...23))):\(two(draw(c, 0...59, salt: "m")))" },
            answer: { _, r in r }),
        CatalogueTool(
            definition: ToolDefinition("book", [.init("city", .str), .init("people", .int)]),
            request: { s, conv in
                let city = s.pick(cities)
                if conv, s.int(below: 2) == 0 {
                    let i = s.int(below: numberWords.count)
                    return ("Book a table in \(city) for \(numberWords[i]).", [.init("city", .string(city)), .init("people", .int(i + 2))])
                }
                let n = 2 + s.int(below: 11)
                return ("Book a table in \(city) for \(n) people.", [.init("city", .string(city)), .init("people", .int(n))])
            },
            result: { c in "ref \(draw(c, 1000...9999))" },
            answer: { c, r in "booked for \(int(c, "people")), \(r)" }),
        CatalogueTool(
            definition: ToolDefinition("distance", [.init("from", .str), .init("to", .str)]),
            request: { s, conv in
                let a = s.pick(cities)
                var b = s.pick(cities)
                while b == a { b = s.pick(cities) }
                let text = conv && s.int(below: 2) == 0 ? "How far is \(b) from \(a)?" : "How far is it from \(a) to \(b)?"
                return (text, [.init("from", .string(a)), .init("to", .string(b))])
            },
            result: { c in "\(draw(c, 80...9900)) km" },
            answer: { _, r in r }),
        CatalogueTool(
            definition: ToolDefinition("price", [.init("item", .str)]),
            request: { s, _ in
                let item = s.pick(items)
                return ("How much does a \(item) cost?", [.init("item", .string(item))])
            },
            result: { c in "\(draw(c, 5...499)) usd" },
            answer: { _, r in r }),
        CatalogueTool(
            definition: ToolDefinition("alarm", [.init("hour", .int), .init("minute", .int)]),
            request: { s, conv in
                let h = 1 + s.int(below: 11)
                if conv, s.int(below: 2) == 0 {
                    if s.int(below: 2) == 0 { return ("Wake me at \(h) pm.", [.init("hour", .int(h + 12)), .init("minute", .int(0))]) }
                    return ("Wake me at half past \(h).", [.init("hour", .int(h)), .init("minute", .int(30))])
                }
                let m = 5 * s.int(below: 12)
                return ("Wake me at \(h):\(two(m)).", [.init("hour", .int(h)), .init("minute", .int(m))])
            },
            result: { c in "alarm \(two(int(c, "hour"))):\(two(int(c, "minute")))" },
            answer: { _, r in r + " set" }),
        CatalogueTool(
            definition: ToolDefinition("remind", [.init("days", .int), .init("task", .str)]),
            request: { s, conv in
                let task = s.pick(chores)
                if conv, s.int(below: 2) == 0 {
                    if s.int(below: 3) == 0 { return ("Remind me to \(task) tomorrow.", [.init("days", .int(1)), .init("task", .string(task))]) }
                    let w = 1 + s.int(below: 4)
                    return ("Remind me to \(task) in \(w) week\(w == 1 ? "" : "s").", [.init("days", .int(7 * w)), .init("task", .string(task))])
                }
                let d = 2 + s.int(below: 29)
                return ("Remind me to \(task) in \(d) days.", [.init("days", .int(d)), .init("task", .string(task))])
            },
            result: { c in "saved #\(draw(c, 100...999))" },
            answer: { c, _ in "reminder in \(int(c, "days")) days" }),
        CatalogueTool(
            definition: ToolDefinition("exchange", [.init("usd", .int), .init("to", .str)]),
            request: { s, conv in
                let cur = s.pick(currencies)
                let usd = 5 * (1 + s.int(below: 100))
                let text = conv ? "Change \(usd) dollars to \(cur.word)." : "Change \(usd) USD to \(cur.code)."
                return (text, [.init("usd", .int(usd)), .init("to", .string(cur.code))])
            },
            result: { c in
                let code = str(c, "to")
                let rate = currencies.first { $0.code == code }?.per100 ?? draw(c, 50...150)
                return "\(int(c, "usd") * rate / 100) \(code)"
            },
            answer: { _, r in r }),
    ]

    /// The catalogue tool called `name`, if any.
    public static func tool(named name: String) -> CatalogueTool? {
        tools.first { $0.definition.name == name }
    }
}
