import Foundation
public import Hummingbird
public import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
public import PreflightEngine
import PreflightServices
public import PreflightStore
import ServiceLifecycle

/// Builds the HTTP API: `POST /connectors/ping` (bearer auth), `GET /healthz`, `GET /metrics`, `GET /openapi.yaml`,
/// and the browser console at `/` (``ConsoleRoute``).
///
/// Run it with `try await app.runService()`; test it with HummingbirdTesting (`app.test(.router) { client in ... }`).
/// Call ``bootstrapMetrics()`` once per process beforehand so `/metrics` has something to show.
///
/// Every error the API answers is `{"error": "<message>"}`; see `openapi.yaml` for the contract.
/// `drain` is the shutdown state ``runUntilTerminated(_:drain:drainTimeout:closeTimeout:logger:)``
/// drives. Once listening it logs `listening` with the address actually bound (`--port 0` picks one).
public func buildApplication(
    configuration: ServerConfiguration,
    engine: PingEngine,
    store: any PreflightStore,
    sealer: SecretSealer,
    logger: Logger,
    drain: ShutdownDrain = ShutdownDrain()
) -> some ApplicationProtocol {
    let router = buildRouter(
        configuration: configuration, engine: engine, store: store, sealer: sealer, logger: logger, drain: drain)
    let connections = ConnectionCount(limit: configuration.maxConnections)
    let healthz = HealthzFastPath.Bodies(egressIPs: engine.configuration.egressAddresses)
    // Run by the application's own service group: it stops after the API's server, so it answers
    // `draining` for as long as the drain lasts.
    let services: [any Service] =
        configuration.healthPort.map { port in
            [
                HealthListener.application(
                    host: configuration.host, port: port, bodies: healthz, drain: drain,
                    configuration: configuration, logger: logger)
            ]
        } ?? []
    return Application(
        router: router,
        server: .preflight(
            connections: connections, healthz: healthz, drain: drain, configuration: configuration,
            onEventLoop: configuration.connectionsOnEventLoop),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: "preflight"),
        services: services,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            logger.info("listening", metadata: ["address": "\(configuration.host):\(port)"])
        },
        logger: logger)
}

/// The router of ``buildApplication(configuration:engine:store:sealer:logger:drain:)``, for callers that
/// want to embed the API in an application of their own.
public func buildRouter(
    configuration: ServerConfiguration,
    engine: PingEngine,
    store: any PreflightStore,
    sealer: SecretSealer,
    logger: Logger,
    drain: ShutdownDrain = ShutdownDrain()
) -> Router<PreflightRequestContext> {
    let router = Router(context: PreflightRequestContext.self)
    // Router middlewares apply to the routes added after them, and to unknown routes.
    if let level = configuration.accessLogLevel {
        router.add(middleware: AccessLogMiddleware(level: level))
    }
    router.add(middleware: RequestMetricsMiddleware())
    router.add(middleware: JSONErrorMiddleware(routes: APIRoutes.methodsByPath))
    router.add(middleware: DrainMiddleware(drain: drain))

    var publicOperations: Set<String> = [Operations.GetHealthz.id, Operations.GetOpenAPIDocument.id]
    if !configuration.metricsRequireAuth { publicOperations.insert(Operations.GetMetrics.id) }
    let keys = APIKeyCheck(store: store, logger: logger, cacheTTL: configuration.apiKeyCacheTTL)
    let tunnels = TunnelService(store: store, sealer: sealer)
    let planes = PlaneService(
        store: store, sealer: sealer, servicePlane: engine.configuration.planeName, wakeups: PlaneWakeups())
    planes.listenToOtherInstances()
    let ping = PingRoute(
        pings: PingService(engine: engine, tunnels: tunnels, planes: planes), keys: keys,
        maxBodyBytes: configuration.maxBodyBytes, logger: logger)
    router.post("/connectors/ping") { request, context in try await ping.handle(request, context: context) }
    DataPlaneRoutes(planes: planes, keys: keys, maxBodyBytes: configuration.maxBodyBytes, logger: logger)
        .register(on: router)
    AgentRoutes(
        planes: planes, drain: drain, pollHold: configuration.agentPollHold, maxBodyBytes: configuration.maxBodyBytes,
        trustForwardedFor: configuration.trustForwardedFor, logger: logger
    )
    .register(on: router)
    let catalog = ConnectorTypesRoute(catalog: engine.catalog)
    router.get("/connector-types") { _, _ in catalog.response() }
    ConsoleRoute().register(on: router)
    let api = PreflightAPI(
        tunnels: tunnels, registry: PreflightMetrics.registry, openAPIDocument: OpenAPIDocument.bytes,
        egressIPs: engine.configuration.egressAddresses, drain: drain, logger: logger)
    do {
        // Compact JSON, like the error bodies (the runtime's default pretty-prints).
        let openAPIConfiguration = Configuration(jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes])
        try api.registerHandlers(
            on: router, configuration: openAPIConfiguration,
            middlewares: [
                ErrorMappingMiddleware(logger: logger),
                LenientNegotiationMiddleware(),
                AuthenticationMiddleware(keys: keys, publicOperations: publicOperations),
                RequestBodyMiddleware(
                    maxBodyBytes: configuration.maxBodyBytes,
                    jsonOperations: [
                        Operations.CreateSSHTunnel.id, Operations.UpdateSSHTunnel.id,
                        Operations.TrustSSHTunnelHostKey.id,
                    ],
                    optionalBodyOperations: [Operations.TrustSSHTunnelHostKey.id]),
                MetricsContentTypeMiddleware(),
            ])
    } catch {
        // Only a malformed server URL can fail here, and the default one is fixed.
        preconditionFailure("registering the OpenAPI handlers failed: \(error)")
    }
    return router
}

/// The routes of openapi.yaml (a test checks they match the document).
enum APIRoutes {
    static let methodsByPath: [String: [HTTPRequest.Method]] = [
        "/connectors/ping": [.post],
        "/connector-types": [.get],
        "/healthz": [.get],
        "/metrics": [.get],
        "/openapi.yaml": [.get],
        "/ssh-tunnels": [.get, .post],
        "/ssh-tunnels/{uuid}": [.get, .post, .delete],
        "/ssh-tunnels/{uuid}/rotate-key": [.post],
        "/ssh-tunnels/{uuid}/trust-host-key": [.post],
        "/data-planes": [.get, .post],
        "/data-planes/{name}": [.delete],
        "/data-planes/{name}/rotate-token": [.post],
        "/data-planes/{name}/make-default": [.post],
    ]
}

/// The bundled openapi.yaml, read once.
enum OpenAPIDocument {
    static let bytes: [UInt8]? = ServerResources.bytes(of: "openapi.yaml")
}

extension Duration {
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        guard seconds < Int64.max / 1_000_000_000 else { return .max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
