extension Unicode.Scalar {
    /// Whether this is a control character, general category Cc: exactly U+0000-U+001F and U+007F-U+009F,
    /// compared as values rather than looked up in Unicode's property tables (per scalar, that lookup was 2% of
    /// the service's CPU per ping). The tests hold it equal to `properties.generalCategory == .control` for
    /// every scalar.
    public var isControlCharacter: Bool { value < 0x20 || (value >= 0x7F && value <= 0x9F) }
}

extension StringProtocol {
    /// Whether the text holds a control character (general category Cc: a line break, a tab, NUL, DEL...).
    public var containsControlCharacter: Bool { unicodeScalars.contains { $0.isControlCharacter } }
}
