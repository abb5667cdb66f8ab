import Foundation
import NIOCore
import PreflightCore
import PreflightNetwork

/// The `auth` step: LOGIN7 and the token stream it is answered with.
extension MSSQLProbe {
    struct LoginResult: Sendable {
        var program: String
        var version: String
        var database: String?
        var routing: (host: String, port: Int)?
    }

    func login(_ wire: TDSWire, host: String, plan: TDSEncryptionPlan, server: String, context: ProbeContext)
        async throws(ProbeFailure) -> LoginResult
    {
        let config = self.config
        let user = config.username
        return try await context.step(
            .auth, "logging in to \(server) as \"\(user)\"",
            timeoutHint: "the server accepted the connection but did not answer the login"
        ) { outcome in
            let message = TDSLogin7(
                hostName: "preflight", userName: config.username, password: config.password ?? "",
                serverName: host, database: config.database,
                clientPID: UInt32(ProcessInfo.processInfo.processIdentifier)
            ).encode()
            let answer: TDSMessage
            do throws(TDSWireError) {
                // With only the login encrypted, TLS leaves the pipeline right after LOGIN7 is written:
                // the server answers in plaintext.
                var dropTLS: (@Sendable (any Channel) throws -> Void)?
                if plan == .loginOnly { dropTLS = { channel in try TDSTLS.drop(from: channel) } }
                try await wire.send(TDSPacketType.login7, message, then: dropTLS)
                answer = try await wire.receive(within: context.budget())
            } catch {
                throw Self.wireFailure(error, server: server, during: "the login")
            }
            let tokens: [TDSToken]
            do { tokens = try TDSTokenReader.tokens(answer.payload) } catch {
                throw ProbeFailure(
                    .protocolMismatch, "\(server) answered the login with a malformed token stream (\(error))")
            }
            var result = LoginResult(program: "", version: "")
            var acknowledged = false
            for token in tokens {
                switch token {
                case .error(let error):
                    throw MSSQLErrorMapping.failure(for: error, config: config, server: server)
                case .loginAck(_, let program, let version):
                    acknowledged = true
                    result.program = program
                    result.version = version
                case .envChange(.database(let name)): result.database = name
                case .envChange(.routing(let host, let port)): result.routing = (host, port)
                default: continue
                }
            }
            guard acknowledged else {
                throw ProbeFailure(.protocolMismatch, "\(server) answered the login without LOGINACK or an error")
            }
            var detail =
                "logged in as \"\(user)\" (\(result.program.trimmingCharacters(in: .whitespaces)) \(result.version)"
            if let database = result.database { detail += ", database \"\(database)\"" }
            detail += ")"
            if let routing = result.routing {
                detail += "; the server routes this login to \(Self.name(routing.host, routing.port))"
            }
            outcome.detail = detail
            return result
        }
    }

    static func wireFailure(_ error: TDSWireError, server: String, during: String) -> ProbeFailure {
        switch error {
        case .closed:
            return ProbeFailure(
                .serverUnavailable, "\(server) closed the connection during \(during) without an error message",
                hint: "the server may be restarting, or a proxy in front of it dropped the connection", transient: true)
        case .timedOut:
            return ProbeFailure(.timeout, "\(server) did not answer \(during) in time")
        case .framing(let framing):
            return ProbeFailure(
                .protocolMismatch, "\(server) answered \(during) with malformed TDS packets (\(framing))")
        case .byteLimit:
            return ProbeFailure(
                .protocolMismatch, "\(server) sent far more data during \(during) than SQL Server would")
        case .channel(let text):
            return ProbeFailure(.unreachable, "the connection to \(server) failed during \(during): \(text)")
        }
    }
}
