/// The name of a step of a ping: one vocabulary for every connector type, documented once here and
/// in the README's report section. Probes record steps only under these names; the report carries
/// them as plain strings (`PingStep.name`), so clients match on the strings below.
public struct StepName: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// The same step against a second host of the same ping ("token" + dns = `token_dns`): an HTTPS
    /// type that also talks to a token endpoint records that host's connection as prefixed steps.
    public func prefixed(by label: String?) -> StepName {
        guard let label, !label.isEmpty else { return self }
        return StepName(rawValue: label + "_" + rawValue)
    }

    // MARK: Reaching the server (every type)

    /// Resolving the host name (skipped for an IP address or when the bastion resolves it).
    public static let dns = StepName(rawValue: "dns")
    /// Opening the TCP connection.
    public static let connect = StepName(rawValue: "connect")
    /// Negotiating TLS (skipped, or a warning, when it is off or refused and allowed to be).
    public static let tls = StepName(rawValue: "tls")

    // MARK: Through an SSH bastion

    public static let sshDNS = StepName(rawValue: "ssh_dns")
    public static let sshConnect = StepName(rawValue: "ssh_connect")
    /// The SSH key exchange and the bastion's host key (pinned or shown).
    public static let sshHandshake = StepName(rawValue: "ssh_handshake")
    /// Our key accepted by the bastion for its user.
    public static let sshAuth = StepName(rawValue: "ssh_auth")
    /// The forwarded (direct-tcpip) channel to the target.
    public static let sshChannel = StepName(rawValue: "ssh_channel")

    // MARK: Speaking the protocol and logging in

    /// Looking up a `mongodb+srv://` name's SRV and TXT records.
    public static let srv = StepName(rawValue: "srv")
    /// Connection-string options this service does not know (ignored, as drivers do), as a warning.
    public static let options = StepName(rawValue: "options")
    /// MongoDB's `hello` handshake (the server's role and version).
    public static let hello = StepName(rawValue: "hello")
    /// A server's first message (MySQL's handshake packet).
    public static let greeting = StepName(rawValue: "greeting")
    /// The server's identity once connected (Redis INFO, PostgreSQL's version).
    public static let server = StepName(rawValue: "server")
    /// The credentials accepted.
    public static let auth = StepName(rawValue: "auth")
    /// The database (or keyspace, dataset, catalog) opened or found.
    public static let database = StepName(rawValue: "database")
    /// Read-only checks that the server is ready for change data capture, or as a destination that the
    /// user may write there (see `checks`).
    public static let readiness = StepName(rawValue: "readiness")
    /// Only with the extension `writeTest: true`: one uniquely named, empty table created and dropped
    /// in the destination (its name is in the detail).
    public static let writeTest = StepName(rawValue: "write_test")
    /// A MongoDB deployment's shape (replica set, sharded, standalone).
    public static let topology = StepName(rawValue: "topology")
    /// Redis: SELECT of the database index.
    public static let select = StepName(rawValue: "select")
    /// Redis: PING.
    public static let ping = StepName(rawValue: "ping")
    /// ClickHouse: the HTTP interface's addresses tried in order.
    public static let addresses = StepName(rawValue: "addresses")

    // MARK: Tokens

    /// Signing a JWT locally (Snowflake key pair, Google service account).
    public static let jwt = StepName(rawValue: "jwt")
    /// An OAuth exchange for an access token (Google, Databricks M2M, Iceberg REST).
    public static let oauthToken = StepName(rawValue: "oauth_token")
    /// Reading a token's own claims locally (MotherDuck): owner, expiry.
    public static let tokenClaims = StepName(rawValue: "token_claims")
    /// AWS STS AssumeRole.
    public static let stsAssumeRole = StepName(rawValue: "sts_assume_role")
    /// AWS STS GetCallerIdentity: whose policies a destination's write permissions are simulated for.
    public static let callerIdentity = StepName(rawValue: "caller_identity")

    // MARK: Provider calls

    /// A session login (Snowflake password) and its logout.
    public static let login = StepName(rawValue: "login")
    public static let logout = StepName(rawValue: "logout")
    /// A read-only statement (Snowflake's `SELECT CURRENT_ROLE()...`).
    public static let statement = StepName(rawValue: "statement")
    /// The warehouse (Snowflake, Databricks SQL) usable and its state.
    public static let warehouse = StepName(rawValue: "warehouse")
    /// A Databricks cluster's state.
    public static let cluster = StepName(rawValue: "cluster")
    /// A Databricks volume.
    public static let volume = StepName(rawValue: "volume")
    /// One read-only API call that proves the token (MotherDuck).
    public static let api = StepName(rawValue: "api")
    /// The service's configuration or endpoints (AWS region and endpoint resolution).
    public static let config = StepName(rawValue: "config")
    public static let listBuckets = StepName(rawValue: "list_buckets")
    public static let headBucket = StepName(rawValue: "head_bucket")
    public static let bucketPermissions = StepName(rawValue: "bucket_permissions")
    public static let describeStream = StepName(rawValue: "describe_stream")
    public static let getTableBucket = StepName(rawValue: "get_table_bucket")
    public static let catalogConfig = StepName(rawValue: "catalog_config")
    public static let listNamespaces = StepName(rawValue: "list_namespaces")
    public static let listDatasets = StepName(rawValue: "list_datasets")
    public static let dataset = StepName(rawValue: "dataset")
    /// BigQuery: a dry-run query that proves `bigquery.jobs.create`.
    public static let queryPermission = StepName(rawValue: "query_permission")

    /// Every name above, for documentation and tests.
    public static let all: [StepName] = [
        .dns, .connect, .tls, .srv, .options, .hello, .sshDNS, .sshConnect, .sshHandshake, .sshAuth, .sshChannel,
        .greeting, .server, .auth,
        .database, .readiness, .writeTest, .topology, .select, .ping, .addresses, .jwt, .oauthToken, .tokenClaims,
        .stsAssumeRole, .callerIdentity,
        .login, .logout, .statement, .warehouse, .cluster, .volume, .api, .config, .listBuckets, .headBucket,
        .bucketPermissions, .describeStream, .getTableBucket, .catalogConfig, .listNamespaces, .listDatasets, .dataset,
        .queryPermission,
    ]
}
