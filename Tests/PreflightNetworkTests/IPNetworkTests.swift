import PreflightNetwork
import Testing

@Suite("IPAddress and IPNetwork")
struct IPNetworkTests {
    private func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test func parsesIPv4() throws {
        let address = try #require(IPAddress("10.0.0.1"))
        #expect(address.bytes == [10, 0, 0, 1])
        #expect(address.isIPv4)
        #expect(address.description == "10.0.0.1")
    }

    @Test func parsesIPv6() throws {
        let loopback = try #require(IPAddress("::1"))
        #expect(loopback.bytes == Array(repeating: 0, count: 15) + [1])
        #expect(!loopback.isIPv4)
        #expect(loopback.description == "::1")
        #expect(IPAddress("FE80:0000::0001")?.description == "fe80::1")
        #expect(IPAddress("2001:db8::5")?.bytes.count == 16)
    }

    @Test(
        "not addresses",
        arguments: [
            "", "abc", "256.1.1.1", "1.2.3", "10.0.0.1 ", " 10.0.0.1", "10.0.0.1/8", "[::1]", "::1::2",
            "db.example.com", "fe80::1%eth0",
        ])
    func notAddresses(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func mappedAddressesUnmap() throws {
        let mapped = try #require(IPAddress("::ffff:169.254.169.254"))
        #expect(mapped.bytes.count == 16)
        #expect(mapped.unmapped == ip("169.254.169.254"))
        #expect(mapped.unmapped.isIPv4)
        #expect(ip("10.0.0.1").unmapped == ip("10.0.0.1"))
        #expect(ip("::1").unmapped == ip("::1"))
        // ::169.254.169.254 (IPv4-compatible, deprecated) is not a mapped address.
        #expect(ip("::169.254.169.254").unmapped.bytes.count == 16)
    }

    @Test func ipv6ByteConstructorDescription() {
        #expect(IPAddress(bytes: [192, 168, 1, 7]).description == "192.168.1.7")
        #expect(IPAddress(bytes: [0xfe, 0x80] + Array(repeating: 0, count: 13) + [1]).description == "fe80::1")
    }

    @Test func parsesNetworks() throws {
        let v4 = try #require(IPNetwork("10.0.0.0/8"))
        #expect(v4.address == ip("10.0.0.0"))
        #expect(v4.prefixLength == 8)
        #expect(v4.description == "10.0.0.0/8")
        #expect(IPNetwork("192.168.1.7")?.prefixLength == 32)
        #expect(IPNetwork("::1")?.prefixLength == 128)
        #expect(IPNetwork("fe80::/10")?.description == "fe80::/10")
        #expect(IPNetwork("  172.16.0.0/12 ")?.prefixLength == 12)
        #expect(IPNetwork("0.0.0.0/0")?.prefixLength == 0)
    }

    @Test(
        "not networks",
        arguments: [
            "", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/abc", "10.0.0.0/", "x/8", "::/129", "10.0.0.0/8/8", "db/24",
        ])
    func notNetworks(_ text: String) {
        #expect(IPNetwork(text) == nil)
    }

    @Test func ipv4Containment() throws {
        let net = try #require(IPNetwork("10.0.0.0/8"))
        #expect(net.contains(ip("10.0.0.0")))
        #expect(net.contains(ip("10.255.1.2")))
        #expect(!net.contains(ip("11.0.0.1")))
        #expect(!net.contains(ip("9.255.255.255")))
        let odd = try #require(IPNetwork("172.16.0.0/12"))
        #expect(odd.contains(ip("172.31.255.255")))
        #expect(!odd.contains(ip("172.32.0.0")))
        let host = try #require(IPNetwork("192.168.1.7/32"))
        #expect(host.contains(ip("192.168.1.7")))
        #expect(!host.contains(ip("192.168.1.8")))
        #expect(IPNetwork("0.0.0.0/0")!.contains(ip("203.0.113.9")))
        // A network address with host bits set still masks correctly.
        #expect(IPNetwork("10.9.9.9/8")!.contains(ip("10.1.1.1")))
    }

    @Test func ipv6Containment() throws {
        let linkLocal = try #require(IPNetwork("fe80::/10"))
        #expect(linkLocal.contains(ip("fe80::1")))
        #expect(linkLocal.contains(ip("febf:ffff::1")))
        #expect(!linkLocal.contains(ip("fec0::1")))
        #expect(!linkLocal.contains(ip("::1")))
        #expect(IPNetwork("::/0")!.contains(ip("2001:db8::1")))
        #expect(IPNetwork("fd00:ec2::254/128")!.contains(ip("fd00:ec2::254")))
        #expect(!IPNetwork("fd00:ec2::254/128")!.contains(ip("fd00:ec2::253")))
    }

    @Test func familiesDoNotMixExceptMapped() throws {
        let v4 = try #require(IPNetwork("169.254.0.0/16"))
        #expect(!v4.contains(ip("fe80::1")))
        #expect(!v4.contains(ip("::1")))
        #expect(v4.contains(ip("::ffff:169.254.169.254")))
        #expect(!IPNetwork("::/0")!.contains(ip("10.0.0.1")))
    }
}
