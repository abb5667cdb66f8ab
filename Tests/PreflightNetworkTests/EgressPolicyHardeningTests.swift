import PreflightNetwork
import Testing

/// The service's egress decisions for addresses a tenant must not reach. Decided here on the policy
/// itself, without dialling any of these addresses.
@Suite("EgressPolicy: the service's own host, metadata in every form, CIDR rules that mean what they say")
struct EgressPolicyHardeningTests {
    private func ip(_ text: String) -> IPAddress { IPAddress(text)! }
    private let service = EgressPolicy(allowLoopback: false, localAddresses: [IPAddress("10.1.2.3")!])

    @Test(
        "the service refuses its own host",
        arguments: [
            "127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", "10.1.2.3",
        ])
    func serviceRefusesItsOwnHost(_ address: String) throws {
        let reason = try #require(service.denial(for: ip(address)), "\(address) was allowed")
        #expect(reason.contains("own host"), "\(reason)")
        #expect(EgressPolicy().denial(for: ip(address)) == nil, "the CLI's policy refused \(address)")
    }

    @Test(
        "private networks stay reachable: testing private databases is the point",
        arguments: ["10.0.0.5", "192.168.1.1", "172.16.4.4", "fd00::2"])
    func privateNetworksStayReachable(_ address: String) {
        #expect(service.denial(for: ip(address)) == nil)
    }

    @Test(
        "metadata and platform addresses, in every form",
        arguments: [
            "169.254.169.254", "100.100.100.200", "168.63.129.16", "fd00:ec2::254", "fd00:ec2::23",
            "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a9fe:a9fe", "2002:a9fe:a9fe::1",
            "::169.254.169.254", "64:ff9b::6464:64c8", "2002:a83f:8110::",
        ])
    func metadataInEveryForm(_ address: String) throws {
        for policy in [EgressPolicy(), service] {
            let reason = try #require(policy.denial(for: ip(address)), "\(address) was allowed")
            #expect(reason.contains("never dialled"), "\(reason)")
        }
    }

    @Test func aMappedRuleMeansItsIPv4Block() throws {
        let rule = try #require(IPNetwork("::ffff:127.0.0.0/104"))
        #expect(rule.description == "127.0.0.0/8")
        let policy = try EgressPolicy.parse(allow: nil, deny: "::ffff:127.0.0.0/104")
        #expect(policy.denial(for: ip("127.0.0.5")) != nil)
        #expect(policy.denial(for: ip("::ffff:127.0.0.5")) != nil)
        #expect(policy.denial(for: ip("128.0.0.1")) == nil)
    }

    @Test("rules that could never match are refused", arguments: ["::ffff:0:0/95", "::ffff:10.0.0.0/64"])
    func impossibleRulesAreRefused(_ rule: String) {
        #expect(IPNetwork(rule) == nil)
        #expect(throws: EgressPolicyError.self) { try EgressPolicy.parse(allow: nil, deny: rule) }
    }

    @Test func thisHostsAddressesAreListed() {
        let addresses = EgressPolicy.hostAddresses()
        #expect(addresses.contains(ip("127.0.0.1")), "\(addresses)")
    }
}
