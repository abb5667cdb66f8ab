import PreflightCore

/// What an Oracle ping needs, read from a payload of type `oracle` (Artie's `sharedConfig`: `host`,
/// `port` (1521), `user`, `password`; the service name from `defaultDatabase`), plus Preflight's
/// extension keys `sid` (for an old instance known only by its SID), `sslMode` and `sslRootCert`.
///
/// TLS: Oracle's TCPS is TLS from the first byte on a port of its own (often 2484); there is no
/// in-protocol upgrade. `sslMode` `require`, `verify-ca` or `verify-full` means TCPS; `disable` (the
/// default) and `prefer` mean plain TCP (`prefer` cannot negotiate anything here, and says so).
///
/// Exactly one of `defaultDatabase` (a service name, as `FREEPDB1` or `orclpdb1.example.com`) and `sid`.
public struct OracleConfig: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var target: OracleServiceTarget
    /// nil for plain TCP.
    public var tls: TLSSettings?
    /// `sslMode` was `prefer`: plain TCP, noted in the report.
    public var preferredTLS: Bool

    public init(payload: ConnectorPayload) throws(InvalidConfig) {
        let config = payload.sharedConfig
        host = try config.host("host", for: .oracle)
        port = try config.port("port", for: .oracle)
        user = try config.requiredString("user", for: .oracle)
        guard user.utf8.count <= 128, !user.contains(where: { $0 == "\0" || $0.isNewline }) else {
            throw InvalidConfig("sharedConfig.user must be at most 128 bytes without NUL or line breaks")
        }
        password = try config.secret("password")
        if let password, password.utf8.count > 1024 {
            throw InvalidConfig("sharedConfig.password is longer than 1024 bytes")
        }
        let service = payload.defaultDatabase?.trimmingSpaces
        let sid = try config.string("sid")?.trimmingSpaces
        switch (service.flatMap { $0.isEmpty ? nil : $0 }, sid) {
        case (let service?, nil):
            target = .serviceName(try Self.checkedName(service, key: "defaultDatabase", what: "service name"))
        case (nil, let sid?):
            target = .sid(try Self.checkedName(sid, key: "sharedConfig.sid", what: "SID"))
        case (.some, .some):
            throw InvalidConfig(
                "give either defaultDatabase (the service name) or sharedConfig.sid (an old instance's SID), not both")
        case (nil, nil):
            throw InvalidConfig(
                "defaultDatabase (the Oracle service name, e.g. FREEPDB1 or ORCLPDB1; `lsnrctl services` lists them) is required for oracle; for an old instance known only by its SID set sharedConfig.sid"
            )
        }
        let settings = try TLSSettings.from(config, serverName: host, default: .disable, type: .oracle)
        preferredTLS = settings.mode == .prefer
        tls = settings.mode.allowsPlaintext ? nil : settings
    }

    /// Service names and SIDs: letters, digits and `_ . $ # -`, at most 255 bytes.
    static func checkedName(_ value: String, key: String, what: String) throws(InvalidConfig) -> String {
        let allowed = value.unicodeScalars.allSatisfy { scalar in
            let code = scalar.value
            return (0x30...0x39).contains(code) || (0x41...0x5A).contains(code) || (0x61...0x7A).contains(code)
                || "_.$#-".unicodeScalars.contains(scalar)
        }
        guard allowed, !value.isEmpty, value.utf8.count <= 255 else {
            throw InvalidConfig(
                "\(key) must be an Oracle \(what): letters, digits and _ . $ # - only, at most 255 characters")
        }
        return value
    }
}
