import ArgumentParser
import Foundation
import Logging
import PreflightLogging
import PreflightServices
import PreflightStore

/// `preflight tunnels`: the company's SSH tunnels, in the local store (the same rows the API serves).
struct Tunnels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage SSH tunnels (bastions the service connects through).",
        subcommands: [Create.self, List.self, Show.self, Delete.self, RotateKey.self, TrustHostKey.self])

    /// Where the tunnels live and whose they are.
    struct Scope: ParsableArguments {
        @Option(help: "The company that owns the tunnels.")
        var company: String

        @OptionGroup var storeOptions: StoreOptions

        /// Opens the store and finds the company; the caller closes the store.
        func open() async throws -> (TunnelService, Company) {
            PreflightLogging.bootstrap(level: .warning)
            let logger = Logger(label: "preflight")
            let sealer = try storeOptions.sealer(logger: logger)
            let store = try await storeOptions.open(logger: logger)
            guard let owner = try await store.company(named: company.trimmingCharacters(in: .whitespaces)) else {
                try? await store.close()
                throw ValidationError(
                    "no company named \"\(company)\" (create one with `preflight keys create --company NAME`)")
            }
            return (TunnelService(store: store, sealer: sealer), owner)
        }
    }

    static func show(_ tunnel: SSHTunnelRecord) {
        print(
            """
            uuid:      \(tunnel.uuid.uuidString.lowercased())
            name:      \(tunnel.name)
            bastion:   \(tunnel.username)@\(tunnel.host):\(tunnel.port)
            host key:  \(tunnel.hostKeyFingerprint ?? "not pinned yet (pinned on the first successful connection)")
            public key (append to ~\(tunnel.username)/.ssh/authorized_keys on \(tunnel.host)):
            \(tunnel.publicKey)
            """)
    }

    static func uuid(_ text: String) throws -> UUID {
        guard let uuid = UUID(uuidString: text) else { throw ValidationError("\(text) is not a UUID") }
        return uuid
    }

    static func run<T>(_ scope: Scope, _ body: (TunnelService, Company) async throws -> T) async throws -> T {
        let (service, company) = try await scope.open()
        do {
            let result = try await body(service, company)
            try await service.store.close()
            return result
        } catch let error as ServiceRequestError {
            try? await service.store.close()
            throw ValidationError(error.message)
        } catch {
            try? await service.store.close()
            throw error
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a tunnel and its key pair; prints the public key to install.")
        @OptionGroup var scope: Scope
        @Option(help: "The bastion's host name or address.") var host: String
        @Option(help: "The bastion's SSH port (22-65535).") var port = 22
        @Option(help: "The login user on the bastion.") var username: String
        @Option(help: "A name for the tunnel (default: the host).") var name: String?

        func run() async throws {
            let tunnel = try await Tunnels.run(scope) { service, company in
                try await service.create(company: company.uuid, name: name, host: host, port: port, username: username)
            }
            Tunnels.show(tunnel)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the company's tunnels.")
        @OptionGroup var scope: Scope

        func run() async throws {
            let tunnels = try await Tunnels.run(scope) { service, company in
                try await service.list(company: company.uuid)
            }
            if tunnels.isEmpty { print("no tunnels") }
            for tunnel in tunnels {
                print(
                    "\(tunnel.uuid.uuidString.lowercased())  \(tunnel.name)  \(tunnel.username)@\(tunnel.host):\(tunnel.port)  \(tunnel.hostKeyFingerprint ?? "host key not pinned")"
                )
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a tunnel and its public key.")
        @OptionGroup var scope: Scope
        @Argument(help: "The tunnel's UUID.") var uuid: String

        func run() async throws {
            let id = try Tunnels.uuid(uuid)
            guard
                let tunnel = try await Tunnels.run(
                    scope, { service, company in try await service.get(id, company: company.uuid) })
            else {
                throw ValidationError("no tunnel \(uuid) in company \"\(scope.company)\"")
            }
            Tunnels.show(tunnel)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a tunnel (its private key is gone for good).")
        @OptionGroup var scope: Scope
        @Argument(help: "The tunnel's UUID.") var uuid: String

        func run() async throws {
            let id = try Tunnels.uuid(uuid)
            guard
                try await Tunnels.run(
                    scope, { service, company in try await service.delete(id, company: company.uuid) })
            else {
                throw ValidationError("no tunnel \(uuid) in company \"\(scope.company)\"")
            }
            print("deleted \(uuid)")
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new key pair; install the new public key on the bastion.")
        @OptionGroup var scope: Scope
        @Argument(help: "The tunnel's UUID.") var uuid: String

        func run() async throws {
            let id = try Tunnels.uuid(uuid)
            guard
                let tunnel = try await Tunnels.run(
                    scope, { service, company in try await service.rotateKey(id, company: company.uuid) })
            else {
                throw ValidationError("no tunnel \(uuid) in company \"\(scope.company)\"")
            }
            Tunnels.show(tunnel)
        }
    }

    struct TrustHostKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pin the bastion's host key, or clear the pin so the next connection pins it.")
        @OptionGroup var scope: Scope
        @Argument(help: "The tunnel's UUID.") var uuid: String
        @Option(
            help:
                "The fingerprint to pin (SHA256:..., from `ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub` on the bastion)."
        )
        var fingerprint: String?

        func run() async throws {
            let id = try Tunnels.uuid(uuid)
            guard
                let tunnel = try await Tunnels.run(
                    scope,
                    { service, company in
                        try await service.trustHostKey(id, company: company.uuid, fingerprint: fingerprint)
                    })
            else {
                throw ValidationError("no tunnel \(uuid) in company \"\(scope.company)\"")
            }
            Tunnels.show(tunnel)
        }
    }
}
