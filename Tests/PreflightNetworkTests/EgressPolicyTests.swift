import PreflightNetwork
import Testing

@Suite("EgressPolicy")
struct EgressPolicyTests {
    private func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test(
        "denied by default",
        arguments: [
            "169.254.169.254", "169.254.0.1", "fe80::1", "fd00:ec2::254", "0.0.0.0", "0.1.2.3", "::",
            "::ffff:169.254.169.254",
        ])
    func deniedByDefault(_ address: String) throws {
        let reason = try #require(EgressPolicy().denial(for: ip(address)))
        #expect(reason.contains("never dialled"), "\(reason)")
    }

    @Test func mappedMetadataAddressIsNamedUnmapped() throws {
        let reason = try #require(EgressPolicy().denial(for: ip("::ffff:169.254.169.254")))
        #expect(reason.hasPrefix("169.254.169.254 is in 169.254.0.0/16"), "\(reason)")
    }

    @Test(
        "allowed by default",
        arguments: [
            "127.0.0.1", "::1", "10.0.0.5", "192.168.1.1", "8.8.8.8", "fd00::2", "fd00:ec2::253", "2001:db8::1",
            "::ffff:10.0.0.1",
        ])
    func allowedByDefault(_ address: String) {
        #expect(EgressPolicy().denial(for: ip(address)) == nil)
    }

    @Test func defaultsCanBeTurnedOff() {
        let policy = EgressPolicy(includeDefaultDenials: false)
        #expect(policy.denial(for: ip("169.254.169.254")) == nil)
        #expect(policy.denial(for: ip("fe80::1")) == nil)
    }

    @Test func allowList() throws {
        let policy = EgressPolicy(allow: [IPNetwork("10.0.0.0/8")!, IPNetwork("fd00::/8")!])
        #expect(policy.denial(for: ip("10.1.2.3")) == nil)
        #expect(policy.denial(for: ip("fd12::1")) == nil)
        let reason = try #require(policy.denial(for: ip("192.168.1.1")))
        #expect(reason == "192.168.1.1 is outside the networks this service may reach (10.0.0.0/8, fd00::/8)")
        // The defaults still apply inside an allow list.
        let metadata = EgressPolicy(allow: [IPNetwork("169.254.0.0/16")!])
        #expect(metadata.denial(for: ip("169.254.169.254")) != nil)
    }

    @Test func denyList() throws {
        let policy = EgressPolicy(
            allow: [IPNetwork("10.0.0.0/8")!], deny: [IPNetwork("10.1.0.0/16")!, IPNetwork("127.0.0.0/8")!])
        let reason = try #require(policy.denial(for: ip("10.1.2.3")))
        #expect(reason == "10.1.2.3 is in 10.1.0.0/16, which this service's egress policy denies")
        #expect(policy.denial(for: ip("10.2.0.1")) == nil)
        #expect(policy.denial(for: ip("127.0.0.1"))?.contains("127.0.0.0/8") == true)
        #expect(policy.denial(for: ip("::ffff:127.0.0.1"))?.contains("127.0.0.0/8") == true)
    }

    @Test func parse() throws {
        let policy = try EgressPolicy.parse(allow: "10.0.0.0/8, 192.168.0.0/16,", deny: "10.9.0.0/16")
        #expect(policy.allow == [IPNetwork("10.0.0.0/8")!, IPNetwork("192.168.0.0/16")!])
        #expect(policy.deny == [IPNetwork("10.9.0.0/16")!])
        #expect(policy.includeDefaultDenials)
        let empty = try EgressPolicy.parse(allow: nil, deny: "", includeDefaultDenials: false)
        #expect(empty == EgressPolicy(includeDefaultDenials: false))
    }

    @Test func parseErrorsNameTheEntry() {
        do {
            _ = try EgressPolicy.parse(allow: "10.0.0.0/8,not-a-cidr", deny: nil)
            Issue.record("expected an error")
        } catch let error as EgressPolicyError {
            #expect(error.entry == "not-a-cidr")
            #expect(error.description == "\"not-a-cidr\" is not a CIDR block (e.g. 10.0.0.0/8 or fd00::/8)")
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(throws: EgressPolicyError.self) { try EgressPolicy.parse(allow: nil, deny: "10.0.0.0/40") }
    }
}
