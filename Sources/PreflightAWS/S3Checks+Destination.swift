import Foundation
import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// Destination readiness of s3 and delta (only ever destinations): whether the principal may write under
/// the prefix, asked of IAM's policy simulator (STS GetCallerIdentity for whose policies, then
/// SimulatePrincipalPolicy), never by writing; then, only with `writeTest: true`, one empty object put and deleted.
extension S3Checks {
    var context: ProbeContext { client.context }

    func destination(bucket: String?) async throws(ProbeFailure) {
        let prefix = probe.config.prefix
        guard let bucket else {
            let checks = S3DestinationReadiness.checks(.noBucket, bucket: nil, prefix: prefix)
            record(checks, target: "an unnamed bucket")
            if probe.config.writeTest {
                context.trace.note(.writeTest, status: .skipped, detail: "not attempted: no bucket named")
            }
            return
        }
        let target = "s3://\(bucket)/\(prefix)"
        let principal = try await principalARN()
        let checks: [ReadinessCheck]
        switch principal {
        case .failure(let reason):
            checks = S3DestinationReadiness.checks(
                .unproven(principal: nil, reason: reason.reason, simulationDenied: false), bucket: bucket,
                prefix: prefix)
            record(checks, target: target)
        case .success(let arn):
            checks = try await simulate(principal: arn, bucket: bucket, prefix: prefix, target: target)
        }
        if let failure = ReadinessVerdict.destinationFailure(for: checks, server: "Amazon S3", target: target) {
            if probe.config.writeTest {
                context.trace.note(
                    .writeTest, status: .skipped, detail: "not attempted: the privilege checks already fail")
            }
            throw failure
        }
        if probe.config.writeTest {
            let principalText: String
            switch principal {
            case .success(let arn): principalText = arn
            case .failure: principalText = session.roleARN ?? "access key \(session.credentials.accessKeyID)"
            }
            try await writeTest(bucket: bucket, prefix: prefix, principal: principalText)
        }
    }

    /// Records checks that needed no call as the `readiness` step.
    func record(_ checks: [ReadinessCheck], target: String) {
        for check in checks { context.trace.check(check) }
        let verdict = ReadinessVerdict.destinationStep(for: checks, writingTo: target)
        context.trace.note(.readiness, status: verdict.status, detail: verdict.detail, hint: verdict.hint)
    }

    /// The principal whose policies to simulate: the configured role, else the caller from STS
    /// GetCallerIdentity. A failure is the reason it is not known (a warning, never the ping's end).
    func principalARN() async throws(ProbeFailure) -> Result<String, AWSProbe.Unproven> {
        if let role = session.roleARN { return .success(role) }
        let endpoint = probe.endpoints.sts(region: region)
        let label = endpoint == probe.mainEndpoint ? nil : "sts"
        let keyID = session.credentials.accessKeyID
        return try await client.call(
            IAMSimulation.callerIdentityRequest(), to: endpoint, label: label, signingService: "sts", region: region,
            credentials: session.credentials, step: .callerIdentity,
            activity: "asking STS who \(keyID) is (GetCallerIdentity)"
        ) { response, outcome throws(ProbeFailure) -> Result<String, AWSProbe.Unproven> in
            guard response.isSuccess, let arn = IAMSimulation.callerARN(response.text) else {
                let said =
                    AWSServiceError.parse(
                        status: response.status, body: response.body,
                        errorTypeHeader: response.header("x-amzn-ErrorType"))?.description ?? response.statusLine
                outcome.status = .warning
                outcome.detail = "STS did not say who \(keyID) is (\(said))"
                return .failure(AWSProbe.Unproven("STS GetCallerIdentity did not say who \(keyID) is (\(said))"))
            }
            guard let principal = IAMSimulation.principalARN(forCaller: arn) else {
                outcome.status = .warning
                outcome.detail = "\(keyID) is \(arn), whose policies IAM cannot simulate"
                return .failure(
                    AWSProbe.Unproven(
                        "\(keyID) is \(arn): IAM simulates only users and roles (use an IAM user's key or awsRoleARN)"))
            }
            outcome.detail = "\(keyID) is \(arn)"
            return .success(principal)
        }
    }

    /// SimulatePrincipalPolicy for the bucket and the prefix, as the `readiness` step.
    func simulate(principal: String, bucket: String, prefix: String, target: String) async throws(ProbeFailure)
        -> [ReadinessCheck]
    {
        let partition = IAMSimulation.partition(of: principal)
        return try await simulate(
            principal: principal,
            actions: S3DestinationReadiness.bucketActions + S3DestinationReadiness.objectActions,
            resources: [
                S3DestinationReadiness.bucketARN(bucket, partition: partition),
                S3DestinationReadiness.simulatedObjectARN(bucket, prefix: prefix, partition: partition),
            ], target: target
        ) { evidence in
            S3DestinationReadiness.checks(evidence, bucket: bucket, prefix: prefix)
        }
    }

