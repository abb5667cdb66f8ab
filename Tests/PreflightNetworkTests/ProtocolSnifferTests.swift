import PreflightNetwork
import Testing

@Suite("ProtocolSniffer")
struct ProtocolSnifferTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Banners end in CRLF; the line reported must not carry it (nor the lines after it).
    @Test func firstLineStopsAtCRLF() {
        #expect(ProtocolSniffer.identify(bytes("SSH-2.0-OpenSSH_9.2p1\r\n")) == .ssh(banner: "SSH-2.0-OpenSSH_9.2p1"))
        #expect(ProtocolSniffer.identify(bytes("SSH-2.0-OpenSSH_9.2p1\n")) == .ssh(banner: "SSH-2.0-OpenSSH_9.2p1"))
    }

    @Test func sshBanner() {
        let peer = ProtocolSniffer.identify(bytes("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"))
        #expect(peer == .ssh(banner: "SSH-2.0-OpenSSH_9.2p1 Debian-2"))
        #expect(peer?.description == "an SSH server (SSH-2.0-OpenSSH_9.2p1 Debian-2)")
    }

    @Test func httpStatusLine() {
        let peer = ProtocolSniffer.identify(
            bytes("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n400 Bad Request"))
        #expect(peer == .http(statusLine: "HTTP/1.1 400 Bad Request"))
        #expect(peer?.description.contains("HTTP") == true)
    }

    @Test func tlsRecords() {
        // An alert (handshake_failure) and the start of a ServerHello.
        #expect(ProtocolSniffer.identify([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]) == .tls)
        #expect(ProtocolSniffer.identify([0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76]) == .tls)
    }

    /// A MariaDB 10.11 initial handshake packet (protocol 10), built field by field.
    static func mysqlGreeting(version: String) -> [UInt8] {
        var payload: [UInt8] = [0x0a]  // protocol version 10
        payload += Array(version.utf8) + [0x00]  // server version, NUL-terminated
        payload += [0x2a, 0x00, 0x00, 0x00]  // connection id 42
        payload += Array("abcdefgh".utf8) + [0x00]  // auth-plugin-data part 1 + filler
        payload += [0xfe, 0xf7]  // capability flags (lower)
        payload += [0x2d]  // character set utf8mb4_general_ci
        payload += [0x02, 0x00]  // status: autocommit
        payload += [0xff, 0x81]  // capability flags (upper)
        payload += [0x15]  // auth-plugin-data length 21
        payload += Array(repeating: 0, count: 6) + [0x1d, 0x00, 0x00, 0x00]  // reserved / MariaDB caps
        payload += Array("ijklmnopqrst".utf8) + [0x00]  // auth-plugin-data part 2
        payload += Array("mysql_native_password".utf8) + [0x00]  // auth plugin name
        let length = payload.count
        return [UInt8(length & 0xff), UInt8((length >> 8) & 0xff), UInt8((length >> 16) & 0xff), 0x00] + payload
    }

    @Test func mysqlGreetingPacket() {
        let packet = Self.mysqlGreeting(version: "5.5.5-10.11.6-MariaDB-0+deb12u1")
        let peer = ProtocolSniffer.identify(packet)
        #expect(peer == .mysql(version: "5.5.5-10.11.6-MariaDB-0+deb12u1"))
        #expect(peer?.description == "a MySQL server (version 5.5.5-10.11.6-MariaDB-0+deb12u1)")
        // Only the first bytes of a greeting (as a first read may deliver) are enough.
        #expect(ProtocolSniffer.identify(Array(packet.prefix(20))) == .mysql(version: "5.5.5-10.11.6-M"))
    }

    @Test func mysqlErrorPacket() {
        let message = "Host '10.0.0.5' is not allowed to connect to this MariaDB server"
        let payload: [UInt8] = [0xff, 0x6a, 0x04] + Array(message.utf8)  // error 1130
        let packet = [UInt8(payload.count), 0x00, 0x00, 0x00] + payload
        let peer = ProtocolSniffer.identify(packet)
        #expect(peer == .mysqlError(message: message))
        #expect(peer?.description.contains("refused us: Host '10.0.0.5'") == true)
    }

    @Test func redisReplies() {
        #expect(
            ProtocolSniffer.identify(bytes("-ERR unknown command 'SSLRequest'\r\n"))
                == .redis(reply: "-ERR unknown command 'SSLRequest'"))
        #expect(
            ProtocolSniffer.identify(bytes("-NOAUTH Authentication required.\r\n"))
                == .redis(reply: "-NOAUTH Authentication required."))
        #expect(
            ProtocolSniffer.identify(bytes("-DENIED Redis is running in protected mode\r\n"))
                == .redis(reply: "-DENIED Redis is running in protected mode"))
    }

    @Test func postgresErrorResponse() {
        var fields: [UInt8] = []
        for (code, value) in [
            ("S", "FATAL"), ("V", "FATAL"), ("C", "28000"), ("M", "no pg_hba.conf entry for host \"10.0.0.9\""),
        ] {
            fields += Array(code.utf8) + Array(value.utf8) + [0]
        }
        fields += [0]
        let length = UInt32(fields.count + 4)
        let message =
            [
                UInt8(ascii: "E"), UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff),
                UInt8(length & 0xff),
            ] + fields
        #expect(ProtocolSniffer.identify(message) == .postgres)
    }

    @Test func textBanners() {
        #expect(
            ProtocolSniffer.identify(bytes("220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n"))
                == .textBanner("220 mail.example.com ESMTP Postfix (Debian/GNU)"))
        #expect(
            ProtocolSniffer.identify(bytes("220-FileZilla Server 1.8.0\r\n"))
                == .textBanner("220-FileZilla Server 1.8.0"))
    }

    @Test func randomBytesAreUnknownWithAHexPreview() {
        let noise: [UInt8] = [0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x0a, 0xff]
        #expect(ProtocolSniffer.identify(noise) == .unknown(preview: "de ad be ef 01 02 0a ff"))
        let long = (0..<40).map { UInt8(0x80 + $0) }
        let peer = ProtocolSniffer.identify(long)
        #expect(peer == .unknown(preview: "80 81 82 83 84 85 86 87 88 89 8a 8b 8c 8d 8e 8f ..."))
        #expect(
            peer?.description
                == "something that is not a known database (first bytes: 80 81 82 83 84 85 86 87 88 89 8a 8b 8c 8d 8e 8f ...)"
        )
    }

    @Test func tooFewBytes() {
        #expect(ProtocolSniffer.identify([]) == nil)
    }

    @Test func previewFormatting() {
        #expect(ProtocolSniffer.preview([]) == "")
        #expect(ProtocolSniffer.preview([0x00, 0x0f, 0x10]) == "00 0f 10")
        #expect(
            ProtocolSniffer.preview(Array(repeating: 0xab, count: 16))
                == Array(repeating: "ab", count: 16).joined(separator: " "))
    }

    @Test func longBannerLinesAreShortened() {
        let line = "SSH-2.0-" + String(repeating: "x", count: 200)
        guard case .ssh(let banner) = ProtocolSniffer.identify(bytes(line + "\r\n")) else {
            Issue.record("not SSH")
            return
        }
        #expect(banner.count == 83)
        #expect(banner.hasSuffix("..."))
    }
}
