import Foundation
import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// Destination readiness (Databricks is only ever a destination): who the token belongs to (SCIM `Me`),
/// then Unity Catalog's effective permissions on the staging volume and the target schema, read into
/// `volume_write` / `schema_create_table` checks with their GRANT statements. Nothing is written;
/// only `writeTest: true` puts one empty file `preflight_<uuid>` in the volume and deletes it.
extension DatabricksProbe {
    /// The most pages of effective permissions read per securable.
    static let maximumGrantPages = 20

    struct Session {
        var bearer: String
        var redactor: Redactor
        var client: HTTPClient
        var context: ProbeContext
    }

    func destinationReadiness(_ session: Session, volumeOwner: String?) async throws(ProbeFailure) {
        var securables: [DatabricksSecurable] = []
        if let volume = config.volume { securables.append(.volume(volume)) }
        if let schema = config.schema { securables.append(schema) }
        let target = securables.map(\.description).joined(separator: " and ")
        let context = session.context
        guard !securables.isEmpty else {
            let check = DatabricksDestinationReadiness.nothingNamed()
            context.trace.check(check)
            let verdict = ReadinessVerdict.destinationStep(for: [check], writingTo: "an unnamed volume")
            context.trace.note(.readiness, status: verdict.status, detail: verdict.detail, hint: verdict.hint)
            if config.writeTest {
                context.trace.note(.writeTest, status: .skipped, detail: "not attempted: no volume named")
            }
            return
        }
        let checks = try await context.step(
            .readiness, "reading Unity Catalog's grants on \(target)",
            timeoutHint: "the workspace did not answer the SCIM or Unity Catalog grants API in time"
        ) { outcome in
            let identity = try await self.identity(session)
            var checks: [ReadinessCheck] = []
            for securable in securables {
                var seen = DatabricksGrantObservation(securable: securable, identity: identity, grants: nil)
                if identity != nil {
                    switch securable {
                    case .volume: seen.owner = volumeOwner
                    case .schema(let catalog, let schema):
                        switch try await self.schemaOwner("\(catalog).\(schema)", session) {
                        case .success(let owner): seen.owner = owner
                        case .failure(let refusal) where refusal.schemaMissing:
                            let check = DatabricksDestinationReadiness.schemaMissing(securable, identity: identity)
                            context.trace.check(check)
                            checks.append(check)
                            continue
                        case .failure: break
                        }
                    }
                    switch try await self.effectiveGrants(securable, session) {
                    case .success(let grants): seen.grants = grants
                    case .failure(let refusal): seen.error = refusal.text
                    }
                }
                let check = DatabricksDestinationReadiness.check(seen)
                context.trace.check(check)
                checks.append(check)
            }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.destinationStep(
                for: checks, writingTo: target)
            return checks
        }
        if let failure = ReadinessVerdict.destinationFailure(
            for: checks, server: "Databricks workspace \(workspace)", target: target)
        {
            if config.writeTest {
                context.trace.note(
                    .writeTest, status: .skipped, detail: "not attempted: the privilege checks already fail")
            }
            throw failure
        }
        if config.writeTest {
            guard let volume = config.volume else {
                context.trace.note(.writeTest, status: .skipped, detail: "not attempted: no volume named")
                return
            }
            try await writeTest(volume, session)
        }
    }

    /// A request Databricks refused, in words fit for a message.
    struct Refusal: Error, Sendable {
        var text: String
        /// A 404 for the schema itself.
        var schemaMissing = false
    }

    /// SCIM `Me`; nil when it does not say (the checks then are warnings).
    private func identity(_ session: Session) async throws(ProbeFailure) -> DatabricksIdentity? {
        let response = try await session.client.exchange(
            DatabricksRequests.me(bearer: session.bearer), with: httpTarget)
        guard response.isSuccess else { return nil }
        return DatabricksIdentity.parse(response.json(), redactor: session.redactor)
    }

