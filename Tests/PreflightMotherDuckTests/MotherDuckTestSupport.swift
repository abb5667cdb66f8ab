import Foundation
import PreflightCore
import PreflightEngine
import PreflightHTTP
import PreflightMotherDuck
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// Shared helpers: tokens shaped like MotherDuck's, an engine with only the MotherDuck probe, payloads.
enum MotherDuckTesting {
    /// An unsigned-looking JWT with `claims` (MotherDuck's signature is never checked locally).
    static func token(_ claims: [String: JSONValue]) -> String {
        let header = JSONValue.object(["alg": .string("HS256"), "typ": .string("JWT")]).encodedBytes()
        return JWT.base64URL(header) + "." + JWT.base64URL(JSONValue.object(claims).encodedBytes()) + "."
            + JWT.base64URL(Array("planted-signature-\(UUID().uuidString)".utf8))
    }

    static func token(
        username: String? = "alice", email: String? = "alice@example.com", expiresIn: TimeInterval? = 86_400 * 90
    ) -> String {
        var claims: [String: JSONValue] = [
            "iss": .string("MotherDuck"), "iat": .number(Date().timeIntervalSince1970.rounded() - 60),
        ]
        if let username { claims["username"] = .string(username) }
        if let email { claims["email"] = .string(email) }
        if let expiresIn { claims["exp"] = .number((Date().timeIntervalSince1970 + expiresIn).rounded()) }
        return token(claims)
    }

    static func engine(timeout: Duration = .seconds(10)) -> PingEngine {
        ProbeTesting.engine([MotherDuckProbeFactory()], timeout: timeout)
    }

    static func payload(token: String, endpoint: String?, caPEM: String? = TestPKI.caPEM, timeoutSeconds: Double? = nil)
        -> ConnectorPayload
    {
        var config: [String: JSONValue] = ["token": .string(token)]
        if let endpoint { config["endpointURL"] = .string(endpoint) }
        if let caPEM { config["sslRootCert"] = .string(caPEM) }
        return ConnectorPayload(type: .motherduck, sharedConfig: SharedConfig(config), timeoutSeconds: timeoutSeconds)
    }

    /// Pings and checks that the token leaked into the report in no form (whole, or its signature part).
    static func ping(
        _ engine: PingEngine, _ payload: ConnectorPayload, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        try await ProbeTesting.ping(engine, payload, sourceLocation: sourceLocation)
    }
}
