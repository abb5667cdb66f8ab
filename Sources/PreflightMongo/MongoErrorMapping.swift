import PreflightCore
import PreflightNetwork
import PreflightSCRAM

/// How reading a reply ended when it did not produce a message.
public enum MongoReadFailure: Error, Sendable, Equatable {
    /// Nothing whole arrived in time; `received` holds what did.
    case timedOut(received: [UInt8], after: Duration)
    /// The peer closed the connection; `received` holds what it sent first.
    case closed(received: [UInt8])
    /// The bytes are not a MongoDB message (or announce one too large).
    case invalid(reason: String, received: [UInt8])
    /// The peer sent more than the ping's inbound limit.
    case inboundLimit(Int)
    /// The connection failed (reset, TLS error after the handshake).
    case channel(String)
}

/// Maps what went wrong to a category and a sentence a person can act on. Pure.
public enum MongoErrorMapping {
    /// The likely causes of code 18, which MongoDB gives alike for every one of them.
    public static func authenticationFailed(
        server: String, user: String, authSource: String, mechanism: String, type: ConnectorType,
        said: MongoCommandError
    ) -> ProbeFailure {
        var causes = [
            "the password is wrong",
            "the user was created in another database than authSource \"\(authSource)\" (set authSource=<that database> in the connection string; most users live in admin)",
            "the user does not exist",
        ]
        if mechanism == SCRAMMechanism.sha256.rawValue {
            causes.append("the user has only SCRAM-SHA-1 credentials (try authMechanism=SCRAM-SHA-1)")
        } else if mechanism == SCRAMMechanism.sha1.rawValue {
            causes.append("the user has only SCRAM-SHA-256 credentials (try authMechanism=SCRAM-SHA-256)")
        }
        if type == .documentdb {
            causes[1] =
                "the user is looked up in \"\(authSource)\" (DocumentDB keeps every user in admin: remove authSource or set it to admin)"
        }
        return ProbeFailure(
            .auth,
            "\(server) rejected user \"\(user)\" (\(mechanism), authSource \"\(authSource)\"): \(said)",
            hint: "MongoDB answers the same for each of these: " + causes.joined(separator: "; "),
            transient: false)
    }

    /// A command error met while logging in or on the first commands after it.
    public static func commandFailure(
        _ error: MongoCommandError, server: String, user: String?, authSource: String, mechanism: String?,
        type: ConnectorType,
        activity: String
    ) -> ProbeFailure {
        let code = error.code ?? -1
        switch code {
        case 18, 11:
            return authenticationFailed(
                server: server, user: user ?? "", authSource: authSource, mechanism: mechanism ?? "SCRAM", type: type,
                said: error)
        case 8000 where error.message.lowercased().contains("auth"):
            // Atlas's proxy answers bad credentials with AtlasError 8000 "bad auth".
            return authenticationFailed(
                server: server, user: user ?? "", authSource: authSource, mechanism: mechanism ?? "SCRAM", type: type,
                said: error)
        case 334:
            return ProbeFailure(
                .auth, "\(server) does not offer \(mechanism ?? "this mechanism") for user \"\(user ?? "")\": \(error)",
                hint: "set authMechanism to one the server supports (SCRAM-SHA-256 or SCRAM-SHA-1)", transient: false)
        case 13:
            return ProbeFailure(
                .permission, "\(activity) was refused: \(error)",
                hint: user == nil
                    ? "the server requires authentication: set sharedConfig.user and sharedConfig.password"
                    : "grant the user a role that allows it (see the readiness checks for the exact statement)",
                transient: false)
        case 91, 189, 11600, 11602, 10107, 13435, 13436, 262, 9001, 6, 7, 89, 133:
            return ProbeFailure(
                .serverUnavailable, "\(server) cannot serve \(activity) right now: \(error)",
                hint: "the server is stepping down, shutting down or cannot reach other members; try again in a minute",
                transient: true)
        case 59, 115:
            return ProbeFailure(.unsupported, "\(server) does not support \(activity): \(error)")
        default:
            return ProbeFailure(.protocolMismatch, "\(server) refused \(activity): \(error)")
        }
    }

