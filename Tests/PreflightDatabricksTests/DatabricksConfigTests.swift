import PreflightCore
import PreflightDatabricks
import Testing

@Suite("Databricks config validation (400s) and HTTP paths")
struct DatabricksConfigTests {
    static let host = "https://adb-1234567890123456.7.azuredatabricks.net"

    func refusal(_ payload: ConnectorPayload) -> String? {
        do {
            _ = try DatabricksProbeFactory().makeProbe(for: payload)
            return nil
        } catch {
            return error.message
        }
    }

    @Test(
        "HTTP paths: warehouses, endpoints, clusters, pasted URLs",
        arguments: [
            ("/sql/1.0/warehouses/1234567890abcdef", DatabricksCompute.warehouse(id: "1234567890abcdef")),
            ("sql/1.0/warehouses/1234567890abcdef/", .warehouse(id: "1234567890abcdef")),
            ("/sql/1.0/endpoints/abc123", .warehouse(id: "abc123")),
            (
                "sql/protocolv1/o/1234567890123456/0123-456789-abcdefgh",
                .cluster(workspaceID: "1234567890123456", clusterID: "0123-456789-abcdefgh")
            ),
            ("https://adb-1.azuredatabricks.net/sql/1.0/warehouses/abc123?o=1", .warehouse(id: "abc123")),
        ])
    func paths(path: String, expected: DatabricksCompute) throws {
        #expect(try DatabricksCompute.parse(path) == expected)
    }

    @Test(
        "bad HTTP paths name the key",
        arguments: [
            "/sql/1.0/warehouses/", "/sql/2.0/warehouses/abc", "warehouse abc", "/sql/1.0/warehouses/ab$c",
            "sql/protocolv1/o/1/", "/",
        ])
    func badPaths(path: String) {
        do {
            _ = try DatabricksCompute.parse(path)
            Issue.record("\(path) was accepted")
        } catch {
            #expect(error.message.contains("sharedConfig.httpPath"))
        }
    }

    @Test("volumes: three names, backquotes allowed")
    func volumes() throws {
        #expect(try DatabricksVolume.parse("main.raw.files").fullName == "main.raw.files")
        #expect(try DatabricksVolume.parse("`my-catalog`.raw.files").catalog == "my-catalog")
        for bad in ["main.raw", "main..files", "a.b.c.d", "main.raw/x.files"] {
            #expect(throws: InvalidConfig.self) { try DatabricksVolume.parse(bad) }
        }
    }

    @Test("a token config: the endpoint drops a pasted URL's path and query")
    func tokenConfig() throws {
        let config = try DatabricksConfig(
            payload: DatabricksTesting.payload(host: Self.host + "/?o=1234567890123456#", pat: DatabricksTesting.pat))
        #expect(config.endpoint.description == "https://adb-1234567890123456.7.azuredatabricks.net")
        #expect(config.authentication == .personalAccessToken(DatabricksTesting.pat))
        let bare = try DatabricksConfig(
            payload: DatabricksTesting.payload(
                host: "dbc-a1b2c3d4-e5f6.cloud.databricks.com", pat: DatabricksTesting.pat))
        #expect(bare.endpoint.isTLS && bare.endpoint.port == 443)
    }

    @Test(
        "auth combinations: exactly one way to sign in",
        arguments: [
            (DatabricksTesting.pat, DatabricksTesting.clientID, DatabricksTesting.clientSecret, "not both"),
            (DatabricksTesting.pat, nil, DatabricksTesting.clientSecret, "not both"),
            (nil, DatabricksTesting.clientID, nil, "without sharedConfig.clientSecret"),
            (nil, nil, DatabricksTesting.clientSecret, "without sharedConfig.clientID"),
            (nil, nil, nil, "needs one way to sign in"),
        ] as [(String?, String?, String?, String)])
    func authCombinations(pat: String?, clientID: String?, secret: String?, expected: String) throws {
        let message = try #require(
            refusal(DatabricksTesting.payload(host: Self.host, pat: pat, clientID: clientID, clientSecret: secret)))
        #expect(message.contains(expected), "\(message)")
        #expect(!message.contains(DatabricksTesting.pat) && !message.contains(DatabricksTesting.clientSecret))
    }

    @Test(
        "missing or malformed keys are named",
        arguments: [
            (DatabricksTesting.payload(host: nil, pat: DatabricksTesting.pat), "sharedConfig.host"),
            (DatabricksTesting.payload(host: "ftp://x.example.com", pat: DatabricksTesting.pat), "sharedConfig.host"),
            (
                DatabricksTesting.payload(host: "https://x.example.com:99999", pat: DatabricksTesting.pat),
                "sharedConfig.host"
            ),
            (DatabricksTesting.payload(host: host, httpPath: nil, pat: DatabricksTesting.pat), "sharedConfig.httpPath"),
            (
                DatabricksTesting.payload(host: host, pat: DatabricksTesting.pat, volume: "main.raw"),
                "sharedConfig.volume"
            ),
            (DatabricksTesting.payload(host: host, pat: "dapi planted\nsecret"), "sharedConfig.personalAccessToken"),
            (
                DatabricksTesting.payload(host: host, pat: DatabricksTesting.pat, caPEM: "nope"),
                "sharedConfig.sslRootCert"
            ),
            (
                DatabricksTesting.payload(host: host, clientID: "a b", clientSecret: DatabricksTesting.clientSecret),
                "sharedConfig.clientID"
            ),
        ])
    func malformed(payload: ConnectorPayload, key: String) throws {
        let message = try #require(refusal(payload))
        #expect(message.contains(key), "\(message)")
        #expect(!message.contains("planted"))
    }
}
