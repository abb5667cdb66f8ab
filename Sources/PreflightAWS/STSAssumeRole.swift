import PreflightCore
import PreflightHTTP

/// STS AssumeRole over the Query API (form POST, XML answer): the request and the answer, pure.
public enum STSAssumeRole {
    /// The shortest session STS grants; a ping needs seconds.
    public static let durationSeconds = 900

    /// The form request. `sessionName` must be 2-64 characters of `[\w+=,.@-]`.
    public static func request(roleARN: String, externalID: String?, sessionName: String) -> AWSRequest {
        var fields: [(String, String)] = [
            ("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", roleARN),
            ("RoleSessionName", sessionName), ("DurationSeconds", String(durationSeconds)),
        ]
        if let externalID { fields.append(("ExternalId", externalID)) }
        return AWSRequest(
            "POST", "/", headers: [HTTPField("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: Array(FormEncoding.encode(fields).utf8))
    }

    /// What AssumeRole returned.
    public struct Result: Sendable, Equatable {
        public var credentials: AWSCredentials
        public var assumedRoleARN: String?
        public var expiration: String?
    }

    /// The session credentials in a 2xx answer, or nil when the body is not an AssumeRole response.
    public static func parse(_ text: String) -> Result? {
        guard XMLText.contains("AssumeRoleResult", in: text),
            let keyID = XMLText.firstElement("AccessKeyId", in: text), !keyID.isEmpty,
            let secret = XMLText.firstElement("SecretAccessKey", in: text), !secret.isEmpty,
            let token = XMLText.firstElement("SessionToken", in: text), !token.isEmpty
        else { return nil }
        let userBlock = XMLText.firstElement("AssumedRoleUser", in: text)
        return Result(
            credentials: AWSCredentials(
                accessKeyID: keyID.trimmingCharacters(in: .whitespacesAndNewlines),
                secretAccessKey: secret.trimmingCharacters(in: .whitespacesAndNewlines),
                sessionToken: token.trimmingCharacters(in: .whitespacesAndNewlines)),
            assumedRoleARN: userBlock.flatMap { XMLText.firstElement("Arn", in: $0) },
            expiration: XMLText.firstElement("Expiration", in: text))
    }

    /// AssumeRole's errors get their own words: an AccessDenied here is nearly always the role's trust
    /// policy or the external ID, not the caller's identity policy.
    public static func failure(
        for error: AWSServiceError, roleARN: String, callerKeyID: String, externalIDGiven: Bool, region: String
    ) -> ProbeFailure {
        switch error.code {
        case "AccessDenied", "AccessDeniedException":
            return ProbeFailure(
                .permission,
                "access key \(callerKeyID) may not assume role \(roleARN) (\(error.description))",
                hint: "check the role's trust policy: it must allow sts:AssumeRole for the principal that owns this key"
                    + (externalIDGiven
                        ? ", and its sts:ExternalId condition must equal awsExternalID exactly"
                        : "; if the trust policy has an sts:ExternalId condition, set awsExternalID")
                    + "; the caller also needs sts:AssumeRole on the role in its own policy")
        case "RegionDisabledException":
            return ProbeFailure(
                .permission, "STS is not activated in \(region) for the role's account (\(error.description))",
                hint: "activate the region in IAM > Account settings > Security Token Service (STS)")
        default:
            return AWSErrorMapping.failure(
                for: error,
                call: AWSCall(
                    product: "AWS STS", action: "sts:AssumeRole", keyID: callerKeyID, region: region,
                    resource: "role \(roleARN)"))
        }
    }
}
