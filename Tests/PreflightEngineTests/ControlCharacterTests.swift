import Foundation
import PreflightCore
import PreflightEngine
import PreflightNetwork
import PreflightProbeTesting
import Testing

/// A described key's value with a control character is a 400 naming the key, before anything is dialled:
/// a line break in a token would otherwise become a second header, or a second request, on the wire.
@Suite("PingEngine: control characters in the configuration")
struct ControlCharacterTests {
    struct Described: ProbeFactory {
        var types: Set<ConnectorType> { [.redis] }
        var descriptions: [ConnectorDescription] {
            [
                ConnectorDescription(
                    type: .redis,
                    keys: [
                        ConnectorKey("script", .string, required: true, help: "what to do"),
                        ConnectorKey("token", .secret, help: "a token"),
                        ConnectorKey("sslRootCert", .pem, help: "PEM"),
                    ], summary: "scripted")
            ]
        }
        func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
            try ScriptedProbeFactory().makeProbe(for: payload)
        }
    }

    static let engine = PingEngine(factories: [Described()])

    @Test(
        "a control character in a one-line key",
        arguments: ["tok\r\nX-Injected: yes\r\n\r\nDELETE /admin HTTP/1.1", "a\u{0}b", "tab\there", "esc\u{1b}"])
    func refused(_ value: String) async {
        let payload = ConnectorPayload(
            type: .redis, sharedConfig: SharedConfig(strings: ["script": "pass", "token": value]))
        await ProbeTesting.expectInvalid(Self.engine, [(payload, "sharedConfig.token contains a control character")])
    }

    @Test func pemKeysMayHoldLineBreaks() async throws {
        let pem = "-----BEGIN CERTIFICATE-----\r\nMIIB\n-----END CERTIFICATE-----\n"
        let report = try await Self.engine.ping(
            ConnectorPayload(type: .redis, sharedConfig: SharedConfig(strings: ["script": "pass", "sslRootCert": pem])))
        #expect(report.ok)
        let withNUL = ConnectorPayload(
            type: .redis, sharedConfig: SharedConfig(strings: ["script": "pass", "sslRootCert": pem + "\u{0}"]))
        await ProbeTesting.expectInvalid(
            Self.engine, [(withNUL, "sharedConfig.sslRootCert contains a control character")])
    }

    @Test func topLevelStringsToo() throws {
        #expect(throws: InvalidConfig.self) {
            try ConnectorPayload.decode(json: Data(#"{"type":"postgresql","defaultDatabase":"app\r\nx"}"#.utf8))
        }
    }
}
