import Foundation
import PreflightAWS
import PreflightCore
import PreflightNetwork

/// The CQL exchanges of one ping on an open TLS connection, each as a step.
struct KeyspacesSession {
    let probe: KeyspacesProbe
    let wire: CQLWire
    let context: ProbeContext
    let situation: KeyspacesErrorMapping.Situation
    /// The SigV4 credentials; nil for service-specific credentials.
    let credentials: AWSCredentials?

    var server: String { probe.server }

    /// One request and its answer; a server ERROR is mapped, a wire failure named.
    func call(_ request: String, _ make: (Int16) -> CQLFrame) async throws(ProbeFailure) -> CQLResponse {
        let budget = context.budget()
        let answer: (response: CQLResponse, warnings: [String])
        do {
            answer = try await wire.call(make, within: budget)
        } catch {
            throw await wireFailure(error, request: request, budget: budget)
        }
        if case .error(let error) = answer.response {
            throw KeyspacesErrorMapping.failure(for: error, request: request, in: situation)
        }
        return answer.response
    }

    // MARK: OPTIONS, STARTUP

    /// OPTIONS then STARTUP; returns the authenticator class the server names (nil: no login asked).
    func hello() async throws(ProbeFailure) -> String? {
        let server = self.server
        return try await context.step(
            .hello, "sending OPTIONS and STARTUP (CQL native protocol v4)",
            timeoutHint:
                "the server finished TLS but did not answer OPTIONS; Keyspaces answers at once, so this is probably not a CQL port"
        ) { outcome in
            let supported = try await call("OPTIONS") { CQLRequest.options(stream: $0) }
            guard case .supported(let options) = supported else {
                throw ProbeFailure(
                    .protocolMismatch, "\(server) answered OPTIONS with \(Self.describe(supported)), not SUPPORTED")
            }
            let versions = options["CQL_VERSION"] ?? []
            let cqlVersion = versions.first { $0.hasPrefix("3.") } ?? "3.0.0"
            let started = try await call("STARTUP") { CQLRequest.startup(stream: $0, cqlVersion: cqlVersion) }
            let protocols = options["PROTOCOL_VERSIONS"].map { ", protocols \($0.joined(separator: " "))" } ?? ""
            switch started {
            case .authenticate(let authenticator):
                outcome.detail =
                    "CQL \(cqlVersion)\(protocols); the server asks for a login (\(PeerText.quote(authenticator)))"
                return authenticator
            case .ready:
                outcome.detail = "CQL \(cqlVersion)\(protocols); the server asks for no login"
                return nil
            default:
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(server) answered STARTUP with \(Self.describe(started)), not READY or AUTHENTICATE")
            }
        }
    }

    // MARK: Login

    func authenticate(_ authenticator: String?) async throws(ProbeFailure) {
        guard let authenticator else {
            context.trace.note(
                .auth, status: .warning,
                detail:
                    "the server accepted the connection without a login: this is not Amazon Keyspaces, which always asks for one",
                hint: "check the host: Amazon Keyspaces endpoints are cassandra.REGION.amazonaws.com")
            return
        }
        let server = self.server
        let identity = situation.identity
        let credentials = self.credentials
        let login = probe.config.login
        let region = probe.config.region
        let context = self.context
        try await context.step(.auth, "logging in as \(identity)") { outcome in
            switch login {
            case .password(let username, let password):
                let answer = try await call("the login") {
                    CQLRequest.authResponse(
                        stream: $0, token: CQLAuthTokens.plain(username: username, password: password))
                }
                guard case .authSuccess = answer else {
                    throw ProbeFailure(
                        .protocolMismatch,
                        "\(server) answered the password login with \(Self.describe(answer)), not AUTH_SUCCESS")
                }
            case .sigV4:
                guard let credentials else { throw ProbeFailure(.internalError, "no SigV4 credentials were prepared") }
                let challenge = try await call("the SigV4 login") {
                    CQLRequest.authResponse(stream: $0, token: CQLAuthTokens.sigV4Initial)
                }
                guard case .authChallenge(let bytes) = challenge else {
                    throw ProbeFailure(
                        .auth,
                        "\(server) answered the SigV4 login with \(Self.describe(challenge)), not a challenge: it does not take SigV4 logins (authenticator \(PeerText.quote(authenticator)))",
                        hint:
                            "this may not be Amazon Keyspaces; for a server with PasswordAuthenticator give username and password instead of AWS keys"
                    )
                }
                guard
                    let token = CQLAuthTokens.sigV4Response(
                        challenge: bytes ?? [], credentials: credentials, region: region, date: context.wallClock())
                else {
                    throw ProbeFailure(
                        .protocolMismatch, "\(server) sent a SigV4 challenge without a nonce (nonce=...)")
                }
                let answer = try await call("the SigV4 login") { CQLRequest.authResponse(stream: $0, token: token) }
                guard case .authSuccess = answer else {
                    throw ProbeFailure(
                        .protocolMismatch,
                        "\(server) answered the signed login with \(Self.describe(answer)), not AUTH_SUCCESS")
                }
            }
            outcome.detail = "logged in as \(identity) (authenticator \(PeerText.quote(authenticator)))"
        }
    }

    // MARK: Queries

