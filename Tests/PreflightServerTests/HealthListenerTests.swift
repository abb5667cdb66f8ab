import Foundation
import NIOCore
import NIOPosix
import PreflightServer
import PreflightTestSupport
import Synchronization
import Testing

/// `serve --health-port`: `GET /healthz` on a port and an event loop thread of its own (``HealthListener``),
/// against the real server on loopback.
@Suite("/healthz on its own port")
struct HealthListenerTests {
    static let get = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"

    @Test("the API's answers: 200 ok, 404 and 405 as JSON, 503 draining once shutdown began")
    func answers() async throws {
        let drain = ShutdownDrain(retryAfterSeconds: 3)
        try await withHealthPort(drain: drain) { _, health in
            let socket = try BlockingSocket(port: health)
            try socket.send(Self.get)
            let ok = try socket.read(until: #"{"status":"ok"}"#)
            #expect(ok.hasPrefix("HTTP/1.1 200 OK"), "\(ok)")
            #expect(ok.lowercased().contains("content-type: application/json; charset=utf-8"), "\(ok)")
            try socket.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let missing = try socket.read(until: "GET /metrics\"}")
            #expect(missing.hasPrefix("HTTP/1.1 404"), "\(missing)")
            try socket.send("POST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
            let method = try socket.read(until: "use GET\"}")
            #expect(method.hasPrefix("HTTP/1.1 405"), "\(method)")
            drain.beginDraining()
            try socket.send(Self.get)
            let draining = try socket.read(until: #"{"status":"draining"}"#)
            #expect(draining.hasPrefix("HTTP/1.1 503"), "\(draining)")
        }
    }

    @Test("answers while every event loop of the API is blocked; the API's own port answers only after")
    func independent() async throws {
        try await withHealthPort { api, health in
            // The API's server runs on the singleton group's loops: hold each of them.
            let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
            let entered = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            for loop in loops {
                loop.execute {
                    entered.signal()
                    release.wait()
                }
            }
            var released = false
            defer { if !released { for _ in loops { release.signal() } } }
            for _ in loops { #expect(entered.wait(timeout: .now() + 10) == .success) }

            let viaAPI = try BlockingSocket(port: api)
            try viaAPI.send(Self.get)
            let viaHealth = try BlockingSocket(port: health)
            try viaHealth.send(Self.get)
            let answer = try viaHealth.read(until: #"{"status":"ok"}"#)
            #expect(answer.hasPrefix("HTTP/1.1 200 OK"), "\(answer)")
            // The API's loops are still held, so its port cannot have answered yet.
            #expect(viaAPI.pending() == "")

            for _ in loops { release.signal() }
            released = true
            let late = try viaAPI.read(until: #"{"status":"ok"}"#)
            #expect(late.hasPrefix("HTTP/1.1 200 OK"), "\(late)")
        }
    }

    /// The live API with a health port; `body` gets both ports.
    private func withHealthPort(
        drain: ShutdownDrain = ShutdownDrain(), _ body: @Sendable (Int, Int) async throws -> Void
    ) async throws {
        var server = ServerConfiguration(port: 0)
        server.healthPort = 0
        try await withTestAPI(server: server, setup: .live, drain: drain) { client, context in
            var health: Int?
            _ = await eventually(within: .seconds(10)) {
                health = context.logs.lines.lazy.compactMap(Self.healthPort).first
                return health != nil
            }
            try await body(try #require(client.port), try #require(health, "no 'health listening' line"))
        }
    }

    /// The port of a `health listening address=HOST:PORT` log line.
    static func healthPort(_ line: String) -> Int? {
        guard line.contains("health listening"), let address = line.range(of: "address=") else { return nil }
        let rest = line[address.upperBound...].prefix { !$0.isWhitespace }
        return rest.split(separator: ":").last.flatMap { Int($0) }
    }
}

/// A plain blocking TCP client (no event loop, so it works while the loops are held), each read bounded
/// by a 10 s socket timeout.
final class BlockingSocket {
    private let descriptor: Int32
    private var buffered = ""

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    deinit { close(descriptor) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw POSIXError(.EIO) }
    }

    /// What arrived up to and including `needle` (waiting for it, 10 s at most per read).
    func read(until needle: String) throws -> String {
        while true {
            if let range = buffered.range(of: needle) {
                let answer = String(buffered[..<range.upperBound])
                buffered = String(buffered[range.upperBound...])
                return answer
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = recv(descriptor, &chunk, chunk.count, 0)
            guard count > 0 else { throw POSIXError(.ETIMEDOUT) }
            buffered += String(decoding: chunk[..<count], as: UTF8.self)
        }
    }

    /// What has arrived already, without waiting.
    func pending() -> String {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &chunk, chunk.count, Int32(MSG_DONTWAIT))
        return count > 0 ? String(decoding: chunk[..<count], as: UTF8.self) : ""
    }
}
