import NIOCore
import NIOSSH
import PreflightCore
import Synchronization

/// What happened during the SSH handshake, shared between NIOSSH's callbacks and the opener.
final class SSHSessionLog: Sendable {
    struct State {
        var hostKey: String?
        var hostKeyMismatch = false
        var offeredKey = false
        var keyRejected = false
        var availableMethods: String?
    }
    private let state = Mutex(State())

    func update(_ body: (inout State) -> Void) { state.withLock { body(&$0) } }
    var snapshot: State { state.withLock { $0 } }
}

/// Offers our one private key; if the server asks again, the key was rejected and we stop.
final class OfferKeyOnce: NIOSSHClientUserAuthenticationDelegate, @unchecked Sendable {
    private let username: String
    private let key: NIOSSHPrivateKey
    private let log: SSHSessionLog
    private let giveUp: @Sendable () -> Void

    /// `giveUp` ends the connection: NIOSSH waits forever once we have nothing more to offer.
    init(username: String, key: NIOSSHPrivateKey, log: SSHSessionLog, giveUp: @escaping @Sendable () -> Void) {
        self.username = username
        self.key = key
        self.log = log
        self.giveUp = giveUp
    }

    func nextAuthenticationType(
        availableMethods: NIOSSHAvailableUserAuthenticationMethods,
        nextChallengePromise: EventLoopPromise<NIOSSHUserAuthenticationOffer?>
    ) {
        var methods: [String] = []
        if availableMethods.contains(.publicKey) { methods.append("publickey") }
        if availableMethods.contains(.password) { methods.append("password") }
        if availableMethods.contains(.hostBased) { methods.append("hostbased") }
        let alreadyOffered = log.snapshot.offeredKey
        log.update {
            $0.availableMethods = methods.joined(separator: ", ")
            if alreadyOffered { $0.keyRejected = true }
        }
        guard !alreadyOffered, availableMethods.contains(.publicKey) else {
            if !availableMethods.contains(.publicKey) { log.update { $0.keyRejected = true } }
            nextChallengePromise.succeed(nil)
            giveUp()
            return
        }
        log.update { $0.offeredKey = true }
        nextChallengePromise.succeed(
            NIOSSHUserAuthenticationOffer(
                username: username, serviceName: "", offer: .privateKey(.init(privateKey: key))))
    }
}

/// Trust on first use: with no pinned fingerprint any host key is accepted (and remembered);
/// with one, only that key is.
final class PinnedHostKey: NIOSSHClientServerAuthenticationDelegate, @unchecked Sendable {
    private let pinned: String?
    private let log: SSHSessionLog
    private let onValidated: @Sendable () -> Void

    init(pinned: String?, log: SSHSessionLog, onValidated: @escaping @Sendable () -> Void) {
        self.pinned = pinned
        self.log = log
        self.onValidated = onValidated
    }

    func validateHostKey(hostKey: NIOSSHPublicKey, validationCompletePromise: EventLoopPromise<Void>) {
        let fingerprint = SSHFingerprint.sha256(hostKey)
        log.update { $0.hostKey = fingerprint }
        if let pinned, pinned != fingerprint {
            log.update { $0.hostKeyMismatch = true }
            validationCompletePromise.fail(HostKeyMismatch())
            return
        }
        onValidated()
        validationCompletePromise.succeed(())
    }
}

struct HostKeyMismatch: Error {}

/// Turns an SSH channel's data messages into plain bytes and back, so the probes see a byte stream.
///
/// It also turns the server's end of stream into a full close, after every handler has seen it. The
/// child channel must be opened with `allowRemoteHalfClosure` so that NIOSSH hands us the EOF in order
/// with the data instead of answering it itself: NIOSSH answers an EOF with a close of its own, and when
/// our close already crossed the bastion's EOF (a server that sends an error and hangs up, as PostgreSQL
/// does for a wrong password), that second close fails the channel's `closeFuture` with "Sent close on
/// closed channel", and postgres-nio then reports that error instead of the server's.
final class SSHChannelBytes: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = SSHChannelData
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = SSHChannelData

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard case .channel = message.type, case .byteBuffer(let bytes) = message.data else { return }
        context.fireChannelRead(wrapInboundOut(bytes))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case ChannelEvent.inputClosed = event {
            // The server is done sending: what it sent has been read; end the channel the one clean way.
            context.close(promise: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let bytes = unwrapOutboundIn(data)
        context.write(wrapOutboundOut(SSHChannelData(type: .channel, data: .byteBuffer(bytes))), promise: promise)
    }
}
