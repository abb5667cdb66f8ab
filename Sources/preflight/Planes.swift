import ArgumentParser
import Foundation

/// `preflight planes`: a company's data planes on a remote service (`--service`, `--api-key`).
struct Planes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage data planes (networks whose pings run on your own agents) on a Preflight service.",
        subcommands: [Create.self, List.self, RotateToken.self, Delete.self])

    /// The service and the key of the company whose planes these are.
    struct Remote: ParsableArguments {
        @Option(help: "The service's URL (PREFLIGHT_SERVICE).") var service: String?
        @Option(name: .customLong("api-key"), help: "The company's API key, arsk_... (PREFLIGHT_API_KEY).")
        var apiKey: String?
        @Flag(name: .customLong("allow-insecure-http"), help: "Accept a plain http:// service that is not loopback.")
        var allowInsecureHTTP = false

        /// Sends the request; the body of a 2xx answer, else prints the service's `error` and exits 1.
        func call(_ method: String, _ path: String, json: Data? = nil) async throws -> Data {
            do {
                let connection = try ServiceConnection.resolve(
                    service: service, apiKey: apiKey, allowInsecure: allowInsecureHTTP)
                let answer = try await connection.send(method, path, json: json)
                guard (200..<300).contains(answer.status) else {
                    throw RemoteError("the service answered \(answer.status): \(answer.errorMessage)")
                }
                return answer.body
            } catch let error as RemoteError {
                FileHandle.standardError.write(Data("preflight planes: \(error.description)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    static func escaped(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
    }

    static func object(_ data: Data) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    static func printIssued(_ data: Data) {
        let plane = object(data)
        print(
            """
            data plane: \(plane["name"] as? String ?? "?")
            agent token (shown only this once): \(plane["token"] as? String ?? "?")
            run an agent inside that network:
              PREFLIGHT_AGENT_TOKEN=<token> preflight agent --control-plane <this service's URL>
            """)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a data plane; prints its agent token once.")
        @OptionGroup var remote: Remote
        @Argument(help: "The plane's name (for example prod-vpc).") var name: String
        @Flag(help: "Also make it the plane of pings that name none.") var makeDefault = false

        func run() async throws {
            var body: [String: Any] = ["name": name]
            if makeDefault { body["isDefault"] = true }
            let data = try await remote.call(
                "POST", "/data-planes", json: try JSONSerialization.data(withJSONObject: body))
            Planes.printIssued(data)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the data planes and their agents.")
        @OptionGroup var remote: Remote
        @Flag(help: "Print the service's JSON.") var json = false

        func run() async throws {
            let data = try await remote.call("GET", "/data-planes")
            if json {
                print(String(decoding: data, as: UTF8.self))
                return
            }
            let list = Planes.object(data)
            let items = list["items"] as? [[String: Any]] ?? []
            print("default plane: \(list["defaultPlane"] as? String ?? "?")")
            if items.isEmpty { print("no data planes") }
            for plane in items {
                let agents = plane["agents"] as? [[String: Any]] ?? []
                let online = agents.filter { $0["online"] as? Bool == true }.count
                print(
                    "\(plane["name"] as? String ?? "?")  token \(plane["tokenPrefix"] as? String ?? "?")...  \(online) of \(agents.count) agent\(agents.count == 1 ? "" : "s") online"
                )
                for agent in agents {
                    let mismatch =
                        agent["versionMismatch"] as? Bool == true ? " (version differs from the service)" : ""
                    print(
                        "  \(agent["agentId"] as? String ?? "?")  \(agent["online"] as? Bool == true ? "online" : "offline")  v\(agent["version"] as? String ?? "?")\(mismatch)  last heartbeat \(agent["lastHeartbeatAt"] as? String ?? "?")  \(agent["pingsServed"] as? Int ?? 0) pings  \(agent["address"] as? String ?? "")"
                    )
                }
            }
        }
    }

    struct RotateToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new agent token; the old one stops working at once (its agents exit).")
        @OptionGroup var remote: Remote
        @Argument(help: "The plane's name.") var name: String

        func run() async throws {
            Planes.printIssued(try await remote.call("POST", "/data-planes/\(Planes.escaped(name))/rotate-token"))
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a data plane (its token stops working).")
        @OptionGroup var remote: Remote
        @Argument(help: "The plane's name.") var name: String

        func run() async throws {
            _ = try await remote.call("DELETE", "/data-planes/\(Planes.escaped(name))")
            print("deleted \(name)")
        }
    }
}
