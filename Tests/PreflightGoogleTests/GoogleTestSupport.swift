import Crypto
import Foundation
import PreflightCore
import PreflightEngine
import PreflightGoogle
import PreflightHTTP
import PreflightProbeTesting
import PreflightTestSupport
import Testing
import _CryptoExtras

/// Keys generated once per test run (RSA generation is slow in debug builds).
enum GoogleTestKeys {
    /// The key registered with the fake Google for the loader account.
    static let registered = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    /// A key Google has never seen (a deleted or foreign key).
    static let other = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let registeredKeyID = "5c0ffee5c0ffee5c0ffee5c0ffee5c0ffee5c0ff"
    /// The registered key's public half (SubjectPublicKeyInfo PEM), for the independent verifier.
    static var registeredPublicPEM: String { registered.publicKey.pemRepresentation }
}

/// Shared helpers: key files, payloads, an engine with only the Google probes, and leak checks.
enum GoogleTesting {
    static let email = "loader@acme-data.iam.gserviceaccount.com"
    static let project = "acme-data"

    static func engine(timeout: Duration = .seconds(10)) -> PingEngine {
        ProbeTesting.engine([GoogleProbeFactory()], timeout: timeout)
    }

    /// A service-account key file as Google writes it, with fields replaced or removed (`nil` removes).
    static func keyFile(
        key: _RSA.Signing.PrivateKey = GoogleTestKeys.registered, email: String = email,
        keyID: String = GoogleTestKeys.registeredKeyID,
        tokenURI: String? = "https://oauth2.googleapis.com/token", project: String = project,
        overrides: [String: JSONValue?] = [:]
    ) -> String {
        var members: [String: JSONValue] = [
            "type": .string("service_account"),
            "project_id": .string(project),
            "private_key_id": .string(keyID),
            "private_key": .string(key.pkcs8PEMRepresentation),
            "client_email": .string(email),
            "client_id": .string("104729104729104729104"),
            "auth_uri": .string("https://accounts.google.com/o/oauth2/auth"),
            "auth_provider_x509_cert_url": .string("https://www.googleapis.com/oauth2/v1/certs"),
            "universe_domain": .string("googleapis.com"),
        ]
        if let tokenURI { members["token_uri"] = .string(tokenURI) }
        for (name, value) in overrides { members[name] = value }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(JSONValue.object(members)), as: UTF8.self)
    }

    static func payload(
        type: ConnectorType = .bigquery, projectID: String? = project, credentials: String? = keyFile(),
        extra: [String: String] = [:], timeoutSeconds: Double? = nil
    ) -> ConnectorPayload {
        var config: [String: String] = [:]
        config["projectID"] = projectID
        config["credentialsData"] = credentials
        for (key, value) in extra { config[key] = value }
        return ConnectorPayload(type: type, sharedConfig: SharedConfig(strings: config), timeoutSeconds: timeoutSeconds)
    }

    /// A payload aimed at a fake Google served by `server` (token and API on the same peer).
    static func payload(
        for server: ScriptedHTTPServer, type: ConnectorType = .bigquery,
        key: _RSA.Signing.PrivateKey = GoogleTestKeys.registered,
        email: String = email, projectID: String = project, extra: [String: String] = [:], timeoutSeconds: Double? = nil
    ) -> ConnectorPayload {
        var config = extra
        config["endpointURL"] = config["endpointURL"] ?? server.endpoint
        config["sslRootCert"] = TestPKI.caPEM
        return payload(
            type: type, projectID: projectID,
            credentials: keyFile(key: key, email: email, tokenURI: server.endpoint + "/token"),
            extra: config, timeoutSeconds: timeoutSeconds)
    }

    /// Pings and checks that no secret, configured or obtained at run time, reached the report.
    static func ping(
        _ engine: PingEngine, _ payload: ConnectorPayload, runtimeSecrets: @autoclosure () -> [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        try await ProbeTesting.ping(engine, payload, secrets: runtimeSecrets(), sourceLocation: sourceLocation)
    }
}
