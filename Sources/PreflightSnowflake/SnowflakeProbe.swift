import Foundation
import PreflightCore
import PreflightHTTP
import PreflightNetwork
import _CryptoExtras

/// A ping of a Snowflake account. Steps: dns, connect, tls (by the HTTP client), then
/// - key-pair: `jwt` (signed locally), `statement` (the SQL API runs the check query with the token);
/// - password: `login` (session API), `statement` (the check query in that session), `logout` (best effort);
/// and `warehouse`: the role can use the warehouse, then `readiness` (SnowflakeProbe+Destination). Nothing is written.
///
/// Runtime secrets (the JWT, the session token) never reach a message: peer texts are redacted with them.
struct SnowflakeProbe: Probe {
    let config: SnowflakeConfig

    var target: PingTarget { PingTarget(host: config.endpoint.host, port: config.endpoint.port) }

    private var httpTarget: HTTPTarget { HTTPTarget(config.endpoint, rootCertificatesPEM: config.rootCertificatesPEM) }

    private func failureContext(fingerprint: String?) -> SnowflakeFailureContext {
        SnowflakeFailureContext(
            account: config.account.jwtAccount, user: config.username, warehouse: config.warehouse,
            role: config.role, fingerprint: fingerprint, server: config.endpoint.description)
    }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        let client = HTTPClient(context: context)
        defer { client.close() }
        switch config.authentication {
        case .keyPair(let key):
            try await runKeyPair(key: key, client: client, context: context)
        case .password(let password):
            try await runPassword(password, client: client, context: context)
        }
    }

    // MARK: Key-pair (SQL API)

    private func runKeyPair(key: _RSA.Signing.PrivateKey, client: HTTPClient, context: ProbeContext)
        async throws(ProbeFailure)
    {
        let account = config.account.jwtAccount
        let user = config.jwtUser
        let fingerprint = SnowflakeKeyPairJWT.fingerprint(of: key.publicKey)
        let jwt: String = try await context.step(.jwt, "signing the key-pair token") { outcome in
            let token: String
            do {
                token = try SnowflakeKeyPairJWT.token(
                    account: account, user: user, key: key, issuedAt: Int(context.wallClock().timeIntervalSince1970))
            } catch {
                throw ProbeFailure(.internalError, "signing the key-pair token failed: \(type(of: error))")
            }
            outcome.detail =
                "token for \(SnowflakeKeyPairJWT.subject(account: account, user: user)) signed with key \(fingerprint), valid \(SnowflakeKeyPairJWT.lifetimeSeconds / 60) minutes"
            return token
        }
        context.rememberSecret(jwt)
        let failureContext = failureContext(fingerprint: fingerprint)
        let redactor = Redactor(secrets: [jwt])
        let request = SnowflakeRequests.sqlAPIStatement(
            jwt: jwt, warehouse: config.warehouse, role: config.role,
            timeoutSeconds: statementTimeout(context))
        try await client.connect(httpTarget)
        let row = try await context.step(
            .statement, "running the check query through Snowflake's SQL API",
            timeoutHint: "Snowflake accepted the connection but did not answer the SQL API request in time"
        ) { outcome in
            let response = try await client.exchange(request, with: httpTarget)
            let row = try SnowflakeAnswers.statement(response, context: failureContext, redactor: redactor).get()
            outcome.detail =
                "signed in as \(config.username) (key-pair) in account \(account); role \(row.role ?? "none")"
            return row
        }
        try await checkWarehouse(row, failureContext: failureContext, context: context)
        let (warehouse, role, timeout) = (config.warehouse, config.role, statementTimeout(context))
        let sqlTarget = self.httpTarget
        try await destinationReadiness(
            role: row.role,
            run: { statement, _ async throws(ProbeFailure) in
                let request = SnowflakeRequests.sqlAPIStatement(
                    jwt: jwt, warehouse: warehouse, role: role, timeoutSeconds: timeout, statement: statement)
                let response = try await client.exchange(request, with: sqlTarget)
                return Self.resultSet(response, sqlAPI: true, redactor: redactor)
            }, context: context)
    }

    // MARK: Password (session API)

    private func runPassword(_ password: String, client: HTTPClient, context: ProbeContext) async throws(ProbeFailure) {
        let failureContext = failureContext(fingerprint: nil)
        let account = config.account.jwtAccount
        let login = SnowflakeRequests.login(
            account: account, user: config.username, password: password,
            warehouse: config.warehouse, role: config.role, requestID: UUID())
        try await client.connect(httpTarget)
        let passwordOnly = Redactor(secrets: [password])
        let token = try await context.step(
            .login, "signing in to Snowflake with a password",
            timeoutHint: "Snowflake accepted the connection but did not answer the login in time"
        ) { outcome in
            let response = try await client.exchange(login, with: httpTarget)
            let token = try SnowflakeAnswers.login(response, context: failureContext, redactor: passwordOnly).get()
            context.rememberSecret(token)
            outcome.detail = "session opened for \(config.username) in account \(account)"
            return token
        }
        let redactor = Redactor(secrets: [token, password])
        do throws(ProbeFailure) {
            let query = SnowflakeRequests.query(
                sessionToken: token, requestID: UUID(),
                submittedAtMillis: Int(context.wallClock().timeIntervalSince1970 * 1000))
            let row = try await context.step(
                .statement, "running the check query in the session",
                timeoutHint: "Snowflake did not answer the query in time"
            ) { outcome in
                let response = try await client.exchange(query, with: httpTarget)
                let row = try SnowflakeAnswers.query(response, context: failureContext, redactor: redactor).get()
                outcome.detail = "role \(row.role ?? "none"), warehouse \(row.warehouse ?? "none")"
                return row
            }
            try await checkWarehouse(row, failureContext: failureContext, context: context)
            let sessionTarget = self.httpTarget
            try await destinationReadiness(
                role: row.role,
                run: { statement, index async throws(ProbeFailure) in
                    // The check query was the session's statement 1.
                    let request = SnowflakeRequests.query(
                        sessionToken: token, requestID: UUID(),
                        submittedAtMillis: Int(context.wallClock().timeIntervalSince1970 * 1000), statement: statement,
                        sequenceID: 2 + index)
                    let response = try await client.exchange(request, with: sessionTarget)
                    return Self.resultSet(response, sqlAPI: false, redactor: redactor)
                }, context: context)
        } catch {
            await logout(token: token, client: client, context: context)
            throw error
        }
        await logout(token: token, client: client, context: context)
    }

    /// Ends the session, best effort and briefly: a failure is a warning (the session expires by itself).
    private func logout(token: String, client: HTTPClient, context: ProbeContext) async {
        let budget = context.deadline.budget(atMost: .seconds(2))
        guard budget > .milliseconds(50) else { return }
        let request = SnowflakeRequests.logout(sessionToken: token)
        let target = httpTarget
        do {
            let response = try await withDeadline(budget, activity: "closing the session") {
                () async throws(ProbeFailure) in
                try await client.exchange(request, with: target)
            }
            let closed = response.isSuccess && response.json()?["success"]?.boolValue != false
            context.trace.note(
                .logout, status: closed ? .passed : .warning,
                detail: closed
                    ? "session closed"
                    : "Snowflake did not confirm closing the session (\(response.statusLine)); it expires by itself")
        } catch {
            context.trace.note(
                .logout, status: .warning,
                detail: "could not close the session (\(error.category.rawValue)); it expires by itself")
        }
    }

    // MARK: Shared

    private func checkWarehouse(
        _ row: SnowflakeSessionRow, failureContext: SnowflakeFailureContext, context: ProbeContext
    ) async throws(ProbeFailure) {
        try await context.step(.warehouse, "checking that the role can use warehouse \(config.warehouse)") { outcome in
            outcome.detail = try SnowflakeWarehouseVerdict.evaluate(row, context: failureContext).get()
        }
    }

    /// The statement's server-side timeout: what is left of the ping, at least 1 s.
    private func statementTimeout(_ context: ProbeContext) -> Int {
        max(1, Int(context.deadline.remaining.seconds.rounded(.down)))
    }
}
