import Foundation

/// User input shown in an error message, bounded: a 50 MB file or a 10,000-deep
/// override must not become a 50 MB message. `ExperimentError.quote` forwards here,
/// so layers below DistillLab (data loading) quote the same way.
public enum QuotedInput {
    /// The most characters of one input a message shows.
    public static let limit = 120

    /// `text` between `delimiter`s, cut to `limit` characters with the full length stated;
    /// control characters (NUL, escapes) are shown escaped.
    public static func quote(_ text: String, limit: Int = QuotedInput.limit, delimiter: String = "'") -> String {
        var shown = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit { break }
            if scalar.value < 0x20 || scalar.value == 0x7F {
                shown += String(format: "\\u{%X}", scalar.value)
            } else {
                shown.unicodeScalars.append(scalar)
            }
            count += 1
        }
        // Only text cut at the limit needs its full length counted.
        let total = count < limit ? count : text.unicodeScalars.count
        return total > limit ? "\(delimiter)\(shown)…\(delimiter) (\(total) characters, first \(limit) shown)" : "\(delimiter)\(shown)\(delimiter)"
    }

    /// `text` as is when short, else its first `limit` characters and the length; for text
    /// already inside a message's own quotes (key paths, column lists).
    public static func bounded(_ text: String, limit: Int = QuotedInput.limit) -> String {
        guard text.unicodeScalars.count > limit else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit))) + "… (\(text.unicodeScalars.count) characters)"
    }
}
