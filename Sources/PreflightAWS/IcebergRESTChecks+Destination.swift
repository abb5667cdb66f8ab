import Foundation
import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// Destination readiness of an Iceberg REST catalog (iceberg is only ever a destination), as the
/// `readiness` step: the endpoints `/v1/config` advertised, then, with the extension `namespace`, the
/// namespace loaded (`GET /v1/{prefix}/namespaces/{ns}`) and a staged create of `preflight_<hex>` in it,
/// which the catalog authorizes like a create but does not commit (nothing is written). Only with
/// `writeTest: true`: one empty table created and dropped with `purgeRequested`.
extension IcebergRESTChecks {
    func destination(_ catalog: CatalogInfo, bearer: String?, authKind: String) async throws(ProbeFailure) {
        let context = client.context
        let namespace = config.namespace
        let target = namespace.map { "namespace \($0.joined(separator: "."))" } ?? "the catalog"
        let http = client.http
        let wire = client.target(config.catalog, label: nil)
        let client = self.client
        let headers = bearer.map { [HTTPField("Authorization", "Bearer \($0)")] } ?? []
        let send = { @Sendable (request: HTTPRequest) async throws(ProbeFailure) -> HTTPResponse in
            var request = request
            request.headers += headers
            do throws(ProbeFailure) {
                try await http.connect(wire)
                return try await http.exchange(request, with: wire)
            } catch {
                throw client.scrub(error)
            }
        }
        let said = { @Sendable (response: HTTPResponse) -> String in
            client.scrub(
                IcebergREST.parseError(response.body).map { "HTTP \(response.status) \($0)" } ?? response.statusLine)
        }
        let checks = try await context.step(
            .readiness, "asking the catalog whether \(authKind) may create tables in \(target)",
            timeoutHint: "the catalog did not answer in time"
        ) { outcome in
            var checks = [IcebergDestinationReadiness.catalogWrites(endpoints: catalog.endpoints)]
            if let namespace {
                let loaded = try await send(
                    HTTPRequest(
                        "GET",
                        IcebergREST.namespacePath(
                            prefix: catalog.prefix, namespace: namespace, separator: catalog.separator)))
                let answer = IcebergDestinationReadiness.Answer.from(status: loaded.status, said: said(loaded))
                checks.append(IcebergDestinationReadiness.namespace(namespace, answer: answer, principal: authKind))
                if answer == .allowed {
                    let table = "preflight_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
                    let staged = try await send(
                        IcebergREST.createTable(
                            prefix: catalog.prefix, namespace: namespace, separator: catalog.separator, name: table,
                            stage: true))
                    checks.append(
                        IcebergDestinationReadiness.tableCreate(
                            namespace,
                            answer: .from(status: staged.status, said: said(staged)), principal: authKind,
                            table: table))
                }
            } else {
                checks.append(IcebergDestinationReadiness.noNamespace())
            }
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.destinationStep(
                for: checks, writingTo: target)
            return checks
        }
        if let failure = ReadinessVerdict.destinationFailure(
            for: checks, server: "the Iceberg catalog at \(config.catalog)", target: target)
        {
            if config.writeTest {
                context.trace.note(
                    .writeTest, status: .skipped, detail: "not attempted: the privilege checks already fail")
            }
            throw failure
        }
        guard config.writeTest else { return }
        guard let namespace else {
            context.trace.note(.writeTest, status: .skipped, detail: "not attempted: no namespace named")
            return
        }
        let table = "preflight_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let name = namespace.joined(separator: ".") + "." + table
        try await context.step(.writeTest, "creating and dropping the empty table \(name)") { outcome in
            let created = try await send(
                IcebergREST.createTable(
                    prefix: catalog.prefix, namespace: namespace, separator: catalog.separator, name: table,
                    stage: false))
            guard created.isSuccess else {
                let text = said(created)
                if case .refused = IcebergDestinationReadiness.Answer.from(status: created.status, said: text) {
                    throw ProbeFailure(
                        .permission, "the write test could not create the empty table \(name): \(text)",
                        hint:
                            "grant \(authKind) the right to create tables in namespace \(namespace.joined(separator: "."))"
                    )
                }
                throw ProbeFailure(
                    .invalidConfig, "the write test could not create the empty table \(name): \(text)",
                    hint: "check sharedConfig.namespace and the catalog's storage settings")
            }
            let dropped: HTTPResponse?
            do throws(ProbeFailure) {
                dropped = try await send(
                    HTTPRequest(
                        "DELETE",
                        IcebergREST.tablePath(
                            prefix: catalog.prefix, namespace: namespace, separator: catalog.separator, table: table)
                            + "?purgeRequested=true"))
            } catch {
                dropped = nil
            }
            if let dropped, dropped.isSuccess {
                outcome.detail = "created the empty table \(name) and dropped it (purgeRequested): nothing is left"
            } else {
                outcome.status = .warning
                outcome.detail =
                    "created the empty table \(name) but could not drop it (\(dropped.map(said) ?? "no answer")): it is left behind"
                outcome.hint = "DROP TABLE \(IcebergDestinationReadiness.sql(namespace + [table])) PURGE"
            }
        }
    }
}
