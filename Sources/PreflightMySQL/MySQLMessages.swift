/// Capability flags of the client/server handshake (only those a ping cares about are named).
public struct MySQLCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let longPassword = Self(rawValue: 1 << 0)
    public static let longFlag = Self(rawValue: 1 << 2)
    public static let connectWithDB = Self(rawValue: 1 << 3)
    public static let protocol41 = Self(rawValue: 1 << 9)
    public static let ssl = Self(rawValue: 1 << 11)
    public static let transactions = Self(rawValue: 1 << 13)
    public static let secureConnection = Self(rawValue: 1 << 15)
    public static let multiResults = Self(rawValue: 1 << 17)
    public static let pluginAuth = Self(rawValue: 1 << 19)
    public static let connectAttributes = Self(rawValue: 1 << 20)
    public static let pluginAuthLengthEncodedData = Self(rawValue: 1 << 21)
    public static let deprecateEOF = Self(rawValue: 1 << 24)

    /// What Preflight asks for when the server has it (TLS and the default database are added as needed).
    public static let wanted: Self = [
        .longPassword, .longFlag, .protocol41, .transactions, .secureConnection, .multiResults,
        .pluginAuth, .pluginAuthLengthEncodedData, .connectAttributes,
    ]
}

/// The server's first packet (Protocol::HandshakeV10).
public struct MySQLGreeting: Sendable, Equatable {
    public var protocolVersion: UInt8
    /// As sent, e.g. "8.0.36" or "5.5.5-10.11.19-MariaDB-0+deb12u1-log".
    public var serverVersion: String
    public var connectionID: UInt32
    public var capabilities: MySQLCapabilities
    public var characterSet: UInt8
    public var statusFlags: UInt16
    /// The auth plugin the server starts with; nil for servers without CLIENT_PLUGIN_AUTH.
    public var authPluginName: String?
    /// The nonce for the first auth plugin (20 bytes for the usual plugins), without the trailing NUL.
    public var scramble: [UInt8]

    public init(
        protocolVersion: UInt8 = 10, serverVersion: String, connectionID: UInt32 = 1,
        capabilities: MySQLCapabilities, characterSet: UInt8 = 45, statusFlags: UInt16 = 2,
        authPluginName: String?, scramble: [UInt8]
    ) {
        self.protocolVersion = protocolVersion
        self.serverVersion = serverVersion
        self.connectionID = connectionID
        self.capabilities = capabilities
        self.characterSet = characterSet
        self.statusFlags = statusFlags
        self.authPluginName = authPluginName
        self.scramble = scramble
    }

    /// Whether the server is MariaDB (its version says so).
    public var isMariaDB: Bool { serverVersion.localizedLowercase.contains("mariadb") }

    /// The version without MariaDB's "5.5.5-" replication-compatibility prefix.
    public var displayVersion: String {
        serverVersion.hasPrefix("5.5.5-") && isMariaDB ? String(serverVersion.dropFirst(6)) : serverVersion
    }

    public enum ParseError: Error, Sendable, Equatable {
        /// The first byte is not protocol 10 (9 is MySQL 3.x; anything else is not MySQL).
        case unsupportedProtocol(UInt8)
        case truncated(String)
        case notText(String)
    }

    /// Parses a greeting payload.
    public static func parse(_ payload: [UInt8]) throws(ParseError) -> MySQLGreeting {
        var reader = MySQLPayloadReader(payload)
        do {
            let version = try reader.u8("protocol version")
            guard version == 10 else { throw ParseError.unsupportedProtocol(version) }
            let versionBytes = try reader.nulTerminated("server version")
            guard versionBytes.count <= 255, versionBytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
                throw ParseError.notText("server version")
            }
            let connectionID = UInt32(try reader.uint(4, "connection id"))
            var scramble = try reader.take(8, "auth-plugin-data part 1")
            try reader.skip(1, "filler")
            var capabilities = UInt32(try reader.uint(2, "capability flags"))
            var characterSet: UInt8 = 0
            var status: UInt16 = 0
            var plugin: String?
            if !reader.isAtEnd {
                characterSet = try reader.u8("character set")
                status = UInt16(try reader.uint(2, "status flags"))
                capabilities |= UInt32(try reader.uint(2, "capability flags (upper)")) << 16
                let dataLength = Int(try reader.u8("auth-plugin-data length"))
                try reader.skip(10, "reserved")
                let caps = MySQLCapabilities(rawValue: capabilities)
                if caps.contains(.secureConnection) {
                    let part2Length = max(13, dataLength - 8)
                    let part2 = try reader.take(min(part2Length, reader.remaining), "auth-plugin-data part 2")
                    scramble += part2
                    // The part ends with a NUL that is not part of the nonce.
                    if scramble.last == 0 { scramble.removeLast() }
                }
                if caps.contains(.pluginAuth) {
                    let name = try reader.nulTerminated("auth plugin name", orToEnd: true)
                    guard name.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
                        throw ParseError.notText("auth plugin name")
                    }
                    plugin = name.isEmpty ? nil : String(decoding: name, as: UTF8.self)
                }
            }
            return MySQLGreeting(
                protocolVersion: version, serverVersion: String(decoding: versionBytes, as: UTF8.self),
                connectionID: connectionID, capabilities: MySQLCapabilities(rawValue: capabilities),
                characterSet: characterSet, statusFlags: status, authPluginName: plugin, scramble: scramble)
        } catch let error as MySQLPayloadReader.Truncated {
            throw .truncated(error.field)
        } catch let error as ParseError {
            throw error
        } catch {
            throw .truncated("greeting")
        }
    }

    /// The payload of this greeting (for scripted peers in tests).
    public func encoded() -> [UInt8] {
        var writer = MySQLPayloadWriter()
        writer.u8(protocolVersion)
        writer.nulTerminated(serverVersion)
        writer.uint(UInt64(connectionID), size: 4)
        var data = scramble
        while data.count < 8 { data.append(0) }
        writer.append(Array(data.prefix(8)))
        writer.u8(0)
        writer.uint(UInt64(capabilities.rawValue & 0xFFFF), size: 2)
        writer.u8(characterSet)
        writer.uint(UInt64(statusFlags), size: 2)
        writer.uint(UInt64(capabilities.rawValue >> 16), size: 2)
        writer.u8(capabilities.contains(.pluginAuth) ? UInt8(scramble.count + 1) : 0)
        writer.append([UInt8](repeating: 0, count: 10))
        if capabilities.contains(.secureConnection) {
            var part2 = Array(data.dropFirst(8))
            while part2.count < 12 { part2.append(0) }
            writer.append(part2)
            writer.u8(0)
        }
        if capabilities.contains(.pluginAuth), let authPluginName { writer.nulTerminated(authPluginName) }
        return writer.bytes
    }
}

