import Foundation
import HummingbirdTesting
import NIOCore
import NIOPosix
import PreflightServer
import Testing

/// Clients that hold connections without finishing a request are closed, however slowly they trickle,
/// and connections past the cap are closed as they arrive. Against the real server on a loopback port.
@Suite("The HTTP server against slow and too many clients")
struct SlowClientTests {
    /// A raw TCP connection that records when the server closed it.
    final class RawClient: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let closed: EventLoopPromise<Void>
        let channel: any Channel

        init(port: Int) async throws {
            let group = MultiThreadedEventLoopGroup.singleton
            let promise = group.any().makePromise(of: Void.self)
            closed = promise
            let holder = Holder(promise: promise)
            channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in channel.pipeline.addHandler(holder) }
                .connect(host: "127.0.0.1", port: port).get()
        }

        final class Holder: ChannelInboundHandler, Sendable {
            typealias InboundIn = ByteBuffer
            let promise: EventLoopPromise<Void>
            init(promise: EventLoopPromise<Void>) { self.promise = promise }
            func channelInactive(context: ChannelHandlerContext) { promise.succeed() }
        }

        func send(_ text: String) async throws {
            try await channel.writeAndFlush(ByteBuffer(string: text))
        }

        /// Sends `piece` every 100 ms, at most `times` times, while the connection is open; returns how many
        /// were sent before the server closed it.
        func trickle(_ piece: String, times: Int = 20) async throws -> Int {
            var sent = 0
            for _ in 0..<times where channel.isActive {
                try? await send(piece)
                try await Task.sleep(for: .milliseconds(100))
                sent += 1
            }
            return sent
        }

        /// Whether the server closed the connection within `time`.
        func isClosed(within time: Duration) async -> Bool {
            let deadline = ContinuousClock.now + time
            while ContinuousClock.now < deadline {
                if !channel.isActive { return true }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return !channel.isActive
        }
    }

    @Test func aTricklingRequestIsClosed() async throws {
        let server = ServerConfiguration(requestTimeout: .milliseconds(600))
        try await withTestAPI(server: server, setup: .live) { client, _ in
            let port = try #require(client.port)
            let raw = try await RawClient(port: port)
            try await raw.send("POST /ssh-tunnels HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n")
            let stillOpen = try await raw.trickle("x")  // one byte every 100 ms: never idle, never done
            #expect(await raw.isClosed(within: .seconds(3)), "a trickling client kept its connection")
            #expect(stillOpen < 20)
        }
    }

    @Test func connectionsPastTheCapAreClosed() async throws {
        let server = ServerConfiguration(maxConnections: 2)
        try await withTestAPI(server: server, setup: .live) { client, _ in
            let port = try #require(client.port)
            let first = try await RawClient(port: port)
            let second = try await RawClient(port: port)
            // The test client itself may hold one: at most 2 of these 3 stay open.
            let third = try await RawClient(port: port)
            try await Task.sleep(for: .milliseconds(300))
            let open = [first, second, third].filter { $0.channel.isActive }.count
            #expect(open <= 2, "\(open) connections open with a cap of 2")
            for raw in [first, second, third] { try? await raw.channel.close() }
        }
    }

    /// Each answer starts the clock again: requests 0.5 s apart keep a connection open past one request timeout
    /// (1.5 s) from the first answer, and once they stop the connection is closed.
    @Test func eachAnswerStartsTheClockAgain() async throws {
        let server = ServerConfiguration(requestTimeout: .milliseconds(1500))
        try await withTestAPI(server: server, setup: .live) { client, _ in
            let port = try #require(client.port)
            let raw = try await RawClient(port: port)
            for _ in 0..<4 {
                try await raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(raw.channel.isActive, "closed although every request arrived within the timeout of the last answer")
            #expect(await raw.isClosed(within: .seconds(4)), "an idle connection outlived the request timeout")
        }
    }

    /// `GET /healthz` is answered on its head, before its end is read: that must not stop the clock, or a client
    /// could ask it once and then trickle a request forever.
    @Test func aTrickleAfterAHealthCheckIsClosed() async throws {
        let server = ServerConfiguration(requestTimeout: .milliseconds(600))
        try await withTestAPI(server: server, setup: .live) { client, _ in
            let port = try #require(client.port)
            let raw = try await RawClient(port: port)
            try await raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            // A head that never ends: nothing is answered early, so only the clock can close it.
            try await raw.send("POST /ssh-tunnels HTTP/1.1\r\nHost: x\r\n")
            _ = try await raw.trickle("X-Slow: y\r\n")
            #expect(await raw.isClosed(within: .seconds(3)), "a trickle after a health check kept its connection")
        }
    }

    @Test func aRequestThatArrivesIsServed() async throws {
        let server = ServerConfiguration(requestTimeout: .milliseconds(600))
        try await withTestAPI(server: server, setup: .live) { client, _ in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
        }
    }
}
