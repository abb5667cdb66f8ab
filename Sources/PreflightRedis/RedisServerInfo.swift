import Foundation

/// What a Redis server says about itself: from HELLO's map (RESP3) or `INFO server` (RESP2 servers).
public struct RedisServerInfo: Sendable, Equatable {
    /// "redis", "valkey", "keydb", ... (HELLO's `server`; INFO's `server_name` when present).
    public var server: String?
    public var version: String?
    /// "standalone", "cluster" or "sentinel".
    public var mode: String?
    /// "master" or "replica".
    public var role: String?
    /// The protocol the connection speaks: 3 after HELLO 3, 2 otherwise.
    public var protocolVersion: Int
    /// Loaded module names.
    public var modules: [String] = []

    public init(
        server: String? = nil, version: String? = nil, mode: String? = nil, role: String? = nil, protocolVersion: Int,
        modules: [String] = []
    ) {
        self.server = server
        self.version = version
        self.mode = mode
        self.role = role
        self.protocolVersion = protocolVersion
        self.modules = modules
    }

    /// Reads HELLO's reply (a RESP3 map, or the same pairs as an array); nil when it is neither.
    public static func fromHello(_ reply: RESPValue) -> RedisServerInfo? {
        guard reply.pairs != nil else { return nil }
        var info = RedisServerInfo(protocolVersion: reply["proto"].flatMap { $0.text }.flatMap { Int($0) } ?? 3)
        info.server = reply["server"]?.text
        info.version = reply["version"]?.text
        info.mode = reply["mode"]?.text
        info.role = reply["role"]?.text
        switch reply["modules"] {
        case .array(let items)?, .set(let items)?:
            info.modules = items.compactMap { $0["name"]?.text }
        default: break
        }
        return info
    }

    /// Reads the `key:value` lines of `INFO server` (and `INFO replication`'s `role`, when present).
    public static func fromInfo(_ text: String) -> RedisServerInfo {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard !line.hasPrefix("#"), let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...]).trimmingCharacters(
                in: .whitespaces)
        }
        var info = RedisServerInfo(protocolVersion: 2)
        info.server = fields["server_name"] ?? (fields["redis_version"] != nil ? "redis" : nil)
        info.version = fields["\(info.server ?? "redis")_version"] ?? fields["redis_version"]
        info.mode = fields["redis_mode"] ?? fields["server_mode"]
        info.role = fields["role"]
        return info
    }

    /// "Redis 7.0.15 (standalone, master), RESP3".
    public var description: String {
        var text = Self.productName(server)
        if let version { text += " \(version)" }
        let traits = [mode, role].compactMap { $0 }.filter { !$0.isEmpty }
        if !traits.isEmpty { text += " (\(traits.joined(separator: ", ")))" }
        text += ", RESP\(protocolVersion)"
        if !modules.isEmpty { text += ", modules: \(modules.prefix(8).joined(separator: ", "))" }
        return text
    }

    static func productName(_ server: String?) -> String {
        switch server?.lowercased() {
        case nil, "redis"?: "Redis"
        case "valkey"?: "Valkey"
        case "keydb"?: "KeyDB"
        case "dragonfly"?: "Dragonfly"
        case let other?: other
        }
    }
}
