import Foundation
import PreflightTestSupport

/// The SecantusDB servers of `scripts/servers/mongo.sh` (read from `PREFLIGHT_TEST_MONGO_*`).
struct MongoTestServer: Sendable {
    static let variables = [
        "PREFLIGHT_TEST_MONGO_HOST", "PREFLIGHT_TEST_MONGO_PORT", "PREFLIGHT_TEST_MONGO_TLS_PORT",
        "PREFLIGHT_TEST_MONGO_STANDALONE_PORT",
        "PREFLIGHT_TEST_MONGO_CA_FILE", "PREFLIGHT_TEST_MONGO_OTHER_CA_FILE",
        "PREFLIGHT_TEST_MONGO_SHA256_USER", "PREFLIGHT_TEST_MONGO_SHA256_PASSWORD",
        "PREFLIGHT_TEST_MONGO_SHA1_USER", "PREFLIGHT_TEST_MONGO_SHA1_PASSWORD",
        "PREFLIGHT_TEST_MONGO_NOREAD_USER", "PREFLIGHT_TEST_MONGO_NOREAD_PASSWORD",
    ]

    var host: String
    var port: Int
    var tlsPort: Int
    var standalonePort: Int
    var caFile: String
    var otherCAFile: String
    var sha256User: String
    var sha256Password: String
    var sha1User: String
    var sha1Password: String
    var noreadUser: String
    var noreadPassword: String
    var replicaSet: String
    var database: String

    /// The variables that are missing (empty when the servers are configured).
    static func missing() -> [String] {
        variables.filter { name in
            guard let text = TestEnvironment.value(name) else { return true }
            return name.hasSuffix("_PORT") && Int(text) == nil
        }
    }

    static var configured: Bool { missing().isEmpty }

    static func fromEnvironment() -> MongoTestServer? {
        guard missing().isEmpty else { return nil }
        func v(_ name: String) -> String { TestEnvironment.value("PREFLIGHT_TEST_MONGO_\(name)") ?? "" }
        return MongoTestServer(
            host: v("HOST"), port: Int(v("PORT"))!, tlsPort: Int(v("TLS_PORT"))!,
            standalonePort: Int(v("STANDALONE_PORT"))!,
            caFile: v("CA_FILE"), otherCAFile: v("OTHER_CA_FILE"),
            sha256User: v("SHA256_USER"), sha256Password: v("SHA256_PASSWORD"),
            sha1User: v("SHA1_USER"), sha1Password: v("SHA1_PASSWORD"),
            noreadUser: v("NOREAD_USER"), noreadPassword: v("NOREAD_PASSWORD"),
            replicaSet: TestEnvironment.value("PREFLIGHT_TEST_MONGO_REPLICA_SET") ?? "secantus",
            database: TestEnvironment.value("PREFLIGHT_TEST_MONGO_DATABASE") ?? "appdb")
    }

    func caPEM() throws -> String { try String(contentsOfFile: caFile, encoding: .utf8) }
    func otherCAPEM() throws -> String { try String(contentsOfFile: otherCAFile, encoding: .utf8) }
}
