import Foundation
import Testing

@testable import PreflightStore

/// Test data for SSH tunnels.
enum TunnelSamples {
    /// A recognisable 32-byte "private key": plain ASCII, so it stands out in a hex or text dump.
    static let plaintextKey = Data("PREFLIGHT-PLAINTEXT-KEY-MATERIAL".utf8)
    /// A second one, for key replacement.
    static let replacementKey = Data("PREFLIGHT-REPLACEMENT-KEY-BYTES!".utf8)
    static let publicKey =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHByZWZsaWdodC10ZXN0LXB1YmxpYy1rZXktMDAwMDAwMDA preflight-test"
    static let replacementPublicKey =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHByZWZsaWdodC10ZXN0LXB1YmxpYy1rZXktMTExMTExMTE preflight-test-2"

    /// The ways a secret could leak into text: raw (as UTF-8 text), lowercase and uppercase hex, base64.
    static func leakForms(of secret: Data) -> [String] {
        let hex = secret.map { String(format: "%02x", $0) }.joined()
        let base64 = secret.base64EncodedString()
        return [String(decoding: secret, as: UTF8.self), hex, hex.uppercased(), base64, String(base64.prefix(40))]
    }

    /// A random fingerprint shaped like `ssh-keygen -l` output.
    static func fingerprint() -> String {
        let digest = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        return "SHA256:" + digest.base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    /// A tunnel for `company` whose private key (`plaintext`) is sealed for its UUID.
    static func record(
        company: UUID, sealer: SecretSealer, uuid: UUID = UUID(), name: String = "bastion",
        host: String = "bastion.example.com",
        port: Int = 22, username: String = "preflight", environment: UUID? = nil, plaintext: Data = plaintextKey,
        fingerprint: String? = nil
    ) throws -> SSHTunnelRecord {
        SSHTunnelRecord(
            uuid: uuid, companyUUID: company, environmentUUID: environment, name: name, host: host, port: port,
            username: username, publicKey: publicKey,
            sealedPrivateKey: try sealer.sealPrivateKey(plaintext, forTunnel: uuid),
            hostKeyFingerprint: fingerprint
        )
    }

    /// Lets the millisecond clock move on, so that "oldest first" is decided by creation time.
    static func tick() async throws {
        try await Task.sleep(for: .milliseconds(3))
    }
}

extension StoreBehaviour {
    /// Company lookup by name and SSH tunnels.
    static let tunnels: [StoreBehaviour] = [
        StoreBehaviour("company(named:) finds the oldest company with exactly that name") { fixture in
            try await withStore(fixture) { store in
                let first = try await store.createCompany(name: "Acme")
                try await TunnelSamples.tick()
                let second = try await store.createCompany(name: "  Acme \n")
                try await TunnelSamples.tick()
                let lower = try await store.createCompany(name: "acme")
                let quoted = try await store.createCompany(name: "Robert'); DROP TABLE companies;--")
                #expect(second.name == "Acme")

                #expect(try await store.company(named: "Acme") == first)
                #expect(try await store.company(named: " \tAcme\n") == first, "the name is trimmed")
                #expect(try await store.company(named: "acme") == lower, "case-sensitive")
                #expect(try await store.company(named: "ACME") == nil)
                #expect(try await store.company(named: "Acm") == nil)
                #expect(try await store.company(named: "Acme%") == nil)
                #expect(try await store.company(named: "%") == nil)
                #expect(try await store.company(named: "") == nil)
                #expect(try await store.company(named: "   ") == nil)
                #expect(try await store.company(named: String(repeating: "x", count: 500)) == nil)
                #expect(try await store.company(named: "Robert'); DROP TABLE companies;--") == quoted)
                #expect(try await store.companyCount() == 4)
            }
        },

        StoreBehaviour("create, read and list tunnels") { fixture in
            try await withStore(fixture) { store in
                let sealer = SecretSealer(MasterKey.generate())
                let company = try await store.createCompany(name: "Acme")
                let environment = UUID()
                var input = try TunnelSamples.record(company: company.uuid, sealer: sealer, environment: environment)
                input.name = "  Bastion (prod) "
                input.host = " bastion.example.com\n"
                input.username = " deploy "
                input.publicKey = TunnelSamples.publicKey + "\n"
                input.createdAt = Date(timeIntervalSince1970: 0)
                input.updatedAt = Date(timeIntervalSince1970: 0)
                let created = try await store.createTunnel(input)

                #expect(created.uuid == input.uuid)
                #expect(created.companyUUID == company.uuid)
                #expect(created.environmentUUID == environment)
                #expect(created.name == "Bastion (prod)")
                #expect(created.host == "bastion.example.com")
                #expect(created.port == 22)
                #expect(created.username == "deploy")
                #expect(created.publicKey == TunnelSamples.publicKey)
                #expect(created.sealedPrivateKey == input.sealedPrivateKey)
                #expect(created.hostKeyFingerprint == nil)
                #expect(abs(created.createdAt.timeIntervalSinceNow) < 60, "the store sets the dates")
                #expect(created.updatedAt == created.createdAt)
                #expect(try sealer.openPrivateKey(of: created) == TunnelSamples.plaintextKey)

                #expect(try await store.tunnel(uuid: created.uuid, companyUUID: company.uuid) == created)
                #expect(try await store.tunnels(for: company.uuid) == [created])

                try await TunnelSamples.tick()
                let pinned = TunnelSamples.fingerprint()
                let second = try await store.createTunnel(
                    try TunnelSamples.record(
                        company: company.uuid, sealer: sealer, name: "Second", host: "10.0.0.7", port: 2222,
                        fingerprint: pinned)
                )
                #expect(second.environmentUUID == nil)
                #expect(second.hostKeyFingerprint == pinned)
                #expect(second.port == 2222)
                #expect(try await store.tunnels(for: company.uuid) == [created, second], "oldest first")
                #expect(try await store.tunnel(uuid: second.uuid, companyUUID: company.uuid) == second)
                #expect(try await store.tunnel(uuid: UUID(), companyUUID: company.uuid) == nil)
                #expect(try await store.tunnels(for: UUID()).isEmpty)
            }
        },

        StoreBehaviour("a tunnel needs an existing company and a free UUID") { fixture in
            try await withStore(fixture) { store in
                let sealer = SecretSealer(MasterKey.generate())
                let orphan = try TunnelSamples.record(company: UUID(), sealer: sealer)
                let missing = await #expect(throws: StoreError.self) { try await store.createTunnel(orphan) }
                #expect(missing?.kind == .companyNotFound)
                #expect(try await rawRows(store, .sshTunnels).isEmpty)

                let owner = try await store.createCompany(name: "Owner")
                let other = try await store.createCompany(name: "Other")
                let created = try await store.createTunnel(
                    try TunnelSamples.record(company: owner.uuid, sealer: sealer))
                for company in [owner.uuid, other.uuid] {
                    let duplicate = try TunnelSamples.record(
                        company: company, sealer: sealer, uuid: created.uuid, name: "Duplicate")
                    let error = await #expect(throws: StoreError.self) { try await store.createTunnel(duplicate) }
                    #expect(error?.kind == .invalidInput)
                }
                #expect(try await store.tunnels(for: owner.uuid) == [created])
                #expect(try await store.tunnels(for: other.uuid).isEmpty)
            }
        },

        StoreBehaviour("obviously invalid tunnel data is refused") { fixture in
            try await withStore(fixture) { store in
                let sealer = SecretSealer(MasterKey.generate())
                let company = try await store.createCompany(name: "Acme")
                let valid = try TunnelSamples.record(company: company.uuid, sealer: sealer)
                let mutations: [(String, @Sendable (inout SSHTunnelRecord) -> Void)] = [
                    ("empty name", { $0.name = "" }),
                    ("blank name", { $0.name = " \t\n" }),
                    ("201-character name", { $0.name = String(repeating: "n", count: 201) }),
                    ("control character in name", { $0.name = "a\u{7}b" }),
                    ("empty host", { $0.host = "" }),
                    ("blank host", { $0.host = "   " }),
                    ("host with a space", { $0.host = "bastion example.com" }),
                    ("256-character host", { $0.host = String(repeating: "h", count: 256) }),
                    ("empty username", { $0.username = "" }),
                    ("username with a newline", { $0.username = "root\nadmin" }),
                    ("201-character username", { $0.username = String(repeating: "u", count: 201) }),
                    ("port 0", { $0.port = 0 }),
                    ("port -22", { $0.port = -22 }),
                    ("port 65536", { $0.port = 65536 }),
                    ("huge port", { $0.port = Int.max }),
                    ("empty public key", { $0.publicKey = "" }),
                    ("one-field public key", { $0.publicKey = "AAAAC3NzaC1lZDI1NTE5" }),
                    (
                        "two-line public key",
                        { $0.publicKey = TunnelSamples.publicKey + "\n" + TunnelSamples.publicKey }
                    ),
                    ("plaintext private key", { $0.sealedPrivateKey = TunnelSamples.plaintextKey }),
                    (
                        "PEM private key",
                        {
                            $0.sealedPrivateKey = Data(
                                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----\n"
                                    .utf8)
                        }
                    ),
                    ("empty private key", { $0.sealedPrivateKey = Data() }),
                    ("placeholder fingerprint", { $0.hostKeyFingerprint = "SHA256:?" }),
                    (
                        "MD5 fingerprint",
                        { $0.hostKeyFingerprint = "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48" }
                    ),
                    ("empty fingerprint", { $0.hostKeyFingerprint = "" }),
                ]
                for (label, mutate) in mutations {
                    var record = valid
                    mutate(&record)
                    let error = await #expect(throws: StoreError.self, "\(label)") {
                        try await store.createTunnel(record)
                    }
                    #expect(error?.kind == .invalidInput, "\(label)")
                    for leak in TunnelSamples.leakForms(of: TunnelSamples.plaintextKey) {
                        #expect(error?.message.contains(leak) == false, "\(label): the message shows the key")
                    }
                }
                #expect(try await rawRows(store, .sshTunnels).isEmpty)

                // Limits are inclusive.
                var longest = valid
                longest.name = String(repeating: "é", count: 200)
                longest.port = 65535
                longest.uuid = UUID()
                longest.sealedPrivateKey = try sealer.sealPrivateKey(
                    TunnelSamples.plaintextKey, forTunnel: longest.uuid)
                #expect(try await store.createTunnel(longest).name.count == 200)
                var lowest = try TunnelSamples.record(company: company.uuid, sealer: sealer, port: 1)
                lowest.hostKeyFingerprint = TunnelSamples.fingerprint() + "="
                #expect(
                    try await store.createTunnel(lowest).hostKeyFingerprint?.hasSuffix("=") == false,
                    "padding is dropped")

                // The same checks guard the other writes, which then change nothing.
                let tunnel = try await store.createTunnel(valid)
                for changes in [
                    SSHTunnelChanges(name: ""), SSHTunnelChanges(host: " "), SSHTunnelChanges(port: 0),
                    SSHTunnelChanges(port: 70000), SSHTunnelChanges(username: ""),
                    SSHTunnelChanges(name: "ok", port: -1),
                ] {
                    let error = await #expect(throws: StoreError.self, "\(changes)") {
                        try await store.updateTunnel(uuid: tunnel.uuid, companyUUID: company.uuid, changes: changes)
                    }
                    #expect(error?.kind == .invalidInput)
                }
                let replaced = await #expect(throws: StoreError.self) {
                    try await store.replaceTunnelKey(
                        uuid: tunnel.uuid, companyUUID: company.uuid, publicKey: TunnelSamples.replacementPublicKey,
                        sealedPrivateKey: TunnelSamples.replacementKey
                    )
                }
                #expect(replaced?.kind == .invalidInput)
                let emptyPublic = await #expect(throws: StoreError.self) {
                    try await store.replaceTunnelKey(
                        uuid: tunnel.uuid, companyUUID: company.uuid, publicKey: " ",
                        sealedPrivateKey: try sealer.sealPrivateKey(
                            TunnelSamples.replacementKey, forTunnel: tunnel.uuid)
                    )
                }
                #expect(emptyPublic?.kind == .invalidInput)
                let badPin = await #expect(throws: StoreError.self) {
                    try await store.pinTunnelHostKey(
                        uuid: tunnel.uuid, companyUUID: company.uuid, fingerprint: "SHA256:?", onlyIfUnset: true)
                }
                #expect(badPin?.kind == .invalidInput)
                #expect(try await store.tunnel(uuid: tunnel.uuid, companyUUID: company.uuid) == tunnel)
            }
        },

        StoreBehaviour("updating a tunnel; a new host or port forgets the pinned host key") { fixture in
            try await withStore(fixture) { store in
                let sealer = SecretSealer(MasterKey.generate())
                let company = try await store.createCompany(name: "Acme")
                let pinned = TunnelSamples.fingerprint()
                let created = try await store.createTunnel(
                    try TunnelSamples.record(company: company.uuid, sealer: sealer, fingerprint: pinned))

                let renamed = try #require(
                    try await store.updateTunnel(
                        uuid: created.uuid, companyUUID: company.uuid,
                        changes: SSHTunnelChanges(name: " Renamed ", username: "ops")
                    ))
                #expect(renamed.name == "Renamed")
                #expect(renamed.username == "ops")
                #expect(renamed.host == created.host)
                #expect(renamed.port == created.port)
                #expect(renamed.hostKeyFingerprint == pinned, "same machine: the pin stays")
                #expect(renamed.createdAt == created.createdAt)
                #expect(renamed.updatedAt > created.updatedAt, "updatedAt moves forward")
                #expect(renamed.sealedPrivateKey == created.sealedPrivateKey)
                #expect(try await store.tunnel(uuid: created.uuid, companyUUID: company.uuid) == renamed)

                let sameHost = try #require(
                    try await store.updateTunnel(
                        uuid: created.uuid, companyUUID: company.uuid,
                        changes: SSHTunnelChanges(host: "BASTION.example.com", port: 22)
                    ))
                #expect(sameHost.hostKeyFingerprint == pinned, "the same host (any case) and port keep the pin")
                #expect(sameHost.host == "BASTION.example.com")
                #expect(sameHost.updatedAt > renamed.updatedAt)

                let moved = try #require(
                    try await store.updateTunnel(
                        uuid: created.uuid, companyUUID: company.uuid,
                        changes: SSHTunnelChanges(host: "bastion2.example.com")
                    ))
                #expect(moved.host == "bastion2.example.com")
                #expect(moved.hostKeyFingerprint == nil, "another host: the pin is forgotten")
                #expect(
                    try await store.tunnel(uuid: created.uuid, companyUUID: company.uuid)?.hostKeyFingerprint == nil)

                let repinned = try #require(
                    try await store.pinTunnelHostKey(
                        uuid: created.uuid, companyUUID: company.uuid, fingerprint: pinned, onlyIfUnset: true
                    ))
                #expect(repinned.hostKeyFingerprint == pinned)
                let newPort = try #require(
                    try await store.updateTunnel(
                        uuid: created.uuid, companyUUID: company.uuid, changes: SSHTunnelChanges(port: 2222)
                    ))
                #expect(newPort.port == 2222)
                #expect(newPort.hostKeyFingerprint == nil, "another port: the pin is forgotten")

                let unchanged = try #require(
                    try await store.updateTunnel(
                        uuid: created.uuid, companyUUID: company.uuid, changes: SSHTunnelChanges()
                    ))
                #expect(unchanged == newPort, "no changes: nothing is written")
                #expect(
                    try await store.updateTunnel(
                        uuid: UUID(), companyUUID: company.uuid, changes: SSHTunnelChanges(name: "x")) == nil)
            }
        },

        StoreBehaviour("pinning a host key: trust on first use never overwrites") { fixture in
            try await withStore(fixture) { store in
                let sealer = SecretSealer(MasterKey.generate())
                let company = try await store.createCompany(name: "Acme")
                let created = try await store.createTunnel(
                    try TunnelSamples.record(company: company.uuid, sealer: sealer))
                let first = TunnelSamples.fingerprint()
                let second = TunnelSamples.fingerprint()

                let pinned = try #require(
                    try await store.pinTunnelHostKey(
                        uuid: created.uuid, companyUUID: company.uuid, fingerprint: first, onlyIfUnset: true))
                #expect(pinned.hostKeyFingerprint == first)
                #expect(pinned.updatedAt > created.updatedAt)

                let refused = try #require(
                    try await store.pinTunnelHostKey(
                        uuid: created.uuid, companyUUID: company.uuid, fingerprint: second, onlyIfUnset: true))
                #expect(refused == pinned, "a key is pinned: nothing changes, and the pinned key is reported")
                let noop = try #require(
                    try await store.pinTunnelHostKey(
                        uuid: created.uuid, companyUUID: company.uuid, fingerprint: nil, onlyIfUnset: true))
                #expect(noop == pinned)

                let accepted = try #require(
                    try await store.pinTunnelHostKey(
                        uuid: created.uuid, companyUUID: company.uuid, fingerprint: second, onlyIfUnset: false))
                #expect(accepted.hostKeyFingerprint == second, "an explicit change overwrites")
                let forgotten = try #require(
                    try await store.pinTunnelHostKey(
                        uuid: created.uuid, companyUUID: company.uuid, fingerprint: nil, onlyIfUnset: false))
                #expect(forgotten.hostKeyFingerprint == nil)
                #expect(try await store.tunnel(uuid: created.uuid, companyUUID: company.uuid) == forgotten)
                #expect(
                    try await store.pinTunnelHostKey(
                        uuid: UUID(), companyUUID: company.uuid, fingerprint: first, onlyIfUnset: true) == nil)
                #expect(
                    try await store.pinTunnelHostKey(
                        uuid: UUID(), companyUUID: company.uuid, fingerprint: first, onlyIfUnset: false) == nil)

                // Many first uses at once: exactly one key wins and every caller is told which.
                let candidates = (0..<12).map { _ in TunnelSamples.fingerprint() }
                let results = try await withThrowingTaskGroup(of: (String, String?).self) { group in
                    for candidate in candidates {
                        group.addTask {
                            let result = try await store.pinTunnelHostKey(
                                uuid: created.uuid, companyUUID: company.uuid, fingerprint: candidate, onlyIfUnset: true
                            )
                            return (candidate, result?.hostKeyFingerprint)
                        }
                    }
                    var results: [(String, String?)] = []
                    for try await result in group { results.append(result) }
                    return results
                }
                let winners = Set(results.compactMap(\.1))
                #expect(winners.count == 1, "\(results)")
                let winner = try #require(winners.first)
                #expect(candidates.contains(winner))
                #expect(results.filter { $0.0 == $0.1 }.count == 1, "exactly one caller pinned its key")
                #expect(
                    try await store.tunnel(uuid: created.uuid, companyUUID: company.uuid)?.hostKeyFingerprint == winner)
            }
        },

        StoreBehaviour("replacing a tunnel's key pair") { fixture in
            try await withStore(fixture) { store in
                let sealer = SecretSealer(MasterKey.generate())
                let company = try await store.createCompany(name: "Acme")
                let pinned = TunnelSamples.fingerprint()
                let created = try await store.createTunnel(
                    try TunnelSamples.record(company: company.uuid, sealer: sealer, fingerprint: pinned))
                let sealed = try sealer.sealPrivateKey(TunnelSamples.replacementKey, forTunnel: created.uuid)

                let replaced = try #require(
                    try await store.replaceTunnelKey(
                        uuid: created.uuid, companyUUID: company.uuid,
                        publicKey: " " + TunnelSamples.replacementPublicKey + "\n", sealedPrivateKey: sealed
                    ))
                #expect(replaced.publicKey == TunnelSamples.replacementPublicKey)
                #expect(replaced.sealedPrivateKey == sealed)
                #expect(try sealer.openPrivateKey(of: replaced) == TunnelSamples.replacementKey)
                #expect(replaced.hostKeyFingerprint == pinned, "the bastion's key is not ours: it stays pinned")
                #expect(replaced.updatedAt > created.updatedAt)
                #expect(replaced.createdAt == created.createdAt)
                #expect(try await store.tunnel(uuid: created.uuid, companyUUID: company.uuid) == replaced)
                #expect(
                    try await store.replaceTunnelKey(
                        uuid: UUID(), companyUUID: company.uuid, publicKey: TunnelSamples.replacementPublicKey,
                        sealedPrivateKey: sealed
                    ) == nil)
            }
        },

        StoreBehaviour("deleting a tunnel") { fixture in
            try await withStore(fixture) { store in
                let sealer = SecretSealer(MasterKey.generate())
                let company = try await store.createCompany(name: "Acme")
                let doomed = try await store.createTunnel(
                    try TunnelSamples.record(company: company.uuid, sealer: sealer, name: "doomed"))
                let kept = try await store.createTunnel(
                    try TunnelSamples.record(company: company.uuid, sealer: sealer, name: "kept"))

                #expect(try await store.deleteTunnel(uuid: doomed.uuid, companyUUID: company.uuid))
                #expect(try await store.tunnel(uuid: doomed.uuid, companyUUID: company.uuid) == nil)
                #expect(try await store.tunnels(for: company.uuid) == [kept])
                #expect(try await !store.deleteTunnel(uuid: doomed.uuid, companyUUID: company.uuid), "deleted twice")
                #expect(try await !store.deleteTunnel(uuid: UUID(), companyUUID: company.uuid))
                #expect(
                    try await store.updateTunnel(
                        uuid: doomed.uuid, companyUUID: company.uuid, changes: SSHTunnelChanges(name: "back")) == nil)
                #expect(try await rawRows(store, .sshTunnels).count == 1)
            }
        },

        StoreBehaviour("another company's tunnel behaves exactly like a missing one") { fixture in
            try await withStore(fixture) { store in
                let sealer = SecretSealer(MasterKey.generate())
                let owner = try await store.createCompany(name: "Owner")
                let intruder = try await store.createCompany(name: "Intruder")
                let original = try await store.createTunnel(
                    try TunnelSamples.record(company: owner.uuid, sealer: sealer))
                let sealed = try sealer.sealPrivateKey(TunnelSamples.replacementKey, forTunnel: original.uuid)

                // The intruder's view of the owner's tunnel, then of a tunnel that does not exist at all:
                // the two must be indistinguishable.
                func show(_ record: SSHTunnelRecord?) -> String { record.map(\.description) ?? "nil" }
                func probe(_ uuid: UUID, as company: UUID) async throws -> [String] {
                    var seen: [String] = []
                    seen.append(show(try await store.tunnel(uuid: uuid, companyUUID: company)))
                    seen.append("\(try await store.tunnels(for: company).filter { $0.uuid == uuid }.count)")
                    seen.append(
                        show(
                            try await store.updateTunnel(
                                uuid: uuid, companyUUID: company,
                                changes: SSHTunnelChanges(name: "mine", host: "evil.example.com", port: 2)
                            )))
                    seen.append(
                        show(
                            try await store.updateTunnel(uuid: uuid, companyUUID: company, changes: SSHTunnelChanges()))
                    )
                    seen.append(
                        show(
                            try await store.replaceTunnelKey(
                                uuid: uuid, companyUUID: company, publicKey: TunnelSamples.replacementPublicKey,
                                sealedPrivateKey: sealed
                            )))
                    seen.append(
                        show(
                            try await store.pinTunnelHostKey(
                                uuid: uuid, companyUUID: company, fingerprint: TunnelSamples.fingerprint(),
                                onlyIfUnset: true
                            )))
                    seen.append(
                        show(
                            try await store.pinTunnelHostKey(
                                uuid: uuid, companyUUID: company, fingerprint: TunnelSamples.fingerprint(),
                                onlyIfUnset: false
                            )))
                    seen.append(
                        show(
                            try await store.pinTunnelHostKey(
                                uuid: uuid, companyUUID: company, fingerprint: nil, onlyIfUnset: true)))
                    seen.append(
                        show(
                            try await store.pinTunnelHostKey(
                                uuid: uuid, companyUUID: company, fingerprint: nil, onlyIfUnset: false)))
                    seen.append("\(try await store.deleteTunnel(uuid: uuid, companyUUID: company))")
                    return seen
                }
                let missing = try await probe(UUID(), as: intruder.uuid)
                #expect(missing == ["nil", "0", "nil", "nil", "nil", "nil", "nil", "nil", "nil", "false"])
                #expect(try await probe(original.uuid, as: intruder.uuid) == missing)
                #expect(try await probe(original.uuid, as: UUID()) == missing, "an unknown company")
                #expect(try await store.tunnels(for: intruder.uuid).isEmpty)

                // ... and the owner's tunnel is untouched.
                #expect(try await store.tunnel(uuid: original.uuid, companyUUID: owner.uuid) == original)
                #expect(try await store.tunnels(for: owner.uuid) == [original])
            }
        },

        StoreBehaviour("the private key is stored only sealed") { fixture in
            try await withStore(fixture) { store in
                let sealer = SecretSealer(MasterKey.generate())
                let company = try await store.createCompany(name: "Acme")
                let first = try await store.createTunnel(
                    try TunnelSamples.record(company: company.uuid, sealer: sealer, name: "first"))
                let second = try await store.createTunnel(
                    try TunnelSamples.record(
                        company: company.uuid, sealer: sealer, name: "second", plaintext: TunnelSamples.replacementKey
                    ))
                let resealed = try sealer.sealPrivateKey(TunnelSamples.replacementKey, forTunnel: first.uuid)
                let replaced = try #require(
                    try await store.replaceTunnelKey(
                        uuid: first.uuid, companyUUID: company.uuid, publicKey: TunnelSamples.replacementPublicKey,
                        sealedPrivateKey: resealed
                    ))

                let tunnelRows = try await rawRows(store, .sshTunnels)
                #expect(tunnelRows.count == 2)
                // The rows do show the ciphertext (so its absence below means something) ...
                for sealed in [replaced.sealedPrivateKey, second.sealedPrivateKey] {
                    let hex = sealed.map { String(format: "%02x", $0) }.joined()
                    #expect(tunnelRows.contains { $0.contains(hex) }, "the sealed key should be visible in the raw row")
                }
                // ... and no table holds either plaintext key, as text, hex or base64.
                for table in Migrations.Table.allCases {
                    for row in try await rawRows(store, table) {
                        for secret in [TunnelSamples.plaintextKey, TunnelSamples.replacementKey] {
                            for leak in TunnelSamples.leakForms(of: secret) {
                                #expect(!row.contains(leak), "table \(table.rawValue) holds a private key")
                            }
                        }
                    }
                }

                // A sealed key copied to another tunnel's row does not open there.
                let copied = try #require(
                    try await store.replaceTunnelKey(
                        uuid: second.uuid, companyUUID: company.uuid, publicKey: TunnelSamples.publicKey,
                        sealedPrivateKey: replaced.sealedPrivateKey
                    ))
                let error = #expect(throws: StoreError.self) { try sealer.openPrivateKey(of: copied) }
                #expect(error?.kind == .corruptData)
                #expect(try sealer.openPrivateKey(of: replaced) == TunnelSamples.replacementKey)
            }
        },
    ]

    /// The schema's history.
    static let schema: [StoreBehaviour] = [
        StoreBehaviour("a version 1 database is upgraded in place") { fixture in
            let versionOne = Array(Migrations.all.prefix { $0.version <= 1 })
            #expect(versionOne.map(\.version) == [1])
            let old = try await fixture.open(migrations: versionOne)
            let (company, issued): (Company, IssuedKey)
            do {
                #expect(try await rawRows(old, .schemaMigrations).count == 1)
                let tunnelsTable = await #expect(throws: StoreError.self) { try await rawRows(old, .sshTunnels) }
                #expect(tunnelsTable?.kind == .databaseError, "no ssh_tunnels table before migration 2")
                #expect(try await !indexNames(old).contains("companies_name"))
                company = try await old.createCompany(name: "Before the upgrade")
                issued = try await old.issueKey(for: company.uuid)
                try await old.close()
            } catch {
                try? await old.close()
                throw error
            }

            try await withStore(fixture) { store in
                let ledger = try await rawRows(store, .schemaMigrations)
                #expect(ledger.count == Migrations.all.count, "\(ledger)")
                #expect(ledger.contains { $0.contains("ssh tunnels") })
                let indexes = try await indexNames(store)
                for index in Migrations.indexes {
                    #expect(indexes.contains(index), "missing index \(index) in \(indexes)")
                }
                #expect(try await store.company(uuid: company.uuid) == company)
                #expect(try await store.company(named: "Before the upgrade") == company)
                #expect(try await store.keys(for: company.uuid) == [issued.record])
                #expect(try await store.authenticate(key: issued.secret) == company)
                let sealer = SecretSealer(MasterKey.generate())
                let tunnel = try await store.createTunnel(
                    try TunnelSamples.record(company: company.uuid, sealer: sealer))
                #expect(try await store.tunnels(for: company.uuid) == [tunnel])
            }
            // Reopening finds nothing left to do.
            try await withStore(fixture) { store async throws in
                #expect(try await rawRows(store, .schemaMigrations).count == Migrations.all.count)
                #expect(try await store.tunnels(for: company.uuid).count == 1)
            }
        },

        StoreBehaviour("a new database has every table and index") { fixture in
            try await withStore(fixture) { store in
                for table in Migrations.Table.allCases {
                    _ = try await rawRows(store, table)
                }
                let indexes = try await indexNames(store)
                for index in Migrations.indexes {
                    #expect(indexes.contains(index), "missing index \(index) in \(indexes)")
                }
            }
        },
    ]
}
