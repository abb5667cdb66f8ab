import PreflightCore
import PreflightHTTP

/// What a call was, for messages: which product, which IAM action, with which key, on what.
public struct AWSCall: Sendable, Equatable {
    /// "Amazon S3", "DynamoDB Streams", "AWS STS", "S3 Tables".
    public var product: String
    /// The IAM action the caller needs, e.g. `s3:ListAllMyBuckets`.
    public var action: String
    /// The access key ID the request was signed with (not secret).
    public var keyID: String
    /// Set when the key is a session of this role (after AssumeRole).
    public var roleARN: String?
    public var region: String
    /// What the call is about: "bucket my-bucket", "stream arn:...". Nil for account-wide calls.
    public var resource: String?

    public init(
        product: String, action: String, keyID: String, roleARN: String? = nil, region: String, resource: String? = nil
    ) {
        self.product = product
        self.action = action
        self.keyID = keyID
        self.roleARN = roleARN
        self.region = region
        self.resource = resource
    }

    /// "the access key AKIA..." or "the session of role arn:..."
    var principal: String {
        if let roleARN { return "the session of role \(roleARN)" }
        return "access key \(keyID)"
    }
}

/// Turns AWS error codes into Preflight's categories, with the code in the message and a hint that
/// says what to change. Pure.
public enum AWSErrorMapping {
    /// The categorised failure for an AWS error code met during `call`.
    public static func failure(for error: AWSServiceError, call: AWSCall) -> ProbeFailure {
        let said = error.description
        let on = call.resource.map { " on \($0)" } ?? ""
        switch error.code {
        case "SignatureDoesNotMatch":
            return ProbeFailure(
                .auth,
                "\(call.product) rejected the signature (\(said)): access key \(call.keyID) exists, but the secret access key does not belong to it",
                hint: call.roleARN == nil
                    ? "paste awsSecretAccessKey again (the whole 40 characters, nothing around it), or create a new key pair for this user"
                    : "the session credentials from AssumeRole were refused; try again, and check that nothing between Preflight and AWS alters requests"
            )
        case "InvalidClientTokenId", "InvalidAccessKeyId", "UnrecognizedClientException", "AuthFailure", "InvalidToken":
            return ProbeFailure(
                .auth, "\(call.product) does not know access key \(call.keyID) (\(said))",
                hint: call.roleARN == nil
                    ? "check awsAccessKeyID: the key may have been deleted or deactivated (IAM console > Users > Security credentials), or it belongs to another partition (China, GovCloud)"
                    : "the role's session was refused; check that STS in \(call.region) is enabled for your account (IAM > Account settings > STS regions)"
            )
        case "ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "RequestExpired":
            return ProbeFailure(
                .auth, "\(call.product) refused expired credentials (\(said))",
                hint: error.code == "RequestExpired"
                    ? "the request's time stamp was too old; check this service's clock"
                    : "session credentials expire: use a long-term key or awsRoleARN so that a fresh session is made for each ping"
            )
        case "RequestTimeTooSkewed":
            return ProbeFailure(
                .auth, "\(call.product) refused the request's time (\(said))",
                hint: "this service's clock is more than 5 minutes off; fix its time synchronisation (NTP)")
        case "InvalidSignatureException" where error.message?.contains("Signature expired") == true:
            return ProbeFailure(
                .auth, "\(call.product) refused the request's time (\(said))",
                hint: "this service's clock is more than 5 minutes off; fix its time synchronisation (NTP)")
        case "MissingAuthenticationToken", "MissingAuthenticationTokenException", "IncompleteSignature",
            "InvalidSignatureException", "NotAuthorized":
            return ProbeFailure(
                .auth, "\(call.product) refused the request's credentials (\(said))",
                hint: "check awsAccessKeyID and awsSecretAccessKey")
        case "AccessDenied", "AccessDeniedException", "AllAccessDisabled", "UnauthorizedOperation", "Forbidden",
            "ForbiddenException":
            return ProbeFailure(
                .permission, "\(call.principal) may not perform \(call.action)\(on) (\(said))",
                hint:
                    "grant \(call.action) to the IAM \(call.roleARN == nil ? "user" : "role") in an identity policy, and check that no explicit Deny, permissions boundary, SCP or resource policy blocks it"
            )
        case "NoSuchBucket":
            return ProbeFailure(
                .databaseNotFound, "\(call.resource ?? "the bucket") does not exist (\(said))",
                hint: "check the bucket name; bucket names are global, and the bucket may have been deleted")
        case "ResourceNotFoundException", "NotFoundException", "NoSuchEntity", "NoSuchTableBucket":
            return ProbeFailure(
                .databaseNotFound, "\(call.resource ?? "the resource") was not found in \(call.region) (\(said))",
                hint:
                    "check the ARN, its region (\(call.region)) and its account; a stream ARN changes whenever the table's stream is turned off and on again"
            )
        case "AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException", "InvalidRegion":
            let actual = error.region.map { " (AWS says it is \($0))" } ?? ""
            return ProbeFailure(
                .invalidConfig, "\(call.product) refused the region \(call.region)\(actual): \(said)",
                hint: error.region.map { "set awsRegion to \($0)" }
                    ?? "check awsRegion: it must be the region of the bucket or resource")
        case "InternalError", "InternalFailure", "InternalServerError", "InternalServerErrorException",
            "ServiceUnavailable",
            "ServiceUnavailableException", "SlowDown", "Throttling", "ThrottlingException", "ThrottledException",
            "RequestLimitExceeded", "TooManyRequestsException", "ProvisionedThroughputExceededException",
            "LimitExceededException", "RequestThrottled", "PriorRequestNotComplete":
            return ProbeFailure(
                .serverUnavailable, "\(call.product) is busy or failing (\(said))",
                hint: "a transient AWS condition; try again in a minute", transient: true)
        case "ValidationError", "ValidationException", "InvalidParameterValue", "InvalidParameterCombination",
            "InvalidArgument", "InvalidBucketName", "MalformedPolicyDocument", "InvalidAction", "BadRequestException":
            return ProbeFailure(
                .invalidConfig, "\(call.product) refused the request as invalid (\(said))",
                hint: "check the ARNs and names in the configuration")
        default:
            return byStatus(error.status, said: said, call: call)
        }
    }

