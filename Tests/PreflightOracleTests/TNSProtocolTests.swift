import PreflightOracle
import Testing

/// The TNS layer without I/O: packets, framing, listener answers and the handshake's state machine.
struct TNSProtocolTests {
    static let descriptor = TNSConnectDescriptor.make(
        host: "db.example.com", port: 1521, target: .serviceName("FREEPDB1"))

    @Test func descriptorNamesTheServiceOrTheSID() {
        #expect(
            Self.descriptor
                == "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db.example.com)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=FREEPDB1)(CID=(PROGRAM=preflight)(HOST=preflight)(USER=preflight))))"
        )
        let sid = TNSConnectDescriptor.make(host: "10.0.0.5", port: 2484, target: .sid("ORCL"), tcps: true)
        #expect(sid.contains("(PROTOCOL=TCPS)") && sid.contains("(CONNECT_DATA=(SID=ORCL)"))
        #expect(TNSConnectDescriptor.target(of: Self.descriptor) == .serviceName("FREEPDB1"))
        #expect(TNSConnectDescriptor.target(of: sid) == .sid("ORCL"))
    }

    @Test func shortConnectCarriesItsDescriptor() throws {
        let packets = TNSConnectRequest(descriptor: Self.descriptor).packets
        try #require(packets.count == 1)
        let bytes = packets[0].encoded()
        #expect(Int(bytes[0]) << 8 | Int(bytes[1]) == 74 + Self.descriptor.utf8.count)
        #expect(bytes[2...3] == [0, 0] && bytes[4] == 1 && bytes[5] == 0 && bytes[6...7] == [0, 0])
        #expect(bytes[8...11] == [0x01, 0x3F, 0x01, 0x2C], "versions 319 and 300")
        #expect(bytes[24...25] == [0, UInt8(Self.descriptor.utf8.count)], "descriptor length")
        #expect(bytes[26...27] == [0, 74], "descriptor offset")
        #expect(Array(bytes[74...]) == Array(Self.descriptor.utf8))
        let parsed = try TNSConnectRequest.parse(packets[0])
        #expect(parsed.version == 319 && parsed.descriptor == Self.descriptor)
    }

    @Test func longDescriptorFollowsInADataPacketAndRedirectIsFlagged() throws {
        let long = TNSConnectDescriptor.make(
            host: String(repeating: "h", count: 200) + ".example.com", port: 1521, target: .serviceName("S"))
        let packets = TNSConnectRequest(descriptor: long, redirected: true).packets
        try #require(packets.count == 2)
        #expect(packets[0].type == .connect && packets[0].flags == TNSPacket.redirectFlag)
        #expect(packets[0].encoded().count == 74)
        #expect(packets[1].type == .data && packets[1].payload == [0, 0] + Array(long.utf8))
        let parsed = try TNSConnectRequest.parse(packets[0])
        #expect(parsed.descriptor == nil && parsed.descriptorLength == long.utf8.count)
    }

    @Test func framerCutsPacketsAndRefusesBadHeaders() throws {
        var framer = TNSFramer()
        let refuse = TNSPacket(type: .refuse, payload: [0x22, 0, 0, 2, 0x41, 0x42]).encoded()
        framer.feed(Array(refuse.prefix(5)))
        #expect(try framer.next() == nil)
        framer.feed(Array(refuse.dropFirst(5)) + TNSPacket(type: .resend, payload: []).encoded())
        #expect(try framer.next()?.type == .refuse)
        #expect(try framer.next()?.type == .resend)
        #expect(try framer.next() == nil)

        var huge = TNSFramer()
        huge.feed([0xFF, 0xFF, 0, 0, 6, 0, 0, 0])
        #expect(throws: TNSFramingError.badLength(65535, limit: 16384)) { try huge.next() }
        var short = TNSFramer()
        short.feed([0, 4, 0, 0, 2, 0, 0, 0])
        #expect(throws: TNSFramingError.badLength(4, limit: 16384)) { try short.next() }
        var unknown = TNSFramer()
        unknown.feed([0, 8, 0, 0, 0x53, 0, 0, 0])
        #expect(throws: TNSFramingError.unknownType(0x53)) { try unknown.next() }
        var ssh = TNSFramer()
        ssh.feed(Array("SSH-2.0-OpenSSH_9.2\r\n".utf8))
        #expect(throws: TNSFramingError.self) { try ssh.next() }

        var large = TNSFramer(largeLength: true)
        large.feed(TNSPacket(type: .data, payload: [0, 0, 1]).encoded(largeLength: true))
        #expect(try large.next()?.payload == [0, 0, 1])
    }

    @Test func acceptRoundTripsAndTellsVersionAndSDU() throws {
        let accept = TNSAccept(version: 319, sdu: 8192)
        let packet = accept.packet
        #expect(packet.encoded().count == 45)
        #expect(try TNSListenerReply.decode(packet) == .accept(accept))
        let nne = TNSAccept(version: 318, sdu: 65535, nativeEncryptionRequired: true)
        #expect(try TNSListenerReply.decode(nne.packet) == .accept(nne))
        #expect(throws: TNSMessageError.self) {
            try TNSListenerReply.decode(TNSPacket(type: .accept, payload: [1, 0x3F]))
        }
    }

    @Test func refusalReadsTheErrorCode() throws {
        let text = "(DESCRIPTION=(TMP=)(VSNNUM=387973120)(ERR=12514)(ERROR_STACK=(ERROR=(CODE=12514)(EMFI=4))))"
        let bytes = Array(text.utf8)
        let packet = TNSPacket(type: .refuse, payload: [0x22, 0, 0, UInt8(bytes.count)] + bytes)
        guard case .refuse(_, _, let data) = try TNSListenerReply.decode(packet) else {
            Issue.record("not a refusal")
            return
        }
        let refusal = OracleRefusal(userReason: 0x22, systemReason: 0, text: data)
        #expect(refusal.code == 12514 && refusal.oraCode == "ORA-12514")
        #expect(OracleRefusal(userReason: 0, systemReason: 0, text: "(ERROR=(CODE=12505))").code == 12505)
        #expect(OracleRefusal(userReason: 0, systemReason: 0, text: "no").code == nil)
        let overrun = TNSPacket(type: .refuse, payload: [0x22, 0, 0, 200, 0x41])
        #expect(throws: TNSMessageError.self) { try TNSListenerReply.decode(overrun) }
    }

    @Test func nameValueParserIsStrictAndBounded() {
        let lists = TNSNameValue.parse("(A=(B=1)(C=(D=x y)))")
        #expect(lists?.first?.value(of: "d") == "x y")
        #expect(TNSNameValue.parse("(A=(B=1)") == nil)
        #expect(TNSNameValue.parse("(A=1))") == nil)
        #expect(
            TNSNameValue.parse(String(repeating: "(A=", count: 40) + "1" + String(repeating: ")", count: 40)) == nil)
    }

    @Test func handshakeResendsOnceAndFollowsOneRedirect() {
        var handshake = TNSHandshake(descriptor: Self.descriptor)
        guard case .send(let first) = handshake.start() else {
            Issue.record("no CONNECT")
            return
        }
        #expect(first.first?.type == .connect)
        #expect(handshake.receive(TNSPacket(type: .resend, payload: [])) == .send(first))
        guard case .failed = handshake.receive(TNSPacket(type: .resend, payload: [])) else {
            Issue.record("a second RESEND must not be honoured")
            return
        }

        var redirected = TNSHandshake(descriptor: Self.descriptor)
        let data = Array("(ADDRESS=(PROTOCOL=tcp)(HOST=10.1.2.3)(PORT=1522))\0(DESCRIPTION=(X=1))".utf8)
        let redirect = TNSPacket(type: .redirect, payload: [0, UInt8(data.count)] + data)
        #expect(
            redirected.receive(redirect)
                == .redirect(host: "10.1.2.3", port: 1522, protocolName: "TCP", descriptor: "(DESCRIPTION=(X=1))"))
        guard case .send(let again) = redirected.redirected(to: "10.1.2.3:1522", descriptor: "(DESCRIPTION=(X=1))")
        else {
            Issue.record("no CONNECT after the redirect")
            return
        }
        #expect(again.first?.flags == TNSPacket.redirectFlag)
        guard case .failed(let problem) = redirected.receive(redirect) else {
            Issue.record("a second redirect must not be followed")
            return
        }
        #expect(problem.contains("second time"))

        // The address in a DATA packet after the REDIRECT.
        var split = TNSHandshake(descriptor: Self.descriptor)
        #expect(split.receive(TNSPacket(type: .redirect, payload: [0, UInt8(data.count)])) == .read)
        #expect(
            split.receive(TNSPacket(type: .data, payload: [0, 0] + data))
                == .redirect(host: "10.1.2.3", port: 1522, protocolName: "TCP", descriptor: "(DESCRIPTION=(X=1))"))
    }

    @Test func handshakeEndsOnAcceptRefuseOrMarker() {
        var handshake = TNSHandshake(descriptor: Self.descriptor)
        #expect(
            handshake.receive(TNSAccept(version: 318, sdu: 8192).packet)
                == .accepted(TNSAccept(version: 318, sdu: 8192)))
        let text = Array("(ERR=12516)".utf8)
        guard
            case .refused(let refusal) = handshake.receive(
                TNSPacket(type: .refuse, payload: [0, 0, 0, UInt8(text.count)] + text))
        else {
            Issue.record("not refused")
            return
        }
        #expect(refusal.code == 12516)
        guard case .failed = handshake.receive(TNSPacket(type: .marker, payload: [1, 0, 2])) else {
            Issue.record("a MARKER before ACCEPT is a protocol error")
            return
        }
        let badRedirect = Array("(ADDRESS=(HOST=x))\0".utf8)
        guard
            case .failed = handshake.receive(
                TNSPacket(type: .redirect, payload: [0, UInt8(badRedirect.count)] + badRedirect))
        else {
            Issue.record("a redirect without a port is refused")
            return
        }
    }
}
