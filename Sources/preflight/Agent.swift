import ArgumentParser
import Foundation
import Logging
import PreflightCore
import PreflightEngine
import PreflightLogging
import PreflightProbes
import PreflightRemote
import PreflightServices

/// `preflight agent`: runs a data plane's pings inside its network. It dials out to the control plane
/// (no inbound port), long-polls for pings, runs each on its own engine and posts the report back.
struct Agent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a data plane's pings from this network (dials out to the control plane; no inbound port).")

    @Option(
        name: .customLong("control-plane"),
        help:
            "The service's URL (https://...; http:// only for a loopback address). Repeat it for several instances, tried in turn. PREFLIGHT_CONTROL_PLANE (comma-separated) gives it instead."
    )
    var controlPlanes: [String] = []

    @Option(
        help:
            "The plane's agent token (ardp_...). PREFLIGHT_AGENT_TOKEN gives it instead, which keeps it out of the process list."
    )
    var token: String?

    @Option(
        name: .customLong("agent-id"),
        help: "This agent's name in the listing (default: host name and a random suffix).")
    var agentID: String?

    @Option(help: "Pings run at once.")
    var concurrency = 4

    @Flag(name: .customLong("allow-insecure-http"), help: "Accept a plain http:// control plane that is not loopback.")
    var allowInsecureHTTP = false

    @Flag(help: "Let pings dial this host itself (loopback and its own addresses).")
    var allowLoopback = false

    @OptionGroup var engineOptions: EngineOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    struct InvalidToken: Error {
        let message: String
    }

    /// Says the token is not valid and ends the process with exit code 2 at once (the other lanes may
    /// be in the middle of a long poll; there is nothing left for them to do).
    static func exitForInvalidToken(_ message: String) -> Never {
        let text =
            message.hasPrefix("the agent token is not valid") ? message : "the agent token is not valid: \(message)"
        FileHandle.standardError.write(Data("preflight agent: \(text)\n".utf8))
        Foundation.exit(2)
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        // Each line written at once: the agent has no SIGTERM handler, so a batch not yet written would be lost.
        PreflightLogging.bootstrap(level: level)
        let logger = Logger(label: "preflight.agent")
        let environment = ProcessInfo.processInfo.environment
        var texts = controlPlanes
        if texts.isEmpty, let joined = environment["PREFLIGHT_CONTROL_PLANE"] {
            texts = joined.split(separator: ",").map(String.init)
        }
        guard !texts.isEmpty else {
            throw ValidationError("--control-plane URL is required (or PREFLIGHT_CONTROL_PLANE)")
        }
        let urls: [URL]
        do {
            urls = try texts.map {
                try RemoteHTTP.serviceURL($0, option: "--control-plane", allowInsecure: allowInsecureHTTP)
            }
        } catch let error as RemoteError {
            throw ValidationError(error.description)
        }
        guard let token = token ?? environment["PREFLIGHT_AGENT_TOKEN"], !token.isEmpty else {
            throw ValidationError("--token ardp_... is required (or PREFLIGHT_AGENT_TOKEN)")
        }
        guard token.hasPrefix("ardp_") else {
            throw ValidationError("the agent token must start with ardp_ (an API key arsk_... is not an agent token)")
        }
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency must be from 1 to 256") }
        let id = agentID ?? Self.defaultID()
        let engine = PingEngine(
            configuration: try engineOptions.engineConfiguration(
                allowLoopback: allowLoopback, planeName: "agent", maxInFlight: concurrency),
            logger: Logger(label: "preflight.engine"), factories: ProbeRegistry.builtIn)
        let loop = AgentLoop(
            urls: urls, token: token, agentID: id, runner: AgentRunner(engine: engine, agentID: id), logger: logger)
        logger.info(
            "agent started",
            metadata: ["agent": "\(id)", "control_planes": "\(urls.map(\.absoluteString).joined(separator: ","))"])
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<concurrency {
                    group.addTask { try await loop.run(lane: lane) }
                }
                try await group.next()
                group.cancelAll()
            }
        } catch let error as InvalidToken {
            FileHandle.standardError.write(
                Data("preflight agent: the agent token is not valid: \(error.message)\n".utf8))
            throw ExitCode(2)
        }
    }

    static func defaultID() -> String {
        let host = ProcessInfo.processInfo.hostName.prefix { $0 != "." }
        let safe = host.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
        let suffix = UUID().uuidString.lowercased().prefix(6)
        return "\(String(safe.prefix(60)).isEmpty ? "agent" : String(safe.prefix(60)))-\(suffix)"
    }
}

