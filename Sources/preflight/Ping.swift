import ArgumentParser
import Foundation
import Logging
import PreflightCore
import PreflightEngine
import PreflightLogging
import PreflightProbes
import PreflightSSH
import PreflightServices

/// `preflight ping`: one ping from a terminal, with the same JSON as the API or with flags.
struct Ping: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Test a connector configuration.",
        discussion: """
            Exit codes (as pg_isready): 0 it works; 1 the server was reached but rejected us or is not ready; \
            2 the server could not be reached; 3 the input is invalid or the type cannot be tested by this build.
            Examples:
              preflight ping --type postgresql --set host=db.internal --set user=artie --password-stdin --database app
              preflight ping --payload connector.json --json
            """)

    @Option(help: "A JSON file with the same body as POST /connectors/ping ('-' reads standard input).")
    var payload: String?

    @Option(help: "The connector type (postgresql, mysql, ...), when not using --payload.")
    var type: String?

    @Option(
        name: .customLong("set"), help: "A sharedConfig key=value (repeatable), e.g. --set host=db --set port=5432.")
    var settings: [String] = []

    @Option(help: "The database (defaultDatabase).")
    var database: String?

    @Option(
        help:
            "connectionRole: 'source' makes failed CDC readiness checks fail the ping; 'destination' checks the rights to write instead (permission)."
    )
    var role: String?

    @Flag(help: "Read the password from standard input (kept out of the shell history and process list).")
    var passwordStdin = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var engineOptions: EngineOptions

    @OptionGroup var sshOptions: SSHOptions

    @Option(
        help:
            "Go through this saved SSH tunnel (needs --company; --store and --master-key-file name the service's store and key, as for serve)."
    )
    var tunnel: String?

    @Option(help: "The company owning --tunnel.")
    var company: String?

    @OptionGroup(visibility: .hidden) var storeOptions: StoreOptions

    @Option(
        help: "Run the ping on this data plane of the service's (with --service): inside that network, on its agents.")
    var plane: String?

    @Option(help: "Send the ping to this Preflight service (PREFLIGHT_SERVICE) instead of running it here.")
    var service: String?

    @Option(name: .customLong("api-key"), help: "The company's API key for --service (PREFLIGHT_API_KEY).")
    var apiKey: String?

    func run() async throws {
        PreflightLogging.bootstrap(level: .error)
        var payload: ConnectorPayload
        var opener: SSHTunnelOpener?
        do {
            opener = try sshOptions.opener()
            payload = try buildPayload()
        } catch let invalid as InvalidConfig {
            throw invalidInput(invalid.message)
        }
        if let plane { payload.dataPlaneName = plane }
        if service != nil || ProcessInfo.processInfo.environment["PREFLIGHT_SERVICE"] != nil && plane != nil {
            let report = try await pingRemotely(payload)
            if json {
                print(String(decoding: try ReportFormatter.json(report), as: UTF8.self))
            } else {
                print(ReportFormatter.human(report), terminator: "")
            }
            throw ExitCode(ReportFormatter.exitCode(for: report))
        }
        if let plane, plane != "local" {
            throw invalidInput(
                "--plane \(plane) runs on a service's agents: give the service with --service URL --api-key KEY")
        }
        let engine = PingEngine(
            configuration: try engineOptions.engineConfiguration(), factories: ProbeRegistry.builtIn)
        let live = json ? nil : LiveSteps()
        var events: (@Sendable (PingEvent) -> Void)?
        if let live { events = { event in live.handle(event) } }
        let report: PingReport
        do {
            defer { live?.finish() }
            if let tunnel {
                guard opener == nil else { throw InvalidConfig("use --tunnel or --ssh-host, not both") }
                guard let uuid = UUID(uuidString: tunnel), let company else {
                    throw InvalidConfig("--tunnel takes a UUID and needs --company")
                }
                payload.sshTunnelUUID = uuid
                report = try await pingThroughSavedTunnel(payload, engine: engine, company: company, events: events)
            } else {
                report = try await PingService(engine: engine, tunnels: nil).ping(
                    payload, company: nil, tunnel: opener, events: events)
            }
        } catch let invalid as InvalidConfig {
            throw invalidInput(invalid.message)
        } catch let error as PingServiceError {
            switch error {
            case .invalid(let invalid):
                throw invalidInput(invalid.message)
            case .overloaded, .companyOverloaded:
                printError("too many pings in flight")
                throw ExitCode(2)
            case .tunnelKeyUnreadable(let uuid):
                printError(
                    "the private key of tunnel \(uuid.uuidString.lowercased()) cannot be decrypted with this master key; rotate the tunnel's key"
                )
                throw ExitCode(1)
            }
        }
        if json {
            print(String(decoding: try ReportFormatter.json(report), as: UTF8.self))
        } else {
            print(ReportFormatter.human(report, stepsShown: live?.printedSteps == true), terminator: "")
        }
        throw ExitCode(ReportFormatter.exitCode(for: report))
    }

    /// Sends the payload to a remote service (`POST /connectors/ping?verbose=true`) and returns its report.
    private func pingRemotely(_ payload: ConnectorPayload) async throws -> PingReport {
        do {
            let connection = try ServiceConnection.resolve(service: service, apiKey: apiKey, allowInsecure: false)
            let body = try JSONEncoder().encode(payload.jsonValue)
            let answer = try await connection.send(
                "POST", "/connectors/ping?verbose=true", json: body, timeout: engineOptions.timeoutSeconds + 30)
            switch answer.status {
            case 200:
                struct Answer: Decodable { var report: PingReport }
                return try JSONDecoder().decode(Answer.self, from: answer.body).report
            case 400:
                throw invalidInput(answer.errorMessage)
            default:
                throw RemoteError("the service answered \(answer.status): \(answer.errorMessage)")
            }
        } catch let error as RemoteError {
            printError(error.description)
            throw ExitCode(1)
        }
    }

    /// Pings through a saved tunnel of `company`, with the store and master key the service uses (first
    /// use pins the host key in the store, as the API does).
    private func pingThroughSavedTunnel(
        _ payload: ConnectorPayload, engine: PingEngine, company: String, events: (@Sendable (PingEvent) -> Void)?
    ) async throws -> PingReport {
        let logger = Logger(label: "preflight")
        let store = try await storeOptions.open(logger: logger)
        let result: Result<PingReport, any Error>
        do {
            guard let owner = try await store.company(named: company) else {
                throw InvalidConfig("no company \"\(company)\" in this store")
            }
            let tunnels = TunnelService(store: store, sealer: try storeOptions.sealer(logger: logger))
            result = .success(
                try await PingService(engine: engine, tunnels: tunnels).ping(
                    payload, company: owner.uuid, events: events))
        } catch {
            result = .failure(error)
        }
        try? await store.close()
        return try result.get()
    }

    /// Says what is wrong with the input (as `{"error": ...}` on standard output with `--json`, in the
    /// words of the flags when the payload came from flags) and exits 3.
    private func invalidInput(_ message: String) -> ExitCode {
        let text = payload == nil ? Self.inFlagWords(message) : message
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(["error": text]) { print(String(decoding: data, as: UTF8.self)) }
        } else {
            printError("invalid input: \(text)")
        }
        return ExitCode(3)
    }

    /// A payload message in the words a terminal user typed: `sharedConfig.host` is `--set host=...`,
    /// `defaultDatabase` is `--database`, `connectionRole` is `--role`.
    static func inFlagWords(_ message: String) -> String {
        var text = message
        if let range = text.range(
            of: #"sharedConfig\.([A-Za-z0-9_]+) is required( for [a-z]+)?"#, options: .regularExpression)
        {
            let key = text[range].dropFirst("sharedConfig.".count).prefix { $0 != " " }
            text.replaceSubrange(range, with: "--set \(key)=... is required")
        }
        text = text.replacingOccurrences(
            of: #"sharedConfig\.([A-Za-z0-9_]+)"#, with: "--set $1", options: .regularExpression)
        text = text.replacingOccurrences(of: "defaultDatabase", with: "--database")
        text = text.replacingOccurrences(of: "connectionRole", with: "--role")
        return text
    }

    private func buildPayload() throws -> ConnectorPayload {
        if let role, !["source", "destination"].contains(role.lowercased()) {
            throw InvalidConfig("--role must be source or destination, not \"\(role.prefix(40))\"")
        }
        if payload == "-" && passwordStdin {
            throw InvalidConfig(
                "--payload - and --password-stdin both read standard input; put the password in the payload file, or the payload in a file"
            )
        }
        if let path = payload {
            guard type == nil, settings.isEmpty else {
                throw InvalidConfig("use either --payload or --type/--set, not both")
            }
            let data: Data
            if path == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: path) else {
                    throw InvalidConfig("cannot read the payload file \(path)")
                }
                data = contents
            }
            var decoded = try ConnectorPayload.decode(json: data)
            if let database { decoded.defaultDatabase = database }
            if let role { decoded.connectionRole = role }
            return decoded
        }
        guard let type else {
            throw InvalidConfig(
                "give --type (or --payload); supported types: \(ConnectorType.allSlugs.joined(separator: ", "))")
        }
        var fields: [String: JSONValue] = ["type": .string(type)]
        var config: [String: JSONValue] = [:]
        for setting in settings {
            guard let equals = setting.firstIndex(of: "="), equals != setting.startIndex else {
                throw InvalidConfig("--set takes key=value, got \"\(setting.prefix(40))\"")
            }
            let key = String(setting[..<equals])
            if Redactor.isSecretKey(key) {
                printError("warning: --set \(key)=... puts a secret in your shell history; prefer --password-stdin")
            }
            config[key] = .string(String(setting[setting.index(after: equals)...]))
        }
        if passwordStdin {
            var password = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            while password.hasSuffix("\n") || password.hasSuffix("\r") { password.removeLast() }
            config["password"] = .string(password)
        }
        fields["sharedConfig"] = .object(config)
        if let database { fields["defaultDatabase"] = .string(database) }
        if let role { fields["connectionRole"] = .string(role) }
        return try ConnectorPayload.decode(.object(fields))
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
