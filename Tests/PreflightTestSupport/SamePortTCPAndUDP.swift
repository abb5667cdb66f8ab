import NIOCore
import NIOPosix

/// Binds a TCP listener and a UDP socket to the same loopback port, as a nameserver answers on both.
///
/// With `port` 0 the kernel picks a free TCP port, and that number may be taken for UDP by another socket (tests run
/// side by side): the UDP bind then fails with EADDRINUSE, and both are bound again on a new port, up to 50 times.
public func bindSamePortTCPAndUDP(
    host: String = "127.0.0.1", port: Int, tcp: ServerBootstrap, udp: DatagramBootstrap
) async throws -> (tcp: any Channel, udp: any Channel) {
    var attempt = 0
    while true {
        attempt += 1
        let tcpChannel = try await tcp.bind(host: host, port: port).get()
        let bound = tcpChannel.localAddress?.port ?? port
        do {
            let udpChannel = try await udp.bind(host: host, port: bound).get()
            return (tcpChannel, udpChannel)
        } catch let error as IOError where error.errnoCode == EADDRINUSE && port == 0 && attempt < 50 {
            try? await tcpChannel.close()
        } catch {
            try? await tcpChannel.close()
            throw error
        }
    }
}
