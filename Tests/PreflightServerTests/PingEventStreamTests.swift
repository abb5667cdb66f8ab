import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOPosix
import PreflightTestSupport
import Synchronization
import Testing

/// `POST /connectors/ping` with `Accept: text/event-stream`: steps arrive as they happen, the answer
/// last, secrets masked in every event; a client that goes away stops its ping.
@Suite("The ping as Server-Sent Events")
struct PingEventStreamTests {
    static func headers(_ key: String) -> HTTPFields {
        [.authorization: "Bearer \(key)", .accept: "text/event-stream", .contentType: "application/json"]
    }

    /// `(event, data)` pairs of an SSE text, comments skipped.
    static func events(_ text: String) -> [(name: String, data: String)] {
        // "\r\n" (the chunked encoding's, in a raw stream) is one Character to Swift: drop the "\r"s first.
        text.replacingOccurrences(of: "\r", with: "").components(separatedBy: "\n\n").compactMap { block in
            var name = "message"
            var data: String?
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            return data.map { (name, $0) }
        }
    }

    static func body(host: String = "127.0.0.1", port: Int, password: String = "x", timeout: Int = 5) -> String {
        #"{"type":"postgresql","timeoutSeconds":\#(timeout),"sharedConfig":{"host":"\#(host)","port":\#(port),"user":"u","password":"\#(password)","sslMode":"disable"}}"#
    }

    @Test func aFailedPingStreamsItsStepsThenTheAnswer() async throws {
        try await withTestAPI { client, context in
            let port = closedPort()
            let planted = "planted-SSE-pw/+="
            let response = try await client.execute(
                uri: "/connectors/ping", method: .post, headers: Self.headers(context.key),
                body: ByteBuffer(string: Self.body(port: port, password: planted)))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let text = String(buffer: response.body)
            let events = Self.events(text)
            #expect(events.map(\.name) == ["step", "step_started", "step", "report"], "\(text)")
            #expect(events[1].data.contains(#""name":"connect""#))
            #expect(events[2].data.contains(#""status":"failed""#))
            let answer = try #require(
                try JSONSerialization.jsonObject(with: Data(events[3].data.utf8)) as? [String: Any])
            #expect((answer["error"] as? String)?.contains("127.0.0.1:\(port) refused the connection") == true)
            #expect((answer["report"] as? [String: Any])?["category"] as? String == "refused")
            #expect(!text.contains(planted))
        }
    }

    /// Refused before the ping starts: the usual JSON answer, not a stream.
    @Test func anInvalidPayloadIsStillA400() async throws {
        try await withTestAPI { client, context in
            let response = try await client.execute(
                uri: "/connectors/ping", method: .post, headers: Self.headers(context.key),
                body: ByteBuffer(string: #"{"type":"postgresql","sharedConfig":{"port":5432}}"#))
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(response.errorMessage?.contains("host") == true, "\(response.text)")
        }
    }

    /// The `connect` step reaches the client while the ping is still waiting on the server: the test
    /// only lets the server hang up after it has read that event, so the event cannot have come with the
    /// answer.
    @Test func stepsArriveWhileThePingRuns() async throws {
        try await withTestAPI(setup: .live) { client, context in
            let peer = try await HostilePeer(.silent)
            let stream = try await StreamClient(port: try #require(client.port))
            try await stream.post(body: Self.body(port: peer.port, timeout: 20), key: context.key)
            #expect(await stream.waitFor(#""name":"connect","status":"passed""#), "\(stream.text)")
            #expect(!stream.text.contains("event: report"), "the answer came before the server hung up")
            await peer.shutdown()
            #expect(await stream.waitFor("event: report"), "\(stream.text)")
            let report = try #require(Self.events(stream.text).first { $0.name == "report" }, "\(stream.text)")
            #expect(report.data.contains(#""ok":false"#))
            try? await stream.close()
        }
    }

    /// A client that disconnects stops its ping: the socket to the server is closed and the in-flight
    /// place given back, long before the ping's 30 s deadline.
    @Test func aClientThatGoesAwayStopsItsPing() async throws {
        try await withTestAPI(defaultTimeout: .seconds(30), setup: .live) { client, context in
            let peer = try await HostilePeer(.silent)
            let stream = try await StreamClient(port: try #require(client.port))
            try await stream.post(body: Self.body(port: peer.port, timeout: 30), key: context.key)
            #expect(await stream.waitFor(#""name":"connect","status":"passed""#), "\(stream.text)")
            #expect(context.engine.pingsInFlight == 1)
            #expect(peer.openConnections == 1)
            try await stream.close()
            #expect(
                await eventually(within: .seconds(10)) {
                    context.engine.pingsInFlight == 0 && peer.openConnections == 0
                },
                "in flight: \(context.engine.pingsInFlight), peer connections open: \(peer.openConnections)")
            await peer.shutdown()
        }
    }
}

/// A raw HTTP/1.1 client that keeps what it has received so far, for reading a stream as it comes.
final class StreamClient: Sendable {
    final class Received: Sendable {
        let text = Mutex<String>("")
    }

    private let received = Received()
    private let channel: any Channel

    init(port: Int) async throws {
        let received = self.received
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    var text: String { received.text.withLock { $0 } }

    func post(body: String, key: String) async throws {
        let request =
            "POST /connectors/ping HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(key)\r\n"
            + "Accept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
            + body
        try await channel.writeAndFlush(ByteBuffer(string: request))
    }

    /// Whether `needle` arrives within `time` (real time, only as a bound).
    func waitFor(_ needle: String, within time: Duration = .seconds(20)) async -> Bool {
        await eventually(within: time) { self.text.contains(needle) }
    }

    func close() async throws { try await channel.close() }

    /// Sends raw request bytes (one request or several, pipelined).
    func send(_ raw: String) async throws { try await channel.writeAndFlush(ByteBuffer(string: raw)) }

    /// Whether the server has not closed the connection.
    var isOpen: Bool { channel.isActive }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received: Received
        init(received: Received) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data)
            received.text.withLock { $0 += String(buffer: bytes) }
        }
    }
}
