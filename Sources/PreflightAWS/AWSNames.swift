import PreflightCore

/// Shapes of AWS identifiers (regions, key IDs, ARNs), checked before anything is sent, with
/// messages that name the key and never repeat a secret. Pure.
public enum AWSNames {
    /// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`, `ap-southeast-7`.
    public static func isRegion(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (3...4).contains(parts.count), let last = parts.last, !last.isEmpty, last.allSatisfy(\.isNumber) else {
            return false
        }
        return parts.dropLast().allSatisfy { part in !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isLowercase } }
            && parts[0].count == 2
    }

    /// Validates a region for `key`, with a pointed message for the usual mistakes.
    public static func region(_ text: String, key: String) throws(InvalidConfig) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if isRegion(trimmed) { return trimmed }
        if isRegion(trimmed.lowercased()) {
            throw InvalidConfig("\(key) must be lower case, e.g. \"\(trimmed.lowercased())\"")
        }
        if let zone = trimmed.last, zone.isLetter, isRegion(String(trimmed.dropLast())) {
            throw InvalidConfig(
                "\(key) \"\(trimmed)\" is an availability zone; give its region, \"\(trimmed.dropLast())\"")
        }
        let shown = trimmed.count > 40 ? String(trimmed.prefix(40)) + "..." : trimmed
        throw InvalidConfig("\(key) \"\(shown)\" is not an AWS region code such as us-east-1 or eu-west-1")
    }

    /// Access key IDs: 16 to 128 letters and digits (AWS issues `AKIA` + 16 for users, `ASIA` + 16 for sessions).
    public static func accessKeyID(_ text: String, key: String, strict: Bool) throws(InvalidConfig) -> String {
        guard !text.contains(where: { $0.isWhitespace }) else {
            throw InvalidConfig("\(key) contains spaces or line breaks; paste the access key ID alone")
        }
        if text.contains("/") || text.contains("+") || (text.count == 40 && text.contains(where: \.isLowercase)) {
            // Do not show it: this is probably the secret, pasted into the wrong field.
            throw InvalidConfig(
                "\(key) looks like a secret access key (40 characters with lower case, '/' or '+'); did you swap awsAccessKeyID and awsSecretAccessKey?"
            )
        }
        guard strict else { return text }
        guard (16...128).contains(text.count), text.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else {
            throw InvalidConfig("\(key) must be 16 to 128 upper-case letters and digits, like AKIAIOSFODNN7EXAMPLE")
        }
        return text
    }

    /// Whether a key ID has the shape AWS gives IAM user keys or session keys today.
    public static func looksIssued(_ keyID: String) -> Bool {
        (keyID.hasPrefix("AKIA") || keyID.hasPrefix("ASIA")) && keyID.count == 20
    }

    /// A secret access key: no spaces around or inside it (never shown).
    public static func secretAccessKey(_ text: String, key: String) throws(InvalidConfig) -> String {
        guard !text.contains(where: { $0.isWhitespace }) else {
            throw InvalidConfig("\(key) contains spaces or line breaks (at its ends or inside); paste the secret alone")
        }
        return text
    }
}

/// An Amazon Resource Name split into its parts: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
public struct ARN: Sendable, Equatable, CustomStringConvertible {
    public var partition: String
    public var service: String
    public var region: String
    public var account: String
    public var resource: String

    /// nil unless `text` has the six colon-separated parts and starts with `arn:aws`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), !parts[2].isEmpty, !parts[5].isEmpty
        else { return nil }
        partition = parts[1]
        service = parts[2]
        region = parts[3]
        account = parts[4]
        resource = parts[5]
    }

    public var description: String { "arn:\(partition):\(service):\(region):\(account):\(resource)" }

    /// Whether the account is 12 digits.
    public var hasValidAccount: Bool { account.count == 12 && account.allSatisfy(\.isNumber) }
}

