import Foundation
import PreflightAWS
import PreflightCore
import PreflightNetwork

/// A ping of Amazon Keyspaces: (sts_assume_role), dns, connect, tls, hello (OPTIONS, STARTUP), auth
/// (SigV4 or service-specific credentials), select (`system.local`), database (the keyspace), readiness
/// (CDC streams on the keyspace's tables). Reads only.
struct KeyspacesProbe: Probe {
    let config: KeyspacesConfig
    let ambient: AWSAmbientIdentity?

    var target: PingTarget { PingTarget(host: config.host, port: config.port) }

    var server: String {
        config.host.contains(":") ? "[\(config.host)]:\(config.port)" : "\(config.host):\(config.port)"
    }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        var credentials: AWSCredentials?
        var identity: String
        switch config.login {
        case .password(let username, let password):
            context.rememberSecret(password)
            identity = "service-specific user \(username)"
        case .sigV4(let auth):
            let region = config.region
            let session = try await AWSSessions.credentials(
                auth: auth, region: region, endpointURL: config.endpointURL, ambient: ambient,
                rootCertificatesPEM: config.tls.rootCertificatesPEM, context: context)
            credentials = session.credentials
            context.rememberSecret(session.credentials.secretAccessKey)
            context.rememberSecret(session.credentials.sessionToken)
            identity =
                session.roleARN.map { "role \($0) (SigV4, \(session.credentials.accessKeyID))" }
                ?? "access key \(session.credentials.accessKeyID) (SigV4)"
        }
        let situation = KeyspacesErrorMapping.Situation(
            server: server, identity: identity, sigV4: credentials != nil, region: config.region,
            keyspace: config.keyspace)
        let dial = try await context.resolveAndConnect(config.host, port: config.port)
        let server = self.server
        let tls = config.tls
        try await context.step(
            .tls, "negotiating TLS with \(server)",
            timeoutHint:
                "the port accepted the connection but did not finish a TLS handshake; Keyspaces speaks TLS on 9142"
        ) { outcome in
            let info = try await TLSUpgrade.perform(on: dial.channel, settings: tls, peerName: server, context: context)
            outcome.detail = info.description
        }
        let wire = try await CQLWire.attach(to: dial.channel)
        defer { wire.close() }
        let session = KeyspacesSession(
            probe: self, wire: wire, context: context, situation: situation, credentials: credentials)
        let authenticator = try await session.hello()
        try await session.authenticate(authenticator)
        try await session.selectLocal()
        guard let keyspace = config.keyspace else {
            context.trace.note(
                .database, status: .skipped, detail: "no keyspace given (defaultDatabase): only the login was checked")
            context.trace.note(
                .readiness, status: .skipped, detail: "no keyspace given (defaultDatabase): no tables to check for CDC")
            return
        }
        try await session.keyspaceExists(keyspace)
        try await session.readiness(keyspace)
    }
}
