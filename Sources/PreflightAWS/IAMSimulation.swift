import PreflightCore
import PreflightHTTP

/// STS GetCallerIdentity and IAM SimulatePrincipalPolicy over the Query API (form POST, XML answer):
/// whose identity policies decide a write, and what they decide, without writing. Pure.
public enum IAMSimulation {
    /// STS GetCallerIdentity (allowed to every caller in AWS: no policy can deny it).
    public static func callerIdentityRequest() -> AWSRequest {
        form([("Action", "GetCallerIdentity"), ("Version", "2011-06-15")])
    }

    /// The caller's ARN in a GetCallerIdentity answer, or nil when the body is not one.
    public static func callerARN(_ text: String) -> String? {
        guard XMLText.contains("GetCallerIdentityResult", in: text),
            let arn = XMLText.firstElement("Arn", in: text)?.trimmingCharacters(in: .whitespacesAndNewlines),
            arn.hasPrefix("arn:")
        else { return nil }
        return arn
    }

    /// The IAM principal whose policies apply to a caller: a user's or role's ARN as is; an assumed-role
    /// session (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`) is its role (`arn:aws:iam::ACCOUNT:role/NAME`;
    /// a role with a path needs `awsRoleARN`). Nil for the root user and federated sessions, which cannot be simulated.
    public static func principalARN(forCaller arn: String) -> String? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn" else { return nil }
        let (partition, service, account, resource) = (parts[1], parts[2], parts[4], parts[5])
        if service == "iam", resource.hasPrefix("user/") || resource.hasPrefix("role/") { return arn }
        if service == "sts", resource.hasPrefix("assumed-role/") {
            let pieces = resource.split(separator: "/")
            guard pieces.count >= 2 else { return nil }
            return "arn:\(partition):iam::\(account):role/\(pieces[1])"
        }
        return nil
    }

    /// The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`), `aws` when it is not one.
    public static func partition(of arn: String?) -> String {
        guard let arn else { return "aws" }
        let parts = arn.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        return parts.count >= 2 && parts[0] == "arn" && !parts[1].isEmpty ? String(parts[1]) : "aws"
    }

    /// The IAM change for denied actions: remove explicit Denies, and an inline policy allowing each
    /// statement's actions on its resource, with the aws CLI command that attaches it to `principal`
    /// (a user's or role's ARN).
    public static func inlinePolicyFix(
        principal: String, missing: [String], explicitlyDenied: [String],
        statements: [(actions: [String], resource: String)], policyName: String
    ) -> String {
        let rendered = statements.map { statement in
            #"{"Effect":"Allow","Action":["# + statement.actions.map { "\"\($0)\"" }.joined(separator: ",")
                + #"],"Resource":""# + statement.resource + #""}"#
        }
        let document = #"{"Version":"2012-10-17","Statement":["# + rendered.joined(separator: ",") + "]}"
        let resource = principal.split(separator: ":", maxSplits: 5).last.map(String.init) ?? ""
        let name = resource.split(separator: "/").last.map(String.init) ?? principal
        let command: String
        if resource.hasPrefix("role/") {
            command =
                "aws iam put-role-policy --role-name \(name) --policy-name \(policyName) --policy-document '\(document)'"
        } else if resource.hasPrefix("user/") {
            command =
                "aws iam put-user-policy --user-name \(name) --policy-name \(policyName) --policy-document '\(document)'"
        } else {
            command = "attach to \(principal) the policy \(document)"
        }
        var text = "allow \(missing.joined(separator: ", ")) for \(principal): \(command)"
        if !explicitlyDenied.isEmpty {
            text =
                "remove the explicit Deny of \(explicitlyDenied.joined(separator: ", ")) from \(principal)'s policies (or its permissions boundary, or an SCP): a Deny wins over any Allow; then "
                + text
        }
        return text
    }

    /// SimulatePrincipalPolicy for `actions` on `resources` with the principal's identity policies.
    public static func request(principal: String, actions: [String], resources: [String]) -> AWSRequest {
        var fields: [(String, String)] = [
            ("Action", "SimulatePrincipalPolicy"), ("Version", "2010-05-08"), ("PolicySourceArn", principal),
        ]
        for (index, action) in actions.enumerated() { fields.append(("ActionNames.member.\(index + 1)", action)) }
        for (index, resource) in resources.enumerated() {
            fields.append(("ResourceArns.member.\(index + 1)", resource))
        }
        return form(fields)
    }

    /// One `EvaluationResult`: the action, its resource (older answers: one result per action and
    /// resource), its decision (`allowed`, `explicitDeny`, `implicitDeny`) and, in today's answers (one
    /// aggregate result per action), each resource's own decision.
    public struct Result: Sendable, Equatable {
        public var action: String
        public var resource: String?
        public var decision: String
        public var perResource: [String: String]

        public init(action: String, resource: String?, decision: String, perResource: [String: String] = [:]) {
            self.action = action
            self.resource = resource
            self.decision = decision
            self.perResource = perResource
        }
    }

    /// The evaluation results of a SimulatePrincipalPolicy answer, or nil when the body is not one.
    public static func parse(_ text: String) -> [Result]? {
        guard XMLText.contains("SimulatePrincipalPolicyResult", in: text) else { return nil }
        guard let list = XMLText.firstElement("EvaluationResults", in: text) else { return [] }
        return topLevelMembers(list).compactMap { member in
            let specific = XMLText.firstElement("ResourceSpecificResults", in: member) ?? ""
            // The member's own fields, without the nested per-resource ones.
            var own = member
            if let open = member.range(of: "<ResourceSpecificResults>"),
                let close = member.range(of: "</ResourceSpecificResults>", range: open.upperBound..<member.endIndex)
            {
                own.removeSubrange(open.lowerBound..<close.upperBound)
            }
            guard let action = XMLText.firstElement("EvalActionName", in: own),
                let decision = XMLText.firstElement("EvalDecision", in: own)
            else { return nil }
            var perResource: [String: String] = [:]
            for entry in topLevelMembers(specific) {
                if let name = XMLText.firstElement("EvalResourceName", in: entry),
                    let decided = XMLText.firstElement("EvalResourceDecision", in: entry)
                {
                    perResource[name] = decided
                }
            }
            return Result(
                action: action, resource: XMLText.firstElement("EvalResourceName", in: own), decision: decision,
                perResource: perResource)
        }
    }

    /// The decision for `action` on `resource`: the resource's own, else the result for that pair,
    /// else the action's aggregate (the most restrictive over all resources). Nil when not answered.
    public static func decision(for action: String, on resource: String, in results: [Result]) -> String? {
        let forAction = results.filter { $0.action == action }
        if let own = forAction.lazy.compactMap({ $0.perResource[resource] }).first { return own }
        if let pair = forAction.first(where: { $0.resource == resource }) { return pair.decision }
        return forAction.first?.decision
    }

    /// The `<member>` elements directly inside `text` (their contents), skipping nested members.
    static func topLevelMembers(_ text: String) -> [String] {
        var members: [String] = []
        var depth = 0
        var start: String.Index?
        var index = text.startIndex
        while let open = text[index...].firstIndex(of: "<") {
            guard let close = text[open...].firstIndex(of: ">") else { break }
            let tag = text[text.index(after: open)..<close]
            let after = text.index(after: close)
            if tag == "member" {
                if depth == 0 { start = after }
                depth += 1
            } else if tag == "/member" {
                depth -= 1
                if depth == 0, let begin = start { members.append(String(text[begin..<open])) }
                if depth < 0 { depth = 0 }
            }
            index = after
        }
        return members
    }

    private static func form(_ fields: [(String, String)]) -> AWSRequest {
        AWSRequest(
            "POST", "/", headers: [HTTPField("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: Array(FormEncoding.encode(fields).utf8))
    }
}
