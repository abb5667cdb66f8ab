import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PreflightServices
import PreflightStore

/// `/data-planes`: the company's data planes (by API key, like the tunnels). Another company's plane
/// is a 404, exactly like a missing one. The agent token is in the answer of create and rotate only.
struct DataPlaneRoutes: Sendable {
    let planes: PlaneService
    let keys: APIKeyCheck
    let maxBodyBytes: Int
    let logger: Logger

    func register(on router: Router<PreflightRequestContext>) {
        router.get("/data-planes") { request, _ in await answer { try await list(request) } }
        router.post("/data-planes") { request, _ in await answer { try await create(request) } }
        router.delete("/data-planes/:name") { request, context in
            await answer { try await delete(request, name: context.parameters.get("name") ?? "") }
        }
        router.post("/data-planes/:name/rotate-token") { request, context in
            await answer { try await rotate(request, name: context.parameters.get("name") ?? "") }
        }
        router.post("/data-planes/:name/make-default") { request, context in
            await answer { try await makeDefault(request, name: context.parameters.get("name") ?? "") }
        }
    }

    private func list(_ request: Request) async throws -> Response {
        let company = try await keys.company(authorization: request.headers[.authorization]).uuid
        let (planes, defaultPlane) = try await self.planes.list(company: company)
        return Self.json(
            DataPlaneList(
                items: planes.map(DataPlaneJSON.init), defaultPlane: defaultPlane,
                servicePlane: self.planes.servicePlane))
    }

    private func create(_ request: Request) async throws -> Response {
        let company = try await keys.company(authorization: request.headers[.authorization]).uuid
        let body = try await Self.body(request, limit: maxBodyBytes, as: CreateRequest.self)
        let issued = try await planes.create(company: company, name: body.name)
        if body.isDefault == true { _ = try await planes.makeDefault(company: company, name: issued.plane.name) }
        logger.info("data plane created", metadata: ["plane": "\(issued.plane.uuid)", "company": "\(company)"])
        return try await issuedResponse(issued, company: company)
    }

    private func rotate(_ request: Request, name: String) async throws -> Response {
        let company = try await keys.company(authorization: request.headers[.authorization]).uuid
        guard let issued = try await planes.rotateToken(company: company, name: name) else { throw Self.notFound(name) }
        logger.info("data plane token rotated", metadata: ["plane": "\(issued.plane.uuid)"])
        return try await issuedResponse(issued, company: company)
    }

    private func delete(_ request: Request, name: String) async throws -> Response {
        let company = try await keys.company(authorization: request.headers[.authorization]).uuid
        guard try await planes.delete(company: company, name: name) else { throw Self.notFound(name) }
        return Response(status: .noContent)
    }

    private func makeDefault(_ request: Request, name: String) async throws -> Response {
        let company = try await keys.company(authorization: request.headers[.authorization]).uuid
        guard try await planes.makeDefault(company: company, name: name) else { throw Self.notFound(name) }
        return try await list(request)
    }

    private func issuedResponse(_ issued: IssuedPlaneToken, company: UUID) async throws -> Response {
        let status = try await planes.status(
            issued.plane, defaultPlane: try await planes.defaultPlane(company: company))
        var json = DataPlaneJSON(status)
        json.token = issued.token
        return Self.json(json)
    }

    static func notFound(_ name: String) -> APIError {
        APIError(.notFound, "no data plane named \(name.prefix(63)) in this company (GET /data-planes lists them)")
    }

    /// Runs a handler, answering its errors as `{"error": ...}`.
    private func answer(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as ServiceRequestError {
            return APIError(.badRequest, error.message).hummingbirdResponse
        } catch let error as PlaneNameTaken {
            return APIError(.conflict, error.message).hummingbirdResponse
        } catch is StoreError {
            logger.error("data plane store operation failed")
            return APIError(
                .serviceUnavailable, "the data plane store is unavailable; try again shortly",
                headers: [.retryAfter: "1"]
            ).hummingbirdResponse
        } catch {
            return ErrorTranslator.apiError(for: error, logger: logger).hummingbirdResponse
        }
    }

    /// The body decoded as `T`; a precise 400 otherwise.
    static func body<T: Decodable>(_ request: Request, limit: Int, as type: T.Type) async throws -> T {
        let data: Data
        do {
            data = try await PingRoute.collect(request.body, upTo: limit)
        } catch is PingRoute.BodyTooLarge {
            throw APIError.tooLarge(limit: limit)
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw APIError(.badRequest, "the request body must be a JSON object such as {\"name\": \"prod-vpc\"}")
        }
    }

    static func json(_ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let body = try? encoder.encode(value) else { return APIError.internalError.hummingbirdResponse }
        return Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    struct CreateRequest: Decodable {
        var name: String?
        var isDefault: Bool?
    }

    struct DataPlaneList: Encodable {
        var items: [DataPlaneJSON]
        var defaultPlane: String
        var servicePlane: String
    }

    struct AgentJSON: Encodable {
        var agentId: String
        var version: String
        var versionMismatch: Bool
        var online: Bool
        var address: String?
        var firstSeenAt: Date
        var lastHeartbeatAt: Date
        var pingsServed: Int
    }

    struct DataPlaneJSON: Encodable {
        var uuid: String
        var name: String
        var tokenPrefix: String
        var createdAt: Date
        var tokenIssuedAt: Date
        var isDefault: Bool
        var online: Bool
        var agents: [AgentJSON]
        var token: String?

        init(_ status: PlaneService.PlaneStatus) {
            uuid = status.plane.uuid.uuidString.lowercased()
            name = status.plane.name
            tokenPrefix = status.plane.tokenPrefix
            createdAt = status.plane.createdAt
            tokenIssuedAt = status.plane.tokenIssuedAt
            isDefault = status.isDefault
            online = status.online
            agents = status.agents.map { agent in
                AgentJSON(
                    agentId: agent.record.agentID, version: agent.record.version,
                    versionMismatch: agent.versionMismatch, online: agent.online, address: agent.record.address,
                    firstSeenAt: agent.record.firstSeenAt, lastHeartbeatAt: agent.record.lastHeartbeatAt,
                    pingsServed: agent.record.pingsServed)
            }
        }
    }
}