    func selectLocal() async throws(ProbeFailure) {
        let server = self.server
        let query = "SELECT release_version FROM system.local"
        try await context.step(.select, "running \(query)") { outcome in
            let answer = try await call(query) { CQLRequest.query(stream: $0, query) }
            guard case .rows(let rows) = answer else {
                throw ProbeFailure(.protocolMismatch, "\(server) answered \(query) with \(Self.describe(answer))")
            }
            let version = rows.value("release_version")?.text.map { PeerText.quote($0) } ?? "unknown"
            outcome.detail = "release_version \(version)"
        }
    }

    func keyspaceExists(_ keyspace: String) async throws(ProbeFailure) {
        let server = self.server
        let query = "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?"
        try await context.step(.database, "looking up keyspace \(keyspace)") { outcome in
            let answer = try await call("the keyspace lookup") {
                CQLRequest.query(stream: $0, query, values: [keyspace])
            }
            guard case .rows(let rows) = answer else {
                throw ProbeFailure(.protocolMismatch, "\(server) answered \(query) with \(Self.describe(answer))")
            }
            guard !rows.rows.isEmpty else {
                throw ProbeFailure(
                    .databaseNotFound,
                    "\(server) has no keyspace \(keyspace) (system_schema.keyspaces has no such row)",
                    hint:
                        "check defaultDatabase (keyspace names are case-sensitive) and the region (keyspaces are regional); the identity also needs cassandra:Select on it to see it"
                )
            }
            outcome.detail = "keyspace \(keyspace) exists"
        }
    }

    func readiness(_ keyspace: String) async throws(ProbeFailure) {
        let server = self.server
        let context = self.context
        let region = probe.config.region
        let checks = try await context.step(.readiness, "checking the tables of \(keyspace) for CDC streams") {
            outcome -> [ReadinessCheck] in
            let answer = try await call("the CDC lookup (system_schema_mcs.tables)") {
                CQLRequest.query(stream: $0, KeyspacesCDC.tablesQuery, values: [keyspace])
            }
            guard case .rows(let rows) = answer else {
                throw ProbeFailure(
                    .protocolMismatch, "\(server) answered the CDC lookup with \(Self.describe(answer))")
            }
            let check = KeyspacesCDC.check(KeyspacesCDC.streams(in: rows), keyspace: keyspace, region: region)
            context.trace.check(check)
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.step(
                for: [check], isSource: context.isSource, readyFor: "Keyspaces CDC")
            return [check]
        }
        if context.isSource,
            let failure = ReadinessVerdict.sourceFailure(for: checks, server: "keyspace \(keyspace)")
        {
            throw failure
        }
    }

    // MARK: Failures

    static func describe(_ response: CQLResponse) -> String {
        switch response {
        case .ready: "READY"
        case .authenticate: "AUTHENTICATE"
        case .supported: "SUPPORTED"
        case .authChallenge: "AUTH_CHALLENGE"
        case .authSuccess: "AUTH_SUCCESS"
        case .error(let error): "ERROR \(error.hexCode)"
        case .rows: "ROWS"
        case .result(let kind): "a RESULT of kind \(kind)"
        case .event: "EVENT"
        }
    }

    static var portHint: String { "check the host and port: Amazon Keyspaces speaks CQL over TLS on port 9142" }

    /// A non-CQL peer named from its first bytes; nil for unknown bytes.
    static func namedPeer(_ bytes: [UInt8]) -> String? {
        guard let peer = ProtocolSniffer.identify(bytes) else { return nil }
        if case .unknown = peer { return nil }
        return peer.description
    }

    func wireFailure(_ error: CQLWireError, request: String, budget: Duration) async -> ProbeFailure {
        let seen = await wire.received()
        let preview = ProtocolSniffer.preview(seen.firstBytes)
        switch error {
        case .protocolError(let problem):
            if let named = Self.namedPeer(seen.firstBytes) {
                return ProbeFailure(.protocolMismatch, "\(server) answered as \(named), not CQL", hint: Self.portHint)
            }
            return ProbeFailure(
                .protocolMismatch, "\(server) answered \(request) with \(problem), not CQL (first bytes: \(preview))",
                hint: Self.portHint)
        case .timedOut:
            if seen.total == 0 {
                return ProbeFailure(
                    .timeout,
                    "\(server) finished TLS but did not answer \(request) within \(budget.humanDescription)",
                    hint: "a CQL server answers at once: this is probably not Keyspaces, or it is overloaded")
            }
            return ProbeFailure(
                .timeout,
                "\(server) sent \(seen.total) bytes that are not a whole frame in answer to \(request), then nothing for \(budget.humanDescription) (first bytes: \(preview))",
                hint: "a CQL server sends each frame at once; this is probably not Keyspaces")
        case .closed(let buffered):
            if buffered > 0 {
                return ProbeFailure(
                    .protocolMismatch,
                    "\(server) closed the connection in the middle of a frame answering \(request) (first bytes: \(preview))",
                    hint: Self.portHint)
            }
            return ProbeFailure(
                .serverUnavailable, "\(server) closed the connection without answering \(request)",
                hint: "the server may be restarting, or a proxy dropped the connection", transient: true)
        case .byteLimit:
            return ProbeFailure(
                .protocolMismatch,
                "\(server) sent far more data than a CQL server would in answer to \(request) (first bytes: \(preview))",
                hint: Self.portHint)
        case .channel(let text):
            return ProbeFailure(.unreachable, "the connection to \(server) failed during \(request): \(text)")
        }
    }
}