    /// SimulatePrincipalPolicy for `actions` on `resources`, as the `readiness` step; `checks` reads
    /// the evidence (or why there is none) into readiness checks.
    func simulate(
        principal: String, actions: [String], resources: [String], target: String,
        checks: @escaping @Sendable (S3WriteEvidence) -> [ReadinessCheck]
    ) async throws(ProbeFailure) -> [ReadinessCheck] {
        let iam = probe.endpoints.iam(region: region)
        let label = iam.endpoint == probe.mainEndpoint ? nil : "iam"
        let request = IAMSimulation.request(principal: principal, actions: actions, resources: resources)
        let context = self.context
        return try await client.call(
            request, to: iam.endpoint, label: label, signingService: "iam", region: iam.signingRegion,
            credentials: session.credentials, step: .readiness,
            activity: "asking IAM whether \(principal) may write to \(target) (SimulatePrincipalPolicy)"
        ) { response, outcome throws(ProbeFailure) -> [ReadinessCheck] in
            let evidence: S3WriteEvidence
            if response.isSuccess, let results = IAMSimulation.parse(response.text) {
                evidence = .simulated(principal: principal, results: results)
            } else {
                let error = AWSServiceError.parse(
                    status: response.status, body: response.body, errorTypeHeader: response.header("x-amzn-ErrorType"))
                let denied = ["AccessDenied", "AccessDeniedException"].contains(error?.code ?? "")
                evidence = .unproven(
                    principal: principal,
                    reason: denied
                        ? (error?.description ?? response.statusLine)
                        : "IAM SimulatePrincipalPolicy answered \(error?.description ?? response.statusLine)",
                    simulationDenied: denied)
            }
            let checks = checks(evidence)
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.destinationStep(
                for: checks, writingTo: target)
            return checks
        }
    }

    // MARK: Write test

    /// `preflight_` and a lower-case UUID.
    static func writeTestKey(prefix: String) -> String {
        prefix + "preflight_" + UUID().uuidString.lowercased()
    }

    /// Puts one empty object under the prefix and deletes it. A refused put fails the ping
    /// (`permission`, naming the action and the ARN); a failed delete is a warning naming the leftover.
    func writeTest(bucket: String, prefix: String, principal: String) async throws(ProbeFailure) {
        let key = Self.writeTestKey(prefix: prefix)
        let located = probe.endpoints.s3Bucket(bucket, region: region)
        let label = located.endpoint == probe.endpoints.s3(region: region) ? nil : "bucket"
        let path =
            located.path + "/"
            + key.split(separator: "/", omittingEmptySubsequences: false)
            .map { FormEncoding.percentEncode(String($0)) }.joined(separator: "/")
        let target = client.target(located.endpoint, label: label)
        try await client.http.connect(target)
        let (client, session, region) = (self.client, self.session, self.region)
        let objectARN = "arn:\(IAMSimulation.partition(of: principal)):s3:::\(bucket)/\(key)"
        let url = "s3://\(bucket)/\(key)"
        let send = { @Sendable (method: String) async throws(ProbeFailure) -> HTTPResponse in
            let wire = AWSRequest(method, path).signed(
                for: located.endpoint, credentials: session.credentials, region: region, service: "s3",
                date: client.context.wallClock())
            do throws(ProbeFailure) {
                return try await client.http.exchange(wire, with: target)
            } catch {
                throw client.scrub(error)
            }
        }
        try await context.step(.writeTest, "putting and deleting the empty object \(url)") { outcome in
            let put = try await send("PUT")
            guard put.isSuccess else {
                let error = AWSServiceError.parse(status: put.status, body: put.body)
                let said = error?.description ?? put.statusLine
                if put.status == 403 || ["AccessDenied", "AccessDeniedException"].contains(error?.code ?? "") {
                    throw ProbeFailure(
                        .permission,
                        "the write test could not put the empty object \(url): \(principal) may not call s3:PutObject on \(objectARN) (\(said))",
                        hint:
                            "grant s3:PutObject and s3:DeleteObject on \(S3DestinationReadiness.objectsARN(bucket, prefix: prefix, partition: IAMSimulation.partition(of: principal))) to \(principal) (and check the bucket policy for an explicit Deny)"
                    )
                }
                try AWSProbe.failIfError(
                    put,
                    call: AWSCall(
                        product: "Amazon S3", action: "s3:PutObject", keyID: session.credentials.accessKeyID,
                        roleARN: session.roleARN, region: region, resource: "object \(url)"),
                    endpoint: located.endpoint)
                return
            }
            let deleted: HTTPResponse?
            do throws(ProbeFailure) {
                deleted = try await send("DELETE")
            } catch {
                deleted = nil
            }
            if let deleted, deleted.isSuccess {
                outcome.detail = "put the empty object \(url) and deleted it: nothing is left"
            } else {
                let said =
                    deleted.map {
                        AWSServiceError.parse(status: $0.status, body: $0.body)?.description ?? $0.statusLine
                    } ?? "no answer"
                outcome.status = .warning
                outcome.detail = "put the empty object \(url) but could not delete it (\(said)): it is left behind"
                outcome.hint =
                    "aws s3 rm \(url)  (and grant s3:DeleteObject on \(objectARN.replacingOccurrences(of: key, with: prefix + "*")) to \(principal))"
            }
        }
    }
}

extension AWSProbe {
    /// Why a destination's write permission could not be asked about (a warning's words).
    struct Unproven: Error, Sendable {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
