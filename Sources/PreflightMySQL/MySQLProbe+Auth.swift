import NIOCore
import PreflightCore
import PreflightNetwork

/// The `auth` and `database` steps, and the second connection that tells "this account requires TLS" from a wrong password.
extension MySQLProbe {
    func authenticate(
        _ wire: MySQLWire, greeting: MySQLGreeting, encrypted: Bool, address: SocketAddress, context: ProbeContext
    ) async throws(ProbeFailure) {
        let user = config.user
        context.trace.begin(
            .auth, activity: "waiting for \(server) to authenticate user \"\(user)\"",
            timeoutHint:
                "the server accepted the connection but did not finish the login; it may be overloaded, or not \(product)"
        )
        switch await login(wire, greeting: greeting, secure: encrypted, context: context) {
        case .success(let auth):
            var detail =
                "user \"\(user)\" authenticated with \(auth.pluginsUsed.joined(separator: " then ")) \(encrypted ? "over TLS" : "(unencrypted)")"
            if !auth.notes.isEmpty { detail += "; " + auth.notes.joined(separator: "; ") }
            if !encrypted, auth.notes.contains(where: { $0.contains("RSA public key requested from the server") }) {
                // The key came over the same unencrypted connection: whoever can intercept it could have sent theirs.
                context.trace.end(
                    .auth, status: .warning, detail: detail,
                    hint:
                        "the password went out encrypted to an RSA key the server sent without TLS, which a machine in the middle could have replaced: use TLS (sslMode require or verify-full), or pin the server's key with serverPublicKey"
                )
            } else {
                context.trace.end(.auth, status: .passed, detail: detail)
            }
            if let database = config.database {
                context.trace.note(.database, status: .passed, detail: "using database \"\(database)\"")
            } else {
                context.trace.note(
                    .database, status: .skipped, detail: "no defaultDatabase: connected without a default schema")
            }
        case .server(let error):
            var failure = MySQLErrorMapping.failure(
                for: error, user: user, database: config.database, server: server, product: product,
                encrypted: encrypted, passwordGiven: config.password != nil)
            if error.code == 1049 || error.code == 1044 {
                context.trace.end(
                    .auth, status: .passed,
                    detail: "user \"\(user)\" authenticated \(encrypted ? "over TLS" : "(unencrypted)")")
                context.trace.note(.database, status: .failed, detail: failure.message, hint: failure.hint)
                throw failure
            }
            if error.code == 1045, !encrypted, config.password != nil, greeting.capabilities.contains(.ssl),
                await acceptedOverTLS(address: address, context: context)
            {
                let seen = MySQLErrorMapping.account(in: error.message)
                let account = seen.map { "'\($0.user)'@'\($0.host)'" } ?? "\"\(user)\""
                failure = ProbeFailure(
                    .auth,
                    "this account requires TLS: \(server) refused user \(account) on this unencrypted connection (error 1045) and accepted the same credentials over TLS (the account was created with REQUIRE SSL or similar)",
                    hint: "set tlsMode to \"preferred\" (or sslMode to require / verify-full)")
            }
            context.trace.end(.auth, status: .failed, detail: failure.message, hint: failure.hint)
            throw failure
        case .failure(let failure):
            context.trace.end(.auth, status: .failed, detail: failure.message, hint: failure.hint)
            throw failure
        }
    }

    /// Whether the same credentials log in over TLS (without verifying the certificate) on a second connection:
    /// tells "this account requires TLS" from a wrong password after a 1045 on a plaintext connection.
    private func acceptedOverTLS(address: SocketAddress, context: ProbeContext) async -> Bool {
        // Only for direct connections: a second trip through a tunnel would record its steps again.
        guard context.tunnel == nil, context.deadline.remaining > .milliseconds(500) else { return false }
        do {
            let dial = try await Dialer().connect(to: [address], host: config.host, context: context)
            let wire = try await MySQLWire.attach(to: dial.channel, maxPayload: Self.greetingLimit)
            defer { wire.quit() }
            let greeting = try await readGreeting(wire, context: context)
            await wire.setMaxPayload(Self.packetLimit)
            guard greeting.capabilities.contains(.ssl) else { return false }
            _ = try await startTLS(
                wire, greeting: greeting, settings: TLSSettings(mode: .require, serverName: config.host),
                context: context)
            switch await login(wire, greeting: greeting, secure: true, context: context) {
            case .success: return true
            case .server(let error): return error.code == 1049 || error.code == 1044
            case .failure: return false
            }
        } catch {
            return false
        }
    }
}