/// `arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL`
public struct StreamARN: Sendable, Equatable {
    public var arn: ARN
    public var table: String
    public var label: String
    public var region: String { arn.region }
    public var text: String { arn.description }

    /// Validates a stream ARN for `key` (400 messages name the key and say what is wrong).
    public static func parse(_ text: String, key: String) throws(InvalidConfig) -> StreamARN {
        let shape = "arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL (the table's LatestStreamArn)"
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let arn = ARN(trimmed) else {
            throw InvalidConfig("\(key) is not an ARN; it must look like \(shape)")
        }
        guard arn.service == "dynamodb" else {
            throw InvalidConfig("\(key) is an ARN of service \(arn.service), not dynamodb; it must look like \(shape)")
        }
        let pieces = arn.resource.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if pieces.count == 2, pieces[0] == "table" {
            throw InvalidConfig(
                "\(key) is the table's ARN, not its stream's; add /stream/LABEL (see LatestStreamArn in `aws dynamodb describe-table --table-name \(pieces[1])`)"
            )
        }
        guard pieces.count == 4, pieces[0] == "table", pieces[2] == "stream", !pieces[1].isEmpty, !pieces[3].isEmpty
        else {
            throw InvalidConfig("\(key) must look like \(shape)")
        }
        _ = try AWSNames.region(arn.region, key: "the region in \(key)")
        guard arn.hasValidAccount else {
            throw InvalidConfig("\(key) has account \"\(arn.account.prefix(20))\"; an AWS account ID is 12 digits")
        }
        return StreamARN(arn: arn, table: pieces[1], label: pieces[3])
    }
}

/// `arn:aws:iam::ACCOUNT:role/[PATH/]NAME`
public struct RoleARN: Sendable, Equatable {
    public var text: String
    public var account: String
    public var name: String

    /// Validates a role ARN for `key`.
    public static func parse(_ text: String, key: String) throws(InvalidConfig) -> RoleARN {
        let shape = "arn:aws:iam::ACCOUNT:role/NAME"
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let arn = ARN(trimmed), arn.service == "iam", arn.region.isEmpty else {
            throw InvalidConfig("\(key) must be an IAM role ARN such as \(shape)")
        }
        guard arn.resource.hasPrefix("role/"), let name = arn.resource.split(separator: "/").last,
            arn.resource.count > 5
        else {
            throw InvalidConfig(
                "\(key) names an IAM \(arn.resource.split(separator: "/").first ?? "resource"), not a role; it must look like \(shape)"
            )
        }
        guard arn.hasValidAccount else {
            throw InvalidConfig("\(key) has account \"\(arn.account.prefix(20))\"; an AWS account ID is 12 digits")
        }
        return RoleARN(text: trimmed, account: arn.account, name: String(name))
    }
}

/// `arn:aws:s3tables:REGION:ACCOUNT:bucket/NAME`
public struct TableBucketARN: Sendable, Equatable {
    public var arn: ARN
    public var name: String
    public var region: String { arn.region }
    public var text: String { arn.description }

    /// Validates a table-bucket ARN for `key`.
    public static func parse(_ text: String, key: String) throws(InvalidConfig) -> TableBucketARN {
        let shape = "arn:aws:s3tables:REGION:ACCOUNT:bucket/NAME"
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let arn = ARN(trimmed), arn.service == "s3tables" else {
            throw InvalidConfig("\(key) must be an S3 Tables table-bucket ARN such as \(shape)")
        }
        let pieces = arn.resource.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces[0] == "bucket", !pieces[1].isEmpty else {
            throw InvalidConfig("\(key) must name a table bucket: \(shape)")
        }
        _ = try AWSNames.region(arn.region, key: "the region in \(key)")
        guard arn.hasValidAccount else {
            throw InvalidConfig("\(key) has account \"\(arn.account.prefix(20))\"; an AWS account ID is 12 digits")
        }
        return TableBucketARN(arn: arn, name: String(pieces[1]))
    }
}