    /// A code this mapping does not know, judged by its status (``HTTPStatusCategory``); a status
    /// without a generic meaning is an invalid request.
    static func byStatus(_ status: Int, said: String, call: AWSCall) -> ProbeFailure {
        guard let generic = HTTPStatusCategory(status: status) else {
            return ProbeFailure(.invalidConfig, "\(call.product) refused the request, HTTP \(status) (\(said))")
        }
        switch generic.category {
        case .auth:
            return ProbeFailure(
                .auth, "\(call.product) refused the credentials, HTTP \(status) (\(said))",
                hint: "check awsAccessKeyID and awsSecretAccessKey")
        case .permission:
            return ProbeFailure(
                .permission, "\(call.principal) may not perform \(call.action), HTTP \(status) (\(said))",
                hint: "grant \(call.action) to the IAM identity")
        case .databaseNotFound:
            return ProbeFailure(.databaseNotFound, "\(call.resource ?? "the resource") was not found (\(said))")
        default:
            let what = status == 429 ? "is throttling requests" : "answered HTTP \(status)"
            return generic.failure("\(call.product) \(what) (\(said))", hint: "try again in a minute")
        }
    }

    /// A non-2xx answer without an AWS error in it: a proxy, an HTML page, something else on the port.
    public static func failure(forUnrecognized response: HTTPResponse, call: AWSCall, endpoint: String) -> ProbeFailure
    {
        if HTTPStatusCategory.isUnavailable(response.status), !response.looksLikeHTML {
            return ProbeFailure(
                .serverUnavailable, "\(endpoint) answered \(response.statusLine) without an AWS error",
                hint: "try again in a minute; if it persists, check endpointURL and any proxy in between",
                transient: true)
        }
        let what =
            response.looksLikeHTML
            ? "an HTML page" : (response.body.isEmpty ? "an empty body" : "a body that is not an AWS error")
        return ProbeFailure(
            .protocolMismatch, "\(endpoint) answered \(response.statusLine) with \(what), not \(call.product)",
            hint:
                "check endpointURL (or the network path): a proxy, captive portal or another web server answered instead of AWS"
        )
    }
}