/// One agent's poll loops: each lane polls, runs the ping it gets, reports, and polls again; on a
/// failure it moves to the next control plane and backs off (at most 4 s between tries).
struct AgentLoop: Sendable {
    let urls: [URL]
    let token: String
    let agentID: String
    let runner: AgentRunner
    let logger: Logger

    func run(lane: Int) async throws {
        var index = lane % urls.count
        var failures = 0
        var connected = false
        let poll = try JSONEncoder().encode(
            AgentWire.Poll(agentID: agentID, version: PreflightVersion.current, host: ProcessInfo.processInfo.hostName))
        let headers = [AgentWire.agentIDHeader: agentID, AgentWire.agentVersionHeader: PreflightVersion.current]
        let session = RemoteHTTP.makeSession(timeout: AgentWire.pollHold.secondsValue + 30)
        defer { session.close() }
        while !Task.isCancelled {
            let base = urls[index]
            let answer: RemoteHTTP.Answer
            do {
                answer = try await RemoteHTTP.send(
                    "POST", RemoteHTTP.url(base, "/agent/v1/poll"), bearer: token, json: poll, headers: headers,
                    timeout: AgentWire.pollHold.secondsValue + 30, session: session)
            } catch {
                failures += 1
                if failures == 1 || failures % 10 == 0 {
                    logger.warning(
                        "control plane unreachable; retrying",
                        metadata: ["control_plane": "\(base.absoluteString)", "error": "\(error)"])
                }
                index = (index + 1) % urls.count
                try await Task.sleep(for: Self.backoff(failures))
                continue
            }
            switch answer.status {
            case 200, 204:
                if failures > 0 || !connected {
                    logger.info("connected to \(base.absoluteString)")
                }
                failures = 0
                connected = true
                var next: Data? = answer.status == 200 ? answer.body : nil
                while let job = next {
                    next = try await serve(job, at: base, headers: headers, session: session)
                }
            case 401:
                Agent.exitForInvalidToken(answer.errorMessage)
            default:
                failures += 1
                var metadata: Logger.Metadata = [
                    "control_plane": "\(base.absoluteString)", "status": "\(answer.status)",
                ]
                // A redirect is not followed (the token would go with it): say where it points.
                if (300..<400).contains(answer.status) { metadata["error"] = "\(answer.errorMessage)" }
                logger.warning("control plane answered an error; retrying", metadata: metadata)
                index = (index + 1) % urls.count
                try await Task.sleep(for: Self.backoff(failures))
            }
        }
    }

    /// Runs a job and posts its report (a few tries on the same instance: the job lives in the shared
    /// store). The report goes on as the lane's next poll (`?poll=1`): the lane's next job when the
    /// answer carries one, else nil (the lane then polls as usual).
    private func serve(_ body: Data, at base: URL, headers: [String: String], session: RemoteHTTPSession) async throws
        -> Data?
    {
        guard let job = try? JSONDecoder().decode(AgentWire.Job.self, from: body) else {
            logger.error("the control plane sent a job this agent cannot read; is its version newer?")
            return nil
        }
        logger.info("claimed a job", metadata: ["job": "\(job.job.uuidString.lowercased())"])
        let report = await runner.run(job)
        let data = try JSONEncoder().encode(report)
        let url = RemoteHTTP.url(base, "/agent/v1/jobs/\(job.job.uuidString.lowercased())/report?poll=1")
        for attempt in 1...3 {
            do {
                let answer = try await RemoteHTTP.send(
                    "POST", url, bearer: token, json: data, headers: headers,
                    timeout: AgentWire.pollHold.secondsValue + 30, session: session)
                switch answer.status {
                case 200: return answer.body
                case 204: return nil
                case 401: Agent.exitForInvalidToken(answer.errorMessage)
                default:
                    logger.warning("the report was not taken", metadata: ["status": "\(answer.status)"])
                    return nil
                }
            } catch {
                if attempt == 3 {
                    logger.warning("could not deliver a report", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        return nil
    }

    static func backoff(_ failures: Int) -> Duration {
        let base = min(250.0 * pow(2, Double(max(failures - 1, 0))), 4000)
        return .milliseconds(Int64(base * Double.random(in: 0.8...1.0)))
    }
}

extension Duration {
    /// The duration in seconds.
    var secondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
