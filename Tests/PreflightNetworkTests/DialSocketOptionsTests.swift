import Foundation
import NIOCore
import PreflightNetwork
import PreflightTestSupport
import Testing

/// The options on a socket the Dialer makes. `.socketOption(.tcp_nodelay)` once put TCP_NODELAY's number at the
/// SOL_SOCKET level, which is SO_DEBUG: harmless as root, `Permission denied` on every dial for anyone else.
@Suite("Dialer: the dialled socket's options")
struct DialSocketOptionsTests {
    @Test("TCP_NODELAY is on at the TCP level, and SO_DEBUG (which needs CAP_NET_ADMIN) is off")
    func noDelayAndNoDebug() async throws {
        try await Net.withPeer(.silent) { peer in
            let context = Net.context()
            let dial = try await context.resolveAndConnect("127.0.0.1", port: peer.port)
            defer { context.closeAll() }
            let noDelay = try await dial.channel.getOption(.tcpOption(.tcp_nodelay)).get()
            #expect(noDelay == 1)
            let debug = try await dial.channel.getOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_DEBUG))).get()
            #expect(debug == 0)
        }
    }
}
