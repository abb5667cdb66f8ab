import PreflightNetwork
import Testing

/// Parsing /etc/resolv.conf and /etc/hosts, and the names a lookup asks for. No I/O.
@Suite struct ResolverConfigurationTests {
    @Test func resolvConfParsing() {
        let configuration = DNSResolverConfiguration.parse(
            resolvConf: """
                # comment
                search example.com
                nameserver 10.255.255.53
                nameserver fe80::1%eth0 ; trailing comment
                nameserver not-an-ip
                nameserver 10.255.255.53
                options ndots:2 timeout:3 attempts:4
                """)
        #expect(configuration.nameservers == ["10.255.255.53", "fe80::1"])
        #expect(configuration.timeout == .seconds(3))
        #expect(configuration.attempts == 4)
        #expect(configuration.ndots == 2)
        #expect(configuration.searchDomains == ["example.com"])
    }

    @Test func missingOrEmptyResolvConfHasTheDefaults() {
        let empty = DNSResolverConfiguration.parse(resolvConf: "")
        #expect(empty.nameservers == ["127.0.0.1"])
        #expect(empty.timeout == .seconds(5))
        #expect(empty.attempts == 2)
        #expect(empty.ndots == 1)
        #expect(empty.searchDomains.isEmpty)
        #expect(DNSResolverConfiguration.system(path: "/nonexistent/resolv.conf") == empty)
    }

    @Test func theLastSearchOrDomainLineWinsAndNumbersAreClamped() {
        let configuration = DNSResolverConfiguration.parse(
            resolvConf: """
                search a.test b.test
                domain Corp.Test.
                options ndots:99 timeout:0 attempts:50 rotate
                """)
        #expect(configuration.searchDomains == ["corp.test"])
        #expect(configuration.ndots == 15)
        #expect(configuration.timeout == .seconds(1))
        #expect(configuration.attempts == 5)
    }

    @Test func candidatesFollowNdots() {
        let configuration = DNSResolverConfiguration(
            nameservers: ["127.0.0.1"], searchDomains: ["corp.test", "lab.test"], ndots: 1)
        #expect(configuration.candidates(for: "db") == ["db.corp.test", "db.lab.test", "db"])
        #expect(
            configuration.candidates(for: "db.example.com") == [
                "db.example.com", "db.example.com.corp.test", "db.example.com.lab.test",
            ])
        #expect(configuration.candidates(for: "db.example.com.") == ["db.example.com"])
        var deep = configuration
        deep.ndots = 3
        #expect(deep.candidates(for: "db.example.com").first == "db.example.com.corp.test")
    }

    @Test func hostsFileParsing() {
        let hosts = HostsFile.parse(
            """
            # The loopback
            127.0.0.1\tlocalhost localhost.localdomain   # trailing comment
            ::1 localhost ip6-localhost
            10.0.0.5 DB.Internal.Example db   db-alias
            10.0.0.6 db.internal.example
            10.0.0.5 db
            not-an-address somename
            fe80::1%eth0 scoped
            192.168.1.1
            #10.9.9.9 commented
            """)
        #expect(hosts.lookup("localhost") == ["127.0.0.1", "::1"])
        #expect(hosts.lookup("LOCALHOST.") == ["127.0.0.1", "::1"])
        #expect(hosts.lookup("ip6-localhost") == ["::1"])
        #expect(hosts.lookup("db.internal.example") == ["10.0.0.5", "10.0.0.6"])
        #expect(hosts.lookup("db") == ["10.0.0.5"])
        #expect(hosts.lookup("db-alias") == ["10.0.0.5"])
        #expect(hosts.lookup("somename").isEmpty)
        #expect(hosts.lookup("scoped").isEmpty)
        #expect(hosts.lookup("commented").isEmpty)
        #expect(hosts.lookup("192.168.1.1").isEmpty)
        #expect(HostsFile.read(path: "/nonexistent/hosts") == HostsFile())
    }
}
