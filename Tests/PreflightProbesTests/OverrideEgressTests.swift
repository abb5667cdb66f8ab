import Foundation
import PreflightCore
import PreflightEngine
import PreflightNetwork
import PreflightProbes
import Testing
import _CryptoExtras

/// Every address a payload can point a probe at (hosts and every endpoint override: `endpointURL`,
/// `tokenURL`, a key file's `token_uri`, `uri`, `authURI`, `accountURL`, Databricks' `host`, ClickHouse's
/// `addresses`) goes through the egress policy: under the service's policy this host itself is refused,
/// before anything is dialled. (Only this machine's own address is used; nothing else is dialled.)
@Suite("Egress applies to every override")
struct OverrideEgressTests {
    static let engine = PingEngine(
        configuration: EngineConfiguration(
            defaultTimeout: .seconds(5), egress: EgressPolicy(allowLoopback: false)),
        factories: ProbeRegistry.builtIn)

    static let denied = "127.0.0.1"
    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    static func keyFile(tokenURI: String) -> String {
        let members: [String: JSONValue] = [
            "type": .string("service_account"), "project_id": .string("p"), "private_key_id": .string("k1"),
            "private_key": .string(key.pkcs8PEMRepresentation), "client_email": .string("sa@p.iam.gserviceaccount.com"),
            "token_uri": .string(tokenURI),
        ]
        return String(decoding: JSONValue.object(members).encodedBytes(), as: UTF8.self)
    }

    static func motherDuckToken() -> String {
        func b64(_ value: JSONValue) -> String {
            Data(value.encodedBytes()).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let claims: JSONValue = .object([
            "username": .string("alice"), "exp": .number(Date().timeIntervalSince1970.rounded() + 86_400 * 30),
        ])
        return b64(.object(["alg": .string("HS256")])) + "." + b64(claims) + ".c2lnbmF0dXJlLXBsYW50ZWQ"
    }

    static let keys = ["awsAccessKeyID": "AKIAIOSFODNN7EXAMPLE", "awsSecretAccessKey": "planted/Secret+Key0000000000"]

    static var cases: [(String, ConnectorPayload)] {
        let http = "https://\(denied):9"
        func payload(_ type: ConnectorType, _ config: [String: String]) -> ConnectorPayload {
            ConnectorPayload(type: type, sharedConfig: SharedConfig(strings: config))
        }
        return [
            ("postgresql host", payload(.postgresql, ["host": denied, "user": "u"])),
            ("mysql host", payload(.mysql, ["host": denied, "user": "u"])),
            ("mongodb host", payload(.mongodb, ["host": "mongodb://\(denied):27017/"])),
            ("redis host", payload(.redis, ["host": denied])),
            ("s3 endpointURL", payload(.s3, keys.merging(["awsRegion": "us-east-1", "endpointURL": http]) { $1 })),
            (
                "dynamodb endpointURL",
                payload(
                    .dynamodb,
                    keys.merging([
                        "streamsArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/l", "endpointURL": http,
                    ]) { $1 })
            ),
            (
                "iceberg s3tables endpointURL",
                payload(
                    .iceberg,
                    keys.merging([
                        "provider": "s3tables", "bucketARN": "arn:aws:s3tables:us-east-1:123456789012:bucket/lake",
                        "endpointURL": http,
                    ]) { $1 })
            ),
            ("iceberg rest uri", payload(.iceberg, ["provider": "rest", "uri": http, "token": "planted-token-1"])),
            (
                "iceberg rest authURI",
                payload(
                    .iceberg,
                    [
                        "provider": "rest", "uri": "https://catalog.example.com", "credential": "id:planted-secret",
                        "authURI": http,
                    ])
            ),
            (
                "bigquery tokenURL",
                payload(
                    .bigquery,
                    [
                        "projectID": "p", "credentialsData": keyFile(tokenURI: "https://oauth2.googleapis.com/token"),
                        "tokenURL": http,
                    ])
            ),
            (
                "bigquery key file token_uri",
                payload(.bigquery, ["projectID": "p", "credentialsData": keyFile(tokenURI: http)])
            ),
            ("gcs key file token_uri", payload(.gcs, ["projectID": "p", "credentialsData": keyFile(tokenURI: http)])),
            (
                "snowflake accountURL",
                payload(
                    .snowflake,
                    [
                        "accountIdentifier": "org-acct", "virtualDWH": "wh", "username": "u", "password": "planted-pw",
                        "accountURL": http,
                    ])
            ),
            (
                "databricks host",
                payload(
                    .databricks,
                    ["host": http, "httpPath": "/sql/1.0/warehouses/abc", "personalAccessToken": "dapi-planted"])
            ),
            ("clickhouse addresses", payload(.clickhouse, ["addresses": "\(denied):8123", "isInsecure": "true"])),
            ("motherduck endpointURL", payload(.motherduck, ["token": motherDuckToken(), "endpointURL": http])),
        ]
    }

    @Test func everyOverrideIsCheckedByTheEgressPolicy() async throws {
        for (name, payload) in Self.cases {
            let report = try await Self.engine.ping(payload)
            #expect(report.category == .egressDenied, "\(name): \(report.summary)")
        }
    }
}