/// utf8mb4_general_ci, known to every MySQL since 5.5 and to MariaDB.
let utf8mb4GeneralCI: UInt8 = 45

/// The client's messages during connection setup.
public enum MySQLClientMessages {
    /// The fixed 32-byte head shared by SSLRequest and HandshakeResponse41.
    static func head(_ capabilities: MySQLCapabilities) -> [UInt8] {
        var writer = MySQLPayloadWriter()
        writer.uint(UInt64(capabilities.rawValue), size: 4)
        writer.uint(UInt64(MySQLFraming.maxChunk), size: 4)
        writer.u8(utf8mb4GeneralCI)
        writer.append([UInt8](repeating: 0, count: 23))
        return writer.bytes
    }

    /// Protocol::SSLRequest: the head with CLIENT_SSL, after which both sides start TLS.
    public static func sslRequest(_ capabilities: MySQLCapabilities) -> [UInt8] {
        head(capabilities.union(.ssl))
    }

    /// Protocol::HandshakeResponse41.
    public static func handshakeResponse(
        capabilities: MySQLCapabilities, user: String, authResponse: [UInt8], database: String?,
        pluginName: String?,
        attributes: [(String, String)] = [("_client_name", "preflight"), ("program_name", "preflight")]
    ) -> [UInt8] {
        var writer = MySQLPayloadWriter()
        writer.append(head(capabilities))
        writer.nulTerminated(user)
        if capabilities.contains(.pluginAuthLengthEncodedData) {
            writer.lengthEncodedBytes(authResponse)
        } else if capabilities.contains(.secureConnection) {
            writer.u8(UInt8(min(authResponse.count, 255)))
            writer.append(Array(authResponse.prefix(255)))
        } else {
            writer.append(authResponse)
            writer.u8(0)
        }
        if capabilities.contains(.connectWithDB), let database { writer.nulTerminated(database) }
        if capabilities.contains(.pluginAuth), let pluginName { writer.nulTerminated(pluginName) }
        if capabilities.contains(.connectAttributes) {
            var attrs = MySQLPayloadWriter()
            for (key, value) in attributes {
                attrs.lengthEncodedBytes(Array(key.utf8))
                attrs.lengthEncodedBytes(Array(value.utf8))
            }
            writer.lengthEncodedBytes(attrs.bytes)
        }
        return writer.bytes
    }

    /// COM_QUERY.
    public static func query(_ sql: String) -> [UInt8] { [0x03] + Array(sql.utf8) }

    /// COM_QUIT.
    public static let quit: [UInt8] = [0x01]
}

/// An ERR packet.
public struct MySQLServerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: UInt16
    public var sqlState: String?
    public var message: String

    public init(code: UInt16, sqlState: String? = nil, message: String) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
    }

    /// Parses an ERR payload (starting with 0xFF). The SQLSTATE marker is optional: servers omit it in
    /// errors sent before the handshake (e.g. 1130 instead of a greeting).
    public static func parse(_ payload: [UInt8]) -> MySQLServerError? {
        guard payload.first == 0xFF, payload.count >= 3 else { return nil }
        let code = UInt16(payload[1]) | UInt16(payload[2]) << 8
        var rest = Array(payload.dropFirst(3))
        var state: String?
        if rest.count >= 6, rest[0] == UInt8(ascii: "#") {
            state = String(decoding: rest[1..<6], as: UTF8.self)
            rest.removeFirst(6)
        }
        let text = String(decoding: rest.prefix(1024), as: UTF8.self)
        return MySQLServerError(code: code, sqlState: state, message: text)
    }

    /// The ERR payload (for scripted peers).
    public func encoded() -> [UInt8] {
        var writer = MySQLPayloadWriter()
        writer.u8(0xFF)
        writer.uint(UInt64(code), size: 2)
        if let sqlState {
            writer.u8(UInt8(ascii: "#"))
            writer.append(Array(sqlState.utf8.prefix(5)))
        }
        writer.append(Array(message.utf8))
        return writer.bytes
    }

    public var description: String { "ERROR \(code)\(sqlState.map { " (\($0))" } ?? ""): \(message)" }
}

/// An OK packet's payload (for scripted peers): no rows affected, autocommit on.
public let mysqlOKPayload: [UInt8] = [0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]

/// Whether a payload is an OK packet (0x00, or 0xFE with at least 7 bytes when it ends a result set).
func isOK(_ payload: [UInt8]) -> Bool { payload.first == 0x00 }

/// Whether a payload is an EOF packet (0xFE and shorter than 9 bytes).
func isEOF(_ payload: [UInt8]) -> Bool { payload.first == 0xFE && payload.count < 9 }
