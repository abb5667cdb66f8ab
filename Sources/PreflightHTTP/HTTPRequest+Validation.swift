import PreflightCore

extension HTTPRequest {
    /// The last line against request injection: a method that is not a token, a request target with a
    /// space or a control character, a header name that is not a token, or a header value with a control
    /// character (CR and LF above all) is refused before anything is written, whether it came from the
    /// configuration or from a peer's earlier answer (a token, a redirect). Names the header, never its value.
    public func validatedForWire(basePath: String = "") throws(ProbeFailure) {
        guard !method.isEmpty, method.utf8.allSatisfy(Self.isTokenByte) else {
            throw Self.refusal("the request method is not a valid HTTP token")
        }
        let target = basePath + path
        guard target.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw Self.refusal("the request path contains a space or a control character")
        }
        for field in headers {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(Self.isTokenByte) else {
                throw Self.refusal("a header name is not a valid HTTP token")
            }
            guard field.value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw Self.refusal("the value of the \(field.name) header contains a control character")
            }
        }
    }

    private static func refusal(_ what: String) -> ProbeFailure {
        ProbeFailure(
            .invalidConfig, "Preflight refused to send a request: \(what)",
            hint:
                "a configuration value (or a value a server returned) holds a line break or control character; remove it",
            transient: false)
    }

    /// RFC 9110 token characters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
