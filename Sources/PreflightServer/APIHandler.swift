import Foundation
import Logging
import OpenAPIRuntime
import PreflightCore
import PreflightServices
import Prometheus

/// The operations of openapi.yaml, but the ping (``PingRoute``).
struct PreflightAPI: APIProtocol {
    let tunnels: TunnelService
    let registry: PrometheusCollectorRegistry
    let openAPIDocument: [UInt8]?
    /// The public addresses pings come from, as the operator declared them.
    let egressIPs: [String]
    /// The shutdown state: `/healthz` answers 503 `draining` once the server stops taking requests.
    let drain: ShutdownDrain
    let logger: Logger

    func getHealthz(_ input: Operations.GetHealthz.Input) async throws -> Operations.GetHealthz.Output {
        let egress = egressIPs.isEmpty ? nil : egressIPs
        if drain.isDraining {
            return .serviceUnavailable(.init(body: .json(.init(status: .draining, egressIPs: egress))))
        }
        return .ok(.init(body: .json(.init(status: .ok, egressIPs: egress))))
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
}
