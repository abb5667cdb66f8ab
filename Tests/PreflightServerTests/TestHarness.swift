import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PreflightCore
import PreflightEngine
import PreflightNetwork
import PreflightProbes
import PreflightStore
import Synchronization

@testable import PreflightServer

/// Everything a test needs about the API it talks to.
struct TestContext: Sendable {
    let key: String
    let company: Company
    let store: any PreflightStore
    let sealer: SecretSealer
    let engine: PingEngine
    let logs: LogCapture

    var auth: HTTPFields { [.authorization: "Bearer \(key)"] }
}

/// The factories the API tests run with unless they say otherwise: every built-in one but keyspaces', so
/// that a bare `{"type": "keyspaces"}` answers `unsupported` at once, dialling nothing. The tests of
/// authentication, metrics, content types and validation use it as the ping that needs no peer; the tests
/// of the catalog and of every type pass ``ProbeRegistry/builtIn``.
let factoriesWithAnUnprobedType: [any ProbeFactory] = ProbeRegistry.builtIn.filter { !$0.types.contains(.keyspaces) }

/// Builds the real application (real SQLite store in memory, real engine), runs `body` against it with
/// HummingbirdTesting, and closes the store.
func withTestAPI<T: Sendable>(
    maxInFlight: Int = 64,
    defaultTimeout: Duration = .seconds(5),
    server: ServerConfiguration = ServerConfiguration(),
    setup: TestingSetup = .router,
    factories: [any ProbeFactory] = factoriesWithAnUnprobedType,
    drain: ShutdownDrain = ShutdownDrain(),
    _ body: @Sendable (any TestClientProtocol, TestContext) async throws -> T
) async throws -> T {
    bootstrapMetrics()
    let logs = LogCapture()
    var logger = Logger(label: "preflight.test") { label in CapturingLogHandler(label: label, capture: logs) }
    logger.logLevel = .trace
    let store = try await StoreFactory.open(StoreLocation.parse("sqlite::memory:"), logger: logger)
    do {
        let company = try await store.createCompany(name: "Acme Data")
        let key = try await store.issueKey(for: company.uuid).secret
        let engine = PingEngine(
            configuration: EngineConfiguration(
                planeName: "local", defaultTimeout: defaultTimeout, maxInFlight: maxInFlight),
            logger: logger, factories: factories)
        let sealer = SecretSealer(MasterKey.generate())
        let app = buildApplication(
            configuration: server, engine: engine, store: store, sealer: sealer, logger: logger, drain: drain)
        let context = TestContext(key: key, company: company, store: store, sealer: sealer, engine: engine, logs: logs)
        let result = try await app.test(setup) { client in try await body(client, context) }
        try await store.close()
        return result
    } catch {
        try? await store.close()
        throw error
    }
}

extension TestClientProtocol {
    /// `POST /connectors/ping` with a raw body.
    func ping(
        _ body: String, headers: HTTPFields, query: String = "", contentType: String? = "application/json"
    ) async throws -> TestResponse {
        var headers = headers
        if let contentType { headers[.contentType] = contentType }
        return try await execute(
            uri: "/connectors/ping" + query, method: .post, headers: headers, body: ByteBuffer(string: body))
    }
}

/// The ping response as Artie's clients and Preflight's see it.
struct WireResponse: Decodable {
    var error: String?
    var report: PingReport?
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The `error` of an `{"error": "..."}` body (nil when the body is not one).
    var errorMessage: String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return nil
        }
        return object["error"] as? String
    }

    /// The body's top-level keys.
    var jsonKeys: Set<String> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return [] }
        return Set(object.keys)
    }

    func wire() throws -> WireResponse {
        try JSONDecoder().decode(WireResponse.self, from: Data(text.utf8))
    }
}

/// Keeps every log line (message and metadata) so tests can check what was and was not logged.
final class LogCapture: Sendable {
    private let storage = Mutex<[String]>([])

    func append(_ line: String) { storage.withLock { $0.append(line) } }
    var lines: [String] { storage.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let label: String
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let error = event.error.map { " error=\(String(reflecting: $0))" } ?? ""
        capture.append("\(event.level) [\(label)] \(event.message) \(rendered)\(error)")
    }
}

/// A JSON string literal for `value` (for building bodies by hand).
func jsonString(_ value: String) -> String {
    String(decoding: try! JSONEncoder().encode(value), as: UTF8.self)
}
