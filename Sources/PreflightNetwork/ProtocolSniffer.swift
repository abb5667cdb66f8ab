import NIOCore

/// What a peer's first bytes say it is. Pure: give it the bytes, it names the protocol.
public enum PeerProtocol: Sendable, Equatable {
    case ssh(banner: String)
    case http(statusLine: String)
    case tls
    case mysql(version: String)
    case mysqlError(message: String)
    case postgres
    case redis(reply: String)
    case textBanner(String)
    case unknown(preview: String)

    /// "an SSH server (SSH-2.0-OpenSSH_9.2)", for "port 22 answered as ..., not PostgreSQL".
    public var description: String {
        switch self {
        case .ssh(let banner): "an SSH server (\(banner))"
        case .http(let line): "an HTTP server (\(line))"
        case .tls: "a TLS server (it expected a TLS handshake first)"
        case .mysql(let version): "a MySQL server (version \(version))"
        case .mysqlError(let message): "a MySQL server, which refused us: \(message)"
        case .postgres: "a PostgreSQL server"
        case .redis(let reply): "a Redis server (\(reply))"
        case .textBanner(let text): "a server with the banner \"\(text)\""
        case .unknown(let preview): "something that is not a known database (first bytes: \(preview))"
        }
    }
}

/// Identifies the protocol behind a peer's first bytes.
public enum ProtocolSniffer {
    /// Names what sent `bytes`, or nil when there are too few bytes to say.
    public static func identify(_ bytes: [UInt8]) -> PeerProtocol? {
        guard !bytes.isEmpty else { return nil }
        let text = printablePrefix(bytes)
        if text.hasPrefix("SSH-") { return .ssh(banner: firstLine(text)) }
        if text.hasPrefix("HTTP/") { return .http(statusLine: firstLine(text)) }
        if bytes.count >= 2, bytes[0] == 0x15 || bytes[0] == 0x16, bytes[1] == 0x03 { return .tls }
        if let mysql = mysqlGreeting(bytes) { return mysql }
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+"),
            text.hasPrefix("-ERR") || text.hasPrefix("-NOAUTH") || text.hasPrefix("-DENIED") || text.hasPrefix("+OK")
                || text.hasPrefix("-WRONGPASS")
        {
            return .redis(reply: firstLine(text))
        }
        if isPostgresErrorMessage(bytes) { return .postgres }
        if text.count >= 4, let first = text.first, first.isNumber,
            text.dropFirst(3).hasPrefix(" ") || text.dropFirst(3).hasPrefix("-")
        {
            return .textBanner(firstLine(text))
        }
        return .unknown(preview: preview(bytes))
    }

    /// A MySQL handshake packet: 3-byte length, sequence 0, protocol 10 and a NUL-terminated version;
    /// or an error packet (0xff) sent instead of a greeting.
    static func mysqlGreeting(_ bytes: [UInt8]) -> PeerProtocol? {
        guard bytes.count >= 6, bytes[3] == 0 else { return nil }
        let length = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16
        guard length > 1, length < 1 << 16 else { return nil }
        if bytes[4] == 0x0a {
            let versionBytes = bytes[5...].prefix { $0 != 0 }
            guard versionBytes.count < 80, versionBytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { return nil }
            return .mysql(version: String(decoding: versionBytes, as: UTF8.self))
        }
        // An ERR packet's payload holds at least the 0xff marker and a 2-byte code (the length counts them).
        if bytes[4] == 0xff, bytes.count >= 7, length >= 3 {
            let message = bytes[7...].prefix(length - 3).filter { $0 >= 0x20 && $0 < 0x7f }
            return .mysqlError(message: String(decoding: message, as: UTF8.self))
        }
        return nil
    }

    /// A PostgreSQL ErrorResponse: 'E', a 4-byte big-endian length, then fields starting with 'S'.
    static func isPostgresErrorMessage(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 6, bytes[0] == UInt8(ascii: "E") else { return false }
        let length = Int(bytes[1]) << 24 | Int(bytes[2]) << 16 | Int(bytes[3]) << 8 | Int(bytes[4])
        return length > 4 && length < 1 << 16 && bytes[5] == UInt8(ascii: "S")
    }

    /// The first bytes as text, keeping only printable ASCII and line breaks.
    static func printablePrefix(_ bytes: [UInt8]) -> String {
        String(
            decoding: bytes.prefix(200).map {
                ($0 >= 0x20 && $0 < 0x7f) || $0 == 0x0a || $0 == 0x0d ? $0 : UInt8(ascii: ".")
            }, as: UTF8.self)
    }

    static func firstLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return line.count > 80 ? String(line.prefix(80)) + "..." : line
    }

    /// Up to 16 bytes in hex, for messages about unknown peers.
    public static func preview(_ bytes: [UInt8]) -> String {
        let shown = bytes.prefix(16).map { byte -> String in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: " ")
        return bytes.count > 16 ? shown + " ..." : shown
    }
}

extension ByteBuffer {
    /// The readable bytes, without consuming them.
    public var peekBytes: [UInt8] { getBytes(at: readerIndex, length: readableBytes) ?? [] }
}
