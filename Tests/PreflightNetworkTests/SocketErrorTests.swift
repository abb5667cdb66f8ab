import Foundation
import NIOCore
import PreflightCore
import PreflightNetwork
import Testing

@Suite("A connection that breaks is said in words")
struct SocketErrorTests {
    @Test func aResetIsTheServerHangingUpNotUnreachable() {
        let failure = brokenConnection(
            IOError(errnoCode: ECONNRESET, reason: "read(descriptor:pointer:size:)"), server: "db:5432",
            while: "waiting for its answer")
        #expect(failure.category == .serverUnavailable)
        #expect(failure.transient == true)
        #expect(failure.message == "db:5432 reset the connection while waiting for its answer")
        #expect(!failure.message.contains("errno") && !failure.message.contains("descriptor"))
        #expect(isPeerReset(IOError(errnoCode: EPIPE, reason: "write")))
    }

    @Test func otherSocketErrorsAreNamedWithoutRawText() {
        let failure = brokenConnection(
            IOError(errnoCode: EHOSTUNREACH, reason: "read(descriptor:pointer:size:)"), server: "db:5432",
            while: "asking for TLS")
        #expect(failure.category == .unreachable)
        #expect(!failure.message.contains("descriptor"), "\(failure.message)")
    }
}
