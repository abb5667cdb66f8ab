import ArgumentParser
import Foundation
import Logging
import PreflightLogging
import PreflightServices

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
            PreflightLogging.bootstrap(level: .warning)
            let name = company.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { throw ValidationError("--company must not be empty") }
            let store = try await storeOptions.open(logger: Logger(label: "preflight"))
            let issued: KeyService.IssuedKey
            do {
                issued = try await KeyService(store: store).issueKey(companyName: name)
            } catch {
                try? await store.close()
                throw error
            }
            try await store.close()
            let uuid = issued.company.uuid.uuidString.lowercased()
            print(
                issued.companyIsNew
                    ? "Created company \"\(name)\" (\(uuid))." : "Company \"\(name)\" (\(uuid)) exists; adding a key.")
            print("New API key (stored only as a hash; copy it now):")
            print(issued.secret)
        }
    }
}