    private func effectiveGrants(_ securable: DatabricksSecurable, _ session: Session) async throws(ProbeFailure)
        -> Result<DatabricksEffectiveGrants, Refusal>
    {
        var grants = DatabricksEffectiveGrants()
        var pageToken: String?
        for _ in 0..<Self.maximumGrantPages {
            let response = try await session.client.exchange(
                DatabricksRequests.effectivePermissions(securable, pageToken: pageToken, bearer: session.bearer),
                with: httpTarget)
            guard response.isSuccess else {
                return .failure(Refusal(text: DatabricksErrorMapping.said(response, redactor: session.redactor)))
            }
            let json = response.json()
            guard grants.add(page: json) else {
                return .failure(Refusal(text: "\(response.statusLine) with a body that is not JSON"))
            }
            guard let next = json?["next_page_token"]?.stringValue, !next.isEmpty, next.utf8.count <= 4096 else {
                return .success(grants)
            }
            pageToken = next
        }
        return .failure(Refusal(text: "more than \(Self.maximumGrantPages) pages of grants"))
    }

    /// The schema's owner (nil when it has none), or why not.
    private func schemaOwner(_ fullName: String, _ session: Session) async throws(ProbeFailure)
        -> Result<String?, Refusal>
    {
        let response = try await session.client.exchange(
            DatabricksRequests.schema(fullName, bearer: session.bearer), with: httpTarget)
        if response.status == 404 {
            return .failure(
                Refusal(text: DatabricksErrorMapping.said(response, redactor: session.redactor), schemaMissing: true))
        }
        guard response.isSuccess else {
            return .failure(Refusal(text: DatabricksErrorMapping.said(response, redactor: session.redactor)))
        }
        return .success(
            response.json()?["owner"]?.stringValue.map { PeerText.quote($0, redactor: session.redactor, limit: 255) })
    }

    /// Puts the empty file `preflight_<uuid>` in the volume and deletes it. A refused put fails the ping
    /// (`permission`); a failed delete is a warning naming the leftover.
    private func writeTest(_ volume: DatabricksVolume, _ session: Session) async throws(ProbeFailure) {
        let name = "preflight_" + UUID().uuidString.lowercased()
        let path = "/Volumes/\(volume.catalog)/\(volume.schema)/\(volume.name)/\(name)"
        let (client, target, bearer, redactor) = (session.client, httpTarget, session.bearer, session.redactor)
        let failureContext = DatabricksFailureContext(
            workspace: workspace, principal: "this principal", resource: "file \(path)",
            grantHint: "WRITE VOLUME on \(volume.fullName)")
        try await session.context.step(.writeTest, "putting and deleting the empty file \(path)") { outcome in
            let put = try await client.exchange(
                DatabricksRequests.putEmptyFile(volume, name: name, bearer: bearer), with: target)
            guard put.isSuccess else {
                let said = DatabricksErrorMapping.said(put, redactor: redactor)
                if put.status == 403 {
                    throw ProbeFailure(
                        .permission, "the write test could not put the empty file \(path): \(said)",
                        hint:
                            "GRANT WRITE VOLUME ON VOLUME \(DatabricksDestinationReadiness.quotedPath(volume.fullName)) TO the principal (and USE CATALOG, USE SCHEMA on its parents)"
                    )
                }
                throw DatabricksErrorMapping.failure(put, context: failureContext, redactor: redactor)
            }
            let deleted: HTTPResponse?
            do throws(ProbeFailure) {
                deleted = try await client.exchange(
                    DatabricksRequests.deleteFile(volume, name: name, bearer: bearer), with: target)
            } catch {
                deleted = nil
            }
            if let deleted, deleted.isSuccess {
                outcome.detail = "put the empty file \(path) and deleted it: nothing is left"
            } else {
                let said = deleted.map { DatabricksErrorMapping.said($0, redactor: redactor) } ?? "no answer"
                outcome.status = .warning
                outcome.detail = "put the empty file \(path) but could not delete it (\(said)): it is left behind"
                outcome.hint = "delete it: databricks fs rm dbfs:\(path)"
            }
        }
    }
}

extension DatabricksDestinationReadiness {
    /// The named schema does not exist (or is not visible): the pipeline cannot create tables in it.
    public static func schemaMissing(_ securable: DatabricksSecurable, identity: DatabricksIdentity?) -> ReadinessCheck
    {
        let who = identity.map { quoted($0.userName) } ?? "the principal"
        return ReadinessCheck(
            name: securable.checkName, status: .failed,
            observed: "\(securable) does not exist (or is not visible to \(identity?.userName ?? "this principal"))",
            required: securable.required.map(spoken).joined(separator: ", ") + " on \(securable)",
            fix:
                "CREATE SCHEMA IF NOT EXISTS \(quotedPath(securable.fullName)); GRANT USE SCHEMA, CREATE TABLE ON SCHEMA \(quotedPath(securable.fullName)) TO \(who);"
        )
    }
}
