/// Byte-level tokens: every UTF-8 byte is one token (vocabulary 256), so no
/// external tokenizer is needed and any text round-trips exactly.
public enum ByteTokenizer {
    public static let vocabularySize = 256

    /// The UTF-8 bytes of `text` as token ids.
    public static func encode(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }

    /// The text of `tokens`; bytes that are not valid UTF-8 become U+FFFD.
    /// - Precondition: every token is in `0..<256`.
    public static func decode(_ tokens: [Int32]) -> String {
        String(decoding: tokens.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
    }
}
