import Foundation
import Testing

/// `preflight keys`, `tunnels` and the key `serve` prints on its first start, through the real binary
/// on a store of their own.
@Suite("preflight keys, tunnels and serve, as a user runs them")
struct CLIStoreTests {
    @Test func keysCreatePrintsALowerCaseUUIDAndTheKeyLast() throws {
        let directory = try CLI.scratchDirectory()
        let store = "sqlite:\(directory.path)/p.sqlite"
        let first = try CLI.run(["keys", "create", "--company", "acme", "--store", store])
        #expect(first.code == 0, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n")
        #expect(lines.last?.hasPrefix("arsk_") == true, "\(first.stdout)")
        #expect(lines.first?.contains("Created company \"acme\"") == true)
        let uuid = try #require(lines.first.flatMap { $0.split(separator: "(").last?.split(separator: ")").first })
        #expect(uuid == uuid.lowercased(), "\(uuid)")
        let second = try CLI.run(["keys", "create", "--company", "acme", "--store", store])
        #expect(second.stdout.contains("exists; adding a key"), "\(second.stdout)")
        #expect(second.stdout.split(separator: "\n").last != lines.last)
    }

    @Test func tunnelsCreateAndList() throws {
        let directory = try CLI.scratchDirectory()
        let options = ["--store", "sqlite:\(directory.path)/p.sqlite", "--master-key-file", "\(directory.path)/k.key"]
        _ = try CLI.run(["keys", "create", "--company", "acme"] + options.prefix(2))
        let created = try CLI.run(
            ["tunnels", "create", "--company", "acme", "--host", "bastion.example.com", "--username", "ubuntu"]
                + options)
        #expect(created.code == 0, "\(created.stderr)")
        #expect(created.stdout.contains("ssh-ed25519 "), "\(created.stdout)")
        let listed = try CLI.run(["tunnels", "list", "--company", "acme"] + options)
        #expect(listed.code == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("bastion.example.com"), "\(listed.stdout)")
        let badHost = try CLI.run(
            ["tunnels", "create", "--company", "acme", "--host", "-bad", "--username", "ubuntu"] + options)
        #expect(badHost.code != 0)
    }

    @Test func serveReadsTheMasterKeyThenPrintsTheBootstrapKeyOnce() throws {
        let directory = try CLI.scratchDirectory()
        let options = [
            "serve", "--port", "0", "--store", "sqlite:\(directory.path)/p.sqlite", "--master-key-file",
            "\(directory.path)/k.key",
        ]
        // A master key file others can read is refused: nothing is printed and no key is issued.
        let unsafe = directory.appendingPathComponent("k.key")
        try Data(repeating: 7, count: 32).base64EncodedString().write(to: unsafe, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: unsafe.path)
        let refused = try CLI.run(options, timeout: .seconds(20))
        #expect(refused.code != 0)
        #expect(!refused.stdout.contains("arsk_"), "a key was printed before the start failed: \(refused.stdout)")
        try FileManager.default.removeItem(at: unsafe)
        // With a usable key (created on the spot) the first start prints the key; stop it once it has.
        let started = try CLI.run(options, timeout: .seconds(5))
        #expect(started.stdout.contains("arsk_"), "\(started.stdout)\(started.stderr)")
    }
}
