import Foundation
import PreflightCore
import PreflightNetwork
import PreflightSCRAM

extension MongoPing {
    /// SCRAM-SHA-256 or SCRAM-SHA-1 through `saslStart` / `saslContinue` on `authSource`, verifying the
    /// server's signature. Returns the mechanism used (nil when no user was given).
    func authenticate(_ session: MongoSession) async throws(ProbeFailure) -> String? {
        if let requested = config.mechanism, SCRAMMechanism(rawValue: requested) == nil {
            let why = requested == "MONGODB-CR" ? " (removed in MongoDB 4.0)" : ""
            trace.note(
                .auth, status: .failed, detail: "authMechanism \(requested) is not supported",
                hint: "use a user with SCRAM credentials to test the connection")
            throw ProbeFailure(
                .unsupported,
                "authMechanism \(requested)\(why) is not supported by Preflight; it speaks SCRAM-SHA-256 and SCRAM-SHA-1",
                hint: "use a user with SCRAM credentials to test the connection")
        }
        guard let user = config.user, let password = config.password else {
            trace.note(
                .auth, status: .skipped, detail: "no user given: connecting without authentication",
                hint: "most deployments require a user; set sharedConfig.user and sharedConfig.password")
            return nil
        }
        let authSource = config.authSource
        let server = session.address.description
        let mechanismName: String
        if let requested = config.mechanism {
            mechanismName = requested
        } else if let offered = session.hello.saslSupportedMechs, offered.contains(SCRAMMechanism.sha256.rawValue) {
            mechanismName = SCRAMMechanism.sha256.rawValue
        } else {
            // The specification's default when SCRAM-SHA-256 is not offered (or the list is absent).
            mechanismName = SCRAMMechanism.sha1.rawValue
        }
        let ping = self
        return try await step(
            .auth, "authenticating user \"\(user)\" with \(server)",
            timeoutHint: "the server did not finish the login; it may be overloaded"
        ) { outcome throws(ProbeFailure) in
            guard let mechanism = SCRAMMechanism(rawValue: mechanismName) else {
                let why = mechanismName == "MONGODB-CR" ? " (removed in MongoDB 4.0)" : ""
                throw ProbeFailure(
                    .unsupported,
                    "authMechanism \(mechanismName)\(why) is not supported by Preflight; it speaks SCRAM-SHA-256 and SCRAM-SHA-1",
                    hint: "use a user with SCRAM credentials to test the connection")
            }
            var client: SCRAMClient
            do throws(SCRAMError) {
                client = try SCRAMClient(mechanism: mechanism, username: user, password: password)
            } catch {
                throw MongoErrorMapping.scramFailure(error, server: server, user: user, mechanism: mechanismName)
            }
            let unlisted = ping.config.mechanism == nil && session.hello.saslSupportedMechs == nil
            let explainUnlisted: @Sendable (ProbeFailure) -> ProbeFailure = { failure in
                guard failure.category == .auth, unlisted else { return failure }
                var explained = failure
                // mongod lists the mechanisms of a user it knows; no list usually means no such user in authSource.
                explained.hint =
                    "the server listed no mechanism for \"\(authSource).\(user)\", which mongod does when the user does not exist in authSource \"\(authSource)\"; "
                    + (failure.hint ?? "")
                return explained
            }
            let first: BSONDocument
            do throws(ProbeFailure) {
                first = try await ping.command(
                    session,
                    [
                        "saslStart": 1, "mechanism": .string(mechanismName),
                        "payload": .binary(subtype: 0, bytes: Array(client.clientFirstMessage.utf8)),
                        "autoAuthorize": 1, "options": ["skipEmptyExchange": true],
                    ], database: authSource, activity: "authentication (saslStart)", mechanism: mechanismName)
            } catch {
                throw explainUnlisted(error)
            }
            guard let conversation = first["conversationId"], let serverFirst = first["payload"]?.binaryBytes else {
                throw ProbeFailure(
                    .protocolMismatch, "\(server) answered saslStart without a conversation id or payload")
            }
            let final: String
            do throws(SCRAMError) {
                final = try client.clientFinalMessage(serverFirst: String(decoding: serverFirst, as: UTF8.self))
            } catch {
                throw MongoErrorMapping.scramFailure(error, server: server, user: user, mechanism: mechanismName)
            }
            var reply: BSONDocument
            do throws(ProbeFailure) {
                reply = try await ping.command(
                    session,
                    [
                        "saslContinue": 1, "conversationId": conversation,
                        "payload": .binary(subtype: 0, bytes: Array(final.utf8)),
                    ], database: authSource, activity: "authentication (saslContinue)", mechanism: mechanismName)
            } catch {
                throw explainUnlisted(error)
            }
            guard let serverFinal = reply["payload"]?.binaryBytes else {
                throw ProbeFailure(.protocolMismatch, "\(server) answered saslContinue without a payload")
            }
            do throws(SCRAMError) { try client.verifyServerFinal(String(decoding: serverFinal, as: UTF8.self)) } catch {
                throw MongoErrorMapping.scramFailure(error, server: server, user: user, mechanism: mechanismName)
            }
            var rounds = 0
            while reply["done"]?.boolValue != true {
                rounds += 1
                guard rounds <= 2 else {
                    throw ProbeFailure(.protocolMismatch, "\(server) did not end the SCRAM conversation")
                }
                reply = try await ping.command(
                    session,
                    [
                        "saslContinue": 1, "conversationId": conversation, "payload": .binary(subtype: 0, bytes: []),
                    ], database: authSource, activity: "authentication (saslContinue)", mechanism: mechanismName)
            }
            outcome.detail =
                "user \"\(user)\" authenticated with \(mechanismName) against \"\(authSource)\"\(session.encrypted ? " over TLS" : " (unencrypted)")"
            if session.hello.saslSupportedMechs == nil && ping.config.mechanism == nil {
                outcome.detail! +=
                    "; the server did not list the user's mechanisms, so SCRAM-SHA-1 was chosen as the specification says"
            }
            return mechanismName
        }
    }

    /// Runs a command during login or after it; a read failure or a command error becomes a ProbeFailure.
    func command(
        _ session: MongoSession, _ command: BSONDocument, database: String, activity: String, mechanism: String? = nil
    ) async throws(ProbeFailure) -> BSONDocument {
        let reply = try await rawCommand(session, command, database: database, activity: activity)
        if let error = MongoCommandError.from(reply) {
            throw MongoErrorMapping.commandFailure(
                error, server: session.address.description, user: config.user,
                authSource: config.authSource, mechanism: mechanism, type: config.type, activity: activity)
        }
        return reply
    }

    /// Runs a command and returns its reply even when it carries `ok: 0`; only I/O failures throw.
    func rawCommand(_ session: MongoSession, _ command: BSONDocument, database: String, activity: String)
        async throws(ProbeFailure) -> BSONDocument
    {
        do throws(MongoReadFailure) {
            return try await session.connection.run(command, database: database, timeout: commandTimeout)
        } catch {
            throw MongoErrorMapping.readFailure(
                error, server: session.address.description, product: product, activity: activity,
                encrypted: session.encrypted, firstReply: false)
        }
    }
}
