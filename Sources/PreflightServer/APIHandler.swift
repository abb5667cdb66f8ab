import Foundation
import Logging
import OpenAPIRuntime
import PreflightCore
import PreflightEngine
import PreflightSSH
import Prometheus

/// The operations of openapi.yaml.
struct PreflightAPI: APIProtocol {
    let engine: PingEngine
    let tunnels: TunnelService
    let registry: PrometheusCollectorRegistry
    let openAPIDocument: [UInt8]?
    let logger: Logger

    func pingConnector(_ input: Operations.PingConnector.Input) async throws -> Operations.PingConnector.Output {
        let payload: ConnectorPayload
        if let validated = ValidatedPing.payload {
            payload = validated
        } else {
            // Registered without PingBodyMiddleware: validate the generated type's re-encoding instead.
            guard case .json(let body) = input.body else { return Self.badRequest("the request body must be JSON") }
            let data = try JSONEncoder().encode(body)
            do {
                payload = try ConnectorPayload.decode(json: data)
            } catch {
                return Self.badRequest(SecretScrubber.scrub(error.message, body: data))
            }
        }
        let redactor = Redactor(config: payload.sharedConfig)
        let tunnel: SSHTunnelOpener?
        switch try await tunnelOpener(for: payload) {
        case .none: tunnel = nil
        case .opener(let opener): tunnel = opener
        case .invalid(let message): return Self.badRequest(message)
        }
        let report: PingReport
        do {
            report = try await engine.ping(payload, tunnel: tunnel)
        } catch {
            switch error {
            case .invalid(let invalid):
                return Self.badRequest(redactor.redact(invalid.message))
            case .overloaded(let seconds):
                return .tooManyRequests(
                    .init(
                        headers: .init(retryAfter: seconds),
                        body: .json(
                            .init(
                                error:
                                    "too many pings are running at once; retry after \(seconds) second\(seconds == 1 ? "" : "s")"
                            ))))
            }
        }
        if let company = AuthenticatedCompany.current {
            logger.debug(
                "ping",
                metadata: [
                    "company": "\(company.uuid)", "type": "\(report.type)", "ok": "\(report.ok)",
                    "category": "\(report.category?.rawValue ?? "ok")",
                ])
        }
        if report.ok {
            guard input.query.verbose == true else { return .noContent }
            return .ok(.init(body: .json(.init(error: nil, report: .init(report, redactor: redactor)))))
        }
        let wireReport = Components.Schemas.PingReport(report, redactor: redactor)
        let message =
            wireReport.message.flatMap { $0.isEmpty ? nil : $0 }
            ?? "the ping failed (\(report.category?.rawValue ?? "unknown"))"
        return .ok(.init(body: .json(.init(error: message, report: wireReport))))
    }

    func getHealthz(_ input: Operations.GetHealthz.Input) async throws -> Operations.GetHealthz.Output {
        .ok(.init(body: .json(.init(status: "ok"))))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        .ok(.init(body: .plainText(HTTPBody(registry.emitToBuffer()))))
    }

    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws
        -> Operations.GetOpenAPIDocument.Output
    {
        guard let openAPIDocument else {
            throw APIError(.notFound, "this build of Preflight was installed without its openapi.yaml resource")
        }
        return .ok(.init(body: .yaml(HTTPBody(openAPIDocument))))
    }

    private static func badRequest(_ message: String) -> Operations.PingConnector.Output {
        .badRequest(.init(body: .json(.init(error: message))))
    }
}
