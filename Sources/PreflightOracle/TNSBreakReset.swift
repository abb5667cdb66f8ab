/// The BREAK/RESET marker exchange: a server that breaks off a call sends a BREAK marker; the client
/// answers with a RESET marker, drops what it had read of the answer and ignores DATA until the server's
/// own RESET, after which the call's error comes. Shared by the login and the query state machines.
struct TNSBreakReset: Sendable {
    enum Action {
        /// Read on (a RESET came, or a second BREAK while resetting).
        case read
        /// Send this RESET marker and drop what was read of the answer.
        case send(TNSPacket)
        /// A MARKER packet too short to be one: the text says what arrived.
        case malformed(String)
    }

    /// Between our RESET and the server's: DATA packets are ignored.
    private(set) var resetting = false

    /// What to do with a MARKER packet's payload.
    mutating func marker(_ payload: [UInt8]) -> Action {
        guard payload.count >= 3 else { return .malformed("a MARKER packet of \(payload.count + 8) bytes") }
        if payload[2] == 2 {
            resetting = false
            return .read
        }
        guard !resetting else { return .read }
        resetting = true
        return .send(TNSPacket(type: .marker, payload: [1, 0, 2]))
    }
}
