import Foundation
import PreflightCore
import Testing

@Suite("ConnectorPayload.decode")
struct ConnectorPayloadTests {
    private func decode(_ json: String) throws(InvalidConfig) -> ConnectorPayload {
        try ConnectorPayload.decode(json: Data(json.utf8))
    }

    /// The message of the InvalidConfig that decoding `json` throws (fails the test when it decodes).
    private func failure(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            let payload = try decode(json)
            Issue.record("expected InvalidConfig, decoded \(payload)", sourceLocation: sourceLocation)
            return ""
        } catch {
            return error.message
        }
    }

    @Test func minimalPayload() throws {
        let payload = try decode(#"{"type": "postgresql", "sharedConfig": {"host": "db.example.com", "user": "u"}}"#)
        #expect(payload.type == .postgresql)
        #expect(payload.sharedConfig["host"] == .string("db.example.com"))
        #expect(payload.timeoutSeconds == nil)
        #expect(payload.isSource == false)
    }

    @Test("not JSON", arguments: ["{not json", "", "{\"type\": \"postgresql\"", "{\"type\" \"postgresql\"}", "\u{1}"])
    func notJSON(_ body: String) {
        let message = failure(body)
        #expect(message.contains("not valid JSON"), "\(message)")
    }

    @Test("a number the reader cannot take is not quoted back: it may be the password")
    func unreadableNumberNotQuoted() {
        let message = failure(#"{"type": "postgresql", "sharedConfig": {"password": 918273645e99999}}"#)
        #expect(message.contains("not valid JSON"), "\(message)")
        #expect(!message.contains("918273645"), "\(message)")
    }

    @Test(
        "not an object",
        arguments: [
            ("[1, 2]", "an array"), ("\"postgresql\"", "a string"), ("42", "a number"), ("true", "a boolean"),
            ("null", "null"),
        ])
    func notAnObject(_ body: String, _ kind: String) {
        let message = failure(body)
        #expect(message.contains("must be a JSON object"), "\(message)")
        #expect(message.contains(kind), "\(message)")
    }

    @Test(
        "type missing or null lists the supported types",
        arguments: [#"{}"#, #"{"type": null}"#, #"{"sharedConfig": {}}"#])
    func typeMissing(_ body: String) {
        let message = failure(body)
        #expect(message.contains("type is required"), "\(message)")
        for slug in ConnectorType.allSlugs {
            #expect(message.contains(slug), "\(message) should list \(slug)")
        }
    }

    @Test(
        "type of the wrong JSON type",
        arguments: [
            (#"{"type": 5}"#, "a number"), (#"{"type": ["postgresql"]}"#, "an array"),
            (#"{"type": {"name": "postgresql"}}"#, "an object"), (#"{"type": true}"#, "a boolean"),
        ])
    func typeWrongKind(_ body: String, _ kind: String) {
        let message = failure(body)
        #expect(message.contains("type must be a string"), "\(message)")
        #expect(message.contains(kind), "\(message)")
    }

    @Test func unknownTypeListsTheSupportedTypes() {
        let message = failure(#"{"type": "oracle-db"}"#)
        #expect(message.contains("unknown connector type \"oracle-db\""), "\(message)")
        #expect(message.contains("supported types: " + ConnectorType.allSlugs.joined(separator: ", ")), "\(message)")
    }

    @Test func unknownLongTypeIsTruncated() {
        let long = String(repeating: "x", count: 500)
        let message = failure(#"{"type": "\#(long)"}"#)
        #expect(message.contains(String(repeating: "x", count: 40) + "...\""), "\(message)")
        #expect(!message.contains(String(repeating: "x", count: 41)), "\(message)")
    }

    @Test("type is trimmed and case-insensitive", arguments: [" PostgreSQL ", "POSTGRESQL", "postgresql"])
    func typeNormalised(_ name: String) throws {
        #expect(try decode(#"{"type": "\#(name)"}"#).type == .postgresql)
    }

    @Test("every known slug decodes", arguments: ConnectorType.allCases)
    func everySlug(_ type: ConnectorType) throws {
        #expect(try decode(#"{"type": "\#(type.rawValue)"}"#).type == type)
    }

    @Test(
        "sharedConfig that is not an object",
        arguments: [
            (#""host=db""#, "a string"), ("[1]", "an array"), ("7", "a number"), ("false", "a boolean"),
        ])
    func sharedConfigNotObject(_ value: String, _ kind: String) {
        let message = failure(#"{"type": "postgresql", "sharedConfig": \#(value)}"#)
        #expect(message.contains("sharedConfig must be an object"), "\(message)")
        #expect(message.contains(kind), "\(message)")
    }

    @Test func sharedConfigNullIsEmpty() throws {
        let payload = try decode(#"{"type": "postgresql", "sharedConfig": null}"#)
        #expect(payload.sharedConfig == SharedConfig())
    }

    @Test(
        "bad UUIDs name the field and not the value",
        arguments: [
            "sshTunnelUUID", "environmentUUID", "privateLinkUUID", "snapshotPrivateLinkUUID",
        ])
    func badUUID(_ field: String) {
        let message = failure(#"{"type": "postgresql", "\#(field)": "not-a-uuid-value"}"#)
        #expect(message.contains("\(field) must be a UUID"), "\(message)")
        #expect(!message.contains("not-a-uuid-value"), "\(message)")

        let numeric = failure(#"{"type": "postgresql", "\#(field)": 12345}"#)
        #expect(numeric.contains("\(field) must be a string, not a number"), "\(numeric)")
    }

    @Test func goodUUIDs() throws {
        let uuid = "3F2B8C1E-5D4A-4E6B-9C7D-1A2B3C4D5E6F"
        let payload = try decode(
            #"""
            {"type": "postgresql", "sshTunnelUUID": "\#(uuid.lowercased())", "environmentUUID": "\#(uuid)",
             "privateLinkUUID": "\#(uuid)", "snapshotPrivateLinkUUID": "\#(uuid)"}
            """#)
        #expect(payload.sshTunnelUUID == UUID(uuidString: uuid))
        #expect(payload.environmentUUID == UUID(uuidString: uuid))
        #expect(payload.privateLinkUUID == UUID(uuidString: uuid))
        #expect(payload.snapshotPrivateLinkUUID == UUID(uuidString: uuid))
    }

    @Test(
        "string fields of the wrong type",
        arguments: ["dataPlaneName", "defaultDatabase", "label", "uuid", "connectionRole"])
    func stringFieldWrongType(_ field: String) {
        let message = failure(#"{"type": "postgresql", "\#(field)": {"a": 1}}"#)
        #expect(message.contains("\(field) must be a string, not an object"), "\(message)")
    }

    @Test("timeoutSeconds below 0.1 s", arguments: ["-1", "0", "-0.5", "0.05"])
    func timeoutNotPositive(_ value: String) {
        let message = failure(#"{"type": "postgresql", "timeoutSeconds": \#(value)}"#)
        #expect(message.contains("timeoutSeconds must be a number of seconds, at least 0.1"), "\(message)")
    }

    @Test(
        "timeoutSeconds that is not a number",
        arguments: [(#""5""#, "a string"), ("true", "a boolean"), ("[5]", "an array")])
    func timeoutNotNumber(_ value: String, _ kind: String) {
        let message = failure(#"{"type": "postgresql", "timeoutSeconds": \#(value)}"#)
        #expect(message.contains("timeoutSeconds must be a number"), "\(message)")
        #expect(message.contains(kind), "\(message)")
    }

    @Test func timeoutSecondsAccepted() throws {
        #expect(try decode(#"{"type": "postgresql", "timeoutSeconds": 2.5}"#).timeoutSeconds == 2.5)
        #expect(try decode(#"{"type": "postgresql", "timeoutSeconds": 10}"#).timeoutSeconds == 10)
        #expect(try decode(#"{"type": "postgresql", "timeoutSeconds": null}"#).timeoutSeconds == nil)
    }

    @Test func connectionRoleSource() throws {
        #expect(try decode(#"{"type": "postgresql", "connectionRole": "Source"}"#).isSource)
        #expect(try decode(#"{"type": "postgresql", "connectionRole": "destination"}"#).isSource == false)
    }

    /// Artie's MCP client posts a whole saved connector: every field Preflight does not know is ignored.
    @Test func wholeArtieSavedConnectorIsAccepted() throws {
        let json = #"""
            {
              "uuid": "0b7e3c1a-8f4e-4d2b-9a6c-5e1f2d3c4b5a",
              "companyUUID": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
              "environmentUUID": "11111111-2222-4333-8444-555555555555",
              "type": "postgresql",
              "label": "Production Postgres",
              "dataPlaneName": "aws-us-east-1",
              "connectionRole": "source",
              "sharedConfig": {
                "host": "prod-db.abc123.us-east-1.rds.amazonaws.com",
                "port": 5432,
                "user": "artie",
                "password": "planted-Secret-9876",
                "sslMode": "require",
                "someFutureKey": {"nested": [1, 2, 3]}
              },
              "defaultDatabase": "app",
              "sshTunnelUUID": null,
              "createdAt": "2025-03-04T05:06:07Z",
              "updatedAt": "2025-03-04T05:06:07Z",
              "isDeleted": false,
              "lastPingAt": null,
              "tags": ["prod", "cdc"],
              "deployments": [{"uuid": "x", "status": "running"}],
              "nested": {"a": {"b": {"c": 1}}}
            }
            """#
        let payload = try decode(json)
        #expect(payload.type == .postgresql)
        #expect(payload.uuid == "0b7e3c1a-8f4e-4d2b-9a6c-5e1f2d3c4b5a")
        #expect(payload.environmentUUID == UUID(uuidString: "11111111-2222-4333-8444-555555555555"))
        #expect(payload.label == "Production Postgres")
        #expect(payload.dataPlaneName == "aws-us-east-1")
        #expect(payload.defaultDatabase == "app")
        #expect(payload.isSource)
        #expect(payload.sshTunnelUUID == nil)
        #expect(payload.sharedConfig["port"] == .number(5432))
        #expect(payload.sharedConfig["someFutureKey"] != nil)
        let config = try PostgresConfig(payload: payload)
        #expect(config.host == "prod-db.abc123.us-east-1.rds.amazonaws.com")
        #expect(config.port == 5432)
        #expect(config.database == "app")
        #expect(config.tls.mode == .require)
        #expect(config.password == "planted-Secret-9876")
    }

    /// Artie's Terraform client sends every key of every type, unused ones as empty strings.
    @Test func terraformStyleEmptyStringsAreTolerated() throws {
        let json = #"""
            {
              "type": "postgresql",
              "label": "",
              "uuid": "",
              "dataPlaneName": "",
              "defaultDatabase": "",
              "connectionRole": "",
              "sshTunnelUUID": "",
              "environmentUUID": "",
              "privateLinkUUID": "",
              "snapshotPrivateLinkUUID": "",
              "sharedConfig": {
                "host": "db.example.com", "user": "artie", "password": "",
                "port": "", "endpoint": "", "username": "", "sslMode": "", "sslRootCert": "",
                "awsAccessKeyID": "", "awsSecretAccessKey": "", "awsRegion": "",
                "projectID": "", "credentialsData": "", "account": "", "warehouse": "",
                "privateKey": "", "url": "", "database": "", "service": "", "tunnelHost": ""
              }
            }
            """#
        let payload = try decode(json)
        #expect(payload.label == nil)
        #expect(payload.uuid == nil)
        #expect(payload.dataPlaneName == nil)
        #expect(payload.defaultDatabase == nil)
        #expect(payload.connectionRole == nil)
        #expect(payload.sshTunnelUUID == nil)
        #expect(payload.environmentUUID == nil)
        #expect(payload.privateLinkUUID == nil)
        #expect(payload.snapshotPrivateLinkUUID == nil)
        let config = try PostgresConfig(payload: payload)
        #expect(config.port == 5432)
        #expect(config.password == nil)
        #expect(config.database == "postgres")
        #expect(config.tls.mode == .prefer)
        #expect(config.tls.rootCertificatesPEM == nil)
    }

    @Test func errorMessagesNeverRepeatASecret() {
        // A secret pasted into the wrong field must not come back in the 400.
        let secret = "planted-Secret-9876"
        for field in ["sshTunnelUUID", "environmentUUID", "privateLinkUUID", "snapshotPrivateLinkUUID"] {
            let message = failure(#"{"type": "postgresql", "\#(field)": "\#(secret)"}"#)
            #expect(!message.contains(secret), "\(message)")
        }
        #expect(!failure(#"{"type": "postgresql", "timeoutSeconds": "\#(secret)"}"#).contains(secret))
        #expect(!failure(#"{"type": "postgresql", "sharedConfig": "\#(secret)"}"#).contains(secret))
        #expect(
            !failure(#"{"type": "postgresql", "sharedConfig": {"password": "x"}, "bogus": "\#(secret)", "label": 1}"#)
                .contains(secret))
    }
}