    /// A SCRAM exchange that the client itself had to stop.
    public static func scramFailure(_ error: SCRAMError, server: String, user: String, mechanism: String)
        -> ProbeFailure
    {
        switch error.kind {
        case .password:
            return ProbeFailure(
                .auth, "the password for user \"\(user)\" cannot be used with \(mechanism): \(error.reason)",
                hint: "SCRAM-SHA-256 passwords go through SASLprep; use a password of printable characters",
                transient: false)
        case .serverSignature:
            return ProbeFailure(
                .auth, "\(server) accepted user \"\(user)\" but \(error.reason)",
                hint:
                    "a proxy or load balancer may be interfering with authentication; connect to the server directly to compare",
                transient: false)
        case .serverError(let text):
            return ProbeFailure(
                .auth, "\(server) ended authentication of user \"\(user)\" with \(text.prefix(100))", transient: false)
        case .protocolViolation:
            return ProbeFailure(
                .protocolMismatch,
                "\(server) broke the SCRAM protocol while authenticating user \"\(user)\": \(error.reason)")
        }
    }

    /// A reply that did not come, or came as something other than MongoDB.
    public static func readFailure(
        _ failure: MongoReadFailure, server: String, product: String, activity: String, encrypted: Bool,
        firstReply: Bool
    ) -> ProbeFailure {
        let portHint =
            "check the host and port: \(product) listens on \(ConnectorType.mongodb.defaultPort ?? 0) by default"
        switch failure {
        case .timedOut(let received, let after):
            if let peer = identify(received) {
                return ProbeFailure(
                    .protocolMismatch, "\(server) answered as \(peer.description), not \(product)", hint: portHint)
            }
            if received.isEmpty {
                return ProbeFailure(
                    .timeout,
                    firstReply
                        ? "\(server) accepted the connection but did not answer \(activity) within \(after.humanDescription); it is probably not \(product), or it is overloaded"
                        : "\(server) did not answer \(activity) within \(after.humanDescription)",
                    hint: firstReply ? portHint : "the server may be overloaded; try again")
            }
            return ProbeFailure(
                .timeout,
                "\(server) sent only \(received.count) bytes of its reply to \(activity) in \(after.humanDescription) (a MongoDB reply arrives at once)",
                hint: firstReply
                    ? "the peer is very slow or not \(product); \(portHint)" : "the network or server is very slow")
        case .closed(let received):
            if received.isEmpty {
                if firstReply && !encrypted {
                    return ProbeFailure(
                        .tls,
                        "\(server) closed the connection without answering \(activity); \(product) does this when it requires TLS and the client connects without it",
                        hint:
                            "add tls=true to the connection string (or set sslMode to verify-full); if the server does not require TLS, it may be at its connection limit or not \(product)"
                    )
                }
                return ProbeFailure(
                    firstReply ? .protocolMismatch : .serverUnavailable,
                    "\(server) closed the connection without answering \(activity)",
                    hint: firstReply
                        ? "it may be at its connection limit, or not \(product): \(portHint)"
                        : "the server may be restarting or dropping connections; try again",
                    transient: firstReply ? false : true)
            }
            if let peer = identify(received) {
                return ProbeFailure(
                    .protocolMismatch, "\(server) answered as \(peer.description), not \(product)", hint: portHint)
            }
            return ProbeFailure(
                .protocolMismatch,
                "\(server) closed the connection in the middle of its reply to \(activity) (\(received.count) bytes: \(ProtocolSniffer.preview(received)))",
                hint: firstReply ? portHint : nil)
        case .invalid(let reason, let received):
            if let peer = identify(received) {
                return ProbeFailure(
                    .protocolMismatch, "\(server) answered as \(peer.description), not \(product)", hint: portHint)
            }
            return ProbeFailure(
                .protocolMismatch,
                "\(server) answered \(activity) with something that is not the \(product) wire protocol: \(reason) (first bytes: \(ProtocolSniffer.preview(received)))",
                hint: portHint)
        case .inboundLimit(let limit):
            return ProbeFailure(
                .protocolMismatch,
                "\(server) sent more than \(limit) bytes in answer to \(activity), far more than \(product) would; it is not \(product)",
                hint: portHint)
        case .channel(let text):
            return ProbeFailure(.unreachable, "the connection to \(server) failed during \(activity): \(text)")
        }
    }

    /// A known protocol behind the bytes (never `unknown`: those are described with their bytes).
    static func identify(_ bytes: [UInt8]) -> PeerProtocol? {
        guard let peer = ProtocolSniffer.identify(bytes) else { return nil }
        if case .unknown = peer { return nil }
        return peer
    }
}
