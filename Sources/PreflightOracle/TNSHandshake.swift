/// The client's side of the listener exchange, without I/O: CONNECT, then whatever the listener answers
/// until it accepts or refuses. A RESEND is honoured once (the CONNECT sent again); a REDIRECT is
/// followed once (the caller opens the new connection and calls `redirected`); more of either is a
/// listener loop, reported, not followed.
public struct TNSHandshake: Sendable {
    /// What the caller does next.
    public enum Action: Sendable, Equatable {
        /// Write these packets.
        case send([TNSPacket])
        /// Read the next packet.
        case read
        /// Close this connection, open one to `host`:`port`, then call `redirected(to:descriptor:)`.
        case redirect(host: String, port: Int, protocolName: String, descriptor: String)
        /// The listener handed the connection over.
        case accepted(TNSAccept)
        /// The listener refused (see `OracleRefusal`).
        case refused(OracleRefusal)
        /// The listener broke the protocol, or looped.
        case failed(String)
    }

    public private(set) var descriptor: String
    public private(set) var resends = 0
    /// Where the connection was redirected to ("host:port"), when it was.
    public private(set) var redirectedTo: String?
    private var pendingRedirectLength: Int?
    private let sdu: UInt32
    private var isRedirected = false

    public init(descriptor: String, sdu: UInt32 = 8192) {
        self.descriptor = descriptor
        self.sdu = sdu
    }

    /// The first packets to send.
    public func start() -> Action {
        .send(TNSConnectRequest(descriptor: descriptor, sdu: sdu, redirected: isRedirected).packets)
    }

    /// After a redirect: the new connection to `place` ("host:port") is open; returns the CONNECT, with
    /// the descriptor the listener gave, to send on it.
    public mutating func redirected(to place: String, descriptor: String) -> Action {
        redirectedTo = place
        isRedirected = true
        self.descriptor = descriptor
        return start()
    }

    /// The listener's next packet.
    public mutating func receive(_ packet: TNSPacket) -> Action {
        let reply: TNSListenerReply
        do { reply = try TNSListenerReply.decode(packet) } catch { return .failed("the listener sent \(error)") }
        if let length = pendingRedirectLength {
            guard case .data(let bytes) = reply else {
                return .failed("the listener announced a REDIRECT and then sent \(packet.type) instead of its address")
            }
            pendingRedirectLength = nil
            return redirect(String(decoding: bytes.prefix(length), as: UTF8.self))
        }
        switch reply {
        case .accept(let accept):
            return .accepted(accept)
        case .refuse(let user, let system, let data):
            return .refused(OracleRefusal(userReason: user, systemReason: system, text: data))
        case .resend:
            guard resends == 0 else { return .failed("the listener asked for the CONNECT a third time") }
            resends += 1
            return start()
        case .redirect(let length, let data):
            guard let data else {
                pendingRedirectLength = length
                return .read
            }
            return redirect(data)
        case .marker(let type):
            return .failed("the listener answered the CONNECT with a MARKER (type \(type)) instead of ACCEPT or REFUSE")
        case .data:
            return .failed("the listener answered the CONNECT with DATA before accepting it")
        case .control:
            return .read
        }
    }

    private func redirect(_ data: String) -> Action {
        guard redirectedTo == nil else {
            return .failed("the listener redirected the connection a second time (after \(redirectedTo ?? ""))")
        }
        let parts = data.split(separator: "\0", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let lists = TNSNameValue.parse(String(parts[0])),
            let address = lists.lazy.compactMap({ $0.first("ADDRESS") }).first,
            let host = address.value(of: "HOST"), !host.isEmpty,
            let portText = address.value(of: "PORT"), let port = Int(portText), (1...65535).contains(port)
        else {
            return .failed("the listener sent a REDIRECT without a usable address")
        }
        var descriptor = String(parts[1])
        while descriptor.hasSuffix("\0") { descriptor.removeLast() }
        if descriptor.isEmpty { descriptor = self.descriptor }
        let protocolName = address.value(of: "PROTOCOL")?.uppercased() ?? "TCP"
        return .redirect(
            host: TNSConnectDescriptor.unquoted(host), port: port, protocolName: protocolName, descriptor: descriptor)
    }
}
