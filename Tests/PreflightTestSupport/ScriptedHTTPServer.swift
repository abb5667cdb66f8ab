import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A local HTTP or HTTPS peer whose answers a test scripts, standing in for providers that cannot run
/// here (Snowflake, Google, Databricks, MotherDuck). The script is where the provider's rules are
/// enforced (signatures, JWT checks); every request is recorded for the test to inspect.
public final class ScriptedHTTPServer: Sendable {
    /// A request as received.
    public struct Request: Sendable {
        public var method: String
        /// Path with query.
        public var path: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        /// The first header named `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// The body as text.
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The path without its query.
        public var pathOnly: String {
            String(path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        }

        /// The query's parameters, percent-decoded.
        public var query: [String: String] {
            guard let mark = path.firstIndex(of: "?") else { return [:] }
            return Self.decodeForm(String(path[path.index(after: mark)...]))
        }

        /// The body as form fields, percent-decoded.
        public var form: [String: String] { Self.decodeForm(text) }

        static func decodeForm(_ text: String) -> [String: String] {
            var fields: [String: String] = [:]
            for pair in text.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key =
                    String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
                    ?? String(parts[0])
                let raw = parts.count > 1 ? String(parts[1]) : ""
                fields[key] = raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? raw
            }
            return fields
        }
    }

    /// What the script answers.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]

        public init(status: Int, headers: [(String, String)] = [], body: String = "") {
            self.status = status
            self.headers = headers
            self.body = Array(body.utf8)
        }

        /// A JSON answer.
        public static func json(_ status: Int, _ object: String) -> Response {
            Response(status: status, headers: [("Content-Type", "application/json")], body: object)
        }
    }

    private let channel: any Channel
    private let recorded: RequestLog
    /// The port it listens on (127.0.0.1).
    public let port: Int
    /// Whether it serves HTTPS.
    public let tls: Bool

    /// "https://127.0.0.1:PORT" (or http://).
    public var endpoint: String { "\(tls ? "https" : "http")://127.0.0.1:\(port)" }

    /// "127.0.0.1:PORT"
    public var hostAndPort: String { "127.0.0.1:\(port)" }

    /// Every request received so far.
    public var requests: [Request] { recorded.requests.withLock { $0 } }

    /// A script's header that makes the peer close the connection after the answer without a
    /// `Connection: close` (the header itself is not sent).
    public static let closeSilently = ("X-Scripted-Close", "silently")

    /// How many connections it has accepted.
    public var connectionCount: Int { recorded.connections.withLock { $0 } }

    private init(channel: any Channel, recorded: RequestLog, port: Int, tls: Bool) {
        self.channel = channel
        self.recorded = recorded
        self.port = port
        self.tls = tls
    }

    /// Starts a peer on a free loopback port. With `tls`, it presents the `TestPKI` server certificate.
    public static func start(
        tls: Bool, handler: @escaping @Sendable (Request) async -> Response
    ) async throws -> ScriptedHTTPServer {
        let box = RequestLog()
        var sslContext: NIOSSLContext?
        if tls {
            let configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: [
                    .certificate(try NIOSSLCertificate(bytes: Array(TestPKI.serverCertificatePEM.utf8), format: .pem))
                ],
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(TestPKI.serverKeyPEM.utf8), format: .pem)))
            sslContext = try NIOSSLContext(configuration: configuration)
        }
        let context = sslContext
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                box.connections.withLock { $0 += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ScriptedHTTPHandler(log: box, script: handler))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedHTTPServer(channel: channel, recorded: box, port: channel.localAddress?.port ?? 0, tls: tls)
    }

    /// Stops listening (open connections end with the event loop's next turn).
    public func stop() async {
        try? await channel.close()
    }
}

final class RequestLog: Sendable {
    let requests = Mutex<[ScriptedHTTPServer.Request]>([])
    let connections = Mutex(0)
}

final class ScriptedHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let log: RequestLog
    private let script: @Sendable (ScriptedHTTPServer.Request) async -> ScriptedHTTPServer.Response
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(log: RequestLog, script: @escaping @Sendable (ScriptedHTTPServer.Request) async -> ScriptedHTTPServer.Response)
    {
        self.log = log
        self.script = script
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let received):
            head = received
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            self.head = nil
            let request = ScriptedHTTPServer.Request(
                method: head.method.rawValue, path: head.uri,
                headers: head.headers.map { (name: $0.name, value: $0.value) }, body: body)
            log.requests.withLock { $0.append(request) }
            let script = self.script
            let channel = context.channel
            let keepAlive = head.isKeepAlive
            Task {
                let response = await script(request)
                // `X-Scripted-Close: silently` closes the connection after the answer without saying so
                // (a kept-alive connection that a load balancer drops between requests).
                let silentClose = response.headers.contains { $0.0 == ScriptedHTTPServer.closeSilently.0 }
                var headers = HTTPHeaders(response.headers.filter { $0.0 != ScriptedHTTPServer.closeSilently.0 })
                headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
                let closing =
                    !keepAlive
                    || response.headers.contains { $0.0.lowercased() == "connection" && $0.1.lowercased() == "close" }
                if closing { headers.replaceOrAdd(name: "Connection", value: "close") }
                let responseHead = HTTPResponseHead(
                    version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
                channel.write(HTTPServerResponsePart.head(responseHead), promise: nil)
                channel.write(
                    HTTPServerResponsePart.body(.byteBuffer(channel.allocator.buffer(bytes: response.body))),
                    promise: nil)
                let done = channel.eventLoop.makePromise(of: Void.self)
                channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: done)
                if closing || silentClose { done.futureResult.whenComplete { _ in channel.close(promise: nil) } }
            }
        }
    }
}
