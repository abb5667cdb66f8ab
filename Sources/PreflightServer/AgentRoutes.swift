import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PreflightCore
import PreflightServices
import PreflightStore

/// The agents' protocol (agents dial out to the service; the service never dials an agent):
///
/// - `POST /agent/v1/poll` with `Authorization: Bearer ardp_...` and `{"agentID", "version", "host"}`:
///   a heartbeat and a long poll; 200 with a job (``AgentWire/Job``) or 204 after ``AgentWire/pollHold``.
/// - `POST /agent/v1/jobs/{uuid}/report` with the ``PingReport`` of a job this agent claimed: 204, or
///   404 when the ping has already ended. With `?poll=1` a taken report goes on as the lane's next poll
///   (200 with a job or 204, as above): one request per ping instead of two. A control plane that does
///   not know `poll=1` answers 204, and the agent then polls as before.
///
/// A token that is unknown, rotated, or whose plane was deleted is a 401. Nothing of a job is logged.
struct AgentRoutes: Sendable {
    let planes: PlaneService
    let drain: ShutdownDrain
    let pollHold: Duration
    let maxBodyBytes: Int
    /// Whether `X-Forwarded-For` names the agent's address (behind a proxy that sets it); else the peer's.
    let trustForwardedFor: Bool
    let logger: Logger

    static let invalidToken = APIError(
        .unauthorized,
        "the agent token is not valid (unknown, rotated, or its data plane was deleted); issue one with POST /data-planes/NAME/rotate-token",
        headers: [.wwwAuthenticate: "Bearer"])

    func register(on router: Router<PreflightRequestContext>) {
        router.post("/agent/v1/poll") { request, context in
            await answer { try await poll(request, peer: context.remoteAddress) }
        }
        router.post("/agent/v1/jobs/:uuid/report") { request, context in
            await answer {
                try await report(request, job: context.parameters.get("uuid") ?? "", peer: context.remoteAddress)
            }
        }
    }

    private func plane(_ request: Request) async throws -> DataPlaneRecord {
        guard let token = APIKeyCheck.apiKey(from: request.headers[.authorization]),
            let plane = try await planes.authenticate(token: token)
        else { throw Self.invalidToken }
        return plane
    }

    private func poll(_ request: Request, peer: SocketAddress?) async throws -> Response {
        let plane = try await plane(request)
        let body = try await DataPlaneRoutes.body(request, limit: 16 << 10, as: AgentWire.Poll.self)
        let address =
            agentAddress(request, peer: peer) ?? body.host.map { "\($0.prefix(90)) (reported)" }
        return try await pollAnswer(plane: plane, agent: body, address: address)
    }

    /// The agent's address: the first of `X-Forwarded-For` when the operator trusts that header, else
    /// the connection's peer (IP only; a Unix socket or unknown peer gives nil).
    func agentAddress(_ request: Request, peer: SocketAddress?) -> String? {
        if trustForwardedFor, let forwarded = HTTPField.Name("X-Forwarded-For").flatMap({ request.headers[$0] }),
            let first = forwarded.split(separator: ",").first.map({ $0.trimmingCharacters(in: .whitespaces) }),
            !first.isEmpty
        {
            return String(first.prefix(64))
        }
        return peer?.ipAddress
    }

    /// A long poll's answer: 200 with a job, or 204.
    private func pollAnswer(plane: DataPlaneRecord, agent: AgentWire.Poll, address: String?) async throws -> Response {
        let drain = self.drain
        let job = try await planes.poll(
            plane: plane, agent: agent, address: address, hold: pollHold, stop: { drain.isDraining })
        return Self.jobResponse(job)
    }

    /// 200 with the job, or 204 without one.
    static func jobResponse(_ job: Data?) -> Response {
        guard let job else { return Response(status: .noContent) }
        return Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: job)))
    }

    private func report(_ request: Request, job: String, peer: SocketAddress?) async throws -> Response {
        let plane = try await plane(request)
        guard let uuid = UUID(uuidString: job) else { throw APIError(.badRequest, "the job id must be a UUID") }
        guard let agentID = HTTPField.Name(AgentWire.agentIDHeader).flatMap({ request.headers[$0] }) else {
            throw APIError(.badRequest, "the \(AgentWire.agentIDHeader) header is required")
        }
        let report = try await DataPlaneRoutes.body(request, limit: maxBodyBytes, as: PingReport.self)
        let gone = APIError(
            .notFound,
            "no ping \(uuid.uuidString.lowercased()) waits for this agent's report (it ended at its deadline)")
        guard Self.pollsNext(request.uri.query) else {
            guard try await planes.report(plane: plane, agentID: agentID, job: uuid, report: report) else { throw gone }
            return Response(status: .noContent)
        }
        let version = HTTPField.Name(AgentWire.agentVersionHeader).flatMap { request.headers[$0] } ?? "unknown"
        let drain = self.drain
        let (answered, next) = try await planes.reportAndPoll(
            plane: plane, agent: AgentWire.Poll(agentID: agentID, version: version, host: nil), job: uuid,
            report: report, address: agentAddress(request, peer: peer), hold: pollHold, stop: { drain.isDraining })
        guard answered else { throw gone }
        return Self.jobResponse(next)
    }

    /// Whether a report's query asks to go on as a poll (`poll=1`).
    static func pollsNext(_ query: String?) -> Bool {
        (query ?? "").split(separator: "&").contains("poll=1")
    }

    private func answer(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as StoreError {
            logger.error("agent request failed in the store", metadata: ["error.kind": "\(error.kind.rawValue)"])
            return APIError(
                .serviceUnavailable, "the control plane's store is unavailable; try again shortly",
                headers: [.retryAfter: "1"]
            ).hummingbirdResponse
        } catch {
            return ErrorTranslator.apiError(for: error, logger: logger).hummingbirdResponse
        }
    }
}
