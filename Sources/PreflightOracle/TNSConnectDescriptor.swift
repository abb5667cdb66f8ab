/// What the client asks the listener for: a service name (12c and later, pluggable databases) or the
/// SID of an old single-instance database.
public enum OracleServiceTarget: Sendable, Equatable, CustomStringConvertible {
    case serviceName(String)
    case sid(String)

    public var description: String {
        switch self {
        case .serviceName(let name): "service \(name)"
        case .sid(let sid): "SID \(sid)"
        }
    }
}

/// Builds the connect descriptor a CONNECT packet carries:
/// `(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=h)(PORT=p))(CONNECT_DATA=(SERVICE_NAME=s)(CID=(PROGRAM=preflight)(HOST=__jdbc__)(USER=preflight))))`.
public enum TNSConnectDescriptor {
    /// The descriptor text. `tcps` names the protocol TCPS (TLS). Values are quoted when they hold
    /// characters Oracle Net treats specially.
    public static func make(host: String, port: Int, target: OracleServiceTarget, tcps: Bool = false) -> String {
        let connectData: String
        switch target {
        case .serviceName(let name): connectData = "(SERVICE_NAME=\(quoted(name)))"
        case .sid(let sid): connectData = "(SID=\(quoted(sid)))"
        }
        return "(DESCRIPTION=(ADDRESS=(PROTOCOL=\(tcps ? "TCPS" : "TCP"))(HOST=\(quoted(host)))(PORT=\(port)))"
            + "(CONNECT_DATA=\(connectData)(CID=(PROGRAM=preflight)(HOST=preflight)(USER=preflight))))"
    }

    static func quoted(_ value: String) -> String {
        let special = value.contains { "()=\\\"' #,".contains($0) }
        guard special else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "") + "\""
    }

    /// What a descriptor asks for (SERVICE_NAME, else SID), read by a listener.
    public static func target(of descriptor: String) -> OracleServiceTarget? {
        guard let lists = TNSNameValue.parse(descriptor) else { return nil }
        for list in lists {
            guard let data = list.first("CONNECT_DATA") else { continue }
            if let name = data.value(of: "SERVICE_NAME") { return .serviceName(unquoted(name)) }
            if let sid = data.value(of: "SID") { return .sid(unquoted(sid)) }
        }
        return nil
    }

    static func unquoted(_ value: String) -> String {
        value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"")
            ? String(value.dropFirst().dropLast()) : value
    }
}
