import Foundation
import OpenAPIRuntime
import PreflightServices
import PreflightStore

/// `/ssh-tunnels`: Artie's resource, scoped to the authenticated company.
extension PreflightAPI {
    func listSSHTunnels(_ input: Operations.ListSSHTunnels.Input) async throws -> Operations.ListSSHTunnels.Output {
        let company = try Self.company()
        let items = try await tunnels.list(company: company).map(Components.Schemas.PayloadsSSHTunnel.init)
        return .ok(.init(body: .json(.init(items: items))))
    }

    func createSSHTunnel(_ input: Operations.CreateSSHTunnel.Input) async throws -> Operations.CreateSSHTunnel.Output {
        let company = try Self.company()
        guard case .json(let body) = input.body else { throw APIError(.badRequest, "the request body must be JSON") }
        var environment: UUID?
        if let text = body.environmentUUID, !text.isEmpty {
            guard let uuid = UUID(uuidString: text) else {
                throw APIError(.badRequest, "environmentUUID must be a UUID")
            }
            environment = uuid
        }
        let record = try await Self.asRequest {
            try await tunnels.create(
                company: company, name: body.name, host: body.host, port: body.port, username: body.username,
                environmentUUID: environment)
        }
        logger.info("ssh tunnel created", metadata: ["tunnel": "\(record.uuid)", "company": "\(company)"])
        return .ok(.init(body: .json(.init(record))))
    }

    func getSSHTunnel(_ input: Operations.GetSSHTunnel.Input) async throws -> Operations.GetSSHTunnel.Output {
        let company = try Self.company()
        let uuid = try Self.tunnelUUID(input.path.uuid)
        guard let record = try await tunnels.get(uuid, company: company) else { throw Self.notFound(uuid) }
        return .ok(.init(body: .json(.init(record))))
    }

    func updateSSHTunnel(_ input: Operations.UpdateSSHTunnel.Input) async throws -> Operations.UpdateSSHTunnel.Output {
        let company = try Self.company()
        let uuid = try Self.tunnelUUID(input.path.uuid)
        guard case .json(let body) = input.body else { throw APIError(.badRequest, "the request body must be JSON") }
        let record = try await Self.asRequest {
            try await tunnels.update(
                uuid, company: company, name: body.name, host: body.host, port: body.port, username: body.username)
        }
        guard let record else { throw Self.notFound(uuid) }
        return .ok(.init(body: .json(.init(record))))
    }

    func deleteSSHTunnel(_ input: Operations.DeleteSSHTunnel.Input) async throws -> Operations.DeleteSSHTunnel.Output {
        let company = try Self.company()
        let uuid = try Self.tunnelUUID(input.path.uuid)
        guard try await tunnels.delete(uuid, company: company) else { throw Self.notFound(uuid) }
        logger.info("ssh tunnel deleted", metadata: ["tunnel": "\(uuid)", "company": "\(company)"])
        return .noContent(.init())
    }

    func rotateSSHTunnelKey(_ input: Operations.RotateSSHTunnelKey.Input) async throws
        -> Operations.RotateSSHTunnelKey.Output
    {
        let company = try Self.company()
        let uuid = try Self.tunnelUUID(input.path.uuid)
        guard let record = try await tunnels.rotateKey(uuid, company: company) else { throw Self.notFound(uuid) }
        logger.info("ssh tunnel key rotated", metadata: ["tunnel": "\(uuid)", "company": "\(company)"])
        return .ok(.init(body: .json(.init(record))))
    }

    func trustSSHTunnelHostKey(_ input: Operations.TrustSSHTunnelHostKey.Input) async throws
        -> Operations.TrustSSHTunnelHostKey.Output
    {
        let company = try Self.company()
        let uuid = try Self.tunnelUUID(input.path.uuid)
        var fingerprint: String?
        if case .json(let body) = input.body { fingerprint = body.hostKeyFingerprint }
        let record = try await Self.asRequest {
            try await tunnels.trustHostKey(uuid, company: company, fingerprint: fingerprint)
        }
        guard let record else { throw Self.notFound(uuid) }
        return .ok(.init(body: .json(.init(record))))
    }

    static func company() throws -> UUID {
        guard let company = AuthenticatedCompany.current else { throw APIError.unauthorized }
        return company.uuid
    }

    static func tunnelUUID(_ text: String) throws -> UUID {
        guard let uuid = UUID(uuidString: text) else {
            throw APIError(.badRequest, "the tunnel uuid must be a UUID such as 3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f")
        }
        return uuid
    }

    static func notFound(_ uuid: UUID) -> APIError {
        APIError(.notFound, "no SSH tunnel \(uuid.uuidString.lowercased()) in this company")
    }

    /// Turns validation failures (the service's and the store's) into 400s.
    static func asRequest<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ServiceRequestError {
            throw APIError(.badRequest, error.message)
        } catch let error as StoreError where error.kind == .invalidInput {
            throw APIError(.badRequest, error.message)
        }
    }
}

extension Components.Schemas.PayloadsSSHTunnel {
    init(_ record: SSHTunnelRecord) {
        self.init(
            uuid: record.uuid.uuidString.lowercased(), companyUUID: record.companyUUID.uuidString.lowercased(),
            environmentUUID: (record.environmentUUID ?? Company.defaultEnvironmentUUID(for: record.companyUUID))
                .uuidString.lowercased(), name: record.name, host: record.host,
            port: record.port, username: record.username, publicKey: record.publicKey, isInUse: false,
            hostKeyFingerprint: record.hostKeyFingerprint, createdAt: record.createdAt, updatedAt: record.updatedAt)
    }
}
