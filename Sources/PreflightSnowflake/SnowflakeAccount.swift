import PreflightCore

/// A Snowflake account as named by `accountIdentifier` (or a legacy `accountURL`): the host its APIs
/// live on and the account name that goes into key-pair JWTs and password logins. Pure.
///
/// Accepted forms (case-insensitive, surrounding spaces ignored):
/// - `orgname-accountname` (the preferred identifier; underscores in the account name become hyphens
///   in the host name, as Snowflake's URLs require), or SQL's `orgname.accountname`;
/// - a legacy account locator, alone or with its region and cloud: `xy12345`, `xy12345.us-east-2.aws`,
///   `xy12345.eu-west-1`, `xy12345.us-east-1.privatelink`;
/// - any of those pasted as a URL or host: `https://xy12345.us-east-2.aws.snowflakecomputing.com/...`,
///   `myorg-myaccount.snowflakecomputing.com` (also `.snowflakecomputing.cn`);
/// - a Snowsight URL `https://app.snowflake.com/<orgname>/<accountname>/...`.
public struct SnowflakeAccount: Sendable, Equatable {
    /// The identifier as it appears in the host name: "myorg-myaccount", "xy12345.us-east-2.aws".
    public var hostIdentifier: String
    /// The domain: "snowflakecomputing.com" (or ".cn" for Snowflake in China).
    public var domain: String
    /// The account name for JWT claims and `ACCOUNT_NAME`: upper-cased, without region or cloud
    /// ("MYORG-MYACCOUNT", "XY12345").
    public var jwtAccount: String

    /// `<hostIdentifier>.<domain>`
    public var host: String { "\(hostIdentifier).\(domain)" }

    /// Whether the identifier is the organisation form (`orgname-accountname`) rather than a locator.
    public var isOrganizationForm: Bool { jwtAccount.contains("-") }

    public init(hostIdentifier: String, domain: String = "snowflakecomputing.com", jwtAccount: String) {
        self.hostIdentifier = hostIdentifier
        self.domain = domain
        self.jwtAccount = jwtAccount
    }

    static let domains = ["snowflakecomputing.com", "snowflakecomputing.cn"]

    /// Parses an account identifier (see the type's documentation); `key` names the config key in messages.
    public static func parse(_ raw: String, key: String) throws(InvalidConfig) -> SnowflakeAccount {
        var text = Substring(raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())
        let example = "orgname-accountname (e.g. myorg-myaccount) or an account locator such as xy12345.us-east-2.aws"
        if let scheme = text.range(of: "://") {
            guard ["https", "http"].contains(text[..<scheme.lowerBound]) else {
                throw InvalidConfig("sharedConfig.\(key) must be an account identifier: \(example)")
            }
            text = text[scheme.upperBound...]
        }
        var path = Substring("")
        if let cut = text.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            path = text[cut...]
            text = text[..<cut]
        }
        guard !text.contains("@") else {
            throw InvalidConfig("sharedConfig.\(key) must not carry a user name or password; use sharedConfig.username")
        }
        if let colon = text.firstIndex(of: ":") {
            let port = text[text.index(after: colon)...]
            guard port == "443" else {
                throw InvalidConfig(
                    "sharedConfig.\(key) must not carry a port; to reach Snowflake through another address, set sharedConfig.accountURL"
                )
            }
            text = text[..<colon]
        }
        // Snowsight: app.snowflake.com/<org>/<account>/...
        if text == "app.snowflake.com" {
            let parts = path.split(separator: "/").prefix(2)
            guard parts.count == 2, parts.allSatisfy({ !$0.hasPrefix("#") && !$0.hasPrefix("?") }) else {
                throw InvalidConfig(
                    "sharedConfig.\(key) is a Snowsight address without the organisation and account; give \(example)")
            }
            text = Substring("\(parts[0])-\(parts[1])")
        }
        var domain = "snowflakecomputing.com"
        for candidate in domains {
            if text == Substring(candidate) {
                throw InvalidConfig("sharedConfig.\(key) has no account name before .\(candidate); give \(example)")
            }
            if text.hasSuffix("." + candidate) {
                text = text.dropLast(candidate.count + 1)
                domain = candidate
            }
        }
        var identifier = String(text)
        // SQL's `orgname.accountname`: regions always carry a hyphen (us-east-2, eu-west-1), names never do.
        let dotted = identifier.split(separator: ".", omittingEmptySubsequences: false)
        if dotted.count == 2, !dotted[0].contains("-"), !dotted[1].isEmpty, !dotted[1].contains("-"),
            !["privatelink", "global", "aws", "gcp", "azure"].contains(String(dotted[1]))
        {
            identifier = "\(dotted[0])-\(dotted[1])"
        }
        let labels = identifier.split(separator: ".", omittingEmptySubsequences: false)
        guard !identifier.isEmpty, labels.allSatisfy({ !$0.isEmpty }), labels.count <= 4 else {
            throw InvalidConfig("sharedConfig.\(key) must be \(example)")
        }
        guard
            identifier.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") })
        else {
            throw InvalidConfig(
                "sharedConfig.\(key) may only contain letters, digits, '-', '_' and '.'; give \(example)")
        }
        guard identifier.count <= 200 else {
            throw InvalidConfig("sharedConfig.\(key) is longer than 200 characters; give \(example)")
        }
        var account = String(labels[0])
        // Global (replication) URLs carry a suffix after the first hyphen: xy12345-abc.global.
        if labels.contains("global"), let hyphen = account.firstIndex(of: "-") {
            account = String(account[..<hyphen])
        }
        guard let first = account.first, first.isLetter || first.isNumber, !account.hasSuffix("-") else {
            throw InvalidConfig(
                "sharedConfig.\(key) must start and end its account name with a letter or digit; give \(example)")
        }
        return SnowflakeAccount(
            hostIdentifier: identifier.replacingOccurrences(of: "_", with: "-"),
            domain: domain,
            jwtAccount: account.uppercased())
    }

    /// The account named by a host name, when the host is a Snowflake one (`*.snowflakecomputing.com`).
    public static func fromHost(_ host: String) -> SnowflakeAccount? {
        let lower = host.lowercased()
        guard domains.contains(where: { lower.hasSuffix("." + $0) }) else { return nil }
        return try? parse(lower, key: "accountURL")
    }
}
