import ArgumentParser
import Foundation
import Logging
import PreflightStore

/// `preflight keys`: API keys.
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage API keys.", subcommands: [Create.self])

    /// `preflight keys create --company NAME`: prints the new key as the last line.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key for a company (created if new); the key is the last line printed.")

        @Option(help: "The company's name.")
        var company: String

        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .warning
                return handler
            }
            let name = company.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw ValidationError("--company must not be empty") }
            let store = try await storeOptions.open(logger: Logger(label: "preflight"))
            let owner: Company
            if let existing = try await store.company(named: name) {
                owner = existing
                print("Company \"\(name)\" (\(owner.uuid)) exists; adding a key.")
            } else {
                owner = try await store.createCompany(name: name)
                print("Created company \"\(name)\" (\(owner.uuid)).")
            }
            let key = try await store.issueKey(for: owner.uuid)
            try await store.close()
            print("New API key (stored only as a hash; copy it now):")
            print(key.secret)
        }
    }
}
